"""aws.ecr with aws.static keys from a Secret directory, end to end through the
real pullcred binary, against the AWS emulator (botocore-verified SigV4)."""
import os
import re
import subprocess
import time

import pytest

from conftest import PULLCRED, SCRUBBED, parse_go_duration, write_secret

PRIVATE = "ecr:GetAuthorizationToken"
PUBLIC = "ecr-public:GetAuthorizationToken"
ECR_PATTERNS = ["*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn", "*.dkr.ecr-fips.*.amazonaws.com",
                "public.ecr.aws", "ecr-public.aws.com"]
TWELVE_HOURS = 12 * 3600


def recent(emulator, action):
    return [call for call in emulator.calls()["recent"] if call["action"] == action]


# ---- private registries: regions, accounts, partitions ----

@pytest.mark.parametrize("account,region", [
    ("111122223333", "us-west-2"),       # the caller's own account
    ("111122223333", "eu-west-1"),       # another region
    ("444455556666", "ap-southeast-2"),  # another account: registryIds
    ("777788889999", "us-east-1"),
])
def test_private_registry_in_any_region_and_account(emulator, setup, pullcred, keys, account, region):
    host = f"{account}.dkr.ecr.{region}.amazonaws.com"
    run = pullcred(setup([{"matchImages": ECR_PATTERNS, "cacheDuration": "5h"}]), f"{host}/team/app")
    assert run.code == 0, run.stderr
    assert run.json() == {
        "kind": "CredentialProviderResponse",
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "cacheKeyType": "Registry",
        "cacheDuration": "5h0m0s",
        "auth": {host: {"username": "AWS", "password": emulator.ecr_password(account, region, keys["accessKeyId"])}},
    }
    assert emulator.count(PRIVATE, "ok") == 1
    [call] = recent(emulator, PRIVATE)
    assert call["region"] == region
    assert call["accessKeyId"] == keys["accessKeyId"]


def test_two_accounts_and_regions_in_one_config(emulator, setup, pullcred, keys):
    config = setup([{"matchImages": ECR_PATTERNS}])
    first = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    second = pullcred(config, "444455556666.dkr.ecr.eu-central-1.amazonaws.com/b")
    assert first.code == 0 and second.code == 0, first.stderr + second.stderr
    assert first.auth()["111122223333.dkr.ecr.us-west-2.amazonaws.com"]["password"] == \
        emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])
    assert second.auth()["444455556666.dkr.ecr.eu-central-1.amazonaws.com"]["password"] == \
        emulator.ecr_password("444455556666", "eu-central-1", keys["accessKeyId"])
    assert emulator.count(PRIVATE, "ok") == 2


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha1"])
def test_answers_in_the_request_api_version(setup, pullcred, version):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   version=version)
    assert run.code == 0, run.stderr
    assert run.json()["apiVersion"] == f"credentialprovider.kubelet.k8s.io/{version}"


def test_china_partition(emulator, setup, pullcred, keys):
    host = "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), f"{host}/team/app")
    assert run.code == 0, run.stderr
    assert run.auth() == {host: {"username": "AWS",
                                 "password": emulator.ecr_password("111122223333", "cn-north-1", keys["accessKeyId"])}}
    assert recent(emulator, PRIVATE)[0]["region"] == "cn-north-1"


def test_fips_host_with_the_ecr_endpoint_variable(emulator, setup, pullcred, keys):
    host = "111122223333.dkr.ecr-fips.us-east-1.amazonaws.com"
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), f"{host}/team/app", endpoint_variable="AWS_ENDPOINT_URL_ECR")
    assert run.code == 0, run.stderr
    assert run.auth()[host]["password"] == emulator.ecr_password("111122223333", "us-east-1", keys["accessKeyId"])
    assert "AWS_ENDPOINT_URL_ECR" in run.stderr  # the debug log says which endpoint setting won


def test_dual_stack_host(emulator, setup, pullcred, keys):
    host = "444455556666.dkr-ecr.us-west-2.on.aws"
    run = pullcred(setup([{"matchImages": ["*.dkr-ecr.*.on.aws"]}]), f"{host}/x")
    assert run.code == 0, run.stderr
    assert run.auth()[host]["password"] == emulator.ecr_password("444455556666", "us-west-2", keys["accessKeyId"])


