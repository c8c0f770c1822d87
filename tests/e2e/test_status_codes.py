"""What the host does with a module's status code (sdk/ABI.md), with the real
binary and a real .so (tests/unit/modules/fixtures/status_module.cpp):
NOT_APPLICABLE from a backend hands the image to the next matching rule (a
valid empty answer when none is left), from a source fails that profile;
RETRYABLE and FAILED serve a still-valid cached entry, and the error that
reaches kubelet says which kind of failure it was."""
import json
import subprocess
import time

import pytest

from conftest import BUILD_DIR, PULLCRED, kubelet_request, scrubbed_env

STATUS_MODULE = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures" / "test_status.so"
IMAGE = "registry.example.com/team/app"


@pytest.fixture
def node(tmp_path):
    assert STATUS_MODULE.exists(), f"build the module fixtures first: {STATUS_MODULE}"
    status = tmp_path / "status"
    status.write_text("ok")
    calls = tmp_path / "calls"
    config = tmp_path / "config.json"

    def write(registries, profiles=None):
        config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config", "modules": [str(STATUS_MODULE)],
            "cache": {"dir": str(tmp_path / "cache")},
            "profiles": profiles or {"p": {"source": "test.status-source"}},
            "registries": registries}))

    def run(image=IMAGE, **request):
        return subprocess.run([str(PULLCRED), "get-credentials", "--config", str(config)],
                              input=kubelet_request(image, **request), capture_output=True, text=True,
                              env=scrubbed_env(),
                              timeout=60, check=False)

    def backend_calls():
        return calls.read_text().count("test.status-backend") if calls.exists() else 0

    class Node:
        pass
    node = Node()
    node.status, node.calls, node.write, node.run, node.backend_calls = status, calls, write, run, backend_calls
    return node


def rule(pattern, profile="p", **settings):
    return {"matchImages": [pattern], "backend": "test.status-backend", "profile": profile, **settings}


def passwords(answer):
    return {entry["password"] for entry in json.loads(answer.stdout)["auth"].values()}


def test_not_applicable_hands_the_image_to_the_next_matching_rule(node):
    node.write([rule("registry.example.com", status="not_applicable"),
                rule("*.example.com/team", password="second-rule"),
                rule("registry.example.com/team/app", password="third-rule")])
    answer = node.run()
    assert answer.returncode == 0, answer.stderr
    assert passwords(answer) == {"second-rule"}
    assert "registries[0] (test.status-backend) has nothing for this image" in answer.stderr
    assert "registries[2]" not in answer.stderr


def test_not_applicable_everywhere_is_a_valid_empty_answer(node):
    node.write([rule("registry.example.com", status="not_applicable"),
                rule("*.example.com", status="not_applicable")])
    answer = node.run()
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["auth"] == {}
    assert "has credentials for image" in answer.stderr


def test_a_failure_does_not_fall_through(node):
    node.write([rule("registry.example.com", status="failed"), rule("*.example.com", password="second-rule")])
    answer = node.run()
    assert answer.returncode == 1
    assert answer.stdout == ""
    assert "test.status-backend failed: test.status-backend answers failed" in answer.stderr


def test_a_source_that_is_not_applicable_fails_its_profile_by_name(node):
    node.write([rule("registry.example.com", profile="empty", fromProfile=True),
                rule("*.example.com", password="second-rule")],
               profiles={"empty": {"source": "test.status-source", "status": "not_applicable"},
                         "p": {"source": "test.status-source"}})
    answer = node.run()
    assert answer.returncode == 1, answer.stdout
    assert "not applicable" in answer.stderr and "empty" in answer.stderr
    assert "second-rule" not in answer.stdout


def test_a_sources_temporary_failure_reaches_kubelet_as_temporary(node):
    node.write([rule("registry.example.com", profile="flaky", fromProfile=True)],
               profiles={"flaky": {"source": "test.status-source", "status": "retryable"}})
    answer = node.run()
    assert answer.returncode == 1
    assert "temporary failure" in answer.stderr


@pytest.mark.parametrize("status,kind", [("retryable", "temporary failure"), ("failed", "failed")])
def test_a_valid_cached_entry_is_served_while_the_backend_fails(node, status, kind):
    node.write([rule("registry.example.com", statusFile=str(node.status), callsFile=str(node.calls),
                     lifetimeSeconds=8)])
    first = node.run()
    assert first.returncode == 0, first.stderr
    time.sleep(4.5)  # past the refresh point (at most 85 % of 8 s... at least 70 %), before expiry
    node.status.write_text(status)
    stale = node.run()
    assert stale.returncode == 0, stale.stderr
    assert passwords(stale) == passwords(first)
    assert "serving the cached answer" in stale.stderr
    assert node.backend_calls() == 2, "one attempt per invocation: the host does not retry a module"
    time.sleep(4)
    expired = node.run()
    assert expired.returncode == 1
    assert f"test.status-backend {kind}: test.status-backend answers {status}" in expired.stderr


def test_module_calls_run_one_at_a_time_on_one_thread_nested_through_the_host(node):
    """sdk/ABI.md, Concurrency: the backend's call to credentials_for_profile
    runs the source inside it, on the same thread."""
    node.write([rule("registry.example.com", callsFile=str(node.calls), fromProfile=True)],
               profiles={"p": {"source": "test.status-source", "callsFile": str(node.calls), "password": "from-p"}})
    answer = node.run()
    assert answer.returncode == 0, answer.stderr
    assert passwords(answer) == {"from-p"}
    calls = [line.split() for line in node.calls.read_text().splitlines()]
    assert [who for who, _ in calls] == ["test.status-backend", "test.status-source"]
    assert len({thread for _, thread in calls}) == 1


SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dGVhbTphcHAifQ.c2lnbmF0dXJl"


def test_a_backend_gets_the_service_account_only_where_the_rule_forwards_it(node):
    """A backend of a non-AWS registry exchanges the pod's token itself
    (sdk/ABI.md, "Backends beyond AWS")."""
    node.write([rule("registry.example.com", echoServiceAccount=True, serviceAccount={"forwardToBackend": True}),
                rule("other.example.com", echoServiceAccount=True)])
    annotations = {"azure.workload.identity/client-id": "1234"}
    forwarded = node.run(serviceAccountToken=SA_TOKEN, serviceAccountAnnotations=annotations)
    assert forwarded.returncode == 0, forwarded.stderr
    token, sent = passwords(forwarded).pop().split("|", 1)
    assert token == SA_TOKEN and json.loads(sent) == annotations
    kept = node.run("other.example.com/app", serviceAccountToken=SA_TOKEN, serviceAccountAnnotations=annotations)
    assert kept.returncode == 0, kept.stderr
    assert passwords(kept) == {"|"}
    assert SA_TOKEN not in forwarded.stderr + kept.stderr


def test_forwarded_answers_are_cached_per_service_account(node):
    node.write([rule("registry.example.com", echoServiceAccount=True, serviceAccount={"forwardToBackend": True})])
    other = SA_TOKEN.replace("dGVhbTphcHAi", "dGVhbTpkYiIi")
    first = node.run(serviceAccountToken=SA_TOKEN)
    second = node.run(serviceAccountToken=other)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert passwords(first).pop().split("|")[0] == SA_TOKEN
    assert passwords(second).pop().split("|")[0] == other
