"""Every emulator fault on every AWS call pullcred makes (ECR
GetAuthorizationToken, Roles Anywhere CreateSession, STS AssumeRole) ends in
the right answer after retries or in one clear error line, inside the
deadline, with the attempts the retry policy allows counted at the emulator.

The policy (core/http/retry_policy.cpp, core/http/net_services.hpp): 4
attempts (AWS_MAX_ATTEMPTS unset); retried are network errors (reset,
truncated body, per-attempt timeout), HTTP 5xx, 429 and a 400 with a
throttling code; everything else is answered at once. Backoff is full
jitter under 100, 200, 400 ms, so 4 attempts of a fast fault take < 1 s.
These tests have an emulator of their own: slow calls outlive their test.
"""
import json

import pytest

from conftest import start_emulator

ECR = "ecr:GetAuthorizationToken"
CREATE_SESSION = "rolesanywhere:CreateSession"
ASSUME_ROLE = "sts:AssumeRole"
ATTEMPTS = 4
HTTP_TIMEOUT = 1    # settings.httpTimeout: the per-attempt timeout
SLOW = 3            # a delay past it
DEADLINE = 20
SLACK = 8           # process start and exit on a loaded 2-core machine, under ASan
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-faults"
RA_PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-faults"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
IMAGE = {ECR: "111122223333.dkr.ecr.us-west-2.amazonaws.com/app",
         CREATE_SESSION: "444455556666.dkr.ecr.us-west-2.amazonaws.com/app",
         ASSUME_ROLE: "444455556666.dkr.ecr.us-west-2.amazonaws.com/app"}
FAILED = {ECR: "ECR GetAuthorizationToken in us-west-2 failed",
          CREATE_SESSION: "CreateSession",
          ASSUME_ROLE: "AssumeRole"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory)
    yield emu
    emu.stop()


@pytest.fixture
def configure(tmp_path, setup, emulator):
    """configure(action) -> config path whose one rule makes `action` on the way to an answer."""
    def write(action):
        settings = {"deadline": f"{DEADLINE}s", "httpTimeout": f"{HTTP_TIMEOUT}s"}
        rule = {"matchImages": ["*.dkr.ecr.*.amazonaws.com"]}
        if action == ECR:
            return setup([rule], settings=settings)
        if action == CREATE_SESSION:
            client = emulator.pki["clients"]["ec-p256"]
            profiles = {"ra": {"source": "aws.roles-anywhere", "certificate": client["combined"],
                               "privateKey": client["combined"], "trustAnchorArn": ANCHOR,
                               "profileArn": RA_PROFILE, "roleArn": ROLE}}
            return setup([dict(rule, profile="ra")], profiles=profiles, settings=settings)
        keys = emulator.static_credentials[0]
        aws_config = tmp_path / "aws-config"
        aws_config.write_text(f"[profile app]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-west-2\n"
                              f"[profile base]\naws_access_key_id = {keys['accessKeyId']}\n"
                              f"aws_secret_access_key = {keys['secretAccessKey']}\n")
        credentials = tmp_path / "aws-credentials"
        credentials.write_text("")
        profiles = {"shared": {"source": "aws.shared-config", "configFile": str(aws_config),
                               "credentialsFile": str(credentials), "profile": "app"}}
        return setup([dict(rule, profile="shared")], profiles=profiles, settings=settings)
    return write


def arrived(emulator, action, injected):
    """Attempts of `action` that reached the emulator: the `injected` faults it took, plus calls
    without a fault. (A delayed call is logged only once its delay is over, long after pullcred
    gave up on it, so the call log alone would undercount.)"""
    remaining = sum(fault["remaining"] for fault in emulator.pending_faults() if fault["action"] == action)
    plain = sum(1 for call in emulator.calls()["recent"] if call["action"] == action and not call["fault"])
    return injected - remaining + plain


def plain_calls(emulator, action):
    return sum(1 for call in emulator.calls()["recent"] if call["action"] == action and not call["fault"])


def answered_calls(emulator, action):
    return sum(1 for call in emulator.calls()["recent"]
               if call["action"] == action and not call["fault"] and call["outcome"] == "ok")


def run_with(emulator, configure, pullcred, action, faults):
    emulator.inject_faults([dict(fault, action=action) for fault in faults])
    return pullcred(configure(action), IMAGE[action])


