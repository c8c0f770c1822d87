"""aws.shared-config end to end: the real pullcred binary and modules against
the AWS emulator (botocore checks every SigV4 signature, STS counts calls).

- role chaining: static keys -> AssumeRole -> AssumeRole -> ECR;
  a source_profile loop; credential_source = Environment;
- web identity with a token minted by the emulator's OIDC issuer;
- credential_process running a real script through aws.process;
- `credential_process = aws_signing_helper credential-process ...` served
  natively by aws.roles-anywhere with no aws_signing_helper anywhere on PATH,
  and with nativeSigningHelper: false the spawn fails clearly.
"""
import json
import re
import shutil
import subprocess

import pytest

from conftest import PULLCRED, kubelet_request, scrubbed_env


ASSUME_ROLE = "sts:AssumeRole"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
CREATE_SESSION = "rolesanywhere:CreateSession"
ECR = "ecr:GetAuthorizationToken"
IMAGE = "444455556666.dkr.ecr.us-west-2.amazonaws.com/team/app"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-shared"
RA_PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-shared"
# No aws_signing_helper in these directories: a native run proves nothing was spawned.
BARE_PATH = "/usr/bin:/bin"


@pytest.fixture(autouse=True)
def fresh(emulator):
    emulator.reset()


def factories():
    listing = subprocess.run([str(PULLCRED), "modules"], capture_output=True, text=True, timeout=60, check=False)
    return listing.stdout


def env_for(emulator, **extra):
    env = scrubbed_env()
    env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(emulator.ca_bundle), "PATH": BARE_PATH,
                "AWS_EC2_METADATA_DISABLED": "true"})
    env.update(extra)
    return env


class Node:
    """A pullcred config with one aws.shared-config profile over AWS files in tmp_path."""

    def __init__(self, tmp_path, emulator):
        self.tmp, self.emulator = tmp_path, emulator
        self.config_file = tmp_path / "aws-config"
        self.credentials_file = tmp_path / "aws-credentials"
        self.credentials_file.write_text("")

    def write(self, aws_config, credentials="", profile="app", **source):
        self.config_file.write_text(aws_config)
        self.credentials_file.write_text(credentials)
        settings = dict({"source": "aws.shared-config", "configFile": str(self.config_file),
                         "credentialsFile": str(self.credentials_file), "profile": profile}, **source)
        config = {"apiVersion": "pullcred/v1", "kind": "Config",
                  "cache": {"dir": str(self.tmp / "cache"), "enabled": False},
                  "profiles": {"shared": settings},
                  "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                                  "profile": "shared"}]}
        self.pullcred_config = self.tmp / "config.json"
        self.pullcred_config.write_text(json.dumps(config))

    def run(self, image=IMAGE, **env):
        return subprocess.run([str(PULLCRED), "get-credentials", "--config", str(self.pullcred_config)],
                              input=kubelet_request(image), capture_output=True, text=True,
                              env=env_for(self.emulator, **env), timeout=60, check=False)


@pytest.fixture
def node(tmp_path, emulator):
    return Node(tmp_path, emulator)


def password_of(run, registry="444455556666.dkr.ecr.us-west-2.amazonaws.com"):
    assert run.returncode == 0, run.stderr
    auth = json.loads(run.stdout)["auth"][registry]
    assert auth["username"] == "AWS"
    return auth["password"]


def static_keys(emulator, index=0):
    keys = emulator.static_credentials[index]
    return keys["accessKeyId"], keys["secretAccessKey"]


def test_two_assume_role_hops_from_static_keys(node, emulator):
    key_id, secret = static_keys(emulator)
    node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\nsource_profile = mid\n"
               "region = us-west-2\n"
               "[profile mid]\nrole_arn = arn:aws:iam::111122223333:role/mid\nsource_profile = base\n",
               f"[base]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    run = node.run()
    password = password_of(run)
    assert password.startswith("ecrpass-444455556666-us-west-2-ASIA"), password
    assert emulator.count(ASSUME_ROLE) == 2
    assert emulator.count(ASSUME_ROLE, "ok") == 2
    assert emulator.count(ECR, "ok") == 1
    assert secret not in run.stderr


def test_a_source_profile_loop_is_a_clear_error(node, emulator):
    node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\nsource_profile = mid\n"
               "[profile mid]\nrole_arn = arn:aws:iam::111122223333:role/mid\nsource_profile = app\n")
    run = node.run()
    assert run.returncode != 0
    assert "app -> mid -> app" in run.stderr, run.stderr
    assert emulator.count(ASSUME_ROLE) == 0


