"""Issue 16.2 and 16.5: a cached credential is served only while everything it was made from is
unchanged (environment variables, the files a profile reads), and credentials AWS refuses are
dropped and fetched again. The real binary (front and host) over the emulator."""
import json
import os
import subprocess

import pytest

from conftest import PULLCRED, kubelet_request, static_secret_dir

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    node = type("Node", (), {})()
    node.cache = tmp_path / "cache"
    node.config = tmp_path / "config.json"
    node.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PULLCRED_CONFIG"}
    node.env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    def write(profiles, matches=("*.dkr.ecr.*.amazonaws.com",)):
        node.config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(node.cache)},
            "profiles": profiles,
            "registries": [{"matchImages": list(matches), "backend": "aws.ecr", "profile": "p"}]}))

    def run(*args, env=None, image=IMAGE):
        full = dict(node.env, **(env or {}))
        return subprocess.run([str(PULLCRED), *(args or ("get-credentials", "--config", str(node.config)))],
                              input=kubelet_request(image), capture_output=True, text=True, env=full, timeout=60)

    def key_used(run_result):
        assert run_result.returncode == 0, run_result.stderr
        password = json.loads(run_result.stdout)["auth"]["111122223333.dkr.ecr.us-west-2.amazonaws.com"]["password"]
        return password.rsplit("-", 1)[1]

    node.write, node.run, node.key_used = write, run, key_used
    return node


def ecr_calls(emulator):
    return emulator.count("ecr:GetAuthorizationToken")


