"""kubelet's own cache never hands one rule's credentials to an image another
rule, or no rule, would answer.

A model of kubelet's cache and keyring (kubelet_cache_model.py) is fed with
the real binary's answers over the emulator, asking pullcred only on a model
cache miss as kubelet does. For every image of a sequence, the credentials
the model hands out must be those pullcred gives that image when asked
directly (none when no rule matches)."""
import json
import os
import subprocess

import pytest

from conftest import PULLCRED, kubelet_request, static_secret_dir
from kubelet_cache_model import KubeletCache, credentials_for

HOST = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
OTHER_HOST = "444455556666.dkr.ecr.us-west-2.amazonaws.com"
TEAM_A, TEAM_B = f"{HOST}/team-a/app", f"{HOST}/team-b/app"
TEAMSTER, UNMATCHED = f"{HOST}/team-aster/app", f"{HOST}/other/app"
ECR = "*.dkr.ecr.*.amazonaws.com"


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    keys = emulator.static_credentials[:2]
    profiles = {name: {"source": "aws.static",
                       "secretDir": str(static_secret_dir(tmp_path / name, k["accessKeyId"], k["secretAccessKey"]))}
                for name, k in zip(("a", "b"), keys)}
    config = tmp_path / "config.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PULLCRED_CONFIG"}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    class Node:
        def configure(self, rules):
            config.write_text(json.dumps({"apiVersion": "pullcred/v1", "kind": "Config",
                                          "cache": {"dir": str(tmp_path / "cache")},
                                          "profiles": profiles, "registries": rules}))

        def run(self, image, *flags):
            return subprocess.run([str(PULLCRED), *flags, "get-credentials", "--config", str(config)],
                                  input=kubelet_request(image), capture_output=True, text=True, env=env,
                                  timeout=60)

        def answer(self, image):
            run = self.run(image)
            assert run.returncode == 0, run.stderr
            return json.loads(run.stdout)

        def password(self, profile, host=HOST):
            return emulator.ecr_password(host.split(".")[0], "us-west-2", keys["ab".index(profile)]["accessKeyId"])
    return Node()


def rule(patterns, profile, **extra):
    return {"matchImages": patterns, "backend": "aws.ecr", "profile": profile, "cacheDuration": "5h", **extra}


def replay(node, images, expiry_after=None):
    """Pulls `images` in order through the kubelet model; every credential it
    hands out must be the one pullcred gives that image directly. Returns the
    model (which images it asked pullcred for)."""
    kubelet = KubeletCache(node.answer)
    for step, image in enumerate(images):
        if step == expiry_after:
            kubelet.advance(6 * 3600)  # past every cacheDuration pullcred gives (at most 5h here)
        handed_out = kubelet.credentials(image)
        direct = credentials_for(node.answer(image)["auth"], image)
        assert handed_out == direct, f"step {step}: kubelet's cache gave {image} {handed_out}, pullcred gives {direct}"
    return kubelet


SEQUENCE = [TEAM_A, TEAM_B, TEAMSTER, UNMATCHED, TEAM_A, TEAM_B, UNMATCHED, TEAMSTER, TEAM_B, TEAM_A]


@pytest.mark.parametrize("end", ["", "/"])  # "team-a" also matches "team-aster" (raw prefix), "team-a/" does not
def test_two_path_split_rules_on_one_host_keep_their_own_credentials(node, end):
    node.configure([rule([f"{HOST}/team-a{end}"], "a"), rule([f"{HOST}/team-b{end}"], "b")])
    kubelet = replay(node, SEQUENCE, expiry_after=6)
    assert credentials_for(node.answer(TEAM_A)["auth"], TEAM_A) == [("AWS", node.password("a"))]
    assert credentials_for(node.answer(TEAM_B)["auth"], TEAM_B) == [("AWS", node.password("b"))]
    assert credentials_for(node.answer(TEAMSTER)["auth"], TEAMSTER) == ([("AWS", node.password("a"))] if not end else [])
    # Keyed on each image: kubelet asks for every new image, and again after expiry (the empty answers
    # carry no cacheDuration, so kubelet's default 12h keeps them).
    again = [TEAM_B, TEAM_A] if end else [TEAMSTER, TEAM_B, TEAM_A]
    assert kubelet.asked == [TEAM_A, TEAM_B, TEAMSTER, UNMATCHED] + again
    answer = node.answer(TEAM_A)
    assert answer["cacheKeyType"] == "Image" and list(answer["auth"]) == [TEAM_A]


