"""The command line and the kubelet protocol through the real binary."""
import pytest

from conftest import kubelet_request


def one_line(run):
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.mark.parametrize("stdin,expected", [
    ("", "empty input"),
    ("{", "invalid JSON"),
    ('{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v9","image":"a/b"}',
     "unsupported apiVersion"),
    ('{"kind":"Nope","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a/b"}', "kind must be"),
    ("x" * 300_000, "larger than"),
    ("\x00\xff binary", "invalid JSON"),
], ids=["empty", "truncated", "unknown-version", "wrong-kind", "oversized", "binary"])
def test_bad_requests_fail_with_one_line(pullcred, tmp_path, stdin, expected):
    config = tmp_path / "c.yaml"
    config.write_text("apiVersion: pullcred/v1\nkind: Config\n")
    run = pullcred("get-credentials", "--config", str(config), stdin=stdin)
    assert run.code == 1
    assert run.stdout == ""
    assert expected in one_line(run)


def test_missing_explicit_config_is_an_error(pullcred, tmp_path):
    run = pullcred("get-credentials", "--config", str(tmp_path / "missing.yaml"),
                   stdin=kubelet_request("a.io/b"))
    assert run.code == 1
    assert f"config {tmp_path / 'missing.yaml'}: no such file" in one_line(run)


def test_config_from_environment(pullcred, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("apiVersion: pullcred/v1\nkind: Config\nregistrys: []\n")
    run = pullcred("check-config", env={"PULLCRED_CONFIG": str(config)})
    assert run.code == 1
    assert f"{config}: 1 error(s)" in run.stderr and "registrys: error: unknown key" in run.stderr


def test_check_config_reports_a_module_problem_once(pullcred, tmp_path):
    config = tmp_path / "c.yaml"
    missing = tmp_path / "missing.so"
    config.write_text(f"apiVersion: pullcred/v1\nkind: Config\nmodules: [{missing}]\n")
    run = pullcred("check-config", "--config", str(config))
    assert run.code == 1
    assert run.stderr.splitlines() == [f"modules[0]: error: module {missing}: cannot open: No such file or directory",
                                       f"{config}: 1 error(s)"]


def test_no_rule_matches_gives_a_valid_empty_answer(pullcred, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("apiVersion: pullcred/v1\nkind: Config\n")
    run = pullcred("get-credentials", "--config", str(config), stdin=kubelet_request("a.io/b", "v1beta1"))
    assert run.code == 0, run.stderr
    assert run.json() == {"kind": "CredentialProviderResponse",
                          "apiVersion": "credentialprovider.kubelet.k8s.io/v1beta1",
                          "cacheKeyType": "Registry", "auth": {}}


def test_version_and_help(pullcred):
    version = pullcred("--version")
    assert version.code == 0
    assert version.stdout.startswith("pullcred ") and "module ABI 1." in version.stdout
    for args in (["--help"], ["get-credentials", "--help"], ["explain", "--help"], ["check-config", "--help"],
                 ["modules", "--help"]):
        run = pullcred(*args)
        assert run.code == 0, (args, run.stderr)
        assert "usage: pullcred" in run.stdout and "pullcred " in run.stdout.split("Example")[-1], args


def test_unknown_command_and_bad_flags(pullcred):
    run = pullcred("fly")
    assert run.code == 1 and "unknown command" in one_line(run)
    run = pullcred("--log-level", "loud", "modules")
    assert run.code == 1 and "--log-level" in one_line(run)
    run = pullcred("explain", "a.io/b", "--no-such-flag")
    assert run.code == 1 and "no-such-flag" in one_line(run)


def test_json_log_format(pullcred, tmp_path):
    import json
    config = tmp_path / "c.yaml"
    config.write_text("apiVersion: pullcred/v1\nkind: Config\n")
    run = pullcred("--log-format", "json", "get-credentials", "--config", str(config),
                   stdin=kubelet_request("a.io/b"))
    assert run.code == 0
    record = json.loads(run.stderr.strip())
    assert record["level"] == "info" and "no rule" in record["msg"]
