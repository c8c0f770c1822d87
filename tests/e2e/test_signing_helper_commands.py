"""aws_signing_helper's commands, end to end with the real binary and real files.

- pullcred answers the name `aws_signing_helper` (a symlink) as it answers
  `docker-credential-pullcred`, and `pullcred signing-helper COMMAND` the same;
- `version`, `read-certificate-data` (checked against `openssl x509`),
  `sign-string` (RSA and EC keys, every digest and format, verified with
  `openssl dgst -verify` and python3-cryptography);
- PKCS#12 bundles (legacy and OpenSSL 3's AES-256, empty password) given
  alone as --certificate, and DER certificates beside PEM keys, in
  `credential-process`, in an `aws.roles-anywhere` profile and in an AWS
  config `credential_process` line served natively by aws.shared-config,
  all against the emulator's Roles Anywhere (certificates issued by the test
  with the openssl CLI from the emulator's CA);
- certificate-store flags and malformed PKCS#11 URIs or TPM inputs fail with
  one line naming what is supported (tokens and TPMs themselves:
  test_hardware_keys.py).
"""
import base64
import json
import os
import re
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from conftest import PULLCRED, kubelet_request, scrubbed_env


CREATE_SESSION = "rolesanywhere:CreateSession"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-signer"
PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-signer"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
IMAGE = "444455556666.dkr.ecr.us-west-2.amazonaws.com/team/app"
FIXED_PREFIX = b"AWS Roles Anywhere Credential Helper Signing Test1"
BARE_PATH = "/usr/bin:/bin"


def openssl(*args, stdin=None):
    result = subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(autouse=True)
def fresh(request):
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    """pullcred reachable as aws_signing_helper (a symlink, like docker-credential-pullcred)."""
    directory = tmp_path_factory.mktemp("helper-bin")
    link = directory / "aws_signing_helper"
    link.symlink_to(PULLCRED)
    return link


def run(program, *args, stdin=b"", env=None, text=True):
    full_env = scrubbed_env()
    full_env.update(env or {})
    completed = subprocess.run([str(program), *args], input=stdin.encode() if text and isinstance(stdin, str)
                               else stdin, capture_output=True, env=full_env, timeout=60, check=False)
    return completed


def one_error_line(completed):
    assert completed.returncode == 1, completed
    assert completed.stdout == b""
    lines = [line for line in completed.stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr.decode()
    return lines[0]


class Pki:
    """Keys and certificates made with the openssl CLI; leaves issued by `ca`."""

    def __init__(self, directory, ca_cert, ca_key):
        self.dir, self.ca_cert, self.ca_key = directory, ca_cert, ca_key

    def key(self, name, kind):
        path = self.dir / f"{name}.key"
        if kind == "rsa":
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path))
        else:
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))
        return path

    def leaf(self, name, kind):
        key = self.key(name, kind)
        csr = self.dir / f"{name}.csr"
        cert = self.dir / f"{name}.pem"
        ext = self.dir / f"{name}.ext"
        ext.write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=clientAuth\n")
        openssl("req", "-new", "-key", str(key), "-subj", f"/O=system:nodes/CN=system:node:{name}",
                "-out", str(csr))
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
                "-set_serial", "0x" + os.urandom(12).hex(), "-days", "7", "-extfile", str(ext),
                "-out", str(cert))
        return cert, key

    def der(self, cert):
        path = cert.with_suffix(".der")
        openssl("x509", "-in", str(cert), "-outform", "DER", "-out", str(path))
        return path

    def pkcs12(self, cert, key, legacy, chain=None):
        path = cert.with_suffix(".legacy.p12" if legacy else ".aes.p12")
        args = ["pkcs12", "-export", "-in", str(cert), "-inkey", str(key), "-passout", "pass:", "-out", str(path)]
        if legacy:
            args.insert(2, "-legacy")
        if chain:
            args += ["-certfile", str(chain)]
        openssl(*args)
        return path


@pytest.fixture(scope="module")
def pki(emulator, tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("signer-pki"), emulator.pki["ca"]["cert"], emulator.pki["ca"]["key"])


