"""The docker credential helper protocol, as `pullcred docker-credential` and
as a binary named docker-credential-pullcred."""
import json
import os
import subprocess

import pytest

from conftest import PULLCRED, static_secret_dir


REGISTRY = "111122223333.dkr.ecr.us-west-2.amazonaws.com"


@pytest.fixture(params=["no-cache"])
def helper(request, tmp_path, emulator):
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])
    config = tmp_path / "config.yaml"
    cache = "{enabled: false}" if request.param == "no-cache" else f"{{dir: {tmp_path / 'cache'}}}"
    config.write_text(f"""apiVersion: pullcred/v1
kind: Config
cache: {cache}
profiles: {{keys: {{source: aws.static, secretDir: {secret}}}}}
registries:
  - {{matchImages: ["*.dkr.ecr.*.amazonaws.com"], backend: aws.ecr, profile: keys}}
""")
    link = tmp_path / "bin" / "docker-credential-pullcred"
    link.parent.mkdir()
    link.symlink_to(PULLCRED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PULLCRED_CONFIG=str(config), AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    def run(argv, stdin=""):
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=60)
    return run, link, keys


@pytest.mark.parametrize("form", ["subcommand", "binary-name"])
@pytest.mark.parametrize("server_url", [REGISTRY, f"https://{REGISTRY}", f"https://{REGISTRY}/v2/"])
def test_get_answers_with_the_ecr_token(helper, emulator, form, server_url):
    run, link, keys = helper
    argv = [str(PULLCRED), "docker-credential", "get"] if form == "subcommand" else [str(link), "get"]
    result = run(argv, server_url + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ServerURL": server_url, "Username": "AWS",
        "Secret": emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])}


def test_unknown_registry_is_not_found_as_docker_expects(helper):
    run, link, _ = helper
    result = run([str(link), "get"], "registry.example.com\n")
    assert result.returncode == 1
    assert result.stdout.strip() == "credentials not found in native keychain"


def test_list_store_erase_version(helper):
    run, link, _ = helper
    assert json.loads(run([str(link), "list"]).stdout) == {}
    assert run([str(link), "store"], '{"ServerURL":"x","Username":"u","Secret":"s"}').returncode == 0
    assert run([str(link), "erase"], "x\n").returncode == 0
    assert run([str(link), "version"]).stdout.startswith("pullcred ")
    bad = run([str(link), "fly"])
    assert bad.returncode == 1 and "unknown action" in bad.stderr


def test_the_helper_name_takes_the_global_options(helper, emulator, tmp_path):
    run, link, keys = helper
    config = tmp_path / "config.yaml"
    moved = tmp_path / "elsewhere.yaml"
    moved.write_text(config.read_text())
    config.unlink()  # PULLCRED_CONFIG now names nothing: only --config can find the rules
    result = run([str(link), "--config", str(moved), "get"], REGISTRY + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Secret"] == emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])
    bad = run([str(link), "--log-level", "loud", "get"], REGISTRY + "\n")
    assert bad.returncode == 1 and 'unknown level "loud"' in bad.stderr


@pytest.mark.parametrize("helper", ["cache"], indirect=True)
def test_list_shows_the_cached_registries_never_a_secret(helper, emulator, tmp_path):
    run, link, keys = helper
    assert json.loads(run([str(link), "list"]).stdout) == {}
    assert run([str(link), "get"], REGISTRY + "\n").returncode == 0
    other = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
    assert run([str(PULLCRED), "docker-credential", "get"], f"https://{other}/v2/\n").returncode == 0
    for argv in ([str(link), "list"], [str(PULLCRED), "docker-credential", "list"]):
        listed = run(argv)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == {f"https://{REGISTRY}": "AWS", f"https://{other}": "AWS"}
        for password in (emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"]),
                         emulator.ecr_password("444455556666", "eu-west-1", keys["accessKeyId"])):
            assert password not in listed.stdout + listed.stderr
        assert keys["secretAccessKey"] not in listed.stdout + listed.stderr


@pytest.mark.parametrize("helper", ["cache"], indirect=True)
def test_list_leaves_out_expired_and_changed_entries(helper, tmp_path):
    run, link, _ = helper
    assert run([str(link), "get"], REGISTRY + "\n").returncode == 0
    [entry] = (tmp_path / "cache").glob("auth-*.json")
    cached = json.loads(entry.read_text())
    cached["expires"] = cached["refresh"] = cached["created"]
    entry.write_text(json.dumps(cached))
    assert json.loads(run([str(link), "list"]).stdout) == {}
    assert run([str(link), "get"], REGISTRY + "\n").returncode == 0
    assert json.loads(run([str(link), "list"]).stdout) == {f"https://{REGISTRY}": "AWS"}
    # A credential made from keys that have changed since is not listed.
    (tmp_path / "secret" / "AWS_ACCESS_KEY_ID").write_text("AKIAEXAMPLECHANGED00")
    assert json.loads(run([str(link), "list"]).stdout) == {}