def test_credential_source_environment(node, emulator):
    key_id, secret = static_keys(emulator)
    node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\ncredential_source = Environment\n"
               "region = us-west-2\n")
    missing = node.run()
    assert missing.returncode != 0
    assert "AWS_ACCESS_KEY_ID is not set" in missing.stderr, missing.stderr
    run = node.run(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
    assert password_of(run).startswith("ecrpass-444455556666-us-west-2-ASIA")
    assert emulator.count(ASSUME_ROLE, "ok") == 1


def test_an_sts_refusal_names_the_role_and_profile(node, emulator):
    key_id, secret = static_keys(emulator)
    emulator.configure(sts_external_ids={"arn:aws:iam::444455556666:role/app": "expected-external-id"})
    try:
        node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\nsource_profile = base\n"
                   "external_id = wrong\n",
                   f"[base]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
        run = node.run()
    finally:
        emulator.reset()
    assert run.returncode != 0
    assert "AccessDenied" in run.stderr and "arn:aws:iam::444455556666:role/app" in run.stderr, run.stderr
    assert 'AWS profile "app"' in run.stderr


def test_web_identity_with_a_minted_token(node, emulator):
    token = emulator.mint_jwt(sub="system:serviceaccount:kube-system:pullcred")
    token_file = node.tmp / "token"
    token_file.write_text(token)
    node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/web\n"
               f"web_identity_token_file = {token_file}\nregion = us-west-2\n")
    run = node.run()
    assert password_of(run).startswith("ecrpass-444455556666-us-west-2-ASIA")
    assert emulator.count(WEB_IDENTITY, "ok") == 1
    assert token not in run.stderr
    token_file.write_text(emulator.mint_jwt(aud="someone-else"))
    refused = node.run()
    assert refused.returncode != 0
    assert "InvalidIdentityToken" in refused.stderr, refused.stderr


def has_factory(name):
    return re.search(r"\b" + re.escape(name) + r"\b", factories()) is not None


def test_credential_process_runs_a_real_script(node, emulator):
    if not has_factory("aws.process"):
        pytest.skip("aws.process is not built")
    key_id, secret = static_keys(emulator, 1)  # account 444455556666
    script = node.tmp / "creds.sh"
    script.write_text("#!/bin/sh\n"
                      f"echo '{{\"Version\": 1, \"AccessKeyId\": \"{key_id}\", \"SecretAccessKey\": \"{secret}\"}}'\n")
    script.chmod(0o755)
    node.write(f"[profile app]\ncredential_process = '{script}' --some flag\nregion = us-west-2\n")
    run = node.run()
    assert password_of(run) == emulator.ecr_password("444455556666", "us-west-2", key_id)
    assert "spawning credential_process" in run.stderr, run.stderr
    assert secret not in run.stderr


def helper_line(emulator, *extra):
    combined = emulator.pki["clients"]["ec-p256"]["combined"]
    flags = ["--certificate", combined, "--private-key", combined, "--trust-anchor-arn", ANCHOR,
             "--profile-arn", RA_PROFILE, "--role-arn", "arn:aws:iam::444455556666:role/ecr-pull", *extra]
    return "aws_signing_helper credential-process " + " ".join(f"'{flag}'" for flag in flags)


def test_signing_helper_is_served_natively_with_nothing_to_spawn(node, emulator):
    if not has_factory("aws.roles-anywhere"):
        pytest.skip("aws.roles-anywhere is not built")
    assert shutil.which("aws_signing_helper", path=BARE_PATH) is None
    node.write(f"[profile app]\ncredential_process = {helper_line(emulator)}\nregion = us-west-2\n")
    run = node.run()
    assert password_of(run).startswith("ecrpass-444455556666-us-west-2-ASIA")
    assert "served natively by aws.roles-anywhere" in run.stderr, run.stderr
    assert emulator.count(CREATE_SESSION, "ok") == 1


def test_signing_helper_as_the_source_of_a_role(node, emulator):
    if not has_factory("aws.roles-anywhere"):
        pytest.skip("aws.roles-anywhere is not built")
    node.write("[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\nsource_profile = node\n"
               f"region = us-west-2\n[profile node]\ncredential_process = {helper_line(emulator)}\n")
    run = node.run()
    assert password_of(run).startswith("ecrpass-444455556666-us-west-2-ASIA")
    assert emulator.count(CREATE_SESSION, "ok") == 1
    assert emulator.count(ASSUME_ROLE, "ok") == 1


def test_native_signing_helper_off_spawns_and_fails_clearly(node, emulator):
    if not has_factory("aws.process"):
        pytest.skip("aws.process is not built")
    node.write(f"[profile app]\ncredential_process = {helper_line(emulator)}\nregion = us-west-2\n",
               nativeSigningHelper=False)
    run = node.run()
    assert run.returncode != 0
    assert "spawning credential_process" in run.stderr, run.stderr
    assert "aws_signing_helper" in run.stderr and "not found" in run.stderr, run.stderr
    assert emulator.count(CREATE_SESSION) == 0