def test_rule_endpoint_wins_over_the_environment(emulator, setup, pullcred):
    config = setup([{"matchImages": ECR_PATTERNS, "endpoint": emulator.url}])
    run = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   env={"AWS_ENDPOINT_URL": "https://127.0.0.1:9"})  # nothing listens there
    assert run.code == 0, run.stderr
    assert emulator.count(PRIVATE, "ok") == 1


def test_plain_http_endpoint(emulator, setup, pullcred, keys):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   env={"AWS_ENDPOINT_URL": emulator.url.replace("https://", "http://")})
    assert run.code == 0, run.stderr
    assert emulator.count(PRIVATE, "ok") == 1


# ---- ECR Public ----

@pytest.mark.parametrize("host", ["public.ecr.aws", "ecr-public.aws.com"])
def test_ecr_public(emulator, setup, pullcred, keys, host):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), f"{host}/nginx/nginx",
                   endpoint_variable="AWS_ENDPOINT_URL_ECR_PUBLIC")
    assert run.code == 0, run.stderr
    assert run.auth() == {host: {"username": "AWS",
                                 "password": emulator.ecr_public_password(keys["account"], keys["accessKeyId"])}}
    [call] = recent(emulator, PUBLIC)
    assert call["region"] == "us-east-1"
    assert emulator.count(PRIVATE) == 0


# ---- hosts that are not ECR hosts: refused, unless the rule declares them mirrors ----

BROAD = ["*.*", "*.*.*"]  # kubelet's examples, copied into an aws.ecr rule
MIRROR_ACCOUNT = "444455556666"  # not the keys' own account (111122223333)
MIRROR_OF = f"{MIRROR_ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com"


def refusal(host):
    return (f'registries[0]: aws.ecr failed: "{host}" is not an Amazon ECR host and the rule declares no mirrorOf, '
            "so aws.ecr gives it no ECR token: narrow the rule's matchImages to ECR hosts (such as "
            "*.dkr.ecr.*.amazonaws.com), or, if it is a pull-through mirror, add "
            "`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` (the ECR registry it mirrors) to the rule")


def cli(*args):
    env = {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}
    return subprocess.run([str(PULLCRED), *args], capture_output=True, text=True, env=env, check=False, timeout=60)


@pytest.mark.parametrize("image,host", [
    ("docker.io/library/nginx", "docker.io"),
    ("ghcr.io/x/y", "ghcr.io"),
    ("registry.attacker.example/x", "registry.attacker.example"),
])
def test_a_broad_rule_gives_other_registries_no_token(emulator, setup, pullcred, image, host):
    run = pullcred(setup([{"matchImages": BROAD + ECR_PATTERNS}]), image)
    assert run.code != 0
    assert run.stdout == ""
    assert run.error_line().endswith(refusal(host)), run.stderr
    assert "AWS:" not in run.stderr
    assert emulator.count(PRIVATE) == 0
    assert emulator.count(PUBLIC) == 0


def test_a_broad_rule_still_answers_ecr_hosts(emulator, setup, pullcred, keys):
    host = "777788889999.dkr.ecr.us-east-2.amazonaws.com"
    run = pullcred(setup([{"matchImages": BROAD + ECR_PATTERNS}]), f"{host}/team/app")
    assert run.code == 0, run.stderr
    assert run.auth() == {host: {"username": "AWS",
                                 "password": emulator.ecr_password("777788889999", "us-east-2", keys["accessKeyId"])}}
    assert emulator.count(PRIVATE, "ok") == 1


