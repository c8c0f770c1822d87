"""The AWS default chain end to end (no config file, and aws.default-chain in
one): IAM Identity Center (SSO), ECS / EKS Pod Identity container credentials
and EC2 IMDSv2, each served by its own emulator listener, in botocore's order.
The secret guard (conftest) fails any test whose output leaks a token or key."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest

from conftest import PULLCRED, kubelet_request, scrubbed_env

REGION = "us-west-2"
IMAGE = f"444455556666.dkr.ecr.{REGION}.amazonaws.com/team/app"
REGISTRY = IMAGE.split("/")[0]
IMAGE_ACCOUNT = "444455556666"
SSO_ACCOUNT = "777788889999"
ECR = "ecr:GetAuthorizationToken"
SSO = "sso:GetRoleCredentials"
CONTAINER = "container:GetCredentials"
IMDS_TOKEN, IMDS_ROLES, IMDS = "imds:GetToken", "imds:ListRoles", "imds:GetCredentials"


@pytest.fixture(autouse=True)
def fresh(emulator):
    emulator.reset()


class Chain:
    """A node with no pullcred config (or one whose profile is aws.default-chain), an empty HOME
    and AWS files, IMDS pointed at the emulator."""

    def __init__(self, tmp_path, emulator):
        self.tmp, self.emulator = tmp_path, emulator
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.aws_config = tmp_path / "aws-config"
        self.aws_config.write_text("")
        self.env = scrubbed_env()
        self.env.pop("PULLCRED_CONFIG", None)
        self.env.update(HOME=str(self.home), AWS_CONFIG_FILE=str(self.aws_config),
                        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"), AWS_ENDPOINT_URL=emulator.url,
                        AWS_ENDPOINT_URL_SSO=emulator.sso_url, AWS_CA_BUNDLE=str(emulator.ca_bundle),
                        AWS_EC2_METADATA_SERVICE_ENDPOINT=emulator.imds_url, AWS_REGION=REGION)
        self.config = None

    def use_config_file(self):
        config = {"apiVersion": "pullcred/v1", "kind": "Config",
                  "cache": {"dir": str(self.tmp / "cache"), "enabled": False},
                  "profiles": {"chain": {"source": "aws.default-chain"}},
                  "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                                  "profile": "chain"}]}
        self.config = self.tmp / "config.json"
        self.config.write_text(json.dumps(config))

    def container(self, token=None, token_file=None):
        self.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = self.emulator.container_url + "/v1/credentials"
        if token:
            self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
        if token_file:
            self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(token_file)

    def sso_profile(self, name="dev", session=True):
        if session:
            self.aws_config.write_text(
                f"[profile {name}]\nsso_session = corp\nsso_account_id = {SSO_ACCOUNT}\n"
                "sso_role_name = ReadOnly\n\n[sso-session corp]\n"
                "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
        else:
            self.aws_config.write_text(
                f"[profile {name}]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\n"
                f"sso_account_id = {SSO_ACCOUNT}\nsso_role_name = ReadOnly\n")
        self.env["AWS_PROFILE"] = name

    def run(self, *args, image=IMAGE, command="get-credentials"):
        argv = [str(PULLCRED), command, *args] + ([image] if command == "explain" else [])
        if self.config:
            argv += ["--config", str(self.config)]
        return subprocess.run(argv, input=kubelet_request(image) if command == "get-credentials" else "",
                              capture_output=True, text=True, env=self.env, timeout=60, check=False)


@pytest.fixture
def chain(tmp_path, emulator):
    return Chain(tmp_path, emulator)


def served_by(emulator, run, source):
    """Asserts the answer's password was made with the key `source` issued; returns that identity."""
    assert run.returncode == 0, run.stderr
    password = json.loads(run.stdout)["auth"][REGISTRY]["password"]
    issued = emulator.issued(source)
    assert issued, f"nothing issued by {source}"
    identity = issued[-1]
    assert password == emulator.ecr_password(IMAGE_ACCOUNT, REGION, identity["accessKeyId"])
    return identity


def one_line(run):
    lines = run.stderr.strip().splitlines()
    assert run.returncode != 0 and len(lines) == 1, run.stderr
    return lines[0]


# -- each mechanism --

@pytest.mark.parametrize("with_config", [False, True], ids=["no-config", "aws.default-chain"])
def test_instance_metadata_v2(chain, emulator, with_config):
    if with_config:
        chain.use_config_file()
    identity = served_by(emulator, chain.run(), IMDS)
    assert identity["roleArn"] == "arn:aws:iam::444455556666:role/pullcred-instance"
    assert [emulator.count(a) for a in (IMDS_TOKEN, IMDS_ROLES, IMDS)] == [1, 1, 1]
    assert emulator.count(IMDS_ROLES, "ok") == 1  # the emulator refuses GETs without a token


def test_no_config_mode_caches(chain, emulator):
    first = chain.run()
    served_by(emulator, first, IMDS)
    second = chain.run()
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert emulator.count(IMDS) == 1 and emulator.count(ECR) == 1
    assert any(pathlib.Path(chain.env["PULLCRED_CACHE_DIR"]).iterdir())


