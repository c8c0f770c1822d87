"""Shared fixtures: where the built pullcred is, and how to run it."""
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", "build/dev")).resolve()
SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", ".")).resolve()
PULLCRED = BUILD_DIR / "bin" / "pullcred"
sys.path.insert(0, str(SOURCE_DIR / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402
from secret_guard import SecretGuard  # noqa: E402
# Environment variables that would change what the code under test does.
SCRUBBED = re.compile(r"^(AWS_|PULLCRED_CONFIG$|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$|ALL_PROXY$)")


def scrubbed_env():
    """This process's environment without AWS settings, pullcred's config or proxies."""
    return {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}


def kubelet_request(image, version="v1", **extra):
    request = {"kind": "CredentialProviderRequest",
               "apiVersion": f"credentialprovider.kubelet.k8s.io/{version}", "image": image}
    request.update(extra)
    return json.dumps(request)


class Run:
    def __init__(self, completed):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def private_default_cache(tmp_path, monkeypatch):
    """A config without cache.dir caches under the test's own directory, never in /var/lib."""
    monkeypatch.setenv("PULLCRED_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(autouse=True)
def no_secret_escapes(tmp_path, monkeypatch):
    """Every pullcred run of the test is recorded; a secret outside the answer fails the test."""
    guard = SecretGuard(tmp_path, monkeypatch)
    yield guard
    guard.verify()


@pytest.fixture
def pullcred():
    """Runs the real binary: pullcred(args..., stdin=..., env=...)."""
    def run(*args, stdin="", env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("PULLCRED_CONFIG", None)
        full_env.update(env or {})
        completed = subprocess.run([str(PULLCRED), *args], input=stdin, capture_output=True, text=True,
                                   env=full_env, timeout=timeout, check=False)
        return Run(completed)
    assert PULLCRED.exists(), f"build pullcred first: {PULLCRED}"
    return run


def static_secret_dir(directory, access_key_id, secret_access_key):
    """A directory holding AWS keys the way a mounted Kubernetes Secret does (aws.static)."""
    directory.mkdir()
    (directory / "AWS_ACCESS_KEY_ID").write_text(access_key_id)
    (directory / "AWS_SECRET_ACCESS_KEY").write_text(secret_access_key)
    return directory


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """The AWS emulator, one per test file (a file may override it)."""
    emu = Emulator().start(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()
