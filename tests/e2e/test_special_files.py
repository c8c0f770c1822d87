"""Issue 17.6 and 17.7 with the real binary: a FIFO, device or directory where pullcred expects a
file is one clear line at once (never a wait for the watchdog), and the cache directory is made
private and refused when a symlink or others-writable parent could redirect it."""
import json
import os
import subprocess
import time

import pytest

from conftest import PULLCRED, kubelet_request, static_secret_dir

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


@pytest.fixture
def node(tmp_path, emulator):
    emulator.reset()
    node = type("Node", (), {})()
    node.config = tmp_path / "config.json"
    node.cache = tmp_path / "cache"
    node.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PULLCRED_CONFIG"}
    node.env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))

    def write(profile, cache_dir=None):
        node.config.write_text(json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(cache_dir or node.cache)},
            "profiles": {"p": profile},
            "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "p"}]}))

    def run(env=None):
        started = time.monotonic()
        done = subprocess.run([str(PULLCRED), "get-credentials", "--config", str(node.config)],
                              input=kubelet_request(IMAGE), capture_output=True, text=True,
                              env=dict(node.env, **(env or {})), timeout=60)
        done.seconds = time.monotonic() - started
        return done

    node.write, node.run = write, run
    return node


def error_line(run):
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_a_fifo_as_web_identity_token_file_is_one_line_at_once(node, tmp_path, emulator):
    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile web]\nregion = us-west-2\n"
                          "role_arn = arn:aws:iam::111122223333:role/pull\n"
                          f"web_identity_token_file = {fifo}\n")
    node.write({"source": "aws.shared-config", "configFile": str(aws_config), "profile": "web"})
    run = node.run()
    assert run.returncode == 1
    line = error_line(run)
    assert f"{fifo} is a FIFO, not a regular file" in line and "module" not in line, line
    assert run.seconds < 5
    assert emulator.count("sts:AssumeRoleWithWebIdentity") == 0


def test_a_fifo_as_ca_bundle_is_one_line_at_once(node, tmp_path, emulator):
    keys = emulator.static_credentials[0]
    node.write({"source": "aws.static", "secretDir": str(static_secret_dir(tmp_path / "s", keys["accessKeyId"],
                                                                           keys["secretAccessKey"]))})
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    run = node.run(env={"AWS_CA_BUNDLE": str(fifo)})
    assert run.returncode == 1
    line = error_line(run)
    assert f"CA bundle {fifo} is a FIFO, not a regular file" in line and "module" not in line, line
    assert run.seconds < 5
    assert emulator.count("ecr:GetAuthorizationToken") == 0


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_special_file_in_a_secret_dir_is_one_line_at_once(node, tmp_path, emulator, kind):
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "s", keys["accessKeyId"], keys["secretAccessKey"])
    target = secret / "AWS_SECRET_ACCESS_KEY"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/zero")
    node.write({"source": "aws.static", "secretDir": str(secret)})
    run = node.run()
    assert run.returncode == 1
    line = error_line(run)
    expected = {"fifo": "is a FIFO, not a regular file", "directory": "is a directory",
                "device": "is a device, not a regular file"}[kind]
    assert str(target) in line and expected in line, line
    assert run.seconds < 5


def test_a_symlinked_cache_dir_is_refused_however_it_is_written_and_the_answer_still_comes(node, tmp_path,
                                                                                         emulator):
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "s", keys["accessKeyId"], keys["secretAccessKey"])
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    link = tmp_path / "linked-cache"
    link.symlink_to(real)
    for written in (str(link), str(link) + "/", str(link) + "/."):
        node.write({"source": "aws.static", "secretDir": str(secret)}, cache_dir=written)
        run = node.run()
        assert run.returncode == 0, run.stderr
        assert f"{link} is a symbolic link" in run.stderr, run.stderr
        assert list(real.iterdir()) == [], "nothing written through the link"


def test_missing_cache_parents_are_created_private_under_umask_0(node, tmp_path, emulator):
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "s", keys["accessKeyId"], keys["secretAccessKey"])
    cache = tmp_path / "a" / "b" / "cache"
    node.write({"source": "aws.static", "secretDir": str(secret)}, cache_dir=cache)
    old = os.umask(0)
    try:
        run = node.run()
    finally:
        os.umask(old)
    assert run.returncode == 0, run.stderr
    for directory in (tmp_path / "a", tmp_path / "a" / "b", cache):
        assert directory.stat().st_mode & 0o777 == 0o700, directory


@pytest.mark.skipif(os.geteuid() != 0, reason="the rule is root's")
def test_root_refuses_a_cache_below_a_directory_others_can_write(node, tmp_path, emulator):
    keys = emulator.static_credentials[0]
    secret = static_secret_dir(tmp_path / "s", keys["accessKeyId"], keys["secretAccessKey"])
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    node.write({"source": "aws.static", "secretDir": str(secret)}, cache_dir=shared / "cache")
    run = node.run()
    assert run.returncode == 0, run.stderr
    assert f"{shared} has mode 0777 and others can write to it" in run.stderr, run.stderr
    assert not (shared / "cache").exists()
