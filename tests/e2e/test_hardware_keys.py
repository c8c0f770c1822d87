"""Keys held in hardware for IAM Roles Anywhere, end to end with the real
binary against the emulator (which verifies every SigV4-X509 signature):

- PKCS#11: a real SoftHSM2 token made by the test (softhsm2-util), EC and RSA
  key pairs generated inside it (pkcs11-tool --keypairgen: the private keys
  never leave it), their certificates issued by the emulator's CA and stored
  beside them. `pkcs11:` URIs in an AWS config credential_process line
  (served natively by aws.shared-config), in an aws.roles-anywhere profile
  (certificate and key in the token, its issuers from the token as the chain,
  a certificate file with the key in the
  token, the module found through p11-kit's proxy), read-certificate-data
  and sign-string (checked with `openssl dgst -verify`).
- TPM 2.0: a software TPM (swtpm) started by the test, keys created in it
  with tpm2-openssl (TSS2 PEM files, with and without a password) and
  tpm2-tools (a persistent handle with a password), certificates issued by
  the emulator's CA; the same three ways in.
- --pkcs8-password in a credential_process line, served natively.
- Errors: one line naming what is wrong and the fix; no PIN or key password
  in any output, while a URI's token= label stays readable.
"""
import base64
import datetime
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import PULLCRED, kubelet_request, scrubbed_env


CREATE_SESSION = "rolesanywhere:CreateSession"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-hardware"
PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-hardware"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
IMAGE = "444455556666.dkr.ecr.us-west-2.amazonaws.com/team/app"
BARE_PATH = "/usr/bin:/bin"
FIXED_PREFIX = b"AWS Roles Anywhere Credential Helper Signing Test1"

SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"
P11_PROXY = "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
TOKEN = "node-hsm"
USER_PIN = "739104"
SO_PIN = "5566778899"
TPM_PASSWORD = "tpm-key-pw-4471"
HANDLE = "0x81000010"


def need(*programs, paths=()):
    """Skips only when a Debian package the test drives is not installed."""
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (Debian package needed; .ci/install-deps installs it)")
    for path in paths:
        if not os.path.exists(path):
            pytest.skip(f"{path} is not installed (.ci/install-deps installs it)")


def check(*args, env=None, stdin=None):
    completed = subprocess.run(list(args), capture_output=True, env=env, input=stdin, timeout=120, check=False)
    assert completed.returncode == 0, (args, completed.stderr.decode(errors="replace"))
    return completed.stdout


@pytest.fixture(autouse=True)
def fresh(request):
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


class Ca:
    """The emulator's CA, issuing leaves for public keys made in hardware."""

    def __init__(self, emulator, name="ca"):
        with open(emulator.pki[name]["cert"], "rb") as handle:
            self.cert = x509.load_pem_x509_certificate(handle.read())
        with open(emulator.pki[name]["key"], "rb") as handle:
            self.key = serialization.load_pem_private_key(handle.read(), password=None)
        self.intermediate = Ca(emulator, "intermediate_ca") if name == "ca" else None

    def issue(self, public_key, name, path):
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes"),
                                         x509.NameAttribute(NameOID.COMMON_NAME, f"system:node:{name}")]))
                .issuer_name(self.cert.subject)
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=7))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert


@pytest.fixture(scope="module")
def ca(emulator):
    return Ca(emulator)


def run(*args, env=None, stdin=b""):
    full = scrubbed_env()
    full.update(env or {})
    return subprocess.run([str(PULLCRED), *args], input=stdin, capture_output=True, env=full, timeout=120,
                          check=False)