def test_a_mirror_gets_the_token_of_mirror_of_keyed_by_its_own_host(emulator, setup, pullcred, keys):
    config = setup([{"matchImages": ["mirror.example.com:5000"], "mirrorOf": MIRROR_OF, "cacheDuration": "1h"}])
    run = pullcred(config, "mirror.example.com:5000/library/nginx")  # the profile's REGION is us-west-2
    assert run.code == 0, run.stderr
    assert run.auth() == {"mirror.example.com:5000": {
        "username": "AWS", "password": emulator.ecr_password(MIRROR_ACCOUNT, "eu-central-1", keys["accessKeyId"])}}
    [call] = recent(emulator, PRIVATE)
    assert call["region"] == "eu-central-1"
    assert call["status"] == 200
    # registryIds=[MIRROR_ACCOUNT] is what makes the emulator mint that account's password, as the debug log says
    assert f"registry account {MIRROR_ACCOUNT}" in run.stderr
    explained = cli("explain", "mirror.example.com:5000/library/nginx", "--config", str(config))
    assert explained.returncode == 0, explained.stderr
    assert (f"endpoint: https://api.ecr.eu-central-1.amazonaws.com (ECR GetAuthorizationToken, signed for "
            f"eu-central-1/ecr, partition aws, registry {MIRROR_ACCOUNT}, mirror of {MIRROR_OF} as the rule's "
            f"mirrorOf says)") in explained.stdout.splitlines()
    assert "warning:" not in explained.stdout


def test_an_ecr_host_under_a_mirror_rule_gets_its_own_token(emulator, setup, pullcred, keys):
    """mirrorOf lends its token to the hosts the rule matches; an ECR host keeps its own identity."""
    config = setup([{"matchImages": ["mirror.example.com", "*.dkr.ecr.*.amazonaws.com"], "mirrorOf": MIRROR_OF}])
    host = "111122223333.dkr.ecr.ap-south-1.amazonaws.com"
    run = pullcred(config, f"{host}/x")
    assert run.code == 0, run.stderr
    assert run.auth()[host]["password"] == emulator.ecr_password("111122223333", "ap-south-1", keys["accessKeyId"])
    assert recent(emulator, PRIVATE)[0]["region"] == "ap-south-1"


@pytest.mark.parametrize("command", ["get-credentials", "check-config"])
def test_a_leftover_region_setting_names_the_fix(emulator, setup, pullcred, command):
    config = setup([{"matchImages": ["mirror.example.com"], "region": "eu-central-1"}])
    expected = ("region is no longer an aws.ecr setting: name the ECR registry that the mirror serves instead, "
                "with `mirrorOf: <account>.dkr.ecr.eu-central-1.amazonaws.com`")
    if command == "get-credentials":
        run = pullcred(config, "mirror.example.com/x")
        code, stderr = run.code, run.stderr
    else:
        completed = cli("check-config", "--config", str(config))
        code, stderr = completed.returncode, completed.stderr
    assert code != 0
    assert "registries[0]" in stderr and expected in stderr, stderr
    assert emulator.count(PRIVATE) == 0


def test_check_config_names_a_mirror_of_that_is_not_a_private_ecr_host(setup):
    config = setup([{"matchImages": ["mirror.example.com"], "mirrorOf": "public.ecr.aws"}])
    completed = cli("check-config", "--config", str(config))
    assert completed.returncode != 0
    assert ('mirrorOf "public.ecr.aws" is not a private Amazon ECR registry host: write it as <12-digit '
            "account>.dkr.ecr.<region>.amazonaws.com (no port, no path)") in completed.stderr