@pytest.fixture(scope="module")
def leaves(pki):
    return {kind: pki.leaf(f"signer-{kind}", kind) for kind in ("ec", "rsa")}


def env_for(emulator, **extra):
    env = {"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(emulator.ca_bundle),
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(extra)
    return env


# ---- the name and version ----

def test_version_as_aws_signing_helper_and_as_a_command(helper):
    version = run(PULLCRED, "--version").stdout.decode().split()[1]
    for program, args in ((helper, ["version"]), (PULLCRED, ["signing-helper", "version"])):
        completed = run(program, *args)
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.decode() == version + "\n"


def test_help_names_what_linux_lacks_and_what_is_not_supported_yet(helper):
    for args in (["--help"], ["sign-string", "--help"], ["read-certificate-data", "--help"],
                 ["credential-process", "--help"]):
        completed = run(helper, *args)
        assert completed.returncode == 0, completed.stderr
        text = completed.stdout.decode()
        assert "--cert-selector" in text and "Windows" in text, args
        assert "PKCS#11" in text and "TPM" in text, args


def test_unknown_commands_are_one_line(helper):
    assert "unknown signing-helper command" in one_error_line(run(helper, "frobnicate"))
    # serve and update: tests/e2e/test_signing_helper_serve.py
    for command in ("serve", "update"):
        assert f"signing-helper {command} needs --certificate" in one_error_line(run(helper, command))


# ---- read-certificate-data ----

@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize("form", ["pem", "der", "legacy-p12", "aes-p12"])
def test_read_certificate_data_matches_openssl(helper, pki, leaves, kind, form):
    cert, key = leaves[kind]
    given = {"pem": lambda: cert, "der": lambda: pki.der(cert),
             "legacy-p12": lambda: pki.pkcs12(cert, key, legacy=True),
             "aes-p12": lambda: pki.pkcs12(cert, key, legacy=False)}[form]()
    completed = run(helper, "read-certificate-data", "--certificate", str(given))
    assert completed.returncode == 0, completed.stderr
    assert not completed.stdout.endswith(b"\n")  # the helper prints no newline
    data = json.loads(completed.stdout)
    assert list(data) == ["keyType", "certificateData", "serialNumber", "supportedAlgorithms"]
    serial_hex = openssl("x509", "-in", str(cert), "-noout", "-serial").decode().strip().split("=")[1]
    assert data["serialNumber"] == str(int(serial_hex, 16))
    der = openssl("x509", "-in", str(cert), "-outform", "DER")
    assert data["certificateData"] == base64.b64encode(der).decode()
    text = openssl("x509", "-in", str(cert), "-noout", "-text").decode()
    expected_type = "EC" if "id-ecPublicKey" in text else "RSA"
    assert data["keyType"] == expected_type == kind.upper()
    assert data["supportedAlgorithms"] == [f"{expected_type}SHA{bits}" for bits in (256, 384, 512)]
    # The same through `pullcred signing-helper`.
    again = run(PULLCRED, "signing-helper", "read-certificate-data", f"--certificate={given}")
    assert again.stdout == completed.stdout


def test_read_certificate_data_errors(helper, tmp_path):
    assert "needs --certificate FILE" in one_error_line(run(helper, "read-certificate-data"))
    missing = one_error_line(run(helper, "read-certificate-data", "--certificate", str(tmp_path / "nope.pem")))
    assert "nope.pem: cannot read it" in missing
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x30\x82\x00\x10not a certificate at all")
    assert "neither a PEM nor a DER X.509 certificate nor a PKCS#12" in one_error_line(
        run(helper, "read-certificate-data", "--certificate", str(junk)))
    assert "do not exist on Linux" in one_error_line(
        run(helper, "read-certificate-data", "--cert-selector", '{"x":"y"}'))
    assert "cannot be loaded" in one_error_line(
        run(helper, "read-certificate-data", "--certificate", "pkcs11:token=node;object=cert",
            "--pkcs11-lib", str(tmp_path / "no-such-module.so")))


# ---- sign-string ----

def verify(public_key, signature, message, digest):
    algorithm = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(), "SHA512": hashes.SHA512()}[digest]
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, padding.PKCS1v15(), algorithm)
    else:
        public_key.verify(signature, message, ec.ECDSA(algorithm))