def one_error_line(completed):
    assert completed.returncode == 1, completed
    assert completed.stdout == b""
    lines = [line for line in completed.stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr.decode()
    return lines[0]


def emulator_env(emulator, extra):
    env = {"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(emulator.ca_bundle),
           "AWS_EC2_METADATA_DISABLED": "true", "PATH": BARE_PATH}
    env.update(extra)
    return env


def get_credentials(emulator, tmp_path, profile, env):
    """get-credentials with `profile`; asserts one CreateSession accepted."""
    before = emulator.count(CREATE_SESSION, "ok")
    config = {"apiVersion": "pullcred/v1", "kind": "Config",
              "cache": {"dir": str(tmp_path / "cache"), "enabled": False},
              "profiles": {"node": profile},
              "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                              "profile": "node"}]}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    completed = run("get-credentials", "--config", str(path), "--log-level", "debug",
                    stdin=kubelet_request(IMAGE).encode(), env=emulator_env(emulator, env))
    assert completed.returncode == 0, completed.stderr.decode() + emulator.log_tail()
    auth = json.loads(completed.stdout)["auth"]["444455556666.dkr.ecr.us-west-2.amazonaws.com"]
    assert auth["password"].startswith("ecrpass-444455556666-us-west-2-ASIA")
    assert emulator.count(CREATE_SESSION, "ok") == before + 1
    assert emulator.count(CREATE_SESSION, "rejected") == 0
    return completed.stderr.decode()


def ra_profile(**settings):
    return dict({"source": "aws.roles-anywhere", "trustAnchorArn": ANCHOR, "profileArn": PROFILE,
                 "roleArn": ROLE}, **settings)


def helper_line(*flags):
    """An AWS config credential_process line running aws_signing_helper."""
    words = ["aws_signing_helper", "credential-process", *flags, "--trust-anchor-arn", ANCHOR,
             "--profile-arn", PROFILE, "--role-arn", ROLE]
    return " ".join(f"'{word}'" for word in words)


def shared_config_profile(tmp_path, line):
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(f"[profile app]\ncredential_process = {line}\nregion = us-west-2\n")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("")
    return {"source": "aws.shared-config", "configFile": str(aws_config), "credentialsFile": str(credentials),
            "profile": "app"}


def fixed_string(public_pem):
    """The string sign-string signs: prefix || SHA256("IAM RA" || public key)."""
    public_key = serialization.load_pem_public_key(public_pem)
    try:
        encoded = public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    except ValueError:
        encoded = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"IAM RA" + encoded)
    return FIXED_PREFIX + digest.finalize()


def assert_sign_string_verifies(tmp_path, cert_path, args, env):
    completed = run("signing-helper", "sign-string", *args, "--format", "bin", env=env)
    assert completed.returncode == 0, completed.stderr.decode()
    public = tmp_path / "public.pem"
    public.write_bytes(check("openssl", "x509", "-in", str(cert_path), "-pubkey", "-noout"))
    message = tmp_path / "message.bin"
    message.write_bytes(fixed_string(public.read_bytes()))
    signature = tmp_path / "signature.bin"
    signature.write_bytes(completed.stdout)
    verified = check("openssl", "dgst", "-sha256", "-verify", str(public), "-signature", str(signature),
                     str(message))
    assert b"Verified OK" in verified


# ---- PKCS#11: a SoftHSM2 token ----

class Token:
    def __init__(self, directory, ca):
        self.dir = directory
        tokens = directory / "tokens"
        tokens.mkdir()
        self.conf = directory / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
        self.env = {"SOFTHSM2_CONF": str(self.conf)}
        check("softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", USER_PIN,
              env=dict(os.environ, **self.env))
        self.certs = {}
        for kind, key_type, object_id in (("ec", "EC:prime256v1", "01"), ("rsa", "rsa:2048", "02")):
            label = f"ra-{kind}"
            self.tool("--keypairgen", "--key-type", key_type, "--id", object_id, "--label", label)
            public_der = directory / f"{kind}.pub.der"
            self.tool("--read-object", "--type", "pubkey", "--id", object_id, "-o", str(public_der))
            public_key = serialization.load_der_public_key(public_der.read_bytes())
            cert_pem = directory / f"{kind}.pem"
            cert = ca.issue(public_key, f"hsm-{kind}", cert_pem)
            cert_der = directory / f"{kind}.der"
            cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
            self.tool("--write-object", str(cert_der), "--type", "cert", "--id", object_id, "--label", label)
            self.certs[kind] = cert_pem
        # A leaf of the intermediate CA, with that CA and the root beside it in
        # the token: the chain comes from the token (the root left out).
        self.tool("--keypairgen", "--key-type", "EC:prime256v1", "--id", "03", "--label", "ra-int")
        public_der = directory / "int.pub.der"
        self.tool("--read-object", "--type", "pubkey", "--id", "03", "-o", str(public_der))
        leaf = ca.intermediate.issue(serialization.load_der_public_key(public_der.read_bytes()), "hsm-int",
                                     directory / "int.pem")
        for label, object_id, cert in (("ra-int", "03", leaf), ("intermediate", "04", ca.intermediate.cert),
                                       ("root", "05", ca.cert)):
            der = directory / f"{label}.der"
            der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
            self.tool("--write-object", str(der), "--type", "cert", "--id", object_id, "--label", label)

    def tool(self, *args):
        return check("pkcs11-tool", "--module", SOFTHSM_LIB, "--login", "--pin", USER_PIN, *args,
                     env=dict(os.environ, **self.env))

    @staticmethod
    def uri(kind, pin=USER_PIN):
        return f"pkcs11:token={TOKEN};object=ra-{kind}" + (f"?pin-value={pin}" if pin else "")


