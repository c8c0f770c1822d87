"""pullcred node install / uninstall on Bottlerocket: the real binary against a
fake Bottlerocket API on a unix socket (fake_bottlerocket_api.py), and for
Roles Anywhere the AWS emulator. Checks what is PATCHed, that nothing is
PATCHed when the settings already hold it, that temporary keys are renewed
only near expiry, that uninstall restores, and that API failures are one line
with no secret in it."""
import base64
import json
import signal
import subprocess
import time

import pytest

from conftest import PULLCRED, scrubbed_env
from fake_bottlerocket_api import FakeBottlerocketApi


ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-br"
PROFILE_ARN = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-br"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
SECRET_KEY = "wJalrXUtnFEMIbottlerocketSECRETKEY000001"
PROVIDER = ("kubernetes", "credential-providers", "ecr-credential-provider")

# What an aws-k8s Bottlerocket node starts with (sources/models/shared-defaults).
DEFAULTS = {
    "motd": "Welcome to Bottlerocket!",
    "aws": {"profile": "default", "region": "us-west-2"},
    "kubernetes": {"cluster-name": "c1", "credential-providers": {"ecr-credential-provider": {
        "enabled": True, "cache-duration": "12h", "image-patterns": ["*.dkr.ecr.*.amazonaws.com"]}}},
}


def provider(settings):
    return settings["kubernetes"]["credential-providers"]["ecr-credential-provider"]


def aws_config(settings):
    return base64.b64decode(settings["aws"]["config"]).decode()


class Node:
    def __init__(self, tmp_path, settings=DEFAULTS):
        self.tmp = tmp_path
        self.host = tmp_path / "host"
        (self.host / "run").mkdir(parents=True)
        self.api = FakeBottlerocketApi(self.host / "run" / "api.sock", settings).start()
        self.env = dict(scrubbed_env(), HTTPS_PROXY="http://proxy.example:3128")

    def static_config(self, key_id="AKIABOTTLEROCKET0001", secret=SECRET_KEY):
        secret_dir = self.tmp / "secret"
        secret_dir.mkdir(exist_ok=True)
        (secret_dir / "AWS_ACCESS_KEY_ID").write_text(key_id)
        (secret_dir / "AWS_SECRET_ACCESS_KEY").write_text(secret)
        return self.write_config({"keys": {"source": "aws.static", "secretDir": str(secret_dir)}})

    def write_config(self, profiles):
        path = self.tmp / "config.json"
        path.write_text(json.dumps({"apiVersion": "pullcred/v1", "kind": "Config",
                                    "cache": {"dir": str(self.tmp / "cache"), "enabled": False},
                                    "profiles": profiles,
                                    "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"],
                                                    "backend": "aws.ecr", "profile": next(iter(profiles))}]}))
        return path

    def args(self, config, *extra):
        return ["node", "install", f"--config={config}", f"--host-root={self.host}",
                "--provider-match-image=*.dkr.ecr.*.amazonaws.com", "--provider-match-image=public.ecr.aws",
                "--provider-default-cache-duration=5h", "--provider-env=HTTPS_PROXY", *extra]

    def run(self, *args):
        return subprocess.run([str(PULLCRED), *args], capture_output=True, text=True, env=self.env,
                              timeout=60, check=False)

    def uninstall(self, *extra):
        return self.run("node", "uninstall", f"--host-root={self.host}", *extra)


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    yield n
    n.api.stop()


def test_static_keys_written_once_then_restored(node):
    config = node.static_config()
    first = node.run(*node.args(config))
    assert first.returncode == 0, first.stderr
    settings = node.api.snapshot()
    text = aws_config(settings)
    assert "[default]" in text and "aws_access_key_id = AKIABOTTLEROCKET0001" in text
    assert f"aws_secret_access_key = {SECRET_KEY}" in text and "aws_session_token" not in text
    assert provider(settings) == {"enabled": True, "cache-duration": "5h",
                                  "image-patterns": ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"],
                                  "environment": {"HTTPS_PROXY": "http://proxy.example:3128"}}
    [patch] = node.api.patches()
    assert "profile" not in patch["aws"], "settings.aws.profile already held 'default': not PATCHed"
    assert "enabled" not in provider(patch)
    assert [r["path"] for r in node.api.requests] == ["/settings", "/settings", "/tx/commit_and_apply"]
    assert {r["tx"] for r in node.api.requests[1:]} == {"pullcred-node-install"}
    manifest = node.host / "var/lib/pullcred/bottlerocket-install.json"
    assert manifest.stat().st_mode & 0o777 == 0o600
    assert SECRET_KEY not in first.stderr

    second = node.run(*node.args(config))
    assert second.returncode == 0, second.stderr
    assert len(node.api.patches()) == 1, "a second install PATCHes nothing"
    assert "nothing changed" in second.stderr

    removed = node.uninstall()
    assert removed.returncode == 0, removed.stderr
    after = node.api.snapshot()
    # Leaves that did not exist before cannot be deleted through the API; the environment stays.
    assert provider(after) == dict(provider(DEFAULTS), environment={"HTTPS_PROXY": "http://proxy.example:3128"})
    assert "aws_secret_access_key" not in aws_config(after), "the keys are gone from settings.aws.config"
    assert after["aws"]["profile"] == "default" and after["motd"] == DEFAULTS["motd"]
    assert not manifest.exists()
    assert SECRET_KEY not in removed.stderr
    again = node.uninstall()
    assert again.returncode == 0 and "nothing to remove" in again.stderr


