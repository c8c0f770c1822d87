"""What an operator reads, with the real binary: sub-second cacheDuration kept
exact for kubelet, bounded and printable echoes in `explain`, one warning line
for plaintext endpoints and disabled TLS verification, and HTTP failures
(a huge response header, a connect timeout) that say what happened."""
import json
import os
import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import PULLCRED, kubelet_request, scrubbed_env, static_secret_dir

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-e2e"
PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-e2e"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture
def node(tmp_path, emulator):
    """A config with one aws.static rule; run(extra_rule_keys, env=..., settings=...)."""
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "secret", keys["accessKeyId"], keys["secretAccessKey"])

    def run(rule=None, env=None, settings=None, args=("get-credentials",), stdin=None):
        config = tmp_path / "config.json"
        registry = {"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "keys"}
        registry.update(rule or {})
        document = {"apiVersion": "pullcred/v1", "kind": "Config", "cache": {"enabled": False},
                    "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret)}},
                    "registries": [registry]}
        if settings:
            document["settings"] = settings
        config.write_text(json.dumps(document))
        full = scrubbed_env()
        full.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(emulator.ca_bundle)})
        full.update(env or {})
        return subprocess.run([str(PULLCRED), *args, "--config", str(config)],
                              input=kubelet_request(IMAGE) if stdin is None else stdin,
                              capture_output=True, text=True, env=full, timeout=60, check=False)
    return run


def warnings(stderr):
    return [line for line in stderr.splitlines() if line.startswith("pullcred: warning: ")]


# ---- cacheDuration ----

@pytest.mark.parametrize("duration,expected", [("300ms", "300ms"), ("1.5s", "1.5s"), ("1500ms", "1.5s"),
                                               ("5h", "5h0m0s")])
def test_sub_second_cache_duration_reaches_kubelet_exactly(node, duration, expected):
    done = node({"cacheDuration": duration})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cacheDuration"] == expected


# ---- explain echoes ----

def test_explain_bounds_a_huge_image(node):
    image = "registry.example.com/" + "a" * 120_000
    done = node(args=("explain", image), stdin="")
    assert done.returncode != 0
    assert "a" * 200 not in done.stdout + done.stderr
    assert len(done.stderr) < 1000, len(done.stderr)
    assert "(120021 bytes)" in done.stderr


def test_explain_shows_control_characters_escaped(node):
    image = "registry.example.com/te\x1b[31mam\x07/app"
    done = node(args=("explain", image), stdin="")
    assert done.returncode != 0
    assert not CONTROL.search(done.stdout + done.stderr), repr(done.stderr)
    assert "\\x1b[31mam\\x07" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_explain_echoes_stay_on_one_bounded_line(node):
    image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/" + "/".join(["team"] * 200)
    done = node(args=("explain", image), stdin="")
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        assert len(line) < 700, line[:100]
    assert not CONTROL.search(done.stdout)


# ---- plaintext endpoints and insecure TLS ----

def test_plaintext_endpoint_from_the_environment_warns_once(node, emulator):
    plain = emulator.url.replace("https://", "http://")
    done = node(env={"AWS_ENDPOINT_URL": plain})
    assert done.returncode == 0, done.stderr
    [warning] = warnings(done.stderr)
    assert f'"{plain}" is a plaintext http:// endpoint' in warning
    assert "use an https:// URL" in warning


def test_plaintext_rule_endpoint_warns_once(node, emulator):
    plain = emulator.url.replace("https://", "http://")
    done = node({"endpoint": plain})
    assert done.returncode == 0, done.stderr
    [warning] = warnings(done.stderr)
    assert f'"{plain}" is a plaintext http:// endpoint' in warning


def test_https_endpoint_gives_no_warning(node):
    done = node()
    assert done.returncode == 0, done.stderr
    assert warnings(done.stderr) == []


def test_disabled_tls_verification_warns_once(emulator, tmp_path):
    entry = emulator.pki["clients"]["ec-p256"]
    cert = entry.get("combined", entry["cert"])
    key = entry.get("combined", entry["key"])
    config = tmp_path / "cp.json"
    config.write_text(json.dumps({"apiVersion": "pullcred/v1", "kind": "Config", "cache": {"enabled": False}}))
    env = scrubbed_env()
    env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_EC2_METADATA_DISABLED": "true"})  # no CA bundle
    args = [str(PULLCRED), "credential-process", "--config", str(config), "--certificate", cert,
            "--private-key", key, "--trust-anchor-arn", ANCHOR, "--profile-arn", PROFILE, "--role-arn", ROLE]
    refused = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode != 0  # the emulator's certificate is not trusted without the flag
    assert warnings(refused.stderr) == []
    done = subprocess.run([*args, "--no-verify-ssl"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    [warning] = warnings(done.stderr)
    assert 'TLS verification is disabled for "127.0.0.1" (noVerifySsl' in warning
    assert json.loads(done.stdout)["SecretAccessKey"] not in done.stderr


# ---- HTTP failures ----

class HugeHeaderServer:
    """Answers every request with a 4 MB header line."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(30)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.recv(65536)
                    try:
                        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n")
                    except OSError:
                        pass
        except OSError:
            return

    def close(self):
        self.sock.close()


def test_huge_response_header_is_named_not_out_of_memory(node):
    server = HugeHeaderServer()
    try:
        done = node(env={"AWS_ENDPOINT_URL": server.url})
    finally:
        server.close()
    assert done.returncode != 0
    assert "header line larger than libcurl accepts" in done.stderr, done.stderr
    assert "Out of memory" not in done.stderr


def test_connect_timeout_says_it_could_not_connect(node):
    """A listener whose accept queue is full: the kernel drops further SYNs,
    so a connection attempt gets no answer at all, as behind a firewall."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.2)
        started = time.monotonic()
        done = node(env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "1"},
                    settings={"deadline": "20s"})
        elapsed = time.monotonic() - started
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert done.returncode != 0
    assert "could not connect within 5 s" in done.stderr, done.stderr
    assert "deadline" not in done.stderr, done.stderr
    assert 4 < elapsed < 15


# ---- default cache directory of a user without a home ----

@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as nobody")
def test_non_root_user_without_home_gets_a_cache_of_its_own(tmp_path):
    import pwd
    import shutil
    import stat
    import tempfile
    nobody = pwd.getpwnam("nobody")
    own = f"/tmp/pullcred-{nobody.pw_uid}"
    shutil.rmtree(own, ignore_errors=True)
    shared = tempfile.mkdtemp(prefix="pullcred-e2e-")
    try:
        os.chmod(shared, 0o755)
        config = os.path.join(shared, "config.yaml")
        with open(config, "w") as out:
            out.write("apiVersion: pullcred/v1\nkind: Config\nprofiles: {}\nregistries:\n"
                      "  - {matchImages: [\"*.dkr.ecr.*.amazonaws.com\"], backend: aws.ecr}\n")
        os.chmod(config, 0o644)
        env = {k: v for k, v in scrubbed_env().items()
               if k not in ("HOME", "XDG_CACHE_HOME", "PULLCRED_CACHE_DIR")}
        done = subprocess.run(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                               str(PULLCRED), "explain", IMAGE, "--config", config],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "chown" not in done.stderr and "/var/lib/pullcred" not in done.stdout + done.stderr
        assert "cache:    absent" in done.stdout, done.stdout
        info = os.lstat(own)
        assert stat.S_ISDIR(info.st_mode) and info.st_uid == nobody.pw_uid and stat.S_IMODE(info.st_mode) == 0o700
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        shutil.rmtree(own, ignore_errors=True)
