"""The emulator checked with clients that are not ours: botocore for SigV4,
and a small reference Roles Anywhere signer written here with
python3-cryptography (itself checked against the public vectors).

Run: /usr/bin/python3 -m pytest tests/emulator -q
"""

import base64
import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import time
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, SSLError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from awsemu.sigv4_verify import canonical_request as emulator_canonical_request  # noqa: E402
from awsemu.x509_verify import verify_string_signature  # noqa: E402
from fixture import Emulator, EmulatorError  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
VECTORS = os.path.join(REPO, "tests", "vectors", "rolesanywhere")
ACCOUNT = "111122223333"
REGION = "us-west-2"
TRUST_ANCHOR = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:trust-anchor/4a3c1f0e-emulator"
PROFILE = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:profile/7b9d2e11-emulator"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-pull"
ACCESS_KEY_RE = re.compile(r"^ASIA[A-Z0-9]{16}$")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    emulator = Emulator().start(tmp_path_factory.mktemp("emulator"))
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def clean(request):
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").reset()
    yield


def send(emu, method, path, headers=None, body=b"", timeout=10):
    """One raw HTTPS request; returns (status, headers dict lower-cased, body bytes)."""
    connection = http.client.HTTPSConnection("127.0.0.1", emu.port, timeout=timeout,
                                             context=ssl.create_default_context(cafile=emu.ca_bundle))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def sigv4_headers(emu, service, region, body, headers, creds=None, when=None):
    """Headers of a POST / signed by botocore's SigV4Auth (optionally at time `when`)."""
    creds = creds or emu.static_credentials[0]
    request = AWSRequest(method="POST", url=emu.url + "/", data=body, headers=headers)
    auth = SigV4Auth(Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds.get("sessionToken")),
                     service, region)
    if when is None:
        auth.add_auth(request)
    else:
        with mock.patch("botocore.auth.datetime") as fake:
            fake.datetime.utcnow.return_value = when
            auth.add_auth(request)
    return dict(request.headers.items())


ECR_HEADERS = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"}


def ecr_raw(emu, body=b"{}", **kwargs):
    return send(emu, "POST", "/", sigv4_headers(emu, "ecr", REGION, body, dict(ECR_HEADERS), **kwargs), body)


def decode_token(token):
    user, _, password = base64.b64decode(token).decode().partition(":")
    return user, password


def client_error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


# ---------------------------------------- a reference Roles Anywhere signer

def pem_blocks(path):
    """The PEM block types of a file, in order."""
    with open(path, encoding="ascii") as handle:
        return re.findall(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", handle.read(), re.S)


def load_leaf(path):
    return x509.load_pem_x509_certificate(open(path, "rb").read())


def load_key(path, password=None):
    """The private key block of `path`, whichever of the formats it is in."""
    text = open(path, "rb").read().decode()
    for kind in ("ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"):
        match = re.search(rf"-----BEGIN {kind}-----.*?-----END {kind}-----", text, re.S)
        if match:
            return serialization.load_pem_private_key(match.group(0).encode(),
                                                      password.encode() if password else None)
    raise ValueError(f"no private key in {path}")


def b64der(cert):
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def ra_canonical(method, path, query, headers, body):
    """SigV4 canonical request, written out independently of botocore.
    `headers`: {lower-case name: value}, all signed."""
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in query))
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names)
    return "\n".join([method, path, canonical_query, canonical_headers, ";".join(names),
                      hashlib.sha256(body).hexdigest()]), ";".join(names)