@pytest.fixture(scope="module")
def token(ca, tmp_path_factory):
    need("softhsm2-util", "pkcs11-tool", paths=[SOFTHSM_LIB])
    return Token(tmp_path_factory.mktemp("softhsm"), ca)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_pkcs11_credential_process_line_is_served_natively(emulator, token, tmp_path, kind):
    line = helper_line("--certificate", token.uri(kind), "--pkcs11-lib", SOFTHSM_LIB)
    stderr = get_credentials(emulator, tmp_path, shared_config_profile(tmp_path, line), token.env)
    assert "served natively by aws.roles-anywhere" in stderr
    assert USER_PIN not in stderr


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_pkcs11_roles_anywhere_profile(emulator, token, tmp_path, kind):
    # Certificate and key in the token.
    stderr = get_credentials(emulator, tmp_path, ra_profile(certificate=token.uri(kind), pkcs11Lib=SOFTHSM_LIB),
                             token.env)
    assert USER_PIN not in stderr
    # The certificate from a file, the key in the token (the helper's hybrid mode).
    get_credentials(emulator, tmp_path, ra_profile(certificate=str(token.certs[kind]),
                                                   privateKey=token.uri(kind), pkcs11Lib=SOFTHSM_LIB), token.env)


def test_pkcs11_chain_from_the_token(emulator, token, tmp_path):
    get_credentials(emulator, tmp_path, ra_profile(certificate=token.uri("int"), pkcs11Lib=SOFTHSM_LIB), token.env)
    session = [call for call in emulator.calls()["recent"] if call["action"] == CREATE_SESSION][-1]
    assert session["status"] == 201, session


def test_pkcs11_module_found_through_p11_kit_proxy_by_default(emulator, token, tmp_path):
    need(paths=[P11_PROXY, "/usr/share/p11-kit/modules/softhsm2.module"])
    get_credentials(emulator, tmp_path, ra_profile(certificate=token.uri("ec")), token.env)


def test_pkcs11_read_certificate_data_and_sign_string(token, tmp_path):
    env = dict(token.env)
    for kind in ("ec", "rsa"):
        # A pkcs11: URI lists what it matches, as the helper does: here one certificate.
        entries = listed_identities(token, token.uri(kind, pin=None), env)
        assert len(entries) == 1, entries
        assert entries[0].startswith(sha1_fingerprint(token.certs[kind]) + " "), entries
        # The key in the token; the certificate beside it, or given as a file.
        assert_sign_string_verifies(tmp_path, token.certs[kind],
                                    ["--private-key", token.uri(kind), "--pkcs11-lib", SOFTHSM_LIB], env)
        assert_sign_string_verifies(tmp_path, token.certs[kind],
                                    ["--certificate", str(token.certs[kind]), "--private-key", token.uri(kind),
                                     "--pkcs11-lib", SOFTHSM_LIB], env)


def sha1_fingerprint(cert_path):
    fingerprint = check("openssl", "x509", "-in", str(cert_path), "-noout", "-fingerprint", "-sha1").decode()
    return fingerprint.strip().split("=", 1)[1].replace(":", "").lower()


def listed_identities(token, uri, env):
    """The entries `read-certificate-data` lists for a pkcs11: URI, each as
    '<sha1> "<subject>"\n\tURI: <uri>\n'."""
    completed = run("signing-helper", "read-certificate-data", "--certificate", uri, "--pkcs11-lib", SOFTHSM_LIB,
                    env=env)
    assert completed.returncode == 0, completed.stderr.decode()
    out = completed.stdout.decode()
    assert out.startswith("Matching identities\n"), out
    lines = out.splitlines(keepends=True)[1:]
    assert len(lines) % 2 == 0, out
    entries = []
    for number, (first, second) in enumerate(zip(lines[0::2], lines[1::2]), start=1):
        assert first.startswith(f"{number}) "), out
        entries.append(first[len(f"{number}) "):] + second)
    return entries