def test_check_config_and_explain_warn_about_patterns_that_reach_other_hosts(setup):
    config = setup([{"matchImages": ECR_PATTERNS + BROAD},
                    {"matchImages": ["mirror.example.com", "*.example.org"], "mirrorOf": MIRROR_OF}])
    checked = cli("check-config", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == f"{config}: OK (1 profile(s), 2 rule(s))"
    warnings = [line for line in checked.stderr.splitlines() if line.strip()]
    assert len(warnings) == 3, checked.stderr
    n = len(ECR_PATTERNS)
    for line, index, pattern in zip(warnings, (n, n + 1), BROAD):
        assert (f'registries[0].matchImages[{index}]: warning: "{pattern}" can match registry hosts that '
                "are not Amazon ECR hosts, and aws.ecr gives those no credential (each such pull fails): narrow it "
                'to ECR hosts (such as "*.dkr.ecr.*.amazonaws.com"), or, for a pull-through mirror, list the '
                "mirror's host and add `mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` to the rule") in line
    assert (f'registries[1].matchImages[1]: warning: "*.example.org" has wildcards and can match hosts '
            f"that are not Amazon ECR hosts, and the rule's mirrorOf gives each of them the token of {MIRROR_OF}: "
            "list the mirror's host exactly") in warnings[2]

    explained = cli("explain", "docker.io/library/nginx", "--config", str(config))
    assert explained.returncode == 0, explained.stderr
    lines = explained.stdout.splitlines()
    assert [line for line in lines if line.startswith("warning:")] == [
        f'warning:  registries[0].matchImages[{n}] "*.*" can match registry hosts that are not Amazon ECR hosts, '
        "and aws.ecr gives those no credential (each such pull fails): narrow it to ECR hosts (such as "
        '"*.dkr.ecr.*.amazonaws.com"), or, for a pull-through mirror, list the mirror\'s host and add '
        "`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` to the rule",
        f'warning:  registries[0].matchImages[{n + 1}] "*.*.*" can match registry hosts that are not Amazon ECR '
        "hosts, and aws.ecr gives those no credential (each such pull fails): narrow it to ECR hosts (such as "
        '"*.dkr.ecr.*.amazonaws.com"), or, for a pull-through mirror, list the mirror\'s host and add '
        "`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` to the rule"]
    assert "endpoint: error: " + refusal("docker.io") in lines


def test_check_config_is_quiet_about_ecr_only_patterns(setup):
    config = setup([{"matchImages": ECR_PATTERNS + ["*.dkr-ecr.*.on.aws"]},
                    {"matchImages": ["mirror.example.com:5000"], "mirrorOf": MIRROR_OF}])
    checked = cli("check-config", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == ""


# ---- retries, deadlines, faults ----

def test_throttling_then_success(emulator, setup, pullcred, keys):
    emulator.inject("throttle", action=PRIVATE, count=2)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code == 0, run.stderr
    assert run.auth()["111122223333.dkr.ecr.us-west-2.amazonaws.com"]["password"] == \
        emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])
    assert emulator.count(PRIVATE) == 3
    assert emulator.count(PRIVATE, "faulted") == 2
    assert emulator.count(PRIVATE, "ok") == 1
    assert emulator.pending_faults() == []


def test_throttling_that_never_ends_is_a_clear_error(emulator, setup, pullcred):
    emulator.inject("throttle", action=PRIVATE, count=100)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}], settings={"deadline": "5s"}),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a", env={"AWS_MAX_ATTEMPTS": "3"})
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed: ThrottlingException: Rate exceeded" in line
    assert emulator.count(PRIVATE) == 3


@pytest.mark.parametrize("kind", ["truncated", "reset"])
def test_broken_connections_are_retried(emulator, setup, pullcred, kind):
    emulator.inject(kind, action=PRIVATE, count=1)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code == 0, run.stderr
    assert emulator.count(PRIVATE) == 2


@pytest.mark.parametrize("kind,params,expected", [
    ("malformed_json", {}, "not valid JSON"),
    ("wrong_content_type", {"content_type": "text/html"}, "Content-Type text/html"),
    ("ok_with_error_body", {"message": "denied in a 200"}, "AccessDeniedException: denied in a 200"),
    ("empty_credential_set", {}, "authorizationData is empty"),
    ("status", {"code": 403, "error_type": "AccessDeniedException", "message": "not allowed"},
     "AccessDeniedException: not allowed (HTTP 403, request id *); check that the role or user behind profile "
     "'node-keys' is allowed ecr:GetAuthorizationToken"),
])
def test_bad_replies_are_one_clear_error(emulator, setup, pullcred, keys, kind, params, expected):
    emulator.inject(kind, action=PRIVATE, count=1, **params)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   extra_secrets=[emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])])
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed: " in line
    assert re.search(re.escape(expected).replace(r"\*", "[0-9a-f-]{8,64}"), line), line
    assert emulator.count(PRIVATE) == 1, "permanent errors are not retried"
    assert run.stdout == ""


