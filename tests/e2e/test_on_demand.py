"""Issue 20: a request builds and loads only what it needs, as safely as before.
- the hit plan (core/request/hit_plan.hpp): a cache hit served from the compiled
  config, never from a plan of another config text or a plan that is not ours
  and private;
- the module index (core/modules/module_index.hpp): a module the request does
  not use is not dlopen'ed, a changed module's entry is not trusted, and
  check-config still loads and reports every module."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR, PULLCRED, kubelet_request, scrubbed_env, static_secret_dir

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


def image_in(region):
    """An image of another registry: a cold fetch, whatever the cache holds."""
    return f"111122223333.dkr.ecr.{region}.amazonaws.com/team/app"
FIXTURES = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures"
SETTLE = 2.2  # older than pullcred's two-second window for timestamps


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])
    env = scrubbed_env()
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle),
               PULLCRED_CACHE_DIR=str(tmp_path / "default-cache"))

    class Node:
        config = tmp_path / "config.json"
        plans = tmp_path / "default-cache"

        def write(self, cache_duration="5h", modules=(), extra_rules=()):
            rules = [{"matchImages": [f"{100000000000 + i}.dkr.ecr.us-east-1.amazonaws.com"], "backend": "aws.ecr",
                      "profile": "keys"} for i in range(3)]
            rules += list(extra_rules)
            rules.append({"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "keys",
                          "cacheDuration": cache_duration})
            self.config.write_text(json.dumps({
                "apiVersion": "pullcred/v1", "kind": "Config", "modules": [str(m) for m in modules],
                "cache": {"dir": str(tmp_path / "cache")},
                "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret)}},
                "registries": rules}))

        def run(self, *args, image=IMAGE, extra_env=None):
            return subprocess.run([str(PULLCRED), *args, "--config", str(self.config)],
                                  input=kubelet_request(image), capture_output=True, text=True,
                                  env={**env, **(extra_env or {})}, timeout=60)

        def get(self, image=IMAGE, extra_env=None):
            return self.run("get-credentials", image=image, extra_env=extra_env)

        def plan_files(self):
            return sorted(self.plans.glob("hitplan-*")) if self.plans.exists() else []
    return Node()


def cache_duration(run):
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["cacheDuration"]


def cache_key_type(run):
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["cacheKeyType"]


# rules[2] in the plan, and the same bytes saying that it may match the image's registry: kubelet
# must then key the answer on the image (kubelet_cache_scope.cpp); the cache key stays.
FORGERY = [(b"100000000002\t2\n", b"111122223333\t2\n"),
           (b"\t100000000002.dkr.ecr.us-east-1.amazonaws.com\n", b"\t*.dkr.ecr.*.amazonaws.com/zzzzzzzzzzzzzzzzzz\n")]


def test_a_hit_is_served_from_the_plan_of_this_very_config(node, emulator):
    node.write()
    time.sleep(SETTLE)
    assert cache_key_type(node.get()) == "Registry"  # cold: the host fetches and stamps the config
    assert cache_key_type(node.get()) == "Registry"  # hit: the front records the plan
    plans = node.plan_files()
    assert len(plans) == 1 and plans[0].stat().st_mode & 0o777 == 0o600
    assert cache_key_type(node.get()) == "Registry"  # hit through the plan
    assert emulator.count("ecr:GetAuthorizationToken") == 1

    # The plan is what answers: ours, private, with another first rule.
    original = plans[0].read_bytes()
    forged = original
    for real, fake in FORGERY:
        assert forged.count(real) == 1 and len(real) == len(fake)
        forged = forged.replace(real, fake)
    plans[0].write_bytes(forged)
    assert cache_key_type(node.get()) == "Image"

    # Not private: never read (and replaced by the good one).
    plans[0].chmod(0o644)
    assert cache_key_type(node.get()) == "Registry"
    assert plans[0].read_bytes() == original and plans[0].stat().st_mode & 0o777 == 0o600
    if os.geteuid() == 0:  # not ours
        plans[0].write_bytes(forged)
        shutil.chown(plans[0], "nobody")
        assert cache_key_type(node.get()) == "Registry"
    assert emulator.count("ecr:GetAuthorizationToken") == 1


def test_an_edited_config_is_never_served_from_an_old_plan(node, emulator):
    node.write()
    time.sleep(SETTLE)
    node.get()
    node.get()
    old = node.plan_files()
    assert len(old) == 1
    node.write(cache_duration="4h")  # the same size, another text
    assert cache_duration(node.get()) == "4h0m0s"
    assert emulator.count("ecr:GetAuthorizationToken") == 2  # a new rule: a new entry
    assert cache_duration(node.get()) == "4h0m0s"  # a hit; too recent an edit for a plan yet
    assert node.plan_files() == old
    os.utime(node.config)  # a touch: another identity, the same text
    time.sleep(SETTLE)
    assert cache_duration(node.get()) == "4h0m0s"
    assert len(node.plan_files()) == 2


@pytest.fixture
def marked_modules(tmp_path):
    """Copies of two fixture modules whose constructors leave a marker file when
    dlopen runs them: test_marker (factory test.marker) and a broken one (ABI 2)."""
    directory = tmp_path / "modules"
    directory.mkdir()
    copies = []
    for name in ("test_marker", "test_marker_wrong_major"):
        source = FIXTURES / f"{name}.so"
        assert source.exists(), f"build the module fixtures first: {source}"
        copy = directory / f"{name}.so"
        shutil.copy(source, copy)
        copy.chmod(0o755)
        copies.append(copy)
    directory.chmod(0o755)
    tmp_path.chmod(0o755)
    return copies


def marker_env(tmp_path, name):
    return {"PULLCRED_TEST_MODULE_MARKER": str(tmp_path / name)}


def test_a_module_the_request_does_not_use_is_not_loaded(node, emulator, tmp_path, marked_modules):
    good, broken = marked_modules
    node.write(modules=marked_modules, extra_rules=[
        {"matchImages": ["marker.example.com"], "backend": "test.marker"}])
    time.sleep(SETTLE)
    first = node.get(extra_env=marker_env(tmp_path, "first"))  # indexes every module: all are loaded
    assert first.returncode == 0, first.stderr
    assert "test_marker_wrong_major.so" in first.stderr
    assert (tmp_path / "first").exists()

    cold = node.get(image=image_in("us-east-2"), extra_env=marker_env(tmp_path, "second"))
    assert cold.returncode == 0, cold.stderr
    assert emulator.count("ecr:GetAuthorizationToken") == 2  # the host ran: a cold fetch
    assert not (tmp_path / "second").exists()  # neither module was dlopen'ed
    assert "test_marker_wrong_major.so" in cold.stderr  # the broken one is still reported

    used = node.get(image="marker.example.com/app", extra_env=marker_env(tmp_path, "used"))
    assert used.returncode == 0, used.stderr
    assert (tmp_path / "used").exists()  # the module the rule uses is loaded

    checked = node.run("check-config", extra_env=marker_env(tmp_path, "checked"))
    assert "test_marker_wrong_major.so" in checked.stdout + checked.stderr
    assert (tmp_path / "checked").exists()

    good.chmod(0o750)  # a changed file: its entry is not trusted, it is loaded again
    changed = node.get(image=image_in("eu-west-1"), extra_env=marker_env(tmp_path, "changed"))
    assert changed.returncode == 0, changed.stderr
    assert (tmp_path / "changed").exists()


def test_an_untrusted_module_does_not_affect_a_request_that_does_not_use_it(node, tmp_path, marked_modules):
    good, broken = marked_modules
    node.write(modules=[good])
    time.sleep(SETTLE)
    assert node.get().returncode == 0
    good.chmod(0o777)
    run = node.get(image=image_in("us-east-2"), extra_env=marker_env(tmp_path, "loose"))
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "loose").exists()
    checked = node.run("check-config")
    assert "test_marker.so" in checked.stdout + checked.stderr