def expected_listing_entry(cert_path, token_info, object_id, label):
    """One entry of aws_signing_helper's read-certificate-data list, computed
    without pullcred: `openssl x509 -fingerprint -sha1`, the subject from
    python3-cryptography (RFC 4514, last RDN first) and the object's URI with
    the token's attributes sorted by name, values percent-encoded as the
    helper's URI library does (upper-case hex, RFC 7512 path characters kept,
    id fully encoded)."""
    fingerprint = sha1_fingerprint(cert_path)
    subject = x509.load_pem_x509_certificate(cert_path.read_bytes()).subject.rfc4514_string()
    attributes = dict(token_info, id=bytes.fromhex(object_id), object=label.encode(), type=b"cert")

    def encoded(name, value):
        value = value if isinstance(value, bytes) else value.encode()
        kept = "-._~&:[]@!$'()*+,="
        return "".join(chr(b) if name != "id" and b < 128 and (chr(b).isalnum() or chr(b) in kept)
                       else f"%{b:02X}" for b in value)

    uri = "pkcs11:" + ";".join(f"{name}={encoded(name, attributes[name])}" for name in sorted(attributes))
    return f'{fingerprint} "{subject}"\n\tURI: {uri}\n'


def token_info(token):
    """The token's attributes as `pkcs11-tool --list-slots` shows them; SoftHSM2
    names itself "SoftHSM project" as the slot's manufacturer (not listed)."""
    listing = check("pkcs11-tool", "--module", SOFTHSM_LIB, "--list-slots", env=dict(os.environ, **token.env))
    for block in listing.decode().split("\nSlot ")[1:]:
        head, *lines = block.splitlines()
        fields = {name.strip(): value.strip() for name, value in (line.split(":", 1) for line in lines if ":" in line)}
        if fields.get("token label") == TOKEN:
            return {"manufacturer": fields["token manufacturer"], "model": fields["token model"],
                    "serial": fields["serial num"], "slot-description": head.split("): ", 1)[1].strip(),
                    "slot-manufacturer": "SoftHSM project"}
    raise AssertionError(listing.decode())


def test_pkcs11_read_certificate_data_lists_several_matching_certificates(token, ca, tmp_path):
    # Two certificates under one label (a renewal beside the old one): the
    # helper lists both instead of failing.
    label = "ra-twin"
    info = token_info(token)
    expected = {}
    for name, object_id in (("twin-a", "0a"), ("twin-b", "0b")):
        cert_pem = tmp_path / f"{name}.pem"
        cert = ca.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), name, cert_pem)
        der = tmp_path / f"{name}.der"
        der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        token.tool("--write-object", str(der), "--type", "cert", "--id", object_id, "--label", label)
        expected[expected_listing_entry(cert_pem, info, object_id, label)] = cert_pem
    entries = listed_identities(token, f"pkcs11:token={TOKEN};object={label}", token.env)
    assert len(entries) == 2 and sorted(entries) == sorted(expected), entries
    # The URI each entry shows selects that one certificate.
    for entry in entries:
        uri = entry.split("URI: ", 1)[1].strip()
        assert listed_identities(token, uri, token.env) == [entry]
    # None, after logging in to the one matching token: an answer, not an error.
    none = run("signing-helper", "read-certificate-data", "--certificate",
               f"pkcs11:token={TOKEN};object=no-such-label?pin-value={USER_PIN}", "--pkcs11-lib", SOFTHSM_LIB,
               env=token.env)
    assert none.returncode == 0 and none.stdout == b"No matching identities\n", none
    assert USER_PIN.encode() not in none.stderr


