"""The disk cache and single-flight, through the real binary against the emulator."""
import json
import os
import subprocess
import time

import pytest

from conftest import PULLCRED, kubelet_request, static_secret_dir


IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


@pytest.fixture
def node(tmp_path, emulator):
    """A config with static keys from a Secret directory, a private cache dir,
    and the environment that points pullcred at the emulator."""
    emulator.reset()
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])
    cache = tmp_path / "cache"
    config = tmp_path / "config.json"

    def write(enabled=True, cache_duration="5h", secret_dir=secret):
        config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config",
            "cache": {"dir": str(cache), "enabled": enabled},
            "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret_dir)}},
            "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                            "profile": "keys", "cacheDuration": cache_duration}]}))
    write()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PULLCRED_CONFIG"}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    class Node:
        pass
    node = Node()
    node.config, node.cache, node.env, node.write, node.keys = config, cache, env, write, keys

    def run(image=IMAGE):
        return subprocess.run([str(PULLCRED), "get-credentials", "--config", str(config)],
                              input=kubelet_request(image), capture_output=True, text=True, env=env, timeout=60)
    node.run = run
    return node


def ecr_calls(emulator):
    return emulator.count("ecr:GetAuthorizationToken")


def test_second_call_is_served_from_the_cache(node, emulator):
    first, second = node.run(), node.run()
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert json.loads(first.stdout)["auth"] == json.loads(second.stdout)["auth"]
    assert ecr_calls(emulator) == 1
    assert oct(node.cache.stat().st_mode & 0o777) == "0o700"
    for entry in node.cache.iterdir():
        assert entry.stat().st_mode & 0o077 == 0, entry
        assert node.keys["secretAccessKey"] not in entry.name


def test_cache_hit_keeps_the_remaining_life_in_cache_duration(node, emulator):
    node.write(cache_duration="24h")
    node.run()
    hit = node.run()
    duration = json.loads(hit.stdout)["cacheDuration"]
    hours = int(duration.split("h")[0])
    assert 5 <= hours <= 6, duration  # half of the 12 h token, not the rule's 24 h


def test_a_config_change_invalidates(node, emulator, tmp_path):
    node.run()
    other = tmp_path / "secret2"
    other.mkdir()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        (other / name).write_text((tmp_path / "secret" / name).read_text())
    node.write(secret_dir=other)
    node.run()
    assert ecr_calls(emulator) == 2


def test_disabled_cache_calls_every_time_and_writes_nothing(node, emulator):
    node.write(enabled=False)
    node.run()
    node.run()
    assert ecr_calls(emulator) == 2
    assert not node.cache.exists()


def test_corrupt_entries_are_ignored_and_replaced(node, emulator):
    node.run()
    for entry in node.cache.glob("*.json"):
        entry.write_bytes(b'{"version":1,"created":')
    repaired = node.run()
    assert repaired.returncode == 0, repaired.stderr
    assert ecr_calls(emulator) == 2
    assert node.run().returncode == 0
    assert ecr_calls(emulator) == 2


def test_an_unsafe_cache_dir_is_refused_with_the_fix_and_the_call_still_answers(node, emulator):
    node.cache.mkdir(mode=0o755)
    os.chmod(node.cache, 0o755)
    run = node.run()
    assert run.returncode == 0, run.stderr
    assert "chmod 700" in run.stderr and str(node.cache) in run.stderr


def test_stale_entry_is_served_with_a_warning_when_the_refresh_fails(node, emulator):
    emulator.configure(ecr_token_lifetime=8)
    node.run()
    time.sleep(4.5)  # past the refresh point (3/4 of 8 s... at least 4 s), before expiry
    emulator.inject("status", action="ecr:GetAuthorizationToken", count=20, status=500)
    stale = node.run()
    assert stale.returncode == 0, stale.stderr
    assert "serving the cached answer" in stale.stderr
    time.sleep(4)
    expired = node.run()
    assert expired.returncode == 1


def test_100_concurrent_pulls_cost_one_upstream_call(node, emulator):
    images = [f"111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app{i}" for i in range(100)]
    processes = [subprocess.Popen([str(PULLCRED), "get-credentials", "--config", str(node.config)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=node.env) for _ in images]
    for process, image in zip(processes, images):
        process.stdin.write(kubelet_request(image))
        process.stdin.close()
    answers = []
    for process in processes:
        process.wait(timeout=120)
        answers.append((process.returncode, process.stdout.read(), process.stderr.read()))
    assert all(code == 0 for code, _, _ in answers), [err for code, _, err in answers if code][:3]
    passwords = {json.loads(out)["auth"]["111122223333.dkr.ecr.us-west-2.amazonaws.com"]["password"]
                 for _, out, _ in answers}
    assert passwords == {emulator.ecr_password("111122223333", "us-west-2", node.keys["accessKeyId"])}
    assert ecr_calls(emulator) == 1


def test_explain_shows_the_cache_state_without_secrets(node, emulator):
    explain = [str(PULLCRED), "explain", IMAGE, "--config", str(node.config)]
    before = subprocess.run(explain, capture_output=True, text=True, env=node.env, check=True).stdout
    assert "cache:    absent" in before
    node.run()
    after = subprocess.run(explain, capture_output=True, text=True, env=node.env, check=True).stdout
    assert "cache:    fresh, refresh after 20" in after and "expires 20" in after
    password = emulator.ecr_password("111122223333", "us-west-2", node.keys["accessKeyId"])
    assert password not in after and node.keys["secretAccessKey"] not in after


def test_explain_fetch_prints_the_outcome_and_expiry_without_secrets(node, emulator):
    explain = [str(PULLCRED), "explain", IMAGE, "--fetch", "--config", str(node.config)]
    run = subprocess.run(explain, capture_output=True, text=True, env=node.env, check=False)
    assert run.returncode == 0, run.stderr
    password = emulator.ecr_password("111122223333", "us-west-2", node.keys["accessKeyId"])
    assert (f"fetch:    ok for 111122223333.dkr.ecr.us-west-2.amazonaws.com: username AWS, "
            f"password of {len(password)} bytes (not shown)") in run.stdout
    assert "kubelet:  may reuse it for 5h0m0s" in run.stdout
    assert "cache:    absent" in run.stdout and "cache:    fresh, refresh after 20" in run.stdout
    for secret in (password, node.keys["secretAccessKey"]):
        assert secret not in run.stdout + run.stderr
    assert ecr_calls(emulator) == 1

    emulator.inject("status", action="ecr:GetAuthorizationToken", code=403, error_type="AccessDeniedException",
                    message="not allowed")
    for entry in node.cache.glob("*.json"):
        entry.unlink()
    failed = subprocess.run(explain, capture_output=True, text=True, env=node.env, check=False)
    assert failed.returncode == 1
    assert "fetch:    failed" in failed.stdout
    assert "AccessDeniedException" in failed.stderr.strip().splitlines()[-1]