# ---- credentials and TLS problems ----

def test_wrong_secret_key_is_rejected_with_a_hint(emulator, tmp_path, setup, pullcred, keys):
    wrong = "pullcred-wrong-secret-for-test-0001-xxxx"
    bad = write_secret(tmp_path / "bad", keys["accessKeyId"], wrong, region="us-west-2")
    config = setup([{"matchImages": ECR_PATTERNS}],
                   profiles={"node-keys": {"source": "aws.static", "secretDir": str(bad)}})
    run = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a", extra_secrets=[wrong])
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed: InvalidSignatureException" in line
    assert "check the access key id and secret access key of profile 'node-keys'" in line
    assert emulator.count(PRIVATE, "rejected") == 1


def test_unknown_access_key_is_rejected_with_a_hint(emulator, tmp_path, setup, pullcred):
    bad = write_secret(tmp_path / "bad", "AKIDPULLCREDUNKNOWN9", "some-secret-value-for-unknown-key-00000")
    config = setup([{"matchImages": ECR_PATTERNS}],
                   profiles={"node-keys": {"source": "aws.static", "secretDir": str(bad)}})
    run = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   extra_secrets=["some-secret-value-for-unknown-key-00000"])
    assert run.code != 0
    assert "UnrecognizedClientException" in run.error_line()
    assert "check the access key id and secret access key" in run.error_line()


def test_untrusted_server_certificate(emulator, setup, pullcred):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   env={"AWS_CA_BUNDLE": emulator.pki["untrusted_ca"]["cert"]})
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed" in line
    assert "not trusted" in line
    assert "AWS_CA_BUNDLE" in line
    assert emulator.count(PRIVATE) == 0


def test_missing_key_file_names_the_file(tmp_path, setup, pullcred, secret):
    (secret / "AWS_SECRET_ACCESS_KEY").unlink()
    run = pullcred(setup([{"matchImages": ECR_PATTERNS}]), "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code != 0
    line = run.error_line()
    assert "profile node-keys: aws.static failed: " in line
    assert f"{secret}/AWS_SECRET_ACCESS_KEY is missing" in line


def test_rule_without_a_profile_fails_clearly(emulator, setup, pullcred):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS, "profile": None}]),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code != 0
    assert "registries[0]: aws.ecr failed: the rule names no profile" in run.error_line()
    assert emulator.count(PRIVATE) == 0


def test_check_config_names_bad_settings(tmp_path, setup, pullcred):
    config = setup([{"matchImages": ECR_PATTERNS, "regoin": "us-west-2"}],
                   profiles={"node-keys": {"source": "aws.static", "secretDir": "/s", "configFile": "/c"}})
    completed = subprocess.run([str(PULLCRED), "check-config", "--config", str(config)], capture_output=True,
                               text=True, check=False, timeout=60)
    assert completed.returncode != 0
    assert "profiles.node-keys: error: aws.static rejected its config: set exactly one of secretDir, configFile or " \
           "fromEnvironment: true (found secretDir and configFile)" in completed.stderr
    assert "registries[0]" in completed.stderr and "regoin" in completed.stderr


def test_rotated_secret_is_used_at_once(emulator, tmp_path, setup, pullcred):
    other = emulator.static_credentials[1]
    config = setup([{"matchImages": ECR_PATTERNS}])
    host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
    first = pullcred(config, f"{host}/a")
    write_secret(tmp_path / "secret", other["accessKeyId"], other["secretAccessKey"], region="us-west-2")
    second = pullcred(config, f"{host}/a")
    assert first.code == 0 and second.code == 0, first.stderr + second.stderr
    assert second.auth()[host]["password"] == emulator.ecr_password("111122223333", "us-west-2", other["accessKeyId"])