def test_pkcs11_errors_are_one_line_without_the_pin(emulator, token, tmp_path):
    wrong_pin = "000111222"
    cases = [
        ([token.uri("ec", pin=wrong_pin)], "CKR_PIN_INCORRECT"),
        ([token.uri("ec", pin=None)], "add ?pin-value=PIN"),
        (["pkcs11:token=other-token;object=ra-ec"], "no token matches it"),
        ([f"pkcs11:token={TOKEN};object=missing?pin-value={USER_PIN}"], "no certificate matches it"),
        (["pkcs11:token=x;colour=blue"], "unknown path attribute colour"),
        ([f"pkcs11:object=a%2?pin-value={USER_PIN}"], "broken percent escape"),
    ]
    for uri, expected in cases:
        completed = run("signing-helper", "sign-string", "--private-key", *uri, "--pkcs11-lib", SOFTHSM_LIB,
                        env=token.env)
        line = one_error_line(completed)
        assert expected in line, (uri, line)
        assert USER_PIN not in line and wrong_pin not in line, line
    line = one_error_line(run("signing-helper", "read-certificate-data", "--certificate", token.uri("ec"),
                              "--pkcs11-lib", "/nonexistent/libpkcs11.so", env=token.env))
    assert "cannot be loaded" in line and USER_PIN not in line
    # Through get-credentials the token's label stays readable, the PIN does not.
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(tmp_path / "c"), "enabled": False},
        "profiles": {"node": ra_profile(certificate=token.uri("ec", pin=wrong_pin), pkcs11Lib=SOFTHSM_LIB)},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "node"}]}))
    completed = run("get-credentials", "--config", str(config), stdin=kubelet_request(IMAGE).encode(),
                    env=emulator_env(emulator, token.env))
    assert completed.returncode == 1
    stderr = completed.stderr.decode()
    assert f"token={TOKEN}" in stderr and "CKR_PIN_INCORRECT" in stderr, stderr
    assert wrong_pin not in stderr, stderr
    assert "pin-value=" not in stderr, stderr
    assert emulator.count(CREATE_SESSION) == 0


# ---- TPM 2.0: swtpm ----

def free_port_pair():
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65000:
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise AssertionError("no free pair of ports")


class Tpm:
    def __init__(self, directory, ca):
        self.dir = directory
        state = directory / "state"
        state.mkdir()
        port = free_port_pair()
        self.process = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}", "--server", f"type=tcp,port={port}",
             "--ctrl", f"type=tcp,port={port + 1}", "--flags", "not-need-init,startup-clear"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                assert time.monotonic() < deadline, "swtpm did not start"
                time.sleep(0.1)
        tcti = f"swtpm:host=127.0.0.1,port={port}"
        self.env = {"TPM2OPENSSL_TCTI": tcti}
        self.tool_env = dict(os.environ, TPM2OPENSSL_TCTI=tcti, TPM2TOOLS_TCTI=tcti, TSS2_LOG="all+NONE")
        self.keys, self.certs = {}, {}
        # The error tests try wrong passwords: a fresh swtpm locks its keys out after 3.
        check("tpm2_dictionarylockout", "--setup-parameters", "--max-tries=1000", "--recovery-time=0",
              "--lockout-recovery-time=0", env=self.tool_env)
        # TSS2 key files made in the TPM by tpm2-openssl.
        for name, algorithm, options in (("ec", "EC", ["-pkeyopt", "group:P-256"]),
                                         ("rsa-pw", "RSA", ["-pkeyopt", "bits:2048", "-pkeyopt",
                                                            f"user-auth:{TPM_PASSWORD}"])):
            key = directory / f"{name}.tss2.pem"
            self.openssl("genpkey", "-algorithm", algorithm, *options, "-out", str(key))
            public = self.openssl("pkey", "-in", str(key), "-pubout", "-passin", f"pass:{TPM_PASSWORD}")
            self.issue(ca, name, key, public)
        # A persistent handle with a password, made by tpm2-tools (no resource
        # manager in front of swtpm: transient objects are flushed after each step).
        self.tpm2("tpm2_createprimary", "-C", "o", "-c", str(directory / "primary.ctx"))
        self.tpm2("tpm2_create", "-C", str(directory / "primary.ctx"), "-G", "ecc256:ecdsa",
                  "-u", str(directory / "h.pub"), "-r", str(directory / "h.priv"), "-p", TPM_PASSWORD)
        self.tpm2("tpm2_load", "-C", str(directory / "primary.ctx"), "-u", str(directory / "h.pub"),
                  "-r", str(directory / "h.priv"), "-c", str(directory / "h.ctx"))
        self.tpm2("tpm2_evictcontrol", "-C", "o", "-c", str(directory / "h.ctx"), HANDLE)
        public = directory / "handle.pub.pem"
        self.tpm2("tpm2_readpublic", "-c", HANDLE, "-f", "pem", "-o", str(public))
        self.issue(ca, "handle", f"handle:{HANDLE}", public.read_bytes())

    def openssl(self, *args):
        return check("openssl", args[0], "-provider", "tpm2", "-provider", "default", *args[1:], env=self.tool_env)

    def tpm2(self, *args):
        check(*args, env=self.tool_env)
        check("tpm2_flushcontext", "-t", env=self.tool_env)

    def issue(self, ca, name, key, public_pem):
        cert = self.dir / f"{name}.pem"
        ca.issue(serialization.load_pem_public_key(public_pem), f"tpm-{name}", cert)
        self.keys[name], self.certs[name] = str(key), cert

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def tpm(ca, tmp_path_factory):
    need("swtpm", "tpm2_createprimary", "openssl", paths=["/usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so"])
    started = Tpm(tmp_path_factory.mktemp("swtpm"), ca)
    yield started
    started.stop()


