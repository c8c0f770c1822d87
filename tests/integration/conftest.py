"""Integration tests: the real pullcred binary and in-tree modules against the
AWS emulator (tests/emulator), over HTTPS on loopback.

Fixtures:
  emulator   one emulator for the session, reset before every test
  secret     a Secret-layout directory holding the emulator's first static keys
  setup      writes a pullcred config (profiles + rules) into the test's tmp dir
  pullcred   runs `pullcred ... get-credentials` aimed at the emulator and checks
             that no secret reaches stderr
  no_secret_escapes (autouse) records every pullcred run of the test and fails it
             if a secret shows up outside the answer (tests/emulator/secret_guard.py)
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", "build/dev")).resolve()
SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2])).resolve()
PULLCRED = BUILD_DIR / "bin" / "pullcred"
MODULE_DIR = BUILD_DIR / "lib" / "pullcred" / "modules"

sys.path.insert(0, str(SOURCE_DIR / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402
from secret_guard import SecretGuard  # noqa: E402

# Environment variables that would change what the code under test does.
SCRUBBED = re.compile(r"^(AWS_|PULLCRED_CONFIG$|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$|ALL_PROXY$)")


def kubelet_request(image, version="v1"):
    return json.dumps({"kind": "CredentialProviderRequest",
                       "apiVersion": f"credentialprovider.kubelet.k8s.io/{version}", "image": image})


def parse_go_duration(text):
    """Seconds in a Go duration such as "5h59m59s" or "0s"."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"([0-9.]+)(ms|h|m|s)", text)
    assert "".join(number + unit for number, unit in parts) == text, f"not a Go duration: {text!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


class Run:
    def __init__(self, completed, elapsed, command_env):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.elapsed = elapsed
        self.env = command_env

    def json(self):
        return json.loads(self.stdout)

    def auth(self):
        return self.json()["auth"]

    def error_line(self):
        """The last line of stderr: the one error pullcred prints on failure."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def start_emulator(tmp_path_factory):
    assert PULLCRED.exists(), f"build pullcred first: {PULLCRED}"
    for module in ("registry-ecr.so", "source-static.so"):
        assert (MODULE_DIR / module).exists(), f"build the in-tree modules first: {MODULE_DIR / module}"
    return Emulator().start(tmp_path_factory.mktemp("emulator"))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory)
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def private_default_cache(tmp_path, monkeypatch):
    """A config without cache.dir caches under the test's own directory, never in /var/lib."""
    monkeypatch.setenv("PULLCRED_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(autouse=True)
def no_secret_escapes(tmp_path, monkeypatch):
    guard = SecretGuard(tmp_path, monkeypatch)
    yield guard
    guard.verify()


@pytest.fixture(autouse=True)
def fresh_emulator(request):
    """Every test starts with no faults, no calls counted and default settings."""
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()
    yield


def write_secret(directory, access_key_id, secret_access_key, region=None, session_token=None):
    """A directory in the EKS Anywhere Secret layout (values end with a newline, as kubectl writes them)."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "AWS_ACCESS_KEY_ID").write_text(access_key_id + "\n")
    (directory / "AWS_SECRET_ACCESS_KEY").write_text(secret_access_key + "\n")
    if region:
        (directory / "REGION").write_text(region + "\n")
    if session_token:
        (directory / "AWS_SESSION_TOKEN").write_text(session_token + "\n")
    return directory


@pytest.fixture
def keys(emulator):
    """The emulator's first static key pair (account 111122223333)."""
    return emulator.static_credentials[0]


@pytest.fixture
def secret(tmp_path, keys):
    return write_secret(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"], region="us-west-2")


RULE_DEFAULTS = {"backend": "aws.ecr", "profile": "node-keys"}


@pytest.fixture
def setup(tmp_path, secret):
    """setup(rules, profiles=None, settings=None) -> path of a config file.
    Default profile `node-keys` reads the `secret` directory; rules name it unless they say otherwise
    (a rule key set to None is left out)."""
    def write(rules, profiles=None, settings=None, name="config.json"):
        config = {
            "apiVersion": "pullcred/v1",
            "kind": "Config",
            "cache": {"enabled": False},
            "profiles": profiles if profiles is not None else {
                "node-keys": {"source": "aws.static", "secretDir": str(secret)}},
            "registries": [{key: value for key, value in dict(RULE_DEFAULTS, **rule).items() if value is not None}
                           for rule in rules],
        }
        if settings:
            config["settings"] = settings
        path = tmp_path / name
        path.write_text(json.dumps(config, indent=2))
        return path
    return write


@pytest.fixture
def pullcred(emulator):
    """pullcred(config, image, env=None, args=(), endpoint_variable="AWS_ENDPOINT_URL", timeout=60) -> Run.
    Runs `pullcred --log-level debug get-credentials --config CONFIG` with the request for IMAGE,
    aimed at the emulator, and asserts that stderr holds no secret: no static secret key of the
    emulator's, no secret key from the environment and no password that pullcred answered with."""
    secrets = {entry["secretAccessKey"] for entry in emulator.static_credentials}

    def run(config, image, env=None, args=(), endpoint_variable="AWS_ENDPOINT_URL", version="v1", timeout=60,
            extra_secrets=()):
        full_env = {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}
        full_env.update({endpoint_variable: emulator.url, "AWS_CA_BUNDLE": emulator.ca_bundle,
                         "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(pathlib.Path(config).parent)})
        full_env.update(env or {})
        full_env = {key: value for key, value in full_env.items() if value is not None}
        command = [str(PULLCRED), "--log-level", "debug", *args, "get-credentials", "--config", str(config)]
        started = time.monotonic()
        completed = subprocess.run(command, input=kubelet_request(image, version), capture_output=True, text=True,
                                   env=full_env, timeout=timeout, check=False)
        result = Run(completed, time.monotonic() - started, full_env)
        leaked = set(secrets) | set(extra_secrets)
        for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if full_env.get(name):
                leaked.add(full_env[name])
        if result.code == 0 and result.stdout.strip():
            leaked |= {entry["password"] for entry in result.auth().values() if entry.get("password")}
        for value in leaked:
            assert value not in result.stderr, f"a secret reached stderr:\n{result.stderr}"
        return result

    return run
