"""aws.process: keys from a credential_process command (run without a shell)
feeding aws.ecr, end to end through the real pullcred binary against the AWS
emulator (botocore-verified SigV4)."""
import datetime
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from conftest import MODULE_DIR, PULLCRED, SCRUBBED, kubelet_request

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


# ---- nothing the command starts outlives pullcred ----
# The command (a shell script) starts a background grandchild that does not
# hold its pipes, writes "<its pid> <the grandchild's pid>" to a file, then
# hangs (or prints keys and exits). However pullcred ends, the command, the
# grandchild and everything else in the command's process group must be gone.

def leaving_a_grandchild(path, then):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n"
                    "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
                    f"echo \"$$ $!\" > '{path.parent / 'pids.tmp'}'\n"
                    f"mv '{path.parent / 'pids.tmp'}' '{path.parent / 'pids'}'\n"
                    f"{then}\n")
    path.chmod(0o755)
    return path


def proc_stat(pid):
    """(state, process group, start time) of a live process, None once it is gone or a zombie."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    state, pgrp, start = fields[0], int(fields[2]), int(fields[19])
    return None if state in ("Z", "X") else (state, pgrp, start)


def group_members(pgid):
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat is not None and stat[1] == pgid:
                members.append(int(entry))
    return members


def started_pids(directory, limit=20):
    """The command's and the grandchild's pids (with their start times), once the command wrote them."""
    until = time.monotonic() + limit
    while not (directory / "pids").exists():
        assert time.monotonic() < until, "the command never wrote its pids"
        time.sleep(0.02)
    pids = [int(word) for word in (directory / "pids").read_text().split()]
    return {pid: proc_stat(pid) for pid in pids}


def assert_all_gone(started, limit=5.0):
    """Polls /proc (reaping nothing) until the processes and the command's group are gone."""
    command = next(iter(started))
    until = time.monotonic() + limit
    while True:
        alive = [pid for pid, stat in started.items()
                 if stat is not None and (now := proc_stat(pid)) is not None and now[2] == stat[2]]
        members = group_members(command)
        if not alive and not members:
            return
        if time.monotonic() >= until:
            for pid in alive + members:
                os.kill(pid, signal.SIGKILL)  # leave nothing behind for the next test
            pytest.fail(f"still running {limit}s after pullcred ended: {sorted(set(alive + members))} "
                        f"(command {command}, its group: {members})")
        time.sleep(0.05)


def pullcred_env(emulator, config):
    env = {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}
    env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": emulator.ca_bundle,
                "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(config.parent)})
    return env


def test_timeout_ends_the_command_and_its_grandchildren(emulator, tmp_path, setup, pullcred):
    script = leaving_a_grandchild(tmp_path / "helper" / "hang", "exec sleep 1000")
    run = pullcred(setup(rules(), profiles=profiles(str(script), timeout="1s")), f"{HOST}/a")
    assert run.code == 1
    assert "did not finish within 1s and was stopped" in run.error_line()
    assert_all_gone(started_pids(script.parent))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_pullcred_leaves_no_process_behind(emulator, tmp_path, setup, sig):
    script = leaving_a_grandchild(tmp_path / "helper" / "hang", "exec sleep 1000")
    config = setup(rules(), profiles=profiles(str(script), timeout="60s"))
    request = tmp_path / "request.json"
    request.write_text(kubelet_request(f"{HOST}/a"))
    with open(request, encoding="utf-8") as stdin:
        process = subprocess.Popen([str(PULLCRED), "get-credentials", "--config", str(config)], stdin=stdin,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=pullcred_env(emulator, config))
    try:
        started = started_pids(script.parent)
        assert process.poll() is None, process.communicate()
        process.send_signal(sig)
        process.communicate(timeout=10)
        assert process.returncode == -sig
        assert_all_gone(started)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_background_child_of_a_successful_command_is_ended(emulator, tmp_path, setup, pullcred, keys):
    answer = json.dumps({"Version": 1, "AccessKeyId": keys["accessKeyId"],
                         "SecretAccessKey": keys["secretAccessKey"]})
    script = leaving_a_grandchild(tmp_path / "helper" / "print", f"echo '{answer}'")
    run = pullcred(setup(rules(), profiles=profiles(str(script))), f"{HOST}/a")
    assert run.code == 0, run.stderr
    assert HOST in run.auth()
    assert_all_gone(started_pids(script.parent))
