"""Helpers and fixtures for the Helm chart tests (conftest.py re-exports the
fixtures; tests import the helpers from here, never from conftest): a real helm (v4) and the npm deps of
validate.js, both installed into a cache directory (build/tools by default,
PULLCRED_TOOLS_DIR to change it) from the npm registry. Without npm, or when
the registry cannot be reached, the tests are skipped, not failed."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("PULLCRED_SOURCE_DIR", HERE.parent.parent)).resolve()
CHART = REPO / "packaging" / "helm" / "pullcred"
VALUES = HERE / "values"
TOOLS = Path(os.environ.get("PULLCRED_TOOLS_DIR", REPO / "build" / "tools"))
RELEASE_NAMESPACE = "pullcred-system"
GOOD = [
    "defaults.yaml",
    "eksa-roles-anywhere.yaml",
    "eksa-all-keys.yaml",
    "eksa-empty-fields.yaml",
    "three-credentials.yaml",
    "proxy.yaml",
    "native.yaml",
    "native-only.yaml",
    "uninstall.yaml",
]  # values files that must lint and render
tools_missing = []


def _skip(reason):
    tools_missing.append(reason)
    pytest.skip(reason)


_fetched = {}


def _fetch(script, what):
    """Runs an install script once per session; a failure is remembered, so
    an unreachable registry costs one attempt, not one per test."""
    if script not in _fetched:
        try:
            _fetched[script] = ("ok", _install(script, what))
        except pytest.skip.Exception as skipped:
            _fetched[script] = ("skip", str(skipped.msg))
    status, value = _fetched[script]
    if status == "skip":
        _skip(value)
    return value


def _install(script, what):
    # The script prints the cached path without npm or network when the tool
    # is already installed; exit status 2 is a missing prerequisite (npm).
    proc = subprocess.run(["bash", str(HERE / script), str(TOOLS)], capture_output=True, text=True, timeout=600)
    if proc.returncode == 2:
        _skip(f"cannot install {what}: {proc.stderr.strip()[-500:]}")
    if proc.returncode != 0:
        _skip(f"cannot install {what} (npm registry unreachable?): {proc.stderr.strip()[-500:]}")
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def helm():
    return _fetch("get-helm.sh", "helm")


@pytest.fixture(scope="session")
def node_modules():
    if shutil.which("node") is None:
        _skip("node is not installed: cannot run validate.js")
    return _fetch("get-node-deps.sh", "validate.js's npm dependencies")


class Helm:
    def __init__(self, path):
        self.path = path

    def run(self, *args, check=False):
        env = dict(os.environ, HELM_CACHE_HOME=str(TOOLS / "helm-home" / "cache"),
                   HELM_CONFIG_HOME=str(TOOLS / "helm-home" / "config"),
                   HELM_DATA_HOME=str(TOOLS / "helm-home" / "data"))
        proc = subprocess.run([self.path, *args], capture_output=True, text=True, timeout=120, env=env)
        if check and proc.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def template(self, *values_files, sets=(), namespace=RELEASE_NAMESPACE, check=True):
        args = ["template", "pullcred", str(CHART), "--namespace", namespace]
        for f in values_files:
            args += ["-f", str(VALUES / f)]
        for s in sets:
            args += ["--set", s]
        return self.run(*args, check=check)

    def lint(self, *values_files):
        args = ["lint", "--strict", str(CHART)]
        for f in values_files:
            args += ["-f", str(VALUES / f)]
        return self.run(*args)


@pytest.fixture(scope="session")
def chart(helm):
    return Helm(helm)


class Rendered:
    """The objects of a `helm template` output, by kind."""

    def __init__(self, text):
        self.text = text
        self.objects = [d for d in yaml.safe_load_all(text) if d]

    def one(self, kind):
        found = [o for o in self.objects if o["kind"] == kind]
        assert len(found) == 1, f"expected one {kind}, got {len(found)}"
        return found[0]

    def kinds(self):
        return sorted(o["kind"] for o in self.objects)

    @property
    def daemonset(self):
        return self.one("DaemonSet")

    @property
    def pod(self):
        return self.daemonset["spec"]["template"]["spec"]

    @property
    def container(self):
        containers = self.pod["containers"]
        assert len(containers) == 1
        return containers[0]

    @property
    def config(self):
        return yaml.safe_load(self.one("ConfigMap")["data"]["config.yaml"])

    def args(self, flag):
        """Values of --flag=VALUE in the container's args, in order."""
        prefix = f"--{flag}="
        return [a[len(prefix):] for a in self.container["args"] if a.startswith(prefix)]

    def env(self):
        return {e["name"]: e.get("value") for e in self.container.get("env", [])}

    def mounts(self):
        return {m["mountPath"]: m["name"] for m in self.container["volumeMounts"]}

    def secret_volumes(self):
        return {v["name"]: v["secret"]["secretName"] for v in self.pod["volumes"] if "secret" in v}


@pytest.fixture(scope="session")
def render(chart):
    cache = {}

    def _render(*values_files, sets=()):
        key = (values_files, tuple(sets))
        if key not in cache:
            cache[key] = Rendered(chart.template(*values_files, sets=sets).stdout)
        return cache[key]

    return _render