def ra_string_to_sign(algorithm, amz_date, scope, canonical):
    return "\n".join([algorithm, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def key_algorithm(key):
    return "AWS4-X509-RSA-SHA256" if isinstance(key, rsa.RSAPrivateKey) else "AWS4-X509-ECDSA-SHA256"


def ra_signature(key, string_to_sign):
    """Lower-case hex of the key's signature: RSA PKCS#1 v1.5 or DER ECDSA, both over SHA-256."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
    return key.sign(string_to_sign.encode(), ec.ECDSA(hashes.SHA256())).hex()


def create_session_request(emu, client, params=None, in_body=False, chain=None, when=None, region=REGION,
                           serial=None, tamper=False, unsigned=(), algorithm=None, body_extra=None, query_safe=""):
    """(path, headers, body) of a CreateSession signed with pki client `client`
    (its kubelet-style combined file when it has one). `query_safe`: characters
    left unencoded in the query on the wire (the signature always encodes them)."""
    entry = emu.pki["clients"][client]
    leaf = load_leaf(entry.get("combined", entry["cert"]))
    key = load_key(entry.get("combined", entry["key"]), entry.get("password"))
    if chain is None and "intermediates" in entry:
        chain = [load_leaf(entry["intermediates"])]
    params = dict(params or {"profileArn": PROFILE, "roleArn": ROLE, "trustAnchorArn": TRUST_ANCHOR})
    document = {"durationSeconds": 3600}
    document.update(body_extra or {})
    query = []
    if in_body:
        document.update(params)
    else:
        query = sorted(params.items())
    body = json.dumps(document).encode()
    amz_date = (when or datetime.datetime.utcnow()).strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/json", "host": f"127.0.0.1:{emu.port}", "x-amz-date": amz_date,
               "x-amz-x509": b64der(leaf)}
    if chain:
        headers["x-amz-x509-chain"] = ",".join(b64der(c) for c in chain)
    signed = {k: v for k, v in headers.items() if k not in unsigned}
    canonical, signed_names = ra_canonical("POST", "/sessions", query, signed, body)
    scope = f"{amz_date[:8]}/{region}/rolesanywhere/aws4_request"
    algorithm = algorithm or key_algorithm(key)
    signature = ra_signature(key, ra_string_to_sign(algorithm, amz_date, scope, canonical))
    if tamper:
        signature = signature[:-2] + ("00" if signature[-2:] != "00" else "11")
    headers["authorization"] = (f"{algorithm} Credential={serial or leaf.serial_number}/{scope}, "
                                f"SignedHeaders={signed_names}, Signature={signature}")
    path = "/sessions" + ("?" + "&".join(f"{quote(k, safe=query_safe)}={quote(v, safe=query_safe)}" for k, v in query)
                          if query else "")
    return path, headers, body


def create_session(emu, client="ec-p256", **kwargs):
    path, headers, body = create_session_request(emu, client, **kwargs)
    status, response_headers, data = send(emu, "POST", path, headers, body)
    return status, response_headers, json.loads(data) if data else None


def session_credentials(document):
    creds = document["credentialSet"][0]["credentials"]
    return {"accessKeyId": creds["accessKeyId"], "secretAccessKey": creds["secretAccessKey"],
            "sessionToken": creds["sessionToken"]}


# ---------------------------------------------------------------- ECR

def test_ecr_get_authorization_token_with_static_keys(emu):
    creds = emu.static_credentials[0]
    reply = emu.client("ecr", REGION).get_authorization_token()
    [data] = reply["authorizationData"]
    assert decode_token(data["authorizationToken"]) == (
        "AWS", emu.ecr_password(creds["account"], REGION, creds["accessKeyId"]))
    assert data["proxyEndpoint"] == f"https://{creds['account']}.dkr.ecr.{REGION}.amazonaws.com"
    remaining = (data["expiresAt"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 12 * 3600 - 60 < remaining <= 12 * 3600 + 1
    assert emu.count("ecr:GetAuthorizationToken", "ok") == 1


def test_ecr_registry_ids_and_partitions(emu):
    reply = emu.client("ecr", "cn-north-1").get_authorization_token(registryIds=["123456789012", "444455556666"])
    accounts = [d["proxyEndpoint"] for d in reply["authorizationData"]]
    assert accounts == ["https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                        "https://444455556666.dkr.ecr.cn-north-1.amazonaws.com.cn"]
    key = emu.static_credentials[0]["accessKeyId"]
    assert decode_token(reply["authorizationData"][1]["authorizationToken"])[1] == emu.ecr_password(
        "444455556666", "cn-north-1", key)
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION).get_authorization_token(registryIds=["12345"])
    assert client_error(excinfo)[0] == "ValidationException"


def test_ecr_token_lifetime_is_configurable(emu):
    emu.configure(ecr_token_lifetime=-60)
    reply = emu.client("ecr", REGION).get_authorization_token()
    expires = reply["authorizationData"][0]["expiresAt"]
    assert expires < datetime.datetime.now(datetime.timezone.utc)


def test_ecr_wrong_secret_is_rejected(emu):
    creds = dict(emu.static_credentials[0], secretAccessKey="not-the-secret")
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION, credentials=creds).get_authorization_token()
    code, message = client_error(excinfo)
    assert code == "InvalidSignatureException"
    assert message.startswith("The request signature we calculated does not match")
    assert emu.count("ecr:GetAuthorizationToken", "rejected") == 1


def test_ecr_unknown_key_is_rejected(emu):
    creds = {"accessKeyId": "AKIDUNKNOWNKEY000001", "secretAccessKey": "x"}
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION, credentials=creds).get_authorization_token()
    assert client_error(excinfo) == ("UnrecognizedClientException",
                                     "The security token included in the request is invalid.")


def test_ecr_missing_authentication(emu):
    status, headers, body = send(emu, "POST", "/", dict(ECR_HEADERS), b"{}")
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert json.loads(body)["__type"] == "MissingAuthenticationTokenException"


def test_ecr_signature_expired(emu):
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
    status, _, body = ecr_raw(emu, when=old)
    error = json.loads(body)
    assert (status, error["__type"]) == (400, "InvalidSignatureException")
    assert error["message"].startswith("Signature expired:")


def test_ecr_tampered_body_is_rejected(emu):
    headers = sigv4_headers(emu, "ecr", REGION, b"{}", dict(ECR_HEADERS))
    status, _, body = send(emu, "POST", "/", headers, b'{"registryIds":["123456789012"]}')
    assert (status, json.loads(body)["__type"]) == (400, "InvalidSignatureException")


def test_ecr_public(emu):
    creds = emu.static_credentials[1]
    reply = emu.client("ecr-public", "us-east-1", credentials=creds).get_authorization_token()
    data = reply["authorizationData"]
    assert decode_token(data["authorizationToken"]) == (
        "AWS", emu.ecr_public_password(creds["account"], creds["accessKeyId"]))
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr-public", "us-west-2").get_authorization_token()
    assert client_error(excinfo)[0] == "InvalidSignatureException"
    assert emu.count("ecr-public:GetAuthorizationToken", "ok") == 1
    assert emu.count("ecr-public:GetAuthorizationToken", "rejected") == 1


# ---------------------------------------------------------------- STS

def assume(emu, role=ROLE, **kwargs):
    reply = emu.client("sts", REGION).assume_role(RoleArn=role, RoleSessionName="pullcred-test", **kwargs)
    c = reply["Credentials"]
    return reply, {"accessKeyId": c["AccessKeyId"], "secretAccessKey": c["SecretAccessKey"],
                   "sessionToken": c["SessionToken"]}


def test_sts_assume_role_issues_working_credentials(emu):
    role = "arn:aws:iam::999988887777:role/path/cross-account-pull"
    reply, creds = assume(emu, role, DurationSeconds=1800)
    assert ACCESS_KEY_RE.match(creds["accessKeyId"])
    assert reply["AssumedRoleUser"]["Arn"] == "arn:aws:sts::999988887777:assumed-role/cross-account-pull/pullcred-test"
    remaining = (reply["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 1700 < remaining <= 1800
    identity = emu.client("sts", REGION, credentials=creds).get_caller_identity()
    assert identity["Account"] == "999988887777"
    token = emu.client("ecr", REGION, credentials=creds).get_authorization_token()["authorizationData"][0]
    assert decode_token(token["authorizationToken"])[1] == emu.ecr_password("999988887777", REGION,
                                                                             creds["accessKeyId"])
    without_token = dict(creds, sessionToken=None)
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION, credentials=without_token).get_authorization_token()
    assert client_error(excinfo)[0] == "UnrecognizedClientException"
    # role chaining is capped at one hour, as on AWS
    with pytest.raises(ClientError) as excinfo:
        emu.client("sts", REGION, credentials=creds).assume_role(RoleArn=ROLE, RoleSessionName="again",
                                                                  DurationSeconds=7200)
    assert client_error(excinfo)[0] == "ValidationError"


def test_sts_external_id(emu):
    emu.configure(sts_external_ids={ROLE: "ext-123"})
    with pytest.raises(ClientError) as excinfo:
        assume(emu)
    assert client_error(excinfo)[0] == "AccessDenied"
    assume(emu, ExternalId="ext-123")
    assert emu.count("sts:AssumeRole", "ok") == 1
    assert emu.count("sts:AssumeRole", "rejected") == 1


def test_sts_errors_are_xml(emu):
    body = b"Action=AssumeRole&Version=2011-06-15&RoleArn=" + quote(ROLE, safe="").encode() + b"&RoleSessionName=s"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    wrong = dict(emu.static_credentials[0], secretAccessKey="wrong")
    status, headers, data = send(emu, "POST", "/", sigv4_headers(emu, "sts", REGION, body, dict(form), wrong), body)
    assert status == 403 and headers["content-type"] == "text/xml"
    text = data.decode()
    assert "<ErrorResponse" in text and "<Type>Sender</Type>" in text
    assert "<Code>SignatureDoesNotMatch</Code>" in text
    status, _, data = send(emu, "POST", "/", dict(form), body)
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in data
    with pytest.raises(ClientError) as excinfo:
        emu.client("sts", REGION, credentials={"accessKeyId": "AKIDNOBODY0000000001", "secretAccessKey": "x"}
                   ).get_caller_identity()
    assert client_error(excinfo)[0] == "InvalidClientTokenId"


def test_issued_credentials_expire(emu):
    emu.configure(issued_credentials_lifetime=1)
    _, creds = assume(emu)
    time.sleep(1.2)
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION, credentials=creds).get_authorization_token()
    assert client_error(excinfo)[0] == "ExpiredTokenException"


def web_identity(emu, token, role=ROLE):
    return emu.client("sts", REGION).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="kep-4412", WebIdentityToken=token)


def test_web_identity_good_token(emu):
    reply = web_identity(emu, emu.mint_jwt(sub="system:serviceaccount:kube-system:pullcred"))
    assert reply["SubjectFromWebIdentityToken"] == "system:serviceaccount:kube-system:pullcred"
    assert ACCESS_KEY_RE.match(reply["Credentials"]["AccessKeyId"])
    assert reply["AssumedRoleUser"]["Arn"].endswith(":assumed-role/ecr-pull/kep-4412")
    assert emu.count("sts:AssumeRoleWithWebIdentity", "ok") == 1


@pytest.mark.parametrize("case, code, message", [
    ("foreign key", "InvalidIdentityToken", "could not be verified"),
    ("audience", "InvalidIdentityToken", "Incorrect token audience"),
    ("expired", "ExpiredTokenException", "Token expired"),
    ("issuer", "InvalidIdentityToken", "No OpenIDConnect provider"),
    ("garbage", "InvalidIdentityToken", "not a valid JWT"),
])
def test_web_identity_bad_tokens(emu, case, code, message):
    tokens = {
        "foreign key": lambda: emu.mint_jwt(private_key=emu.pki["clients"]["rsa"]["key"]),
        "audience": lambda: emu.mint_jwt(aud="someone-else"),
        "expired": lambda: emu.mint_jwt(exp=int(time.time()) - 10),
        "issuer": lambda: emu.mint_jwt(iss="https://evil.example"),
        "garbage": lambda: "not-a-jwt",
    }
    with pytest.raises(ClientError) as excinfo:
        web_identity(emu, tokens[case]())
    got_code, got_message = client_error(excinfo)
    assert got_code == code and message in got_message
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ------------------------------------------------------- Roles Anywhere

@pytest.mark.parametrize("client", ["ec-p256", "ec-p256-params", "ec-p256-encrypted", "ec-p384", "rsa",
                                    "rsa-pkcs1", "rsa-encrypted", "intermediate"])
def test_create_session_accepts_every_key_kind(emu, client):
    status, headers, document = create_session(emu, client)
    assert status == 201, (headers.get("x-emulator-detail"), document)
    entry = document["credentialSet"][0]
    assert entry["roleArn"] == ROLE
    assert entry["sourceIdentity"] == emu.pki["clients"][client]["subject"]
    assert document["subjectArn"].startswith(f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:subject/")
    creds = session_credentials(document)
    assert ACCESS_KEY_RE.match(creds["accessKeyId"])
    expiration = datetime.datetime.strptime(entry["credentials"]["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert 3500 < (expiration - datetime.datetime.utcnow()).total_seconds() <= 3600
    token = emu.client("ecr", REGION, credentials=creds).get_authorization_token()["authorizationData"][0]
    assert decode_token(token["authorizationToken"])[1] == emu.ecr_password(ACCOUNT, REGION, creds["accessKeyId"])
    recent = emu.calls()["recent"]
    assert recent[0]["action"] == "rolesanywhere:CreateSession"
    assert recent[0]["accessKeyId"] == emu.pki["clients"][client]["serial"]


def test_create_session_with_arns_in_body_and_session_name(emu):
    status, _, document = create_session(emu, "rsa", in_body=True, body_extra={"durationSeconds": 900,
                                                                               "roleSessionName": "node-a"})
    assert status == 201
    assert document["credentialSet"][0]["assumedRoleUser"]["arn"].endswith("assumed-role/ecr-pull/node-a")
    expiration = datetime.datetime.strptime(document["credentialSet"][0]["credentials"]["expiration"],
                                            "%Y-%m-%dT%H:%M:%SZ")
    assert (expiration - datetime.datetime.utcnow()).total_seconds() <= 900


def test_create_session_query_encoding_on_the_wire_does_not_matter(emu):
    """AWS decodes and re-encodes the query before canonicalizing it."""
    status, _, _ = create_session(emu, "ec-p256", query_safe=":/")
    assert status == 201


@pytest.mark.parametrize("case, kwargs, status, error_type, message", [
    ("tampered signature", dict(tamper=True), 403, "AccessDeniedException", "Invalid signature"),
    ("wrong serial", dict(serial="12345"), 403, "AccessDeniedException", "Invalid signature"),
    ("algorithm does not fit the key", dict(algorithm="AWS4-X509-RSA-SHA256"), 403, "AccessDeniedException",
     "Invalid signature"),
    ("x509 header not signed", dict(unsigned=("x-amz-x509",)), 403, "AccessDeniedException", "Invalid signature"),
    ("untrusted CA", dict(client="untrusted"), 403, "AccessDeniedException", "Untrusted Signing Certificate"),
    ("expired certificate", dict(client="expired"), 403, "AccessDeniedException", "Untrusted Signing Certificate"),
    ("not yet valid", dict(client="not-yet-valid"), 403, "AccessDeniedException", "Untrusted Signing Certificate"),
    ("intermediate without chain", dict(client="intermediate", chain=[]), 403, "AccessDeniedException",
     "Untrusted Signing Certificate"),
    ("old date", dict(when=datetime.datetime.utcnow() - datetime.timedelta(minutes=6)), 403,
     "AccessDeniedException", "Signature expired"),
    ("missing profile", dict(params={"roleArn": ROLE, "trustAnchorArn": TRUST_ANCHOR}), 400,
     "ValidationException", "profileArn"),
    ("short duration", dict(body_extra={"durationSeconds": 100}), 400, "ValidationException", "durationSeconds"),
    ("other region", dict(region="eu-west-1"), 404, "ResourceNotFoundException", "Trust anchor not found"),
])
def test_create_session_rejections(emu, case, kwargs, status, error_type, message):
    kwargs = dict(kwargs)
    client = kwargs.pop("client", "ec-p256")
    got_status, headers, document = create_session(emu, client, **kwargs)
    assert (got_status, headers.get("x-amzn-errortype")) == (status, error_type), headers.get("x-emulator-detail")
    assert message in document["message"]
    assert set(document) == {"message"}
    assert emu.count("rolesanywhere:CreateSession", "rejected") == 1


def test_create_session_missing_authorization(emu):
    status, headers, _ = send(emu, "POST", "/sessions", {"Content-Type": "application/json"}, b"{}")
    assert status == 403 and headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


# ------------------------------------------------ public signing vectors

def vector(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as handle:
        return handle.read()


VECTOR_BODY = (b'{"durationSeconds":3600.0,"profileArn":"arn:profile-arn","roleArn":"arn:role-arn",'
               b'"roleSessionName":"session","trustAnchorArn":"arn:trust-anchor-arn"}')


def vector_headers(with_chain):
    leaf = load_leaf(os.path.join(VECTORS, "cert.pem"))
    headers = {"content-type": "application/json", "host": "rolesanywhere.ap-southeast-2.amazonaws.com",
               "x-amz-content-sha256": hashlib.sha256(VECTOR_BODY).hexdigest(),
               "x-amz-date": "20180102T030405Z", "x-amz-x509": b64der(leaf)}
    if with_chain:
        headers["x-amz-x509-chain"] = b64der(load_leaf(os.path.join(VECTORS, "chain.pem")))
    return leaf, headers


@pytest.mark.parametrize("name, with_chain", [("v1", False), ("v2", True)])
def test_reference_signer_matches_public_vectors(name, with_chain):
    leaf, headers = vector_headers(with_chain)
    canonical, signed = ra_canonical("POST", "/sessions", [], headers, VECTOR_BODY)
    assert canonical == vector(f"{name}.canonical_request.txt")
    to_sign = ra_string_to_sign("AWS4-X509-RSA-SHA256", "20180102T030405Z",
                                "20180102/ap-southeast-2/rolesanywhere/aws4_request", canonical)
    assert to_sign == vector(f"{name}.string_to_sign.txt")
    digest_line, signature = vector(f"{name}.out").split("\n")[:2]
    assert digest_line == "canonical-request-sha256: " + hashlib.sha256(canonical.encode()).hexdigest()
    key = load_key(os.path.join(VECTORS, "key.pem"))
    assert key_algorithm(key) == "AWS4-X509-RSA-SHA256"
    assert ra_signature(key, to_sign) == signature
    assert leaf.serial_number == 131827979019394590882466519576505238184
    # the emulator's side: botocore's canonical request and cryptography's verification agree
    assert emulator_canonical_request("POST", headers["host"], "/sessions", "", list(headers.items()),
                                      signed.split(";"), VECTOR_BODY) == canonical
    assert verify_string_signature(leaf, "AWS4-X509-RSA-SHA256", signature, to_sign.encode())
    assert not verify_string_signature(leaf, "AWS4-X509-RSA-SHA256", signature, to_sign.encode() + b"x")


def test_ec_vector_key_signs_and_verifies():
    leaf = load_leaf(os.path.join(VECTORS, "ec-combined-kubelet-style.pem"))
    key = load_key(os.path.join(VECTORS, "ec-combined-kubelet-style.pem"))
    assert leaf.serial_number == 5215639076998761095638506031589467414
    to_sign = vector("v1.string_to_sign.txt")
    algorithm = key_algorithm(key)
    signature = ra_signature(key, to_sign)
    assert algorithm == "AWS4-X509-ECDSA-SHA256"
    assert verify_string_signature(leaf, algorithm, signature, to_sign.encode())
    assert not verify_string_signature(leaf, "AWS4-X509-RSA-SHA256", signature, to_sign.encode())


# ---------------------------------------------------------------- faults

def test_fault_status(emu):
    emu.inject("status", action="ecr:GetAuthorizationToken", code=503, error_type="ServiceUnavailableException",
               message="try later")
    status, headers, body = ecr_raw(emu)
    assert status == 503 and json.loads(body) == {"__type": "ServiceUnavailableException", "message": "try later"}
    assert ecr_raw(emu)[0] == 200  # count defaults to 1
    assert emu.count("ecr:GetAuthorizationToken", "faulted") == 1
    assert emu.count("ecr:GetAuthorizationToken", "ok") == 1


def test_fault_status_defaults_per_protocol(emu):
    emu.inject("status", action="sts:AssumeRole", code=500)
    with pytest.raises(ClientError) as excinfo:
        assume(emu)
    assert client_error(excinfo)[0] == "InternalFailure"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_fault_throttle_per_service(emu):
    emu.inject("throttle", count=3)
    with pytest.raises(ClientError) as excinfo:
        emu.client("ecr", REGION).get_authorization_token()
    assert client_error(excinfo) == ("ThrottlingException", "Rate exceeded")
    with pytest.raises(ClientError) as excinfo:
        assume(emu)
    assert client_error(excinfo)[0] == "Throttling"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    status, headers, document = create_session(emu)
    assert (status, headers["x-amzn-errortype"], document["message"]) == (429, "ThrottlingException",
                                                                           "Rate exceeded")


def test_fault_delay(emu):
    emu.inject("delay", action="ecr:GetAuthorizationToken", seconds=0.5)
    started = time.monotonic()
    status, _, _ = ecr_raw(emu)
    assert status == 200 and time.monotonic() - started >= 0.5
    assert emu.count("ecr:GetAuthorizationToken", "ok") == 1


def test_fault_malformed_json(emu):
    emu.inject("malformed_json", action="rolesanywhere:CreateSession")
    path, headers, body = create_session_request(emu, "ec-p256")
    status, _, data = send(emu, "POST", path, headers, body)
    assert status == 201
    with pytest.raises(ValueError):
        json.loads(data)


def test_fault_truncated(emu):
    emu.inject("truncated", action="ecr:GetAuthorizationToken")
    with pytest.raises(http.client.IncompleteRead):
        ecr_raw(emu)


def test_fault_reset(emu):
    emu.inject("reset", action="ecr:GetAuthorizationToken")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError)):
        ecr_raw(emu)
    assert emu.calls()["recent"][-1]["status"] == 0


def test_fault_wrong_content_type(emu):
    emu.inject("wrong_content_type", action="ecr:GetAuthorizationToken")
    status, headers, body = ecr_raw(emu)
    assert status == 200 and headers["content-type"] == "text/html"
    assert "authorizationData" in json.loads(body)


def test_fault_ok_with_error_body(emu):
    emu.inject("ok_with_error_body", action="ecr:GetAuthorizationToken")
    status, _, body = ecr_raw(emu)
    assert status == 200 and json.loads(body)["__type"] == "AccessDeniedException"


def test_fault_empty_credential_set(emu):
    emu.inject("empty_credential_set", count=2)
    status, _, document = create_session(emu)
    assert status == 201 and document["credentialSet"] == []
    status, _, body = ecr_raw(emu)
    assert json.loads(body) == {"authorizationData": []}


def test_faults_match_their_action_only(emu):
    emu.inject("throttle", action="sts:AssumeRole", count=2)
    assert ecr_raw(emu)[0] == 200
    assert len(emu.pending_faults()) == 1 and emu.pending_faults()[0]["remaining"] == 2
    with pytest.raises(EmulatorError):
        emu.inject("no-such-kind")


# ------------------------------------------------- control API, threads

def test_calls_report_counts_and_no_secrets(emu):
    creds = emu.static_credentials[0]
    emu.client("ecr", REGION).get_authorization_token()
    _, issued = assume(emu)
    calls = emu.calls()
    assert calls["counts"]["ecr:GetAuthorizationToken"] == 1 and calls["counts"]["sts:AssumeRole"] == 1
    assert calls["counts"]["rolesanywhere:CreateSession"] == 0
    first = calls["recent"][0]
    assert (first["action"], first["region"], first["account"], first["accessKeyId"], first["status"]) == (
        "ecr:GetAuthorizationToken", REGION, creds["account"], creds["accessKeyId"], 200)
    text = json.dumps(calls) + json.dumps(emu.control("GET", "credentials")) + open(emu.log_path).read()
    for secret in (creds["secretAccessKey"], issued["secretAccessKey"], issued["sessionToken"]):
        assert secret not in text


def test_fifty_concurrent_requests_share_faults_exactly(emu):
    emu.inject("throttle", action="ecr:GetAuthorizationToken", count=10)

    def one(_):
        status, _, body = ecr_raw(emu)
        return status, json.loads(body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(50)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 40 + [400] * 10
    assert all(doc["__type"] == "ThrottlingException" for status, doc in results if status == 400)
    actions = emu.calls()["actions"]["ecr:GetAuthorizationToken"]
    assert actions == {"total": 50, "ok": 40, "rejected": 0, "faulted": 10}


def test_plain_http_control_api(emu):
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.request("GET", "/_emulator/health")
    assert json.loads(connection.getresponse().read()) == {"ok": True}
    connection.close()


def test_untrusted_server_certificate_is_refused(emu, tmp_path):
    pki = emu.pki
    with Emulator(pki_dir=pki["dir"], tls_cert=pki["untrusted_server"]["cert"],
                  tls_key=pki["untrusted_server"]["key"], ca_bundle=pki["untrusted_ca"]["cert"]) as untrusted:
        untrusted.start(tmp_path)  # its health check trusts the untrusted CA on purpose
        untrusted.ca_bundle = pki["ca"]["cert"]
        with pytest.raises(SSLError):
            untrusted.client("ecr", REGION).get_authorization_token()
        assert untrusted.count("ecr:GetAuthorizationToken") == 0


def test_fixture_reports_a_failed_start(tmp_path):
    with pytest.raises(EmulatorError, match="exited with status 2"):
        Emulator(extra_args=["--no-such-flag"]).start(tmp_path)


def test_pki_cli_writes_a_consistent_manifest(tmp_path):
    out = tmp_path / "pki"
    subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                    os.path.join(HERE, "pki.py"), str(out)], check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    combined = manifest["clients"]["ec-p256"]["combined"]
    assert pem_blocks(combined) == ["CERTIFICATE", "EC PRIVATE KEY"]
    for name, entry in manifest["clients"].items():
        cert = load_leaf(entry["cert"])
        assert str(cert.serial_number) == entry["serial"], name
        key = load_key(entry["key"], entry.get("password"))
        assert key.public_key().public_numbers() == cert.public_key().public_numbers(), name
    assert pem_blocks(manifest["clients"]["ec-p256-params"]["key"]) == ["EC PARAMETERS", "EC PRIVATE KEY"]
    assert pem_blocks(manifest["clients"]["rsa-pkcs1"]["key"]) == ["RSA PRIVATE KEY"]
    assert pem_blocks(manifest["clients"]["rsa-encrypted"]["key"]) == ["ENCRYPTED PRIVATE KEY"]
    expired = load_leaf(manifest["clients"]["expired"]["cert"])
    assert expired.not_valid_after < datetime.datetime.utcnow()
    assert load_leaf(manifest["clients"]["not-yet-valid"]["cert"]).not_valid_before > datetime.datetime.utcnow()
    assert os.stat(manifest["clients"]["rsa"]["key"]).st_mode & 0o077 == 0


# -- the credential endpoints' listeners --

def _http(url, method="GET", headers=None, context=None):
    import urllib.error
    import urllib.request
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _ecr_accepts(emu, document_keys):
    access_key_id, secret, token = document_keys
    client = emu.client("ecr", credentials={"accessKeyId": access_key_id, "secretAccessKey": secret,
                                            "sessionToken": token})
    return client.get_authorization_token()["authorizationData"][0]["authorizationToken"]


def test_imds_v2_token_then_role_then_credentials(emu):
    status, _ = _http(emu.imds_url + "/latest/meta-data/iam/security-credentials/")
    assert status == 401  # no token
    status, token = _http(emu.imds_url + "/latest/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 200 and token
    auth = {"X-aws-ec2-metadata-token": token}
    status, role = _http(emu.imds_url + "/latest/meta-data/iam/security-credentials/", headers=auth)
    assert (status, role.strip()) == (200, "pullcred-instance")
    status, body = _http(emu.imds_url + "/latest/meta-data/iam/security-credentials/pullcred-instance", headers=auth)
    document = json.loads(body)
    assert status == 200 and document["Code"] == "Success"
    assert _ecr_accepts(emu, (document["AccessKeyId"], document["SecretAccessKey"], document["Token"]))
    assert [emu.count(a, "ok") for a in ("imds:GetToken", "imds:ListRoles", "imds:GetCredentials")] == [1, 1, 1]
    assert emu.count("imds:ListRoles", "rejected") == 1
    assert emu.issued("imds:GetCredentials")[-1]["accessKeyId"] == document["AccessKeyId"]


def test_imds_token_refusal_and_v1(emu):
    status, _ = _http(emu.imds_url + "/latest/api/token", "PUT")
    assert status == 400  # no TTL header
    emu.configure(imds_token_status=403, imds_v1_allowed=True)
    status, _ = _http(emu.imds_url + "/latest/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 403
    status, role = _http(emu.imds_url + "/latest/meta-data/iam/security-credentials/")
    assert status == 200 and role.strip() == "pullcred-instance"
    emu.configure(imds_role_arn=None)
    assert _http(emu.imds_url + "/latest/meta-data/iam/security-credentials/")[0] == 404


def test_container_endpoint_checks_the_authorization_token(emu):
    status, body = _http(emu.container_url + "/v1/credentials")
    assert status == 200 and json.loads(body)["RoleArn"].endswith(":role/pullcred-container")
    emu.configure(container_authorization_token="emu-container-token")
    assert _http(emu.container_url + "/v1/credentials")[0] == 401
    assert _http(emu.container_url + "/v1/credentials", headers={"Authorization": "wrong"})[0] == 403
    status, body = _http(emu.container_url + "/v1/credentials", headers={"Authorization": "emu-container-token"})
    document = json.loads(body)
    assert status == 200
    assert _ecr_accepts(emu, (document["AccessKeyId"], document["SecretAccessKey"], document["Token"]))
    assert emu.count("container:GetCredentials", "rejected") == 2


def test_sso_portal_checks_the_bearer_token(emu, tmp_path):
    context = ssl.create_default_context(cafile=emu.ca_bundle)
    url = emu.sso_url + "/federation/credentials?role_name=Dev&account_id=777788889999"
    assert _http(url, context=context)[0] == 401
    path, token = emu.sso_login(tmp_path, session="corp")
    assert path == os.path.join(tmp_path, ".aws", "sso", "cache", hashlib.sha1(b"corp").hexdigest() + ".json")
    status, body = _http(url, headers={"x-amz-sso_bearer_token": token}, context=context)
    role = json.loads(body)["roleCredentials"]
    assert status == 200 and role["expiration"] > time.time() * 1000
    assert _ecr_accepts(emu, (role["accessKeyId"], role["secretAccessKey"], role["sessionToken"]))
    assert emu.issued("sso:GetRoleCredentials")[-1]["account"] == "777788889999"
    assert token in emu.secrets()
