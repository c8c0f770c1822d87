"""KEP-4412 per-pod identity: kubelet passes the pod's service-account token
and annotations; pullcred exchanges the token for the annotated role and
pulls with it. Two service accounts in two accounts, answered from one node."""
import json
import os
import subprocess

import pytest

from conftest import PULLCRED, static_secret_dir


ANNOTATION = "eks.amazonaws.com/ecr-role-arn"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"
REGISTRY = IMAGE.split("/")[0]


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])
    config = tmp_path / "config.json"

    def write(service_account=None):
        rule = {"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "node"}
        if service_account is not None:
            rule["serviceAccount"] = service_account
        config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(tmp_path / "cache")},
            "profiles": {"node": {"source": "aws.static", "secretDir": str(secret)}}, "registries": [rule]}))
    write()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    def run(token=None, annotations=None, extra_env=None):
        request = {"kind": "CredentialProviderRequest", "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                   "image": IMAGE}
        if token:
            request["serviceAccountToken"] = token
            request["serviceAccountAnnotations"] = annotations or {}
        result = subprocess.run([str(PULLCRED), "get-credentials", "--config", str(config)],
                                input=json.dumps(request), capture_output=True, text=True,
                                env={**env, **(extra_env or {})}, timeout=60)
        assert token is None or token not in result.stderr + result.stdout
        return result
    node_keys = keys
    return run, write, node_keys


def password(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["auth"][REGISTRY]["password"]


def token_for(emulator, namespace, name):
    return emulator.mint_jwt(sub=f"system:serviceaccount:{namespace}:{name}")


def test_two_service_accounts_get_their_own_roles_credentials(node, emulator):
    run, _, node_keys = node
    team_a = run(token_for(emulator, "a", "puller"), {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"})
    team_b = run(token_for(emulator, "b", "puller"), {ANNOTATION: "arn:aws:iam::444455556666:role/team-b"})
    node_pull = run()
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 2
    passwords = {password(team_a), password(team_b), password(node_pull)}
    assert len(passwords) == 3, "each identity must pull with its own credentials"
    assert password(node_pull).endswith(node_keys["accessKeyId"])
    for served in (team_a, team_b):
        assert not password(served).endswith(node_keys["accessKeyId"])


def test_one_service_accounts_cached_answer_is_never_served_to_another(node, emulator):
    run, _, _ = node
    first = run(token_for(emulator, "a", "puller"), {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"})
    again = run(token_for(emulator, "a", "puller"), {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"})
    other = run(token_for(emulator, "b", "other"), {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"})
    assert password(first) == password(again)
    assert password(other) != password(first)
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 2  # a (cached the second time), then b


def test_no_role_falls_back_to_the_rules_profile(node, emulator):
    run, _, node_keys = node
    result = run(token_for(emulator, "a", "puller"), {})
    assert password(result).endswith(node_keys["accessKeyId"])
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 0


def test_role_from_the_environment_and_from_the_rule(node, emulator):
    run, write, node_keys = node
    via_env = run(token_for(emulator, "a", "p"), {}, {"AWS_ECR_ROLE_ARN": "arn:aws:iam::111122223333:role/env"})
    assert not password(via_env).endswith(node_keys["accessKeyId"])
    write({"roleArn": "arn:aws:iam::111122223333:role/from-rule"})
    via_rule = run(token_for(emulator, "c", "p"), {})
    assert not password(via_rule).endswith(node_keys["accessKeyId"])
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 2


def test_a_rule_can_require_a_role(node, emulator):
    run, write, _ = node
    write({"required": True})
    result = run(token_for(emulator, "a", "puller"), {})
    assert result.returncode == 1
    assert ANNOTATION in result.stderr and "requires" in result.stderr


def test_a_rejected_token_is_one_clear_line_without_the_token(node, emulator):
    run, _, _ = node
    bad = emulator.mint_jwt(sub="system:serviceaccount:a:b", aud="someone-else")
    result = run(bad, {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "AssumeRoleWithWebIdentity" in lines[0], result.stderr


def test_a_token_claim_of_an_unexpected_type_is_ignored(node, emulator):
    """The token is unverified input: a numeric uid claim must not crash the
    front or the host; the pull goes on keyed by the subject alone."""
    run, _, node_keys = node
    token = emulator.mint_jwt(sub="system:serviceaccount:a:odd", extra={"kubernetes.io": {"serviceaccount": {"uid": 7}}})
    role = {ANNOTATION: "arn:aws:iam::111122223333:role/team-a"}
    first, again = run(token, role), run(token, role)
    assert password(first) == password(again)
    assert not password(first).endswith(node_keys["accessKeyId"])
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 1, "the second answer is the cached one"


def test_a_required_rule_without_a_token_gives_no_credentials_and_says_why(node, emulator):
    run, write, _ = node
    write({"required": True})
    for _ in range(2):  # the second time too: nothing cached may answer it
        result = run()
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"kind": "CredentialProviderResponse",
                                             "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                                             "cacheKeyType": "Registry", "auth": {}}
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "registries[0] requires a service-account token" in lines[0] and "tokenAttributes" in lines[0]
    assert sum(emulator.calls()["counts"].values()) == 0, "no credential may be fetched for it"


@pytest.mark.parametrize("value", ["team-a", "arn:aws:iam::111122223333:user/team-a",
                                   "arn:aws:iam::111122223333:role/a\u001b[2J" + "x" * 5000])
def test_an_annotation_that_is_no_role_arn_is_refused_before_sts(node, emulator, value):
    run, _, _ = node
    result = run(token_for(emulator, "a", "puller"), {ANNOTATION: value})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 2048, result.stderr
    assert f'annotation "{ANNOTATION}"' in lines[0] and "not an IAM role ARN" in lines[0]
    assert "arn:<partition>:iam::<12-digit account>:role/<path/><name>" in lines[0]
    assert "\u001b" not in result.stderr and lines[0].isprintable()
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 0
    assert emulator.count("ecr:GetAuthorizationToken") == 0