@pytest.mark.parametrize("first", [UNMATCHED, TEAM_A, TEAMSTER])
def test_a_path_rule_and_unmatched_images_of_its_host(node, first):
    node.configure([rule([f"{HOST}/team-a/"], "a")])
    replay(node, [first, TEAM_A, TEAMSTER, UNMATCHED, TEAM_B, f"{TEAM_A}/sub", TEAM_A, UNMATCHED])
    assert node.answer(UNMATCHED) == {"kind": "CredentialProviderResponse",
                                      "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                                      "cacheKeyType": "Image", "auth": {}}


def test_an_earlier_rule_covering_the_host_shadows_a_later_path_rule(node):
    """Every image of HOST goes to the first rule (first match wins), so its
    answer stays Registry-wide; the later path rule never answers there."""
    node.configure([rule([ECR], "a"), rule([f"{HOST}/team-b"], "b")])
    kubelet = replay(node, SEQUENCE)
    assert kubelet.asked == [TEAM_A]
    answer = node.answer(TEAM_B)
    assert answer["cacheKeyType"] == "Registry" and answer["auth"][HOST]["password"] == node.password("a")


def test_a_path_rule_before_a_host_wide_rule_narrows_both_on_that_host_only(node):
    node.configure([rule([f"{HOST}/team-b"], "b"), rule([ECR], "a")])
    replay(node, SEQUENCE + [f"{OTHER_HOST}/x", f"{OTHER_HOST}/y"], expiry_after=5)
    assert node.answer(TEAM_A)["cacheKeyType"] == "Image"
    assert node.answer(f"{OTHER_HOST}/x")["cacheKeyType"] == "Registry"


def test_an_operator_global_is_overridden_when_other_hosts_would_get_nothing(node):
    node.configure([rule([ECR], "a", cacheKeyType="Global")])
    replay(node, [TEAM_A, f"{OTHER_HOST}/app", TEAM_B, f"{OTHER_HOST}/other"])
    debug = node.run(f"{OTHER_HOST}/app", "--log-level", "debug")
    assert json.loads(debug.stdout)["cacheKeyType"] == "Registry"
    assert "cacheKeyType Registry instead of Global: registries[0]" in debug.stderr


def test_an_operator_global_stays_when_the_only_rule_serves_exactly_one_host(node):
    node.configure([rule([HOST], "a", cacheKeyType="Global")])
    replay(node, [TEAM_A, f"{OTHER_HOST}/app", TEAM_B, UNMATCHED])
    assert node.answer(TEAM_A)["cacheKeyType"] == "Global"


def test_an_operator_registry_is_overridden_for_a_path_rule(node):
    node.configure([rule([f"{HOST}/team-a"], "a", cacheKeyType="Registry"), rule([ECR], "b")])
    replay(node, SEQUENCE)
    debug = node.run(TEAM_A, "--log-level", "debug")
    assert json.loads(debug.stdout)["cacheKeyType"] == "Image"
    assert f"cacheKeyType Image instead of Registry: registries[0] does not serve every image of {HOST}" \
        in debug.stderr


def test_the_plain_single_rule_ecr_config_answers_as_before(node):
    node.configure([rule([ECR], "a")])
    kubelet = replay(node, SEQUENCE + [f"{OTHER_HOST}/app"], expiry_after=4)
    assert kubelet.asked == [TEAM_A, TEAM_A, f"{OTHER_HOST}/app"]
    assert node.answer(TEAM_B) == {"kind": "CredentialProviderResponse",
                                   "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                                   "cacheKeyType": "Registry", "cacheDuration": "5h0m0s",
                                   "auth": {HOST: {"username": "AWS", "password": node.password("a")}}}
