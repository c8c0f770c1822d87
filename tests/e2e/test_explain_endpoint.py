"""`pullcred explain` names the endpoint the backend will call, without --fetch:
no network, no credentials, no secret in the output."""
import json
import socket

import pytest

from conftest import BUILD_DIR, scrubbed_env, static_secret_dir

ACCESS_KEY = "AKIAEXPLAINE2E000001"
SECRET_KEY = "explain-e2e-secret-key-must-never-print"
ABI_1_0_MODULE = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures" / "test_abi_1_0.so"


@pytest.fixture
def setup(tmp_path):
    secret = static_secret_dir(tmp_path / "secret", ACCESS_KEY, SECRET_KEY)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config",
        "modules": [str(ABI_1_0_MODULE)],
        "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret)}},
        "registries": [
            {"matchImages": ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"], "backend": "aws.ecr",
             "profile": "keys"},
            {"matchImages": ["mirror.example.com"], "backend": "aws.ecr", "profile": "keys",
             "mirrorOf": "444455556666.dkr.ecr.eu-central-1.amazonaws.com"},
            {"matchImages": ["other-mirror.example.com"], "backend": "aws.ecr", "profile": "keys"},
            {"matchImages": ["legacy.example.com"], "backend": "test.abi-one-zero"}]}))
    return config


@pytest.fixture
def dead_endpoint():
    """A port where nothing listens: a call through it would fail the command."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def explain(pullcred, config, image, **env):
    full = scrubbed_env()
    full.update(env)
    run = pullcred("explain", image, "--config", str(config), env=full)
    assert run.code == 0, run.stderr
    for secret in (SECRET_KEY, ACCESS_KEY):
        assert secret not in run.stdout + run.stderr
    endpoints = [line for line in run.stdout.splitlines() if line.startswith("endpoint: ")]
    assert len(endpoints) == 1, run.stdout
    return endpoints[0]


@pytest.mark.parametrize("image,expected", [
    ("111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app",
     "endpoint: https://api.ecr.us-west-2.amazonaws.com (ECR GetAuthorizationToken, signed for us-west-2/ecr, "
     "partition aws, registry 111122223333)"),
    ("444455556666.dkr.ecr.eu-central-1.amazonaws.com/team/app:v1",
     "endpoint: https://api.ecr.eu-central-1.amazonaws.com (ECR GetAuthorizationToken, signed for "
     "eu-central-1/ecr, partition aws, registry 444455556666)"),
    ("public.ecr.aws/docker/library/busybox:latest",
     "endpoint: https://api.ecr-public.us-east-1.amazonaws.com (ECR Public GetAuthorizationToken, signed for "
     "us-east-1/ecr-public, partition aws)"),
    ("mirror.example.com/team/app",
     "endpoint: https://api.ecr.eu-central-1.amazonaws.com (ECR GetAuthorizationToken, signed for "
     "eu-central-1/ecr, partition aws, registry 444455556666, mirror of "
     "444455556666.dkr.ecr.eu-central-1.amazonaws.com as the rule's mirrorOf says)"),
    ("other-mirror.example.com/team/app",
     'endpoint: error: registries[2]: aws.ecr failed: "other-mirror.example.com" is not an Amazon ECR host and '
     "the rule declares no mirrorOf, so aws.ecr gives it no ECR token: narrow the rule's matchImages to ECR "
     "hosts (such as *.dkr.ecr.*.amazonaws.com), or, if it is a pull-through mirror, add "
     "`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` (the ECR registry it mirrors) to the rule"),
], ids=["us-west-2", "eu-central-1", "public", "mirror-of", "not-ecr-and-no-mirror-of"])
def test_explain_names_the_endpoint_without_credentials(pullcred, setup, image, expected):
    assert explain(pullcred, setup, image) == expected


def test_explain_shows_an_endpoint_override_and_calls_nothing(pullcred, setup, dead_endpoint):
    line = explain(pullcred, setup, "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app",
                   AWS_ENDPOINT_URL_ECR=dead_endpoint)
    assert line == (f"endpoint: {dead_endpoint} (ECR GetAuthorizationToken, signed for us-west-2/ecr, "
                    f"partition aws, registry 111122223333, URL from AWS_ENDPOINT_URL_ECR)")


def test_an_abi_1_0_module_still_loads_and_is_not_described(pullcred, setup):
    assert ABI_1_0_MODULE.exists(), f"build the test fixtures first: {ABI_1_0_MODULE}"
    assert explain(pullcred, setup, "legacy.example.com/x") == \
        "endpoint: not described by module test-c-variant 0.0.1"
    modules = pullcred("modules", "--config", str(setup), env=scrubbed_env())
    assert modules.code == 0, modules.stderr
    assert "test-c-variant 0.0.1 (needs ABI 1.0)" in modules.stdout


def test_an_endpoint_setting_error_is_shown_on_the_endpoint_line(pullcred, setup):
    line = explain(pullcred, setup, "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app",
                   AWS_USE_FIPS_ENDPOINT="perhaps")
    assert line.startswith("endpoint: error: registries[0]: aws.ecr failed: ")
    assert "AWS_USE_FIPS_ENDPOINT" in line