@pytest.mark.parametrize("with_config", [False, True], ids=["no-config", "aws.default-chain"])
def test_container_full_uri_with_token(chain, emulator, with_config):
    if with_config:
        chain.use_config_file()
    emulator.configure(container_authorization_token="pod-identity-token-0001")
    chain.container(token="pod-identity-token-0001")
    identity = served_by(emulator, chain.run(), CONTAINER)
    assert identity["roleArn"] == "arn:aws:iam::111122223333:role/pullcred-container"
    assert emulator.count(IMDS_TOKEN) == 0


def test_container_token_file_wins_and_is_reread(chain, emulator, tmp_path):
    emulator.configure(container_authorization_token="from-the-file-0001")
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("from-the-file-0001\n")
    chain.container(token="from-the-variable", token_file=token_file)
    served_by(emulator, chain.run(), CONTAINER)
    emulator.configure(container_authorization_token="rotated-token-0002")
    token_file.write_text("rotated-token-0002")
    served_by(emulator, chain.run(), CONTAINER)
    assert emulator.count(CONTAINER, "ok") == 2


def test_container_wrong_token_is_refused_clearly(chain, emulator):
    emulator.configure(container_authorization_token="the-right-token-0001")
    chain.container(token="a-wrong-token-0001")
    line = one_line(chain.run())
    assert "container credentials endpoint 127.0.0.1" in line and "HTTP 403" in line
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" in line
    assert "a-wrong-token-0001" not in line


def test_container_full_uri_to_a_disallowed_host_is_refused(chain, emulator):
    chain.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://10.1.2.3:8080/creds"
    line = one_line(chain.run())
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI names host 10.1.2.3, which is not allowed over http" in line
    assert "169.254.170.23" in line
    assert emulator.count(CONTAINER) == 0 and emulator.count(IMDS_TOKEN) == 0


@pytest.mark.parametrize("session", [True, False], ids=["sso_session", "legacy"])
def test_sso(chain, emulator, session):
    chain.sso_profile(session=session)
    emulator.sso_login(chain.home, start_url="https://legacy.awsapps.com/start",
                       session="corp" if session else None)
    identity = served_by(emulator, chain.run(), SSO)
    assert identity["roleArn"] == f"arn:aws:iam::{SSO_ACCOUNT}:role/ReadOnly"
    assert emulator.count(SSO) == 1 and emulator.count(IMDS_TOKEN) == 0


def test_sso_in_a_default_chain_config_and_in_shared_config(chain, emulator):
    chain.sso_profile()
    emulator.sso_login(chain.home, session="corp")
    chain.use_config_file()
    served_by(emulator, chain.run(), SSO)
    config = json.loads(chain.config.read_text())
    config["profiles"]["chain"] = {"source": "aws.shared-config", "profile": "dev",
                                   "configFile": str(chain.aws_config)}
    chain.config.write_text(json.dumps(config))
    del chain.env["AWS_PROFILE"]
    served_by(emulator, chain.run(), SSO)
    assert emulator.count(SSO, "ok") == 2


def test_sso_expired_token_says_to_log_in(chain, emulator):
    chain.sso_profile()
    emulator.sso_login(chain.home, session="corp", expires_in=-60)
    line = one_line(chain.run())
    assert "SSO session expired" in line and "run `aws sso login --profile dev`" in line
    assert emulator.count(SSO) == 0


def test_sso_without_a_login_says_to_log_in(chain, emulator):
    chain.sso_profile(session=False)
    line = one_line(chain.run())
    assert "no SSO token in" in line and "aws sso login --profile dev" in line


def test_sso_token_refused_by_the_portal_says_to_log_in(chain, emulator):
    chain.sso_profile()
    path, _ = emulator.sso_login(chain.home, session="corp")
    emulator.configure(sso_access_tokens=[])  # signed out elsewhere
    line = one_line(chain.run())
    assert "refused the SSO session" in line and "aws sso login --profile dev" in line
    assert pathlib.Path(path).exists()


# -- botocore's order --

def test_environment_keys_beat_sso(chain, emulator):
    chain.sso_profile()
    emulator.sso_login(chain.home, session="corp")
    keys = emulator.static_credentials[1]
    chain.env.update(AWS_ACCESS_KEY_ID=keys["accessKeyId"], AWS_SECRET_ACCESS_KEY=keys["secretAccessKey"])
    run = chain.run()
    assert run.returncode == 0, run.stderr
    password = json.loads(run.stdout)["auth"][REGISTRY]["password"]
    assert password == emulator.ecr_password(IMAGE_ACCOUNT, REGION, keys["accessKeyId"])
    assert emulator.count(SSO) == 0


def test_a_profile_beats_container_credentials(chain, emulator):
    keys = emulator.static_credentials[2]
    chain.aws_config.write_text(f"[default]\naws_access_key_id = {keys['accessKeyId']}\n"
                                f"aws_secret_access_key = {keys['secretAccessKey']}\n")
    chain.container()
    run = chain.run()
    assert run.returncode == 0, run.stderr
    password = json.loads(run.stdout)["auth"][REGISTRY]["password"]
    assert password == emulator.ecr_password(IMAGE_ACCOUNT, REGION, keys["accessKeyId"])
    assert emulator.count(CONTAINER) == 0