def fixed_string(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        encoded = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        encoded = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"IAM RA" + encoded)
    return FIXED_PREFIX + digest.finalize()


@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize("digest", ["SHA256", "SHA384", "SHA512"])
def test_sign_string_fixed_string_verifies(helper, leaves, kind, digest, tmp_path):
    cert, key = leaves[kind]
    public_key = serialization.load_pem_private_key(key.read_bytes(), None).public_key()
    signatures = {}
    for output in ("json", "text", "bin"):
        completed = run(helper, "sign-string", "--private-key", str(key), "--digest", digest, "--format", output)
        assert completed.returncode == 0, completed.stderr
        if output == "json":
            signatures[output] = bytes.fromhex(json.loads(completed.stdout))
            assert completed.stdout.startswith(b'"') and not completed.stdout.endswith(b"\n")
        elif output == "text":
            assert re.fullmatch(rb"[0-9a-f]+", completed.stdout)
            signatures[output] = bytes.fromhex(completed.stdout.decode())
        else:
            signatures[output] = completed.stdout
        verify(public_key, signatures[output], fixed_string(public_key), digest)
    # And with OpenSSL's command line, over the same fixed string.
    message = tmp_path / "message"
    message.write_bytes(fixed_string(public_key))
    signature = tmp_path / "signature"
    signature.write_bytes(signatures["bin"])
    pub = tmp_path / "key.pub"
    openssl("pkey", "-in", str(key), "-pubout", "-out", str(pub))
    assert b"Verified OK" in openssl("dgst", "-" + digest.lower(), "-verify", str(pub), "-signature",
                                     str(signature), str(message))


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_sign_string_stdin_and_default_format(helper, leaves, kind, tmp_path):
    cert, key = leaves[kind]
    data = b"string to sign\nwith two lines and \x00 a zero byte"
    completed = run(helper, "sign-string", "--private-key", str(key), "--stdin", stdin=data, text=False)
    assert completed.returncode == 0, completed.stderr
    signature = bytes.fromhex(json.loads(completed.stdout))  # json is the default format
    message = tmp_path / "message"
    message.write_bytes(data)
    (tmp_path / "signature").write_bytes(signature)
    openssl("pkey", "-in", str(key), "-pubout", "-out", str(tmp_path / "key.pub"))
    assert b"Verified OK" in openssl("dgst", "-sha256", "-verify", str(tmp_path / "key.pub"), "-signature",
                                     str(tmp_path / "signature"), str(message))


def test_sign_string_key_from_a_pkcs12_bundle_and_an_encrypted_pkcs8(helper, pki, leaves, tmp_path):
    cert, key = leaves["ec"]
    public_key = serialization.load_pem_private_key(key.read_bytes(), None).public_key()
    for legacy in (True, False):
        bundle = pki.pkcs12(cert, key, legacy=legacy)
        completed = run(helper, "sign-string", "--certificate", str(bundle), "--format", "bin")
        assert completed.returncode == 0, completed.stderr
        verify(public_key, completed.stdout, fixed_string(public_key), "SHA256")
    password = "s3cret-pkcs8-pw"
    encrypted = tmp_path / "enc.key"
    openssl("pkcs8", "-topk8", "-in", str(key), "-passout", f"pass:{password}", "-out", str(encrypted))
    completed = run(helper, "sign-string", "--private-key", str(encrypted), "--pkcs8-password", password,
                    "--format", "bin")
    assert completed.returncode == 0, completed.stderr
    verify(public_key, completed.stdout, fixed_string(public_key), "SHA256")
    wrong = run(helper, "sign-string", "--private-key", str(encrypted), "--pkcs8-password", "nope-wrong")
    line = one_error_line(wrong)
    assert "cannot decrypt the key" in line and "nope-wrong" not in line