def test_tpm_credential_process_lines_are_served_natively(emulator, tpm, tmp_path):
    lines = [
        helper_line("--certificate", str(tpm.certs["ec"]), "--private-key", tpm.keys["ec"]),
        helper_line("--certificate", str(tpm.certs["rsa-pw"]), "--private-key", tpm.keys["rsa-pw"],
                    "--tpm-key-password", TPM_PASSWORD),
        helper_line("--certificate", str(tpm.certs["handle"]), "--private-key", tpm.keys["handle"],
                    "--tpm-key-password", TPM_PASSWORD),
    ]
    for line in lines:
        stderr = get_credentials(emulator, tmp_path, shared_config_profile(tmp_path, line), tpm.env)
        assert "served natively by aws.roles-anywhere" in stderr
        assert TPM_PASSWORD not in stderr


def test_tpm_roles_anywhere_profile_with_a_password_file_and_env(emulator, tpm, tmp_path):
    password_file = tmp_path / "tpm-password"
    password_file.write_text(TPM_PASSWORD + "\n")
    password_file.chmod(0o600)
    get_credentials(emulator, tmp_path, ra_profile(certificate=str(tpm.certs["handle"]), privateKey=tpm.keys["handle"],
                                                   tpmKeyPasswordFile=str(password_file)), tpm.env)
    get_credentials(emulator, tmp_path, ra_profile(certificate=str(tpm.certs["rsa-pw"]), privateKey=tpm.keys["rsa-pw"],
                                                   tpmKeyPasswordEnv="NODE_TPM_PW"),
                    dict(tpm.env, NODE_TPM_PW=TPM_PASSWORD))
    get_credentials(emulator, tmp_path, ra_profile(certificate=str(tpm.certs["ec"]), privateKey=tpm.keys["ec"]),
                    tpm.env)


def test_tpm_sign_string_verifies_with_openssl(tpm, tmp_path):
    for name, extra in (("ec", []), ("rsa-pw", ["--tpm-key-password", TPM_PASSWORD]),
                        ("handle", ["--tpm-key-password", TPM_PASSWORD])):
        assert_sign_string_verifies(tmp_path, tpm.certs[name], ["--private-key", tpm.keys[name], *extra], tpm.env)


def test_tpm_errors_are_one_line_without_the_password(tpm, tmp_path):
    wrong = "wrong-tpm-pw-93"
    cases = [
        (["--private-key", tpm.keys["rsa-pw"]], "the TPM key has a password"),
        (["--private-key", tpm.keys["rsa-pw"], "--tpm-key-password", wrong], "refused to sign"),
        (["--private-key", tpm.keys["ec"], "--tpm-key-password", wrong], "says the key has no password"),
        (["--private-key", tpm.keys["handle"]], "say whether the TPM key has a password"),
        (["--private-key", tpm.keys["handle"], "--tpm-key-password", wrong], "refused to sign"),
        (["--private-key", "handle:0x01000001", "--no-tpm-key-password"], "not a persistent handle"),
        (["--private-key", "handle:zz"], "hex digits only"),
    ]
    broken = tmp_path / "broken.tss2.pem"
    broken.write_text("-----BEGIN TSS2 PRIVATE KEY-----\nMAA=\n-----END TSS2 PRIVATE KEY-----\n")
    cases.append((["--private-key", str(broken)], "is not a valid TPM 2.0 key file"))
    for args, expected in cases:
        line = one_error_line(run("signing-helper", "sign-string", *args, env=tpm.env))
        assert expected in line, (args, line)
        assert wrong not in line and TPM_PASSWORD not in line
    line = one_error_line(run("signing-helper", "sign-string", "--private-key", tpm.keys["ec"],
                              env={"TPM_DEVICE": str(tmp_path / "no-such-tpm")}))
    assert "TPM_DEVICE" in line and "does not exist" in line