def test_a_profile_without_credentials_passes_on_to_container(chain, emulator):
    chain.aws_config.write_text("[default]\nregion = us-west-2\n")
    chain.container()
    served_by(emulator, chain.run(), CONTAINER)


def test_container_beats_instance_metadata(chain, emulator):
    chain.container()
    served_by(emulator, chain.run(), CONTAINER)
    assert emulator.count(IMDS_TOKEN) == 0


def test_credential_source_ec2_instance_metadata_assumes_a_role(chain, emulator):
    chain.aws_config.write_text("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\n"
                                "credential_source = Ec2InstanceMetadata\n")
    chain.env["AWS_PROFILE"] = "app"
    served_by(emulator, chain.run(), "sts:AssumeRole")
    assert emulator.count(IMDS, "ok") == 1 and emulator.count("sts:AssumeRole", "ok") == 1


# -- IMDS failures --

def test_instance_metadata_disabled(chain, emulator):
    chain.env["AWS_EC2_METADATA_DISABLED"] = "true"
    line = one_line(chain.run())
    assert line.startswith("pullcred: error:") or "no AWS credentials" in line
    assert "no AWS credentials" in line and "AWS_EC2_METADATA_DISABLED" in line
    assert emulator.count(IMDS_TOKEN) == 0


def test_instance_metadata_token_refused(chain, emulator):
    emulator.configure(imds_token_status=403)
    line = one_line(chain.run())
    assert "requires a session token (IMDSv2) and refused to issue one (HTTP 403)" in line
    assert emulator.count(IMDS_TOKEN) == 1 and emulator.count(IMDS) == 0
    # botocore falls back to IMDSv1 after a 403: so does pullcred, where the instance allows it.
    emulator.configure(imds_v1_allowed=True)
    chain.env["PULLCRED_CACHE_DIR"] = str(chain.tmp / "other-cache")  # the cache shares a failure for 5 s
    served_by(emulator, chain.run(), IMDS)


def test_no_instance_role(chain, emulator):
    emulator.configure(imds_role_arn=None)
    line = one_line(chain.run())
    assert "this instance has no IAM role" in line


def test_no_instance_metadata_fails_fast(chain):
    chain.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://192.0.2.1"  # TEST-NET: nothing answers
    started = time.monotonic()
    line = one_line(chain.run())
    assert time.monotonic() - started < 6
    assert "no AWS credentials" in line and "EC2 instance metadata at http://192.0.2.1 did not answer" in line


def test_a_silent_instance_metadata_address_fails_within_about_a_second(chain):
    """A socket that accepts and never answers: one 1 s attempt, not the usual 10 s attempts, retried."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        chain.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d" % silent.getsockname()[1]
        started = time.monotonic()
        line = one_line(chain.run())
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 4, elapsed
    assert "did not answer" in line and "1 attempt" in line


# -- explain, and botocore itself --

def test_explain_names_the_mechanism(chain, emulator):
    assert "EC2 instance metadata (IMDSv2) at " + emulator.imds_url in chain.run(command="explain", image=IMAGE).stdout
    chain.container()
    assert "container credentials (ECS / EKS Pod Identity) from host 127.0.0.1" in \
        chain.run(command="explain", image=IMAGE).stdout
    chain.sso_profile()
    assert "IAM Identity Center (SSO) role ReadOnly in account 777788889999" in \
        chain.run(command="explain", image=IMAGE).stdout


BOTOCORE_METHOD = """
import botocore.session
print(botocore.session.get_session().get_credentials().method)
"""


@pytest.mark.parametrize("setup,method,served", [
    ("imds", "iam-role", IMDS),
    ("container+imds", "container-role", CONTAINER),
    ("sso+container", "sso", SSO),
    ("env+sso", "env", None),
])
def test_botocore_chooses_the_same(chain, emulator, setup, method, served):
    if "container" in setup:
        chain.container()
    if "sso" in setup:
        chain.sso_profile()
        emulator.sso_login(chain.home, session="corp")
    if "env" in setup:
        keys = emulator.static_credentials[0]
        chain.env.update(AWS_ACCESS_KEY_ID=keys["accessKeyId"], AWS_SECRET_ACCESS_KEY=keys["secretAccessKey"])
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    botocore = subprocess.run([python, "-c", BOTOCORE_METHOD], capture_output=True, text=True, env=chain.env,
                              timeout=60, check=False)
    if botocore.returncode != 0 and "No module named" in botocore.stderr:
        pytest.skip("botocore is not installed")
    assert botocore.stdout.strip() == method, botocore.stderr
    calls_before = {action: emulator.count(action) for action in (SSO, CONTAINER, IMDS)}
    run = chain.run()
    assert run.returncode == 0, run.stderr
    if served:
        served_by(emulator, run, served)
    for action in (SSO, CONTAINER, IMDS):
        assert emulator.count(action) - calls_before[action] == (1 if action == served else 0), action
