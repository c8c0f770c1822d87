"""aws.process: keys from a credential_process command (run without a shell)
feeding aws.ecr, end to end through the real pullcred binary against the AWS
emulator (botocore-verified SigV4)."""
import datetime
import json
import subprocess
import sys

import pytest

from conftest import MODULE_DIR, PULLCRED

PRIVATE = "ecr:GetAuthorizationToken"
ECR_PATTERNS = ["*.dkr.ecr.*.amazonaws.com"]
HOST = "111122223333.dkr.ecr.us-west-2.amazonaws.com"


@pytest.fixture(autouse=True)
def process_module():
    assert (MODULE_DIR / "source-process.so").exists(), f"build the in-tree modules first: {MODULE_DIR}"


def helper(path, body):
    """An executable Python script at `path` (its directory is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


def printing(path, document, extra=""):
    """A helper that prints `document` as JSON on stdout (after `extra` code)."""
    return helper(path, f"import sys\n{extra}\nsys.stdout.write({json.dumps(json.dumps(document))})\n")


def profiles(command, **settings):
    return {"node-process": {"source": "aws.process", "command": command, **settings}}


def rules():
    return [{"matchImages": ECR_PATTERNS, "profile": "node-process"}]


def test_process_keys_reach_ecr(emulator, tmp_path, setup, pullcred, keys):
    script = printing(tmp_path / "my tools" / "credential helper",
                      {"Version": 1, "AccessKeyId": keys["accessKeyId"], "SecretAccessKey": keys["secretAccessKey"]},
                      extra="assert sys.argv[1:] == ['--role', 'pull images', ''], sys.argv")
    config = setup(rules(), profiles=profiles(f"'{script}' --role \"pull images\" ''"))
    run = pullcred(config, f"{HOST}/team/app")
    assert run.code == 0, run.stderr
    assert run.auth() == {HOST: {"username": "AWS",
                                 "password": emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])}}
    [call] = [call for call in emulator.calls()["recent"] if call["action"] == PRIVATE]
    assert call["accessKeyId"] == keys["accessKeyId"]


def test_session_token_and_expiration_from_the_process(emulator, tmp_path, setup, pullcred):
    issued = {"accessKeyId": "ASIAPULLCREDPROCESS1", "secretAccessKey": "issued-secret-for-process-test-00000000",
              "sessionToken": "session-token-from-the-credential-process"}
    emulator.add_credentials(issued["accessKeyId"], issued["secretAccessKey"], "444455556666",
                             session_token=issued["sessionToken"])
    expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).isoformat()
    script = printing(tmp_path / "helper", {"Version": 1, "AccessKeyId": issued["accessKeyId"],
                                            "SecretAccessKey": issued["secretAccessKey"],
                                            "SessionToken": issued["sessionToken"], "Expiration": expiration})
    run = pullcred(setup(rules(), profiles=profiles(str(script))), "444455556666.dkr.ecr.us-west-2.amazonaws.com/a",
                   extra_secrets=[issued["secretAccessKey"], issued["sessionToken"]])
    assert run.code == 0, run.stderr
    assert emulator.count(PRIVATE, "ok") == 1


def test_failing_process_is_one_clear_line(emulator, tmp_path, setup, pullcred, keys):
    script = printing(tmp_path / "helper",
                      {"Version": 1, "AccessKeyId": keys["accessKeyId"], "SecretAccessKey": keys["secretAccessKey"]},
                      extra="sys.stderr.write('helper: the identity provider is unreachable\\n'); "
                            "sys.stdout.write('partial output ')")
    script.write_text(script.read_text() + "sys.exit(2)\n")
    run = pullcred(setup(rules(), profiles=profiles(str(script))), f"{HOST}/a")
    assert run.code == 1
    assert run.stdout == ""
    line = run.error_line()
    assert "profile node-process: aws.process failed: " in line
    assert f"credential process {script} for profile node-process exited with code 2: " \
           "helper: the identity provider is unreachable" in line
    assert emulator.count(PRIVATE) == 0


@pytest.mark.parametrize("command,expected", [
    ("/nonexistent/pullcred-helper --x", "was not found (no such file)"),
    ("pullcred-no-such-helper", "was not found in any PATH directory"),
])
def test_missing_program(emulator, setup, pullcred, command, expected):
    run = pullcred(setup(rules(), profiles=profiles(command)), f"{HOST}/a")
    assert run.code == 1
    assert expected in run.error_line()
    assert "profile node-process" in run.error_line()


def test_bad_output_names_the_problem_not_the_secret(emulator, tmp_path, setup, pullcred, keys):
    script = helper(tmp_path / "helper", f"print('SecretAccessKey={keys['secretAccessKey']}')\n")
    run = pullcred(setup(rules(), profiles=profiles(str(script))), f"{HOST}/a")
    assert run.code == 1
    assert "printed something that is not JSON on stdout" in run.error_line()


def test_timeout_stops_the_process(emulator, tmp_path, setup, pullcred):
    script = helper(tmp_path / "helper", "import time\ntime.sleep(60)\n")
    run = pullcred(setup(rules(), profiles=profiles(str(script), timeout="1s")), f"{HOST}/a")
    assert run.code == 1
    assert "did not finish within 1s and was stopped" in run.error_line()
    assert run.elapsed < 10


def test_shell_syntax_is_refused_with_a_clear_message(tmp_path, setup, pullcred):
    config = setup(rules(), profiles=profiles("/usr/bin/helper --x | jq .credentials"))
    run = pullcred(config, f"{HOST}/a")
    assert run.code == 1
    line = run.error_line()
    assert "profile node-process: aws.process rejected its config: command: command line: shell operator |" in line
    assert "without a shell" in line
    completed = subprocess.run([str(PULLCRED), "check-config", "--config", str(config)], capture_output=True,
                               text=True, check=False, timeout=60)
    assert completed.returncode != 0
    assert "shell operator | at character 21" in completed.stderr
