"""Cache resilience (issue 17), through the real binary against the emulator:
a valid entry is served while its refresh cannot happen (lock held, lock
unusable, upstream failing), a lock outage never fails a request, and
concurrent requests share one upstream attempt sequence and its error.

A module-scoped emulator: the delayed call of the stopped-pullcred test
would otherwise be counted by the next test."""
import fcntl
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import PULLCRED, SCRUBBED, kubelet_request, parse_go_duration, start_emulator, write_secret

ECR = "ecr:GetAuthorizationToken"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"
# Process start and exit on a loaded 2-core CI machine come on top of any wait.
SLACK = 9
STALE_SECONDS = 60  # cacheDuration of an answer whose refresh did not happen
NOBODY = 65534


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory)
    yield emu
    emu.stop()


class Node:
    """A config with static keys, a private cache dir and the environment aimed at the emulator."""

    def __init__(self, directory, emulator, keys):
        self.dir = pathlib.Path(directory)
        self.emulator = emulator
        self.keys = keys
        self.secret = write_secret(self.dir / "secret", keys["accessKeyId"], keys["secretAccessKey"],
                                   region="us-west-2")
        self.cache = self.dir / "cache"
        self.config = self.dir / "config.json"
        self.ca_bundle = emulator.ca_bundle
        self.write()

    def write(self, deadline="20s"):
        self.config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config",
            "cache": {"dir": str(self.cache), "enabled": True},
            "settings": {"deadline": deadline},
            "profiles": {"keys": {"source": "aws.static", "secretDir": str(self.secret)}},
            "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                            "profile": "keys", "cacheDuration": "5h"}]}))

    def env(self, extra=None):
        env = {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}
        env.update(AWS_ENDPOINT_URL=self.emulator.url, AWS_CA_BUNDLE=str(self.ca_bundle),
                   AWS_EC2_METADATA_DISABLED="true", HOME=str(self.dir))
        env.update(extra or {})
        return env

    def command(self):
        return [str(PULLCRED), "get-credentials", "--config", str(self.config)]

    def run(self, prefix=(), env=None):
        started = time.monotonic()
        completed = subprocess.run([*prefix, *self.command()], input=kubelet_request(IMAGE), capture_output=True,
                                   text=True, env=self.env(env), timeout=120, check=False)
        completed.elapsed = time.monotonic() - started
        for secret in (self.keys["secretAccessKey"],):
            assert secret not in completed.stderr, completed.stderr
        return completed

    def start(self, env=None):
        process = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=self.env(env))
        process.stdin.write(kubelet_request(IMAGE))
        process.stdin.close()
        process.stdin = None  # communicate() must not flush it again
        return process

    def entry(self):
        entries = sorted(self.cache.glob("auth-*.json"))
        assert len(entries) == 1, entries
        return entries[0]


@pytest.fixture
def node(tmp_path, emulator):
    return Node(tmp_path, emulator, emulator.static_credentials[0])


def lock_of(entry):
    return entry.with_suffix(".lock")


def make_stale(entry):
    """The entry's refresh is due now; it stays valid (the token's 12 h)."""
    doc = json.loads(entry.read_text())
    doc["refresh"] = int(time.time()) - 1
    assert doc["expires"] > time.time() + 3600
    with open(entry, "r+", encoding="utf-8") as handle:  # same inode, mode and owner
        handle.write(json.dumps(doc))
        handle.truncate()


