"""The SDK example, built against the *installed* SDK only, loaded by the real
pullcred and answering kubelet."""
import base64
import http.server
import json
import subprocess
import threading

import pytest

from conftest import BUILD_DIR, SOURCE_DIR, kubelet_request, scrubbed_env


@pytest.fixture(scope="module")
def sdk_prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("sdk") / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix), "--component", "sdk"],
                   check=True, capture_output=True)
    assert not (prefix / "bin").exists(), "the sdk component must install only the SDK"
    return prefix


def build_example(name, prefix, work):
    """sdk/examples/<name> configured and built against the installed SDK only."""
    build = work / name
    subprocess.run(["cmake", "-S", str(SOURCE_DIR / "sdk/examples" / name), "-B", str(build),
                    "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}"], check=True, capture_output=True)
    cache = (build / "CMakeCache.txt").read_text()
    assert f"pullcred-sdk_DIR:PATH={prefix}" in cache, "the example must find the installed SDK"
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
    module = build / f"{name}.so"
    assert module.exists()
    return module


def run_example_unit_test(module, test_name):
    """The example's own unit test (pullcred/testing.hpp from the installed
    SDK + GoogleTest), run with ctest in the example's build dir."""
    build = module.parent
    assert (build / test_name).exists(), "GoogleTest not found: the unit test was not built"
    run = subprocess.run(["ctest", "--output-on-failure"], cwd=build, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "100% tests passed, 0 tests failed out of 1" in run.stdout, run.stdout


@pytest.fixture(scope="module")
def example_module(sdk_prefix, tmp_path_factory):
    return build_example("docker-config-backend", sdk_prefix, tmp_path_factory.mktemp("backend"))


@pytest.fixture(scope="module")
def source_module(sdk_prefix, tmp_path_factory):
    return build_example("http-keys-source", sdk_prefix, tmp_path_factory.mktemp("source"))


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
    run_example_unit_test(example_module, "docker_config_backend_test")


def test_source_example_unit_test_passes_against_the_installed_sdk(source_module):
    run_example_unit_test(source_module, "http_keys_source_test")


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


@pytest.fixture
def keys_server(emulator):
    """An HTTP endpoint serving the emulator's static keys as container
    credentials JSON to a caller with the right bearer token."""
    keys = emulator.static_credentials[0]
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != "Bearer node-token":
                self.send_response(403)
                self.end_headers()
                return
            body = json.dumps({"AccessKeyId": keys["accessKeyId"], "SecretAccessKey": keys["secretAccessKey"],
                               "Expiration": "2999-01-01T00:00:00Z"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/creds", seen
    server.shutdown()


def test_the_source_example_feeds_aws_ecr(pullcred, source_module, keys_server, emulator, tmp_path):
    """docs/modules.md's source walkthrough: the example source, loaded
    through a config, gives aws.ecr the keys it signs GetAuthorizationToken with."""
    url, seen = keys_server
    token = tmp_path / "token"
    token.write_text("node-token\n")
    token.chmod(0o600)
    config = tmp_path / "config.yaml"
    config.write_text(f"""apiVersion: pullcred/v1
kind: Config
modules: ["{source_module}"]
profiles:
  from-http: {{source: example.http-keys, url: "{url}", tokenFile: "{token}"}}
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    backend: aws.ecr
    profile: from-http
""")
    keys = emulator.static_credentials[0]
    env = dict(scrubbed_env(), AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))
    before = emulator.count("ecr:GetAuthorizationToken")
    run = pullcred("get-credentials", "--config", str(config), env=env,
                   stdin=kubelet_request("111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"))
    assert run.code == 0, run.stderr
    auth = run.json()["auth"]["111122223333.dkr.ecr.us-west-2.amazonaws.com"]
    assert auth["password"] == emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])
    assert emulator.count("ecr:GetAuthorizationToken") == before + 1
    assert seen == ["Bearer node-token"]
    assert "node-token" not in run.stderr and keys["secretAccessKey"] not in run.stderr