def test_sign_string_errors_are_one_line_and_name_the_fix(helper, leaves, tmp_path):
    cert, key = leaves["rsa"]
    cases = [
        (["--private-key", str(key), "--digest", "MD5"], "--digest must be SHA256, SHA384 or SHA512"),
        (["--private-key", str(key), "--format", "yaml"], "--format must be json, text or bin"),
        ([], "sign-string needs --private-key FILE"),
        (["--certificate", str(cert)], "no private key block"),
        (["--private-key", "pkcs11:token=node;colour=blue?pin-value=123456"], "unknown path attribute colour"),
        (["--private-key", "handle:0x81000001"], "say whether the TPM key has a password"),
        (["--private-key", "handle:0x40000001", "--tpm-key-password", "tpm-secret-pw"], "not a persistent handle"),
        (["--cert-selector", "file:///x.json"], "do not exist on Linux"),
        (["--private-key", str(key), "--colour", "blue"], "unknown flag --colour"),
    ]
    for args, expected in cases:
        line = one_error_line(run(helper, "sign-string", *args))
        assert expected in line, (args, line)
        assert "123456" not in line and "tpm-secret-pw" not in line
    tss2 = tmp_path / "tpm.key"
    tss2.write_text("-----BEGIN TSS2 PRIVATE KEY-----\nMAA=\n-----END TSS2 PRIVATE KEY-----\n")
    assert "is not a valid TPM 2.0 key file" in one_error_line(
        run(helper, "sign-string", "--private-key", str(tss2)))


# ---- PKCS#12 and DER over the emulator's Roles Anywhere ----

def ra_flags(certificate, key=None):
    flags = ["--certificate", str(certificate), "--trust-anchor-arn", ANCHOR, "--profile-arn", PROFILE,
             "--role-arn", ROLE]
    if key is not None:
        flags += ["--private-key", str(key)]
    return flags


@pytest.fixture
def cp_config(tmp_path):
    cache = tmp_path / "cp-cache"
    cache.mkdir(mode=0o700)
    path = tmp_path / "cp-config.json"
    path.write_text(json.dumps({"apiVersion": "pullcred/v1", "kind": "Config",
                                "cache": {"dir": str(cache), "enabled": False}}))
    return str(path)


def bundles(pki, leaves, emulator):
    """(label, certificate, key or None) for every new file form."""
    ec_cert, ec_key = leaves["ec"]
    rsa_cert, rsa_key = leaves["rsa"]
    return [
        ("ec-legacy-p12", pki.pkcs12(ec_cert, ec_key, legacy=True, chain=emulator.pki["ca"]["cert"]), None),
        ("ec-aes-p12", pki.pkcs12(ec_cert, ec_key, legacy=False), None),
        ("rsa-legacy-p12", pki.pkcs12(rsa_cert, rsa_key, legacy=True), None),
        ("rsa-aes-p12", pki.pkcs12(rsa_cert, rsa_key, legacy=False, chain=emulator.pki["ca"]["cert"]), None),
        ("ec-der", pki.der(ec_cert), ec_key),
        ("rsa-der", pki.der(rsa_cert), rsa_key),
    ]


def test_credential_process_with_pkcs12_and_der(helper, emulator, pki, leaves, cp_config):
    emulator.reset()
    for number, (label, certificate, key) in enumerate(bundles(pki, leaves, emulator), start=1):
        for program, prefix in ((helper, ["credential-process"]), (PULLCRED, ["credential-process"])):
            completed = run(program, *prefix, "--config", cp_config, *ra_flags(certificate, key),
                            env=env_for(emulator))
            assert completed.returncode == 0, (label, completed.stderr.decode() + emulator.log_tail())
            document = json.loads(completed.stdout)
            assert document["Version"] == 1 and document["AccessKeyId"].startswith("ASIA"), label
            assert document["SecretAccessKey"].encode() not in completed.stderr
        assert emulator.count(CREATE_SESSION, "ok") == 2 * number, label
    assert emulator.count(CREATE_SESSION, "rejected") == 0


