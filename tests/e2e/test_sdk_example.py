"""The SDK example, built against the *installed* SDK only, loaded by the real
pullcred and answering kubelet."""
import base64
import json
import subprocess

import pytest

from conftest import BUILD_DIR, SOURCE_DIR, kubelet_request


@pytest.fixture(scope="module")
def example_module(tmp_path_factory):
    work = tmp_path_factory.mktemp("sdk")
    prefix = work / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix), "--component", "sdk"],
                   check=True, capture_output=True)
    assert not (prefix / "bin").exists(), "the sdk component must install only the SDK"
    build = work / "build"
    subprocess.run(["cmake", "-S", str(SOURCE_DIR / "sdk/examples/docker-config-backend"), "-B", str(build),
                    "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}"], check=True, capture_output=True)
    cache = (build / "CMakeCache.txt").read_text()
    assert f"pullcred-sdk_DIR:PATH={prefix}" in cache, "the example must find the installed SDK"
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
    module = build / "docker-config-backend.so"
    assert module.exists()
    return module


@pytest.fixture
def setup(tmp_path, example_module):
    docker = tmp_path / "docker-config.json"
    docker.write_text(json.dumps({"auths": {
        "registry.example.com": {"auth": base64.b64encode(b"robot:s3cret-from-docker").decode()},
        "https://mirror.example.com:5000/v1/": {"username": "u2", "password": "p2-secret"},
    }}))
    config = tmp_path / "config.yaml"
    config.write_text(f"""apiVersion: pullcred/v1
kind: Config
modules: ["{example_module}"]
registries:
  - matchImages: ["registry.example.com", "*.example.com:5000"]
    backend: example.docker-config
    configFile: {docker}
    cacheDuration: 1h
""")
    return config


def test_example_unit_test_passes_against_the_installed_sdk(example_module):
    """The example's own unit test (pullcred/testing.hpp from the installed
    SDK + GoogleTest), run with ctest in the example's build dir."""
    build = example_module.parent
    assert (build / "docker_config_backend_test").exists(), "GoogleTest not found: the unit test was not built"
    run = subprocess.run(["ctest", "--output-on-failure"], cwd=build, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "100% tests passed, 0 tests failed out of 1" in run.stdout, run.stdout


def test_module_exports_only_its_entry_symbol(example_module):
    out = subprocess.run(["nm", "-D", "--defined-only", "--format=posix", str(example_module)],
                         check=True, capture_output=True, text=True).stdout
    assert [line.split()[0] for line in out.splitlines()] == ["pullcred_module_entry"]


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha1"])
def test_answers_kubelet_in_the_request_version(pullcred, setup, version):
    run = pullcred("get-credentials", "--config", str(setup),
                   stdin=kubelet_request("registry.example.com/team/app", version))
    assert run.code == 0, run.stderr
    assert run.json() == {
        "kind": "CredentialProviderResponse",
        "apiVersion": f"credentialprovider.kubelet.k8s.io/{version}",
        "cacheKeyType": "Registry",
        "cacheDuration": "1h0m0s",
        "auth": {"registry.example.com": {"username": "robot", "password": "s3cret-from-docker"}},
    }
    assert "s3cret-from-docker" not in run.stderr


def test_registry_with_port(pullcred, setup):
    run = pullcred("get-credentials", "--config", str(setup), stdin=kubelet_request("mirror.example.com:5000/x/y"))
    assert run.code == 0, run.stderr
    assert run.json()["auth"] == {"mirror.example.com:5000": {"username": "u2", "password": "p2-secret"}}


def test_unmatched_image_gets_empty_auth_and_a_note(pullcred, setup):
    run = pullcred("get-credentials", "--config", str(setup), stdin=kubelet_request("docker.io/library/nginx"))
    assert run.code == 0, run.stderr
    assert run.json()["auth"] == {}
    assert "no rule" in run.stderr and "docker.io/library/nginx" in run.stderr


def test_module_failure_is_one_clear_line(pullcred, setup, tmp_path):
    (tmp_path / "docker-config.json").write_text("{not json")
    run = pullcred("get-credentials", "--config", str(setup), stdin=kubelet_request("registry.example.com/a"))
    assert run.code == 1
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "registries[0]" in lines[0] and "example.docker-config" in lines[0] and "not a JSON object" in lines[0]


def test_modules_check_config_and_explain(pullcred, setup):
    modules = pullcred("modules", "--config", str(setup))
    assert modules.code == 0, modules.stderr
    assert "docker-config-backend 1.0.0" in modules.stdout
    assert "example.docker-config  registry backend" in modules.stdout

    check = pullcred("check-config", "--config", str(setup))
    assert check.code == 0, check.stderr
    assert "OK" in check.stdout

    explain = pullcred("explain", "mirror.example.com:5000/x", "--config", str(setup))
    assert explain.code == 0, explain.stderr
    assert "registries[0]" in explain.stdout and "*.example.com:5000" in explain.stdout
    assert "example.docker-config" in explain.stdout
    docker = setup.parent / "docker-config.json"
    assert (f'endpoint: no network: the "auths" entry for mirror.example.com:5000 in docker config {docker}, '
            "read at fetch time\n") in explain.stdout
    assert "p2-secret" not in explain.stdout + explain.stderr


def test_check_config_reports_a_bad_backend_config(pullcred, setup):
    setup.write_text(setup.read_text().replace("configFile:", "configFiel:"))
    check = pullcred("check-config", "--config", str(setup))
    assert check.code == 1
    assert "registries[0]" in check.stderr
