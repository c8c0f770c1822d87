"""bin/pullcred (the static front, core/front) against lib/pullcred/pullcred-host.

The front answers a get-credentials cache hit itself and execs the host for
everything else, with argv and stdin unchanged. A copy of the front alone (no
host beside it) answers only what it answers itself, so it shows which side
served a request.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR, PULLCRED, kubelet_request, static_secret_dir


HOST = BUILD_DIR / "lib" / "pullcred" / "pullcred-host"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


def sanitizer_build():
    cache = (BUILD_DIR / "CMakeCache.txt").read_text()
    return any(line.startswith("PULLCRED_SANITIZE:") and line.split("=", 1)[1].strip() not in ("", "OFF")
               for line in cache.splitlines())


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])
    cache = tmp_path / "cache"
    config = tmp_path / "config.json"
    document = {
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(cache)},
        "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret)}},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "keys",
                        "cacheDuration": "5h"}]}
    config.write_text(json.dumps(document))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PULLCRED_CONFIG"}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))
    # The front alone: answers hits, and cannot hand anything on.
    lone = tmp_path / "lone" / "bin" / "pullcred"
    lone.parent.mkdir(parents=True)
    shutil.copy(PULLCRED, lone)

    class Node:
        pass
    node = Node()
    node.config, node.cache, node.env, node.document, node.lone = config, cache, env, document, lone

    def run(binary=PULLCRED, args=None, stdin=None):
        argv = [str(binary), *(args or ["get-credentials", "--config", str(config)])]
        return subprocess.run(argv, input=kubelet_request(IMAGE) if stdin is None else stdin,
                              capture_output=True, text=True, env=env, timeout=60)
    node.run = run
    node.stamps = lambda: sorted(cache.glob("config-ok-*"))
    return node


def ecr_calls(emulator):
    return emulator.count("ecr:GetAuthorizationToken")


def went_to_host(run):
    return run.returncode == 1 and "pullcred-host" in run.stderr and "reinstall pullcred" in run.stderr


def test_a_miss_through_the_front_is_answered_by_the_host_and_stamps_the_config(node, emulator):
    miss = node.run()
    assert miss.returncode == 0, miss.stderr
    assert json.loads(miss.stdout)["auth"]
    assert ecr_calls(emulator) == 1
    [stamp] = node.stamps()
    assert stamp.stat().st_mode & 0o777 == 0o600


def test_a_hit_is_answered_by_the_front_alone_byte_for_byte_as_the_host(node, emulator):
    assert node.run().returncode == 0
    for _ in range(5):  # cacheDuration counts seconds: compare within one second
        host = node.run(HOST)
        front = node.run(node.lone)
        if host.stdout == front.stdout:
            break
    assert front.returncode == 0 and host.returncode == 0, front.stderr + host.stderr
    assert front.stdout == host.stdout
    assert front.stderr == "" and host.stderr == ""
    assert ecr_calls(emulator) == 1


@pytest.mark.parametrize("args", [["get-credentials", "--config={config}"], ["--config", "{config}", "get-credentials"]])
def test_the_front_accepts_the_config_flag_in_every_spelling(node, args):
    assert node.run().returncode == 0
    hit = node.run(node.lone, [arg.format(config=node.config) for arg in args])
    assert hit.returncode == 0, hit.stderr
    assert json.loads(hit.stdout)["auth"]


def test_without_a_host_a_miss_fails_with_one_clear_line(node):
    lone = node.run(node.lone)
    assert went_to_host(lone), lone.stderr
    assert lone.stderr.count("\n") == 1 and lone.stdout == ""


def test_a_stale_entry_goes_to_the_host_which_refreshes(node, emulator):
    emulator.configure(ecr_token_lifetime=8)
    assert node.run().returncode == 0
    time.sleep(4.5)  # past the refresh point, before expiry
    assert went_to_host(node.run(node.lone))
    refreshed = node.run()
    assert refreshed.returncode == 0, refreshed.stderr
    assert ecr_calls(emulator) == 2


def test_without_a_stamp_the_host_validates_and_stamps_again(node, emulator):
    assert node.run().returncode == 0
    [stamp] = node.stamps()
    stamp.unlink()
    assert went_to_host(node.run(node.lone))
    assert node.run().returncode == 0
    assert node.stamps() == [stamp] and ecr_calls(emulator) == 1
    assert node.run(node.lone).returncode == 0


def test_a_stamp_others_may_read_or_write_is_not_trusted(node):
    assert node.run().returncode == 0
    [stamp] = node.stamps()
    os.chmod(stamp, 0o644)
    assert went_to_host(node.run(node.lone))


def test_an_invalid_edit_is_refused_with_the_hosts_error_though_a_fresh_entry_exists(node, emulator):
    assert node.run().returncode == 0
    # Same rules and profiles (same cache key), one key the schema refuses.
    node.document["registries"][0]["cacheKeyTyp"] = "Image"
    node.config.write_text(json.dumps(node.document))
    front, host = node.run(), node.run(HOST)
    assert front.returncode == 1 and front.stdout == ""
    assert (front.returncode, front.stdout, front.stderr) == (host.returncode, host.stdout, host.stderr)
    assert "cacheKeyTyp" in front.stderr
    assert went_to_host(node.run(node.lone))
    assert ecr_calls(emulator) == 1


def test_an_unparsable_config_gives_the_hosts_error(node):
    node.config.write_text("{ not json")
    front, host = node.run(), node.run(HOST)
    assert front.returncode == 1
    assert (front.returncode, front.stdout, front.stderr) == (host.returncode, host.stdout, host.stderr)


def test_other_commands_and_options_reach_the_host_with_stdin_intact(node, tmp_path):
    assert node.run().returncode == 0
    debug = node.run(args=["--log-level", "debug", "get-credentials", "--config", str(node.config)])
    assert debug.returncode == 0, debug.stderr
    assert "served from the cache" in debug.stderr
    helper = node.run(args=["--config", str(node.config), "docker-credential", "get"],
                      stdin=IMAGE.split("/")[0] + "\n")
    assert helper.returncode == 0, helper.stderr
    assert json.loads(helper.stdout)["Username"] == "AWS"
    link = tmp_path / "bin" / "docker-credential-pullcred"
    link.parent.mkdir()
    link.symlink_to(PULLCRED)
    env = dict(node.env, PULLCRED_CONFIG=str(node.config))
    named = subprocess.run([str(link), "get"], input=IMAGE.split("/")[0] + "\n", capture_output=True, text=True,
                           env=env, timeout=60)
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["Username"] == "AWS"
    version = node.run(args=["--version"], stdin="")
    assert version.returncode == 0 and version.stdout


def test_an_oversized_request_gets_the_hosts_error(node):
    big = kubelet_request(IMAGE, padding="x" * (300 * 1024))
    front, host = node.run(stdin=big), node.run(HOST, stdin=big)
    assert front.returncode == 1
    assert (front.returncode, front.stderr) == (host.returncode, host.stderr)


def test_the_front_is_static_and_lean():
    if sanitizer_build():
        pytest.skip("sanitizer builds link the front dynamically")
    headers = subprocess.run(["readelf", "-lW", str(PULLCRED)], capture_output=True, text=True, check=True).stdout
    assert "INTERP" not in headers, "the front must be statically linked"
    symbols = subprocess.run(["nm", "-C", str(PULLCRED)], capture_output=True, text=True, check=True).stdout
    # std::ios_base::Init and glibc's own __libc_dlopen_mode do come in:
    # the C++ runtime includes <iostream>, static glibc keeps its loader.
    for unwanted in ("boost::", "YAML::", "curl_", "SSL_", "EVP_", "valijson", "SchemaValidator",
                     "pullcred::modules::", "pullcred::net::", "pullcred::providers::"):
        assert unwanted not in symbols, unwanted
