"""Without a config file pullcred behaves like the reference ECR credential
provider: a kubelet config that sets AWS_PROFILE and AWS_CONFIG_FILE in the
provider's env works by changing the binary name only. Unlike it, pullcred
caches, in the default cache directory (here PULLCRED_CACHE_DIR, set per test
by conftest). The rest of the default chain: test_default_chain.py."""
import json
import os
import pathlib
import subprocess

import pytest

from conftest import PULLCRED, kubelet_request


pytestmark = pytest.mark.skipif(pathlib.Path("/etc/pullcred/config.yaml").exists(),
                                reason="a real /etc/pullcred/config.yaml would be used")


def run(env, image):
    return subprocess.run([str(PULLCRED), "get-credentials"], input=kubelet_request(image), capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.fixture
def kubelet_env(tmp_path, emulator):
    """The env a reference-plugin kubelet config passes, pointed at the emulator."""
    keys = emulator.static_credentials[1]
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(f"[profile pull]\nregion = eu-west-1\naws_access_key_id = {keys['accessKeyId']}\n"
                          f"aws_secret_access_key = {keys['secretAccessKey']}\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "PULLCRED_")) or k == "PULLCRED_CACHE_DIR"}
    env.update(AWS_PROFILE="pull", AWS_CONFIG_FILE=str(aws_config),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_ENDPOINT_URL=emulator.url,
               AWS_CA_BUNDLE=str(emulator.ca_bundle), HOME=str(tmp_path))
    return env, keys


def test_aws_profile_from_the_kubelet_env_serves_ecr(kubelet_env, emulator):
    env, keys = kubelet_env
    image = "444455556666.dkr.ecr.ap-southeast-2.amazonaws.com/team/app"
    result = run(env, image)
    assert result.returncode == 0, result.stderr
    auth = json.loads(result.stdout)["auth"]
    assert auth == {"444455556666.dkr.ecr.ap-southeast-2.amazonaws.com": {
        "username": "AWS", "password": emulator.ecr_password("444455556666", "ap-southeast-2", keys["accessKeyId"])}}
    assert keys["secretAccessKey"] not in result.stderr


def test_environment_keys_win_over_the_profile(kubelet_env, emulator):
    env, _ = kubelet_env
    first = emulator.static_credentials[0]
    env.update(AWS_ACCESS_KEY_ID=first["accessKeyId"], AWS_SECRET_ACCESS_KEY=first["secretAccessKey"])
    result = run(env, "111122223333.dkr.ecr.us-east-1.amazonaws.com/x")
    assert result.returncode == 0, result.stderr
    password = json.loads(result.stdout)["auth"]["111122223333.dkr.ecr.us-east-1.amazonaws.com"]["password"]
    assert password.endswith(first["accessKeyId"])


def test_non_ecr_images_get_an_empty_answer(kubelet_env):
    env, _ = kubelet_env
    result = run(env, "docker.io/library/nginx")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["auth"] == {}


def test_missing_profile_is_one_clear_line(kubelet_env):
    env, _ = kubelet_env
    env["AWS_PROFILE"] = "absent"
    result = run(env, "111122223333.dkr.ecr.us-east-1.amazonaws.com/x")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "absent" in lines[0], result.stderr


def test_the_cache_is_on_in_the_default_directory(kubelet_env, emulator):
    env, _ = kubelet_env
    emulator.reset()
    image = "444455556666.dkr.ecr.eu-west-1.amazonaws.com/team/cached"
    first = run(env, image)
    assert first.returncode == 0, first.stderr
    second = run(env, image)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert emulator.count("ecr:GetAuthorizationToken") == 1
    entries = list(pathlib.Path(env["PULLCRED_CACHE_DIR"]).rglob("*.json"))
    assert entries, "nothing cached in PULLCRED_CACHE_DIR"


def test_an_untrusted_cache_directory_is_not_used(kubelet_env, emulator, tmp_path):
    env, _ = kubelet_env
    emulator.reset()
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    env["PULLCRED_CACHE_DIR"] = str(shared)
    image = "444455556666.dkr.ecr.eu-west-1.amazonaws.com/team/untrusted"
    for _ in range(2):
        result = run(env, image)
        assert result.returncode == 0, result.stderr
        assert str(shared) in result.stderr
    assert emulator.count("ecr:GetAuthorizationToken") == 2
    assert not list(shared.iterdir())