def test_session_token_from_the_secret_is_sent(emulator, tmp_path, setup, pullcred):
    issued = {"accessKeyId": "ASIAPULLCREDSESSION1", "secretAccessKey": "issued-secret-for-session-test-000000000",
              "account": "444455556666", "sessionToken": "session-token-for-integration-test"}
    emulator.add_credentials(issued["accessKeyId"], issued["secretAccessKey"], issued["account"],
                             session_token=issued["sessionToken"])
    directory = write_secret(tmp_path / "session", issued["accessKeyId"], issued["secretAccessKey"],
                             region="us-west-2", session_token=issued["sessionToken"])
    config = setup([{"matchImages": ECR_PATTERNS}],
                   profiles={"node-keys": {"source": "aws.static", "secretDir": str(directory)}})
    run = pullcred(config, "444455556666.dkr.ecr.us-west-2.amazonaws.com/a",
                   extra_secrets=[issued["secretAccessKey"], issued["sessionToken"]])
    assert run.code == 0, run.stderr
    assert emulator.count(PRIVATE, "ok") == 1


def test_keys_from_an_aws_config_file_and_from_the_environment(emulator, tmp_path, setup, pullcred, keys):
    config_file = tmp_path / "aws-config"
    config_file.write_text(f"[profile pull]\nregion = eu-west-1\naws_access_key_id = {keys['accessKeyId']}\n"
                           f"aws_secret_access_key = {keys['secretAccessKey']}\n")
    from_file_host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    from_env_host = "111122223333.dkr.ecr.ca-central-1.amazonaws.com"
    config = setup([{"matchImages": [from_file_host], "profile": "file"},
                    {"matchImages": [from_env_host], "profile": "env"}],
                   profiles={"file": {"source": "aws.static", "configFile": str(config_file), "profile": "pull"},
                             "env": {"source": "aws.static", "fromEnvironment": True}})
    from_file = pullcred(config, f"{from_file_host}/x")
    assert from_file.code == 0, from_file.stderr
    assert from_file.auth()[from_file_host]["password"] == \
        emulator.ecr_password("111122223333", "eu-west-1", keys["accessKeyId"])
    from_env = pullcred(config, f"{from_env_host}/x",
                        env={"AWS_ACCESS_KEY_ID": keys["accessKeyId"], "AWS_SECRET_ACCESS_KEY": keys["secretAccessKey"],
                             "AWS_REGION": "ca-central-1"})
    assert from_env.code == 0, from_env.stderr
    assert from_env.auth()[from_env_host]["password"] == \
        emulator.ecr_password("111122223333", "ca-central-1", keys["accessKeyId"])


# ---- cache duration and token expiry ----

def test_cache_duration_is_the_rule_when_shorter_than_half_the_token(setup, pullcred):
    run = pullcred(setup([{"matchImages": ECR_PATTERNS, "cacheDuration": "2h30m"}]),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code == 0, run.stderr
    assert run.json()["cacheDuration"] == "2h30m0s"


@pytest.mark.parametrize("rule", [{"cacheDuration": "8h"}, {}])
def test_cache_duration_is_half_the_token_life(setup, pullcred, rule):
    before = time.time()
    run = pullcred(setup([dict({"matchImages": ECR_PATTERNS}, **rule)]),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code == 0, run.stderr
    duration = parse_go_duration(run.json()["cacheDuration"])
    slack = time.time() - before + 2
    assert TWELVE_HOURS / 2 - slack <= duration <= TWELVE_HOURS / 2, run.json()["cacheDuration"]


def test_short_token_gives_a_short_cache(emulator, setup, pullcred):
    emulator.configure(ecr_token_lifetime=600)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS, "cacheDuration": "5h"}]),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code == 0, run.stderr
    assert 290 <= parse_go_duration(run.json()["cacheDuration"]) <= 300


def test_expired_token_is_an_error(emulator, setup, pullcred, keys):
    emulator.configure(ecr_token_lifetime=-60)
    run = pullcred(setup([{"matchImages": ECR_PATTERNS, "cacheDuration": "5h"}]),
                   "111122223333.dkr.ecr.us-west-2.amazonaws.com/a",
                   extra_secrets=[emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])])
    assert run.code != 0
    assert run.stdout == ""
    line = run.error_line()
    assert "expired" in line
    assert "clock" in line