def test_previous_aws_config_is_restored(tmp_path):
    previous = base64.b64encode(b"[default]\nregion = eu-west-1\n").decode()
    n = Node(tmp_path, settings=dict(DEFAULTS, aws={"profile": "ops", "config": previous}))
    try:
        assert n.run(*n.args(n.static_config())).returncode == 0
        assert n.api.snapshot()["aws"]["profile"] == "default"
        removed = n.uninstall()
        assert removed.returncode == 0, removed.stderr
        assert n.api.snapshot()["aws"] == {"profile": "ops", "config": previous}
    finally:
        n.api.stop()


def test_roles_anywhere_keys_renewed_near_expiry(node, emulator):
    emulator.reset()
    cert = emulator.pki["clients"]["ec-p256"]["combined"]
    config = node.write_config({"node": {"source": "aws.roles-anywhere", "certificate": cert, "privateKey": cert,
                                         "trustAnchorArn": ANCHOR, "profileArn": PROFILE_ARN, "roleArn": ROLE,
                                         "sessionDuration": 900}})
    node.env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": emulator.ca_bundle,
                     "AWS_EC2_METADATA_DISABLED": "true"})
    # 900 s sessions renewed when 890 s are left: 10 s after each CreateSession,
    # so that a slow first write on a loaded machine still leaves time to see it stay.
    process = subprocess.Popen([str(PULLCRED), *node.args(config, "--watch", "--watch-interval=0.3",
                                                          "--bottlerocket-refresh-before=14m50s")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=node.env)
    seen = set()
    try:
        deadline = time.time() + 30
        while not node.api.patches() and time.time() < deadline:
            time.sleep(0.1)
        first = node.api.snapshot()
        text = aws_config(first)
        assert "aws_session_token = " in text and "aws_access_key_id = ASIA" in text, text
        seen.update(line.split(" = ", 1)[1] for line in text.splitlines()
                    if line.startswith(("aws_secret_access_key", "aws_session_token")))
        time.sleep(2.5)
        assert len(node.api.patches()) == 1, "fresh keys are not rewritten"
        deadline = time.time() + 20
        while len(node.api.patches()) < 2 and time.time() < deadline:
            time.sleep(0.1)
        patches = node.api.patches()
        assert len(patches) >= 2, "keys near expiry are renewed"
        assert patches[1] == {"aws": {"config": patches[1]["aws"]["config"]}}, "a renewal PATCHes only aws.config"
        renewed = aws_config(node.api.snapshot())
        assert renewed != text
        seen.update(line.split(" = ", 1)[1] for line in renewed.splitlines()
                    if line.startswith(("aws_secret_access_key", "aws_session_token")))
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "temporary credentials valid until" in stderr
    for secret in seen:
        assert secret not in stderr
    assert emulator.count("rolesanywhere:CreateSession", "ok") == len(node.api.patches())
    removed = node.uninstall()
    assert removed.returncode == 0, removed.stderr
    assert "aws_session_token" not in aws_config(node.api.snapshot())


@pytest.mark.parametrize("where,failure,expected", [
    (("GET", "/settings"), 500, "Bottlerocket API GET /settings: HTTP 500"),
    (("GET", "/settings"), "malformed", "Bottlerocket API GET /settings: the reply is not a JSON object"),
    (("PATCH", "/settings"), 500, "Bottlerocket API PATCH /settings?tx=pullcred-node-install: HTTP 500"),
    (("POST", "/tx/commit_and_apply"), 503, "Bottlerocket API POST /tx/commit_and_apply?tx=pullcred-node-install: HTTP 503"),
])
def test_api_errors_are_one_line(node, where, failure, expected):
    node.api.fail[where] = failure
    run = node.run(*node.args(node.static_config()))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("pullcred: error:")]
    assert len(errors) == 1 and expected in errors[0], run.stderr
    assert SECRET_KEY not in run.stderr


def test_missing_socket_is_one_line(node):
    gone = node.tmp / "gone.sock"
    run = node.run(*node.args(node.static_config(), f"--bottlerocket-api-socket={gone}"))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("pullcred: error:")]
    assert len(errors) == 1 and f"{gone}: connect: No such file or directory" in errors[0], run.stderr
    run = node.uninstall(f"--bottlerocket-api-socket={gone}")
    assert run.returncode == 0 and "nothing to remove" in run.stderr


def test_two_profiles_need_a_choice(node):
    config = node.static_config()
    data = json.loads(config.read_text())
    data["profiles"]["other"] = dict(data["profiles"]["keys"])
    config.write_text(json.dumps(data))
    run = node.run(*node.args(config))
    assert run.returncode == 1 and "--bottlerocket-profile NAME is required" in run.stderr
    assert node.api.patches() == []
    run = node.run(*node.args(config, "--bottlerocket-profile=other"))
    assert run.returncode == 0, run.stderr
