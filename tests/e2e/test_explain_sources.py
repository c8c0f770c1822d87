"""`pullcred explain` says how the rule's profile resolves through the
source's own describe (ABI 1.2), for built-in and module sources alike,
without the network and without a secret; a source without describe is
named as such."""
import json
import subprocess

import pytest

from conftest import BUILD_DIR, PULLCRED, scrubbed_env, static_secret_dir

STATUS_MODULE = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures" / "test_status.so"
SECRET_KEY = "explain-sources-secret-key-never-printed"


@pytest.fixture
def config(tmp_path):
    secret = static_secret_dir(tmp_path / "secret", "AKIAEXPLAINSOURCES01", SECRET_KEY)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config", "modules": [str(STATUS_MODULE)],
        "profiles": {
            "keys": {"source": "aws.static", "secretDir": str(secret)},
            "helper": {"source": "aws.process", "command": "/bin/echo --token do-not-show-this"},
            "chain": {"source": "aws.default-chain"},
            "opaque": {"source": "test.status-source"},
        },
        "registries": [
            {"matchImages": ["keys.example.com"], "backend": "test.status-backend", "profile": "keys"},
            {"matchImages": ["helper.example.com"], "backend": "test.status-backend", "profile": "helper"},
            {"matchImages": ["chain.example.com"], "backend": "test.status-backend", "profile": "chain"},
            {"matchImages": ["opaque.example.com"], "backend": "test.status-backend", "profile": "opaque"},
        ]}))
    return path


def explain(config, image, **env):
    return subprocess.run([str(PULLCRED), "explain", image, "--config", str(config)], capture_output=True,
                          text=True, env={**scrubbed_env(), **env}, timeout=60, check=False)


def resolves(run):
    assert run.returncode == 0, run.stderr
    return next(line for line in run.stdout.splitlines() if line.startswith("resolves: "))


@pytest.mark.parametrize("image,expected", [
    ("keys.example.com/app", "resolves: static keys from the Secret in "),
    ("helper.example.com/app", "resolves: credential_process: runs /bin/echo (timeout "),
    ("opaque.example.com/app", "resolves: by the test.status-source module"),
])
def test_each_source_describes_itself(config, image, expected):
    run = explain(config, image)
    assert resolves(run).startswith(expected)
    assert SECRET_KEY not in run.stdout + run.stderr
    assert "do-not-show-this" not in run.stdout + run.stderr


def test_the_default_chain_names_its_step(config):
    run = explain(config, "chain.example.com/app", AWS_ACCESS_KEY_ID="AKIAEXPLAINSOURCES02",
                  AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    assert resolves(run) == "resolves: keys from the environment (AWS_ACCESS_KEY_ID)"
    assert SECRET_KEY not in run.stdout + run.stderr