def aws_files(directory, emulator):
    """An AWS config whose two profiles hold different keys of the emulator."""
    directory.mkdir()
    a, b = emulator.static_credentials[0], emulator.static_credentials[1]
    (directory / "config").write_text(
        "[profile tenant-a]\nregion = us-west-2\n[profile tenant-b]\nregion = us-west-2\n")
    (directory / "credentials").write_text(
        f"[tenant-a]\naws_access_key_id = {a['accessKeyId']}\naws_secret_access_key = {a['secretAccessKey']}\n"
        f"[tenant-b]\naws_access_key_id = {b['accessKeyId']}\naws_secret_access_key = {b['secretAccessKey']}\n")
    return {"AWS_CONFIG_FILE": str(directory / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(directory / "credentials")}


def test_another_aws_profile_is_not_served_the_first_ones_token(node, emulator, tmp_path):
    node.write({"p": {"source": "aws.default-chain"}})
    files = aws_files(tmp_path / "aws", emulator)
    a, b = emulator.static_credentials[0]["accessKeyId"], emulator.static_credentials[1]["accessKeyId"]
    assert node.key_used(node.run(env=dict(files, AWS_PROFILE="tenant-a"))) == a
    assert node.key_used(node.run(env=dict(files, AWS_PROFILE="tenant-a"))) == a
    assert ecr_calls(emulator) == 1
    assert node.key_used(node.run(env=dict(files, AWS_PROFILE="tenant-b"))) == b
    assert ecr_calls(emulator) == 2


def test_other_environment_keys_are_not_served_the_first_ones_token(node, emulator):
    node.write({"p": {"source": "aws.static", "fromEnvironment": True}})
    first, second = emulator.static_credentials[0], emulator.static_credentials[1]

    def with_keys(creds):
        return {"AWS_ACCESS_KEY_ID": creds["accessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["secretAccessKey"]}
    assert node.key_used(node.run(env=with_keys(first))) == first["accessKeyId"]
    assert node.key_used(node.run(env=with_keys(second))) == second["accessKeyId"]
    assert node.key_used(node.run(env=with_keys(first))) == first["accessKeyId"]
    assert ecr_calls(emulator) == 3


def test_the_docker_helper_does_not_serve_another_profiles_token(node, emulator, tmp_path):
    node.write({"p": {"source": "aws.default-chain"}})
    files = aws_files(tmp_path / "aws", emulator)
    b = emulator.static_credentials[1]["accessKeyId"]
    host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"

    def helper(profile):
        env = dict(node.env, **files, AWS_PROFILE=profile, PULLCRED_CONFIG=str(node.config))
        done = subprocess.run([str(PULLCRED), "docker-credential", "get"], input=host, capture_output=True,
                              text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["Secret"]
    helper("tenant-a")
    assert helper("tenant-b").endswith("-" + b)
    assert ecr_calls(emulator) == 2


def test_keys_rotated_in_place_in_a_secret_dir_take_effect_at_the_next_request(node, emulator, tmp_path):
    first, second = emulator.static_credentials[0], emulator.static_credentials[1]
    secret = static_secret_dir(tmp_path / "secret", first["accessKeyId"], first["secretAccessKey"])
    node.write({"p": {"source": "aws.static", "secretDir": str(secret)}})
    assert node.key_used(node.run()) == first["accessKeyId"]
    assert node.key_used(node.run()) == first["accessKeyId"]
    (secret / "AWS_ACCESS_KEY_ID").write_text(second["accessKeyId"])
    (secret / "AWS_SECRET_ACCESS_KEY").write_text(second["secretAccessKey"])
    assert node.key_used(node.run()) == second["accessKeyId"]
    assert ecr_calls(emulator) == 2


def kubelet_volume(directory, files, version):
    """A Secret volume the way kubelet writes it: files behind a `..data` symlink swapped atomically."""
    timestamped = directory / f"..2026_12_06_{version}"
    timestamped.mkdir(parents=True)
    for name, content in files.items():
        (timestamped / name).write_text(content)
        if not (directory / name).is_symlink():
            (directory / name).symlink_to(f"..data/{name}")
    (directory / "..data_tmp").symlink_to(timestamped.name)
    os.rename(directory / "..data_tmp", directory / "..data")


def test_a_secret_volume_update_takes_effect_at_the_next_request(node, emulator, tmp_path):
    first, second = emulator.static_credentials[0], emulator.static_credentials[1]
    volume = tmp_path / "volume"

    def keys(creds):
        return {"AWS_ACCESS_KEY_ID": creds["accessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["secretAccessKey"]}
    kubelet_volume(volume, keys(first), 1)
    node.write({"p": {"source": "aws.static", "secretDir": str(volume)}})
    assert node.key_used(node.run()) == first["accessKeyId"]
    kubelet_volume(volume, keys(first), 2)  # same content: still served from the cache
    assert node.key_used(node.run()) == first["accessKeyId"]
    assert ecr_calls(emulator) == 1
    kubelet_volume(volume, keys(second), 3)
    assert node.key_used(node.run()) == second["accessKeyId"]
    assert ecr_calls(emulator) == 2


def test_a_new_shared_config_file_takes_effect_at_the_next_request(node, emulator, tmp_path):
    files = aws_files(tmp_path / "aws", emulator)
    node.write({"p": {"source": "aws.shared-config", "configFile": files["AWS_CONFIG_FILE"],
                      "credentialsFile": files["AWS_SHARED_CREDENTIALS_FILE"], "profile": "tenant-a"}})
    a, b = emulator.static_credentials[0], emulator.static_credentials[1]
    assert node.key_used(node.run()) == a["accessKeyId"]
    credentials = tmp_path / "aws" / "credentials"
    credentials.write_text(credentials.read_text().replace(a["accessKeyId"], b["accessKeyId"])
                           .replace(a["secretAccessKey"], b["secretAccessKey"]))
    assert node.key_used(node.run()) == b["accessKeyId"]


def test_an_unrelated_variable_does_not_invalidate(node, emulator, tmp_path):
    first = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", first["accessKeyId"], first["secretAccessKey"])
    node.write({"p": {"source": "aws.static", "secretDir": str(secret)}})
    node.run(env={"SOME_OTHER_SETTING": "1"})
    node.run(env={"SOME_OTHER_SETTING": "2"})
    assert ecr_calls(emulator) == 1


def process_script(tmp_path, creds, expiration="2099-01-01T00:00:00Z"):
    """A credential_process whose answer lives in a file it prints (so the answer can change while
    the program stays the same); it counts its runs."""
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps({"Version": 1, "AccessKeyId": creds["accessKeyId"],
                                  "SecretAccessKey": creds["secretAccessKey"], "Expiration": expiration}))
    script = tmp_path / "helper.sh"
    if not script.exists():
        script.write_text(f"#!/bin/sh\necho run >> {tmp_path / 'runs'}\ncat {answer}\n")
        script.chmod(0o755)
    return script


def runs(tmp_path):
    return len((tmp_path / "runs").read_text().splitlines())


def test_credentials_aws_refuses_are_dropped_from_the_cache_and_fetched_again(node, emulator, tmp_path):
    good = emulator.static_credentials[0]
    script = process_script(tmp_path, good)
    node.write({"p": {"source": "aws.process", "command": str(script)}})
    assert node.key_used(node.run()) == good["accessKeyId"]
    for entry in node.cache.glob("auth-*.json"):  # the registry token is due; the keys are still cached
        entry.unlink()
    emulator.inject("status", action="ecr:GetAuthorizationToken", count=1, code=400,
                    error_type="UnrecognizedClientException", message="The security token included is invalid.")
    again = node.run()
    assert node.key_used(again) == good["accessKeyId"]
    assert 'AWS refused the credentials of profile "p"; they are dropped from the cache and fetched again' \
        in again.stderr
    assert runs(tmp_path) == 2 and ecr_calls(emulator) == 3


def test_credentials_aws_refuses_are_not_kept_until_their_declared_expiry(node, emulator, tmp_path):
    bogus = {"accessKeyId": "AKIDPULLCREDBOGUS001", "secretAccessKey": "not-known-to-the-emulator"}
    good = emulator.static_credentials[0]
    script = process_script(tmp_path, bogus)  # "valid until 2099"
    node.write({"p": {"source": "aws.process", "command": str(script)}})
    refused = node.run()
    assert refused.returncode == 1 and "UnrecognizedClientException" in refused.stderr, refused.stderr
    assert not list(node.cache.glob("creds-*.json"))
    process_script(tmp_path, good)  # the same program now answers with good keys
    assert node.key_used(node.run()) == good["accessKeyId"]
    assert runs(tmp_path) == 2


def test_a_changed_credential_process_program_is_run_again(node, emulator, tmp_path):
    good = emulator.static_credentials[0]
    script = process_script(tmp_path, good)
    node.write({"p": {"source": "aws.process", "command": str(script)}})
    node.run()
    for entry in node.cache.glob("auth-*.json"):
        entry.unlink()
    node.run()
    assert runs(tmp_path) == 1
    script.write_text(script.read_text() + "# edited\n")
    for entry in node.cache.glob("auth-*.json"):
        entry.unlink()
    node.run()
    assert runs(tmp_path) == 2


def test_a_sources_declared_expiry_is_capped_for_caching(node, emulator, tmp_path):
    script = process_script(tmp_path, emulator.static_credentials[0])
    node.write({"p": {"source": "aws.process", "command": str(script)}})
    ran = node.run()
    assert ran.returncode == 0, ran.stderr
    entries = [json.loads(path.read_text()) for path in node.cache.glob("creds-*.json")]
    assert len(entries) == 1
    assert entries[0]["expires"] - entries[0]["created"] <= 12 * 3600


def test_explain_says_which_input_changed(node, emulator, tmp_path):
    first, second = emulator.static_credentials[0], emulator.static_credentials[1]
    secret = static_secret_dir(tmp_path / "secret", first["accessKeyId"], first["secretAccessKey"])
    node.write({"p": {"source": "aws.static", "secretDir": str(secret)}})
    node.run()
    fresh = node.run("explain", IMAGE, "--config", str(node.config))
    assert "cache:    fresh" in fresh.stdout, fresh.stdout + fresh.stderr
    (secret / "AWS_ACCESS_KEY_ID").write_text(second["accessKeyId"])
    changed = node.run("explain", IMAGE, "--config", str(node.config))
    assert f"cache:    absent (file {secret / 'AWS_ACCESS_KEY_ID'} changed since the entry was made" in changed.stdout, \
        changed.stdout + changed.stderr