def test_tpm_found_through_tpm_device_as_the_helper_finds_it(ca, tmp_path):
    """TPM_DEVICE naming a simulator's Unix socket (the helper's way to reach
    swtpm), with no TPM2OPENSSL_TCTI: the key is found and signs."""
    need("swtpm", "openssl", paths=["/usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so"])
    state = tmp_path / "state"
    state.mkdir()
    sock = tmp_path / "tpm.sock"
    process = subprocess.Popen(
        ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}", "--server", f"type=unixio,path={sock}",
         "--ctrl", f"type=unixio,path={sock}.ctrl", "--flags", "not-need-init,startup-clear"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert process.poll() is None and time.monotonic() < deadline, "swtpm did not start"
            time.sleep(0.1)
        tool_env = dict(os.environ, TPM2OPENSSL_TCTI=f"swtpm:path={sock}", TSS2_LOG="all+NONE")
        key = tmp_path / "key.tss2.pem"
        check("openssl", "genpkey", "-provider", "tpm2", "-provider", "default", "-algorithm", "EC",
              "-pkeyopt", "group:P-256", "-out", str(key), env=tool_env)
        public = check("openssl", "pkey", "-provider", "tpm2", "-provider", "default", "-in", str(key), "-pubout",
                       env=tool_env)
        cert = tmp_path / "cert.pem"
        ca.issue(serialization.load_pem_public_key(public), "tpm-device", cert)
        assert_sign_string_verifies(tmp_path, cert, ["--private-key", str(key)], {"TPM_DEVICE": str(sock)})
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_pkcs8_password_in_a_credential_process_line_is_served_natively(emulator, tmp_path):
    """--pkcs8-password inside an AWS config credential_process line: served by
    aws.roles-anywhere (nothing spawned), the password in no output."""
    entry = emulator.pki["clients"]["rsa-encrypted"]
    line = helper_line("--certificate", entry["cert"], "--private-key", entry["key"],
                       "--pkcs8-password", entry["password"])
    stderr = get_credentials(emulator, tmp_path, shared_config_profile(tmp_path, line), {})
    assert "served natively by aws.roles-anywhere" in stderr
    assert entry["password"] not in stderr
    wrong = helper_line("--certificate", entry["cert"], "--private-key", entry["key"],
                        "--pkcs8-password", "not-the-password-77")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(tmp_path / "c"), "enabled": False},
        "profiles": {"node": shared_config_profile(tmp_path, wrong)},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "node"}]}))
    completed = run("get-credentials", "--config", str(config), "--log-level", "debug",
                    stdin=kubelet_request(IMAGE).encode(), env=emulator_env(emulator, {}))
    assert completed.returncode == 1
    stderr = completed.stderr.decode()
    assert "cannot decrypt the key" in stderr and "not-the-password-77" not in stderr, stderr


def credential_process(emulator, *flags, env):
    """`pullcred credential-process` with the helper's flags; the credential_process JSON."""
    completed = run("credential-process", *flags, "--trust-anchor-arn", ANCHOR, "--profile-arn", PROFILE,
                    "--role-arn", ROLE, env=emulator_env(emulator, env))
    assert completed.returncode == 0, completed.stderr.decode() + emulator.log_tail()
    document = json.loads(completed.stdout)
    assert document["Version"] == 1 and document["AccessKeyId"].startswith("ASIA")
    return completed


def test_the_command_line_takes_the_hardware_flags(emulator, token, tpm, tmp_path):
    before = emulator.count(CREATE_SESSION, "ok")
    pkcs11 = credential_process(emulator, "--certificate", token.uri("ec"), "--pkcs11-lib", SOFTHSM_LIB,
                                "--reuse-pin", env=token.env)
    assert USER_PIN.encode() not in pkcs11.stderr
    tpm_password = credential_process(emulator, "--certificate", str(tpm.certs["handle"]), "--private-key",
                                      tpm.keys["handle"], "--tpm-key-password", TPM_PASSWORD, env=tpm.env)
    assert TPM_PASSWORD.encode() not in tpm_password.stderr
    credential_process(emulator, "--certificate", str(tpm.certs["ec"]), "--private-key", tpm.keys["ec"],
                       "--no-tpm-key-password", env=tpm.env)
    assert emulator.count(CREATE_SESSION, "ok") == before + 3