def assert_answered(run, emulator, action):
    assert run.code == 0, run.stderr
    registry = IMAGE[action].split("/", 1)[0]
    password = run.auth()[registry]["password"]
    account = registry.split(".", 1)[0]
    assert password.startswith(f"ecrpass-{account}-us-west-2-"), password
    assert answered_calls(emulator, ECR) == 1
    assert answered_calls(emulator, action) == 1


def assert_one_clear_error(run, action, *expected):
    assert run.code != 0
    assert run.stdout == ""
    errors = [line for line in run.stderr.splitlines() if line.startswith("pullcred: error: ")]
    assert len(errors) == 1, run.stderr
    line = errors[0]
    assert FAILED[action] in line, line
    for text in expected:
        assert text in line, line
    for bad in ("error: internal error", "terminate called", "what():", "AddressSanitizer", "runtime error:"):
        assert bad not in run.stderr, run.stderr
    assert run.elapsed < DEADLINE + SLACK, f"took {run.elapsed:.1f} s with a {DEADLINE} s deadline"


ACTIONS = [ECR, CREATE_SESSION, ASSUME_ROLE]

# Transient faults: the call is retried; `count` of them and then a success.
TRANSIENT = {
    "throttle": {"kind": "throttle"},
    "throttle-429": {"kind": "status", "code": 429, "error_type": "ThrottlingException", "message": "Rate exceeded"},
    "http-500": {"kind": "status", "code": 500},
    "http-503": {"kind": "status", "code": 503, "error_type": "ServiceUnavailable", "message": "try later"},
    "slow": {"kind": "delay", "seconds": SLOW},
    "reset": {"kind": "reset"},
    "truncated": {"kind": "truncated"},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_a_transient_fault_is_retried_to_the_answer(emulator, configure, pullcred, action, name):
    faulted = 1 if name == "slow" else ATTEMPTS - 1  # a slow attempt costs a whole per-attempt timeout
    run = run_with(emulator, configure, pullcred, action, [dict(TRANSIENT[name], count=faulted)])
    assert_answered(run, emulator, action)
    assert arrived(emulator, action, faulted) == faulted + 1, "the faulted attempts, then one that answered"
    assert emulator.pending_faults() == []


# The same faults for good: exactly ATTEMPTS calls, then one clear line.
ENDLESS = {
    "throttle": ("Rate exceeded",),
    "throttle-429": ("Rate exceeded",),
    "http-500": ("HTTP 500", "InternalFailure"),
    "http-503": ("HTTP 503", "ServiceUnavailable: try later"),
    "slow": ("after 2 attempts", "timed out"),
    "reset": ("after 4 attempts",),
    "truncated": ("after 4 attempts",),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("name", sorted(ENDLESS))
def test_a_fault_that_never_ends_is_one_clear_error_after_every_attempt(emulator, configure, pullcred, action,
                                                                        name):
    fault = dict(TRANSIENT[name], count=100, action=action)
    emulator.inject_faults([fault])
    # A slow call costs a whole per-attempt timeout: two attempts show the bound as well as four.
    attempts = 2 if name == "slow" else ATTEMPTS
    run = pullcred(configure(action), IMAGE[action], env={"AWS_MAX_ATTEMPTS": str(attempts)} if name == "slow" else {})
    expected = ENDLESS[name]
    if name.startswith("http-5"):  # STS names the code, the others the HTTP status
        expected = expected[1:] if action == ASSUME_ROLE else expected[:1]
    assert_one_clear_error(run, action, *expected)
    assert arrived(emulator, action, 100) == attempts
    if action != ECR:
        assert plain_calls(emulator, ECR) == 0


# Answers that are wrong, not late: never retried, one call, one clear line. The one exception:
# a right body under a wrong Content-Type, which Roles Anywhere and STS answers may carry (their
# body is read as what it is); ECR insists on application/x-amz-json-1.1.
ACCEPTED = {("wrong-content-type", CREATE_SESSION), ("wrong-content-type", ASSUME_ROLE)}
PERMANENT = {
    "wrong-content-type": ({"kind": "wrong_content_type", "content_type": "text/html"}, "text/html"),
    "invalid-json": ({"kind": "malformed_json"}, ""),
    "ok-with-error-body": ({"kind": "ok_with_error_body", "message": "denied in a 2xx answer"},
                           "denied in a 2xx answer"),
    "empty-result": ({"kind": "empty_credential_set"}, ""),
    "http-403": ({"kind": "status", "code": 403, "message": "not allowed here"}, "not allowed here"),
}
# A 2xx CreateSession body may carry credentials, so its error quotes none of it.
EXPECTED_FOR = {
    ("ok-with-error-body", CREATE_SESSION): "without a credentialSet in the reply (a 2xx body is never quoted",
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("name", sorted(PERMANENT))
def test_a_wrong_answer_is_one_clear_error_without_retries(emulator, configure, pullcred, action, name):
    fault, expected = PERMANENT[name]
    run = run_with(emulator, configure, pullcred, action, [dict(fault, count=100)])
    assert arrived(emulator, action, 100) == 1, "a wrong answer is not retried"
    if (name, action) in ACCEPTED:
        assert run.code == 0, run.stderr
        assert answered_calls(emulator, ECR) == 1
        return
    assert_one_clear_error(run, action, EXPECTED_FOR.get((name, action), expected))
    if (name, action) in EXPECTED_FOR:
        assert "denied in a 2xx answer" not in run.stderr
    if action != ECR:
        assert plain_calls(emulator, ECR) == 0


def test_aws_max_attempts_bounds_the_attempts(emulator, configure, pullcred):
    emulator.inject("status", action=ECR, count=100, code=500)
    run = pullcred(configure(ECR), IMAGE[ECR], env={"AWS_MAX_ATTEMPTS": "2"})
    assert_one_clear_error(run, ECR, "500")
    assert emulator.count(ECR) == 2


def test_aws_max_attempts_of_one_is_no_retry(emulator, configure, pullcred):
    emulator.inject("reset", action=ECR, count=100)
    run = pullcred(configure(ECR), IMAGE[ECR], env={"AWS_MAX_ATTEMPTS": "1"})
    assert_one_clear_error(run, ECR, "after 1 attempt;")
    assert emulator.count(ECR) == 1


def test_faults_on_both_calls_of_one_answer(emulator, configure, pullcred):
    emulator.inject_faults([{"kind": "throttle", "action": CREATE_SESSION, "count": 2},
                            {"kind": "reset", "action": ECR, "count": 1}])
    run = pullcred(configure(CREATE_SESSION), IMAGE[CREATE_SESSION])
    assert_answered(run, emulator, CREATE_SESSION)
    assert emulator.count(CREATE_SESSION) == 3
    assert emulator.count(ECR) == 2


# ---- the leak scanner itself (tests/emulator/secret_guard.py) ----

def test_the_secret_guard_catches_a_planted_secret(tmp_path, pullcred, setup, no_secret_escapes):
    """A config path that holds a secret: pullcred names the path in its error, so the secret
    reaches stderr, and the guard must say so (then forget it, so this test passes)."""
    planted = "planted-secret-value-0123456789"
    (tmp_path / "planted").mkdir()
    (tmp_path / "planted" / "AWS_SECRET_ACCESS_KEY").write_text(planted + "\n")
    missing = tmp_path / f"dir-{planted}" / "config.json"
    run = pullcred(missing, IMAGE[ECR])
    assert run.code != 0 and planted in run.stderr, run.stderr
    hits = no_secret_escapes.hits()
    assert any("stderr" in hit for hit in hits), hits
    with pytest.raises(pytest.fail.Exception, match="SECRET ESCAPED"):
        no_secret_escapes.verify()
    no_secret_escapes.forget()


def test_the_secret_guard_ignores_the_answer_but_not_the_rest_of_stdout(pullcred, setup, emulator,
                                                                       no_secret_escapes):
    run = pullcred(setup([{"matchImages": ["*.dkr.ecr.*.amazonaws.com"]}]), IMAGE[ECR])
    assert run.code == 0, run.stderr
    password = run.auth()["111122223333.dkr.ecr.us-west-2.amazonaws.com"]["password"]
    assert password in emulator.secrets()
    assert no_secret_escapes.hits() == [], "the password inside auth is the answer"
    recorded = no_secret_escapes.invocations[-1]
    recorded.stdout = json.dumps(dict(run.json(), note=password))
    assert any("stdout" in hit for hit in no_secret_escapes.hits())
    no_secret_escapes.forget()