def hold_lock(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def lock_holders(path):
    """Pids holding a flock on `path`, from /proc/locks."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return set()
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    holders = set()
    for line in pathlib.Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted:
            holders.add(int(fields[4]))
    return holders


def has_open(pid, path):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def wait_for(condition, timeout, what):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def answer(run):
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def warnings(run, text):
    return [line for line in run.stderr.splitlines() if text in line]


def error_line(run):
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_a_held_lock_serves_the_valid_entry_at_once_with_a_short_cache_duration(node, emulator):
    first = answer(node.run())
    entry = node.entry()
    make_stale(entry)
    fd = hold_lock(lock_of(entry))
    try:
        run = node.run()
    finally:
        os.close(fd)
    served = answer(run)
    assert served["auth"] == first["auth"]
    assert parse_go_duration(served["cacheDuration"]) == STALE_SECONDS
    assert parse_go_duration(first["cacheDuration"]) > STALE_SECONDS
    served_lines = warnings(run, "serving the cached answer")
    assert len(served_lines) == 1 and "a refresh is already running in process" in served_lines[0], run.stderr
    assert run.elapsed < SLACK, f"waited {run.elapsed:.1f} s for the lock"
    assert emulator.count(ECR) == 1


def test_a_stopped_pullcred_holding_the_lock_does_not_hold_up_the_others(node, emulator):
    first = answer(node.run())
    entry = node.entry()
    make_stale(entry)
    delay = 6
    emulator.inject("delay", action=ECR, count=1, seconds=delay)
    injected = time.monotonic()
    stuck = node.start()
    try:
        wait_for(lambda: stuck.pid in lock_holders(lock_of(entry)), 30, "the refresh to take the lock")
        os.kill(stuck.pid, signal.SIGSTOP)
        run = node.run()
    finally:
        os.kill(stuck.pid, signal.SIGKILL)
        stuck.communicate(timeout=30)
    served = answer(run)
    assert served["auth"] == first["auth"]
    assert parse_go_duration(served["cacheDuration"]) == STALE_SECONDS
    assert len(warnings(run, "a refresh is already running in process " + str(stuck.pid))) == 1, run.stderr
    assert run.elapsed < SLACK, f"waited {run.elapsed:.1f} s for a stopped process"
    time.sleep(max(0.0, delay + 0.5 - (time.monotonic() - injected)))  # the delayed call ends in this test


def test_a_held_lock_with_nothing_to_serve_waits_and_the_error_names_the_deadline(node, emulator):
    node.write(deadline="3s")
    answer(node.run())
    entry = node.entry()
    entry.unlink()
    fd = hold_lock(lock_of(entry))
    try:
        run = node.run()
    finally:
        os.close(fd)
    assert run.returncode == 1
    line = error_line(run)
    assert "no answer within the deadline (settings.deadline 3 s)" in line, line
    assert f"process {os.getpid()} held the lock {lock_of(entry)}" in line, line
    assert 3 <= run.elapsed < 3 + SLACK
    assert emulator.count(ECR) == 1


def test_a_directory_where_the_lock_goes_still_answers_with_a_warning(node, emulator):
    answer(node.run())
    entry = node.entry()
    lock = lock_of(entry)
    lock.unlink(missing_ok=True)
    lock.mkdir()
    entry.unlink()
    run = node.run()
    answer(run)
    lines = warnings(run, "cache: cannot use lock " + str(lock))
    assert len(lines) == 1 and "fetching without the lock" in lines[0], run.stderr
    assert emulator.count(ECR) == 2
    # The answer was stored all the same; due for a refresh, it is served as it is.
    make_stale(node.entry())
    stale = node.run()
    assert parse_go_duration(answer(stale)["cacheDuration"]) == STALE_SECONDS
    lines = warnings(stale, "cache: cannot use lock")
    assert len(lines) == 1 and "serving the cached answer" in lines[0], stale.stderr
    assert emulator.count(ECR) == 2


def private_read_only_tmpfs_works():
    probe = tempfile.mkdtemp(prefix="pullcred-ro-probe-")
    try:
        script = 'mount -t tmpfs -o ro,mode=0700 none "$1" && ! touch "$1/x" 2>/dev/null'
        return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", probe], capture_output=True,
                              check=False, timeout=30).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    finally:
        os.rmdir(probe)


def test_a_read_only_cache_file_system_still_answers(node, emulator):
    if not private_read_only_tmpfs_works():
        pytest.skip("this machine refuses `unshare -m` + `mount -t tmpfs -o ro` (no CAP_SYS_ADMIN)")
    node.cache.mkdir(mode=0o700)
    mount = 'mount -t tmpfs -o ro,mode=0700 none "$1" && shift && exec "$@"'
    run = node.run(prefix=["unshare", "-m", "sh", "-c", mount, "sh", str(node.cache)])
    assert answer(run)["auth"]
    lines = warnings(run, "cache: cannot use lock")
    assert len(lines) == 1 and "Read-only file system" in lines[0] and "fetching without the lock" in lines[0]
    assert warnings(run, "answering without caching it"), run.stderr
    assert emulator.count(ECR) == 1


def test_a_cache_dir_the_user_cannot_write_to_still_answers(node, emulator):
    """Mode 0500, owned by the running user (nobody: root would ignore the mode)."""
    shared = pathlib.Path(tempfile.mkdtemp(prefix="pullcred-nobody-"))
    try:
        os.chmod(shared, 0o755)
        secret = shutil.copytree(node.secret, shared / "secret")
        for path in [secret, *secret.iterdir()]:
            os.chown(path, NOBODY, NOBODY)
        node.secret, node.cache, node.config = secret, shared / "cache", shared / "config.json"
        node.ca_bundle = shutil.copy(node.emulator.ca_bundle, shared / "ca.pem")
        os.chmod(node.ca_bundle, 0o644)
        node.dir = shared
        node.write()
        os.chmod(node.config, 0o644)
        node.cache.mkdir(mode=0o500)
        os.chown(node.cache, NOBODY, NOBODY)
        run = node.run(prefix=["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"])
        assert answer(run)["auth"]
        lines = warnings(run, "cache: cannot use lock")
        assert len(lines) == 1 and "Permission denied" in lines[0] and "fetching without the lock" in lines[0]
        assert emulator.count(ECR) == 1
        assert list(node.cache.iterdir()) == []
    finally:
        shutil.rmtree(shared)


def test_24_concurrent_requests_with_ecr_failing_share_one_attempt_sequence(node, emulator):
    attempts = 3
    answer(node.run())
    entry = node.entry()
    entry.unlink()
    lock = lock_of(entry)
    emulator.inject("status", action=ECR, count=1000, code=503, error_type="ServiceUnavailable",
                    message="try later")
    env = {"AWS_MAX_ATTEMPTS": str(attempts)}
    # The lock is held until all 24 wait for it, so that they are a herd however slowly they start.
    fd = hold_lock(lock)
    try:
        processes = [node.start(env) for _ in range(24)]
        wait_for(lambda: all(has_open(process.pid, lock) or process.poll() is not None for process in processes),
                 60, "all 24 processes to wait for the lock")
    finally:
        os.close(fd)
    results = [(process.wait(timeout=120), process.stdout.read(), process.stderr.read()) for process in processes]
    assert emulator.count(ECR) == 1 + attempts, "one attempt sequence for the whole herd"
    lines = []
    for code, _, stderr in results:
        assert code == 1, stderr
        line = [text for text in stderr.splitlines() if text.strip()][-1]
        assert re.search(r"ECR GetAuthorizationToken in us-west-2 failed: ServiceUnavailable: try later "
                         r"\(HTTP 503, request id [0-9a-f-]{8,64}\)", line), line
        assert "another" not in line and "held the lock" not in line and "deadline" not in line, line
        lines.append(line)
    assert len(set(lines)) == 1, set(lines)

    record = lock.with_suffix(".fail.json")
    assert record.stat().st_mode & 0o777 == 0o600
    assert json.loads(record.read_text())["status"] == "HTTP 503"

    # A request arriving within the few seconds gets the same error without calling upstream.
    herd = node.run(env=env)
    assert herd.returncode == 1 and error_line(herd) == lines[0]
    assert emulator.count(ECR) == 1 + attempts

    # Once the record has expired, the next request asks the upstream again (which has recovered).
    time.sleep(5.5)  # the failure is shared 5 s at most
    emulator.reset()  # no more faults, calls counted from 0
    later = node.run(env=env)
    assert answer(later)["auth"]
    assert emulator.count(ECR) == 1
    assert not record.exists()


def test_an_upstream_that_does_not_answer_is_reported_with_the_configured_deadline(node, emulator):
    """Last in the file: the held call outlives the test."""
    node.write(deadline="3s")
    emulator.inject("delay", action=ECR, count=10, seconds=30)
    run = node.run()
    assert run.returncode == 1
    line = error_line(run)
    assert "stopped: deadline of 3 s reached" in line, line
    assert "another" not in line and "held the lock" not in line, line
    assert run.elapsed < 3 + SLACK
