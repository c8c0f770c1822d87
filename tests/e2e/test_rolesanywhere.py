"""aws.roles-anywhere end to end: the real pullcred binary and modules against
the AWS emulator, which checks every SigV4-X509 signature and certificate
chain with python3-cryptography and counts CreateSession calls.

- `pullcred get-credentials` with an `aws.roles-anywhere` profile (the
  kubelet-style combined EC PEM as certificate and key, an RSA key, a leaf
  issued by an intermediate CA) and an `aws.ecr` rule: two regions, two
  accounts.
- `pullcred credential-process` with the flags of `aws_signing_helper
  credential-process`, and with --profile; drop-in compatibility shown by
  botocore's own credential_process provider calling ECR on the emulator.
"""
import base64
import datetime
import json
import os
import re
import subprocess
import textwrap

import pytest

from conftest import PULLCRED, kubelet_request, scrubbed_env


CREATE_SESSION = "rolesanywhere:CreateSession"
ECR = "ecr:GetAuthorizationToken"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-e2e"
PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-e2e"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
DEBIAN_PYTHON = "/usr/bin/python3"


@pytest.fixture(autouse=True)
def fresh(request):
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


@pytest.fixture
def cp_config(tmp_path):
    """A config for credential-process calls: its cache lives in the test's
    tmp dir (the flags give the profile, the config the cache and settings),
    so no call reuses credentials from another test or another emulator."""
    cache = tmp_path / "cp-cache"
    cache.mkdir(mode=0o700)
    path = tmp_path / "cp-config.json"
    path.write_text(json.dumps({"apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(cache)}}))
    return str(path)


def clean_env(emulator, **extra):
    env = scrubbed_env()
    env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": emulator.ca_bundle,
                "AWS_EC2_METADATA_DISABLED": "true"})
    env.update(extra)
    return env


def run(args, env, stdin=""):
    return subprocess.run([str(PULLCRED), *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def client(emulator, name):
    return emulator.pki["clients"][name]


def write_config(tmp_path, profile):
    profile = dict({"source": "aws.roles-anywhere", "trustAnchorArn": ANCHOR, "profileArn": PROFILE,
                    "roleArn": ROLE}, **profile)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700, exist_ok=True)
    config = {"apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(cache), "enabled": False},
              "profiles": {"node": profile},
              "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                              "profile": "node"}]}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def ecr_callers(emulator):
    return [(call["region"], call["accessKeyId"]) for call in emulator.calls()["recent"] if call["action"] == ECR]


def assert_no_secret(text, *secrets):
    for secret in secrets:
        assert secret not in text


# ---- get-credentials with an aws.roles-anywhere profile ----

@pytest.mark.parametrize("name", ["ec-p256-combined", "rsa", "intermediate"])
def test_get_credentials_two_regions_two_accounts(emulator, tmp_path, name):
    if name == "ec-p256-combined":
        combined = client(emulator, "ec-p256")["combined"]
        settings = {"certificate": combined, "privateKey": combined}
        serial = client(emulator, "ec-p256")["serial"]
    else:
        entry = client(emulator, name)
        settings = {"certificate": entry["cert"], "privateKey": entry["key"]}
        if "intermediates" in entry:
            settings["intermediates"] = entry["intermediates"]
        serial = entry["serial"]
    config = write_config(tmp_path, settings)
    env = clean_env(emulator)
    images = [("111122223333", "us-west-2"), ("444455556666", "eu-central-1")]
    for number, (account, region) in enumerate(images, start=1):
        host = f"{account}.dkr.ecr.{region}.amazonaws.com"
        result = run(["get-credentials", "--config", str(config)], env, kubelet_request(f"{host}/team/app"))
        assert result.returncode == 0, result.stderr + emulator.log_tail()
        auth = json.loads(result.stdout)["auth"]
        assert list(auth) == [host]
        # One CreateSession per invocation (credentials are not cached here).
        assert emulator.count(CREATE_SESSION, "ok") == number
        assert emulator.count(CREATE_SESSION, "rejected") == 0
        ecr_region, caller = ecr_callers(emulator)[-1]
        assert ecr_region == region
        assert re.fullmatch(r"ASIA[A-Z0-9]{16}", caller), caller
        assert auth[host] == {"username": "AWS", "password": emulator.ecr_password(account, region, caller)}
    sessions = [call for call in emulator.calls()["recent"] if call["action"] == CREATE_SESSION]
    assert [call["accessKeyId"] for call in sessions] == [serial, serial]  # the certificate serial, decimal
    assert all(call["region"] == "us-west-2" and call["account"] == "111122223333" for call in sessions)


def test_get_credentials_untrusted_certificate_says_what_to_check(emulator, tmp_path):
    entry = client(emulator, "untrusted")
    config = write_config(tmp_path, {"certificate": entry["cert"], "privateKey": entry["key"]})
    result = run(["get-credentials", "--config", str(config)], clean_env(emulator),
                 kubelet_request("111122223333.dkr.ecr.us-west-2.amazonaws.com/a"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Untrusted Signing Certificate" in result.stderr
    assert "trust anchor holds the CA that issued the certificate" in result.stderr
    assert emulator.count(CREATE_SESSION, "rejected") == 1
    assert emulator.count(ECR) == 0


def test_get_credentials_expired_certificate_never_calls_aws(emulator, tmp_path):
    entry = client(emulator, "expired")
    config = write_config(tmp_path, {"certificate": entry["cert"], "privateKey": entry["key"]})
    result = run(["get-credentials", "--config", str(config)], clean_env(emulator),
                 kubelet_request("111122223333.dkr.ecr.us-west-2.amazonaws.com/a"))
    assert result.returncode == 1
    assert "expired at" in result.stderr
    assert emulator.count(CREATE_SESSION) == 0


def test_check_config_validates_the_profile(emulator, tmp_path):
    combined = client(emulator, "ec-p256")["combined"]
    config = write_config(tmp_path, {"certificate": combined, "privateKey": combined,
                                     "sessionDuration": 60})
    result = run(["check-config", "--config", str(config)], clean_env(emulator))
    assert result.returncode == 1
    assert "sessionDuration" in result.stderr


# ---- credential-process ----

def helper_flags(emulator, name="ec-p256", combined=True):
    entry = client(emulator, name)
    cert = entry["combined"] if combined and "combined" in entry else entry["cert"]
    key = entry["combined"] if combined and "combined" in entry else entry["key"]
    return ["--certificate", cert, "--private-key", key, "--trust-anchor-arn", ANCHOR, "--profile-arn", PROFILE,
            "--role-arn", ROLE]


def test_credential_process_prints_version_1_json(emulator, cp_config):
    result = run(["credential-process", "--config", cp_config, *helper_flags(emulator)], clean_env(emulator))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    assert document["Version"] == 1
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", document["AccessKeyId"])
    expiration = datetime.datetime.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    remaining = expiration.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)
    assert 3500 < remaining.total_seconds() <= 3600
    assert_no_secret(result.stderr, document["SecretAccessKey"], document["SessionToken"])
    assert emulator.count(CREATE_SESSION, "ok") == 1
    # Through the config's cache, a second call asks AWS nothing.
    again = run(["credential-process", "--config", cp_config, *helper_flags(emulator)], clean_env(emulator))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == document
    assert emulator.count(CREATE_SESSION) == 1


def test_credential_process_optional_flags(emulator, cp_config):
    entry = client(emulator, "intermediate")
    args = ["credential-process", "--config", cp_config, "--certificate", entry["cert"], "--private-key", entry["key"],
            "--intermediates", entry["intermediates"], "--trust-anchor-arn", ANCHOR, "--profile-arn", PROFILE,
            "--role-arn", ROLE, "--region", "us-west-2", "--session-duration", "900",
            "--role-session-name", "node-e2e", "--endpoint", emulator.url, "--debug"]
    env = clean_env(emulator)
    del env["AWS_ENDPOINT_URL"]
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    expiration = datetime.datetime.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    remaining = expiration.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)
    assert 800 < remaining.total_seconds() <= 900
    assert "CreateSession" in result.stderr  # --debug logs the call
    assert_no_secret(result.stderr, document["SecretAccessKey"], document["SessionToken"])


def test_credential_process_encrypted_key_with_pkcs8_password(emulator, cp_config):
    entry = client(emulator, "rsa-encrypted")
    args = ["credential-process", "--config", cp_config, *helper_flags(emulator, "rsa-encrypted", combined=False),
            "--pkcs8-password", entry["password"], "--debug"]
    result = run(args, clean_env(emulator))
    assert result.returncode == 0, result.stderr
    assert entry["password"] not in result.stderr
    without = run(["credential-process", "--config", cp_config,
                   *helper_flags(emulator, "rsa-encrypted", combined=False)],
                  clean_env(emulator))
    assert without.returncode == 1
    assert "--pkcs8-password" in without.stderr


def test_credential_process_single_dash_flags_like_go(emulator, cp_config):
    flags = [("-" + arg[2:]) if arg.startswith("--") else arg for arg in helper_flags(emulator)]
    result = run(["credential-process", "--config", cp_config, *flags], clean_env(emulator))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1


@pytest.mark.parametrize("name,expected", [
    ("expired", "expired at"),
    ("not-yet-valid", "not valid yet"),
    ("untrusted", "Untrusted Signing Certificate"),
])
def test_credential_process_errors_are_one_line_on_stderr(emulator, cp_config, name, expected):
    result = run(["credential-process", "--config", cp_config, *helper_flags(emulator, name)], clean_env(emulator))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_credential_process_missing_flags(emulator, cp_config):
    result = run(["credential-process", "--config", cp_config, "--certificate", "/nope"], clean_env(emulator))
    assert result.returncode == 1
    assert "--trust-anchor-arn" in result.stderr and "--role-arn" in result.stderr
    # A PKCS#12 --certificate carries its key: --private-key is not required.
    assert "--private-key" not in result.stderr


def test_credential_process_serves_a_config_profile(emulator, tmp_path):
    combined = client(emulator, "ec-p256")["combined"]
    config = write_config(tmp_path, {"certificate": combined, "privateKey": combined})
    result = run(["credential-process", "--profile", "node", "--config", str(config)], clean_env(emulator))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    unknown = run(["credential-process", "--profile", "other", "--config", str(config)], clean_env(emulator))
    assert unknown.returncode == 1
    assert "profile 'other' is not defined" in unknown.stderr


def test_botocore_runs_pullcred_as_its_credential_process(emulator, tmp_path, cp_config):
    """Drop-in compatibility: botocore's own ProcessProvider runs `pullcred
    credential-process` with aws_signing_helper's flags, then calls ECR on the
    emulator with what it printed. (botocore 1.29 reads no endpoint_url from
    the config file, so the client gets it as an argument.)"""
    command = " ".join([str(PULLCRED), "credential-process", "--config", cp_config, *helper_flags(emulator)])
    config = tmp_path / "aws-config"
    config.write_text(textwrap.dedent(f"""\
        [profile ra]
        credential_process = {command}
        region = eu-west-1
        ca_bundle = {emulator.ca_bundle}
        """))
    script = textwrap.dedent(f"""\
        import base64, json
        import botocore.session
        session = botocore.session.Session(profile="ra")
        credentials = session.get_credentials().get_frozen_credentials()
        ecr = session.create_client("ecr", endpoint_url={emulator.url!r})
        token = ecr.get_authorization_token()["authorizationData"][0]
        print(json.dumps({{"key": credentials.access_key, "method": session.get_credentials().method,
                          "password": base64.b64decode(token["authorizationToken"]).decode().split(":", 1)[1]}}))
        """)
    env = scrubbed_env()
    env.update({"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_CA_BUNDLE": emulator.ca_bundle, "AWS_ENDPOINT_URL_ROLESANYWHERE": emulator.url,
                "AWS_EC2_METADATA_DISABLED": "true"})
    result = subprocess.run([DEBIAN_PYTHON, "-c", script], capture_output=True, text=True, env=env, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr + emulator.log_tail()
    answer = json.loads(result.stdout)
    assert answer["method"] == "custom-process"
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", answer["key"])
    assert answer["password"] == emulator.ecr_password("444455556666", "eu-west-1", answer["key"])
    assert emulator.count(CREATE_SESSION, "ok") == 1
    assert emulator.count(ECR, "ok") == 1


AWS_CLI = "/usr/bin/aws"


@pytest.mark.skipif(not os.path.exists(AWS_CLI), reason="Debian's awscli is not installed (.ci/install-deps does)")
def test_the_aws_cli_runs_pullcred_as_its_credential_process(emulator, tmp_path, cp_config):
    """The AWS CLI (Debian's awscli) with a profile whose credential_process is
    `pullcred credential-process` and aws_signing_helper's flags calls ECR
    GetAuthorizationToken on the emulator."""
    command = " ".join([str(PULLCRED), "credential-process", "--config", cp_config, *helper_flags(emulator)])
    config = tmp_path / "aws-config"
    config.write_text(f"[profile ra]\ncredential_process = {command}\nregion = eu-west-1\n")
    env = scrubbed_env()
    env.update({"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_CA_BUNDLE": emulator.ca_bundle, "AWS_ENDPOINT_URL_ROLESANYWHERE": emulator.url,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "", "HOME": str(tmp_path)})
    result = subprocess.run([AWS_CLI, "--profile", "ra", "--endpoint-url", emulator.url, "--output", "json",
                             "ecr", "get-authorization-token"], capture_output=True, text=True, env=env,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr + emulator.log_tail()
    token = json.loads(result.stdout)["authorizationData"][0]["authorizationToken"]
    user, password = base64.b64decode(token).decode().split(":", 1)
    assert user == "AWS"
    callers = [call["accessKeyId"] for call in emulator.calls()["recent"] if call["action"] == ECR]
    assert len(callers) == 1 and re.fullmatch(r"ASIA[A-Z0-9]{16}", callers[0])
    assert password == emulator.ecr_password("444455556666", "eu-west-1", callers[0])
    assert emulator.count(CREATE_SESSION, "ok") == 1