def test_credential_process_pkcs12_with_a_key_or_a_password_is_refused(helper, emulator, pki, leaves, cp_config,
                                                                       tmp_path):
    cert, key = leaves["ec"]
    bundle = pki.pkcs12(cert, key, legacy=False)
    line = one_error_line(run(helper, "credential-process", "--config", cp_config, *ra_flags(bundle, key),
                              env=env_for(emulator)))
    assert "PKCS#12 bundle holding its own key: remove privateKey" in line
    protected = tmp_path / "protected.p12"
    openssl("pkcs12", "-export", "-in", str(cert), "-inkey", str(key), "-passout", "pass:bundle-pw-9",
            "-out", str(protected))
    line = one_error_line(run(helper, "credential-process", "--config", cp_config, *ra_flags(protected),
                              env=env_for(emulator)))
    assert "has a password" in line and "bundle-pw-9" not in line
    line = one_error_line(run(helper, "credential-process", "--config", cp_config, *ra_flags(cert),
                              env=env_for(emulator)))
    assert "holds no key (not a PKCS#12 bundle)" in line
    line = one_error_line(run(helper, "credential-process", "--config", cp_config,
                              *ra_flags("pkcs11:token=node;colour=blue"), env=env_for(emulator)))
    assert "unknown path attribute colour" in line
    assert emulator.count(CREATE_SESSION) == 0


def test_roles_anywhere_profile_with_pkcs12_and_der(emulator, pki, leaves, tmp_path):
    emulator.reset()
    for label, certificate, key in bundles(pki, leaves, emulator):
        profile = {"source": "aws.roles-anywhere", "certificate": str(certificate), "trustAnchorArn": ANCHOR,
                   "profileArn": PROFILE, "roleArn": ROLE}
        if key is not None:
            profile["privateKey"] = str(key)
        write_and_check(emulator, tmp_path, profile, label)


def write_and_check(emulator, tmp_path, profile, label):
    before = emulator.count(CREATE_SESSION, "ok")
    config = {"apiVersion": "pullcred/v1", "kind": "Config",
              "cache": {"dir": str(tmp_path / "cache"), "enabled": False},
              "profiles": {"node": profile},
              "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                              "profile": "node"}]}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    completed = run(PULLCRED, "get-credentials", "--config", str(path), stdin=kubelet_request(IMAGE),
                    env=env_for(emulator, PATH=BARE_PATH))
    assert completed.returncode == 0, (label, completed.stderr.decode() + emulator.log_tail())
    auth = json.loads(completed.stdout)["auth"]["444455556666.dkr.ecr.us-west-2.amazonaws.com"]
    assert auth["password"].startswith("ecrpass-444455556666-us-west-2-ASIA"), label
    assert emulator.count(CREATE_SESSION, "ok") == before + 1, label
    return completed


def test_aws_config_credential_process_lines_are_served_natively(emulator, pki, leaves, tmp_path):
    """The same helper lines in an AWS config file: aws.shared-config serves
    them with aws.roles-anywhere, with no aws_signing_helper on PATH."""
    assert shutil.which("aws_signing_helper", path=BARE_PATH) is None
    emulator.reset()
    for label, certificate, key in bundles(pki, leaves, emulator):
        line = "aws_signing_helper credential-process " + " ".join(f"'{flag}'" for flag in ra_flags(certificate, key))
        aws_config = tmp_path / f"aws-config-{label}"
        aws_config.write_text(f"[profile app]\ncredential_process = {line}\nregion = us-west-2\n")
        credentials = tmp_path / "aws-credentials"
        credentials.write_text("")
        profile = {"source": "aws.shared-config", "configFile": str(aws_config),
                   "credentialsFile": str(credentials), "profile": "app"}
        completed = write_and_check(emulator, tmp_path, profile, label)
        assert "served natively by aws.roles-anywhere" in completed.stderr.decode(), label


def test_the_front_hands_every_aws_signing_helper_call_to_the_host(helper):
    """Run as aws_signing_helper, even `get-credentials` is not kubelet's
    command: the front does not answer it, the host names the helper's commands."""
    request = kubelet_request(IMAGE)
    line = one_error_line(run(helper, "get-credentials", stdin=request))
    assert "unknown signing-helper command \"get-credentials\"" in line
