"""The seed scenario, end to end: the IAM Roles Anywhere tutorial on a node.

A test "cluster CA" is the emulator's trust anchor and issues the kubelet's
client certificate. The AWS config is the tutorial's credfile, mounted as a
Secret would be: its `default` profile runs `aws_signing_helper
credential-process` with the kubelet's certificate and key, which pullcred
serves natively (there is no aws_signing_helper on this machine). One rule,
`*.dkr.ecr.*.amazonaws.com` with `profile: default`, answers kubelet for
images in two regions and two accounts; the cache and the single-flight lock
keep AWS to one CreateSession however many pulls start at once.
"""
import fcntl
import json
import subprocess
import time

import pytest

from conftest import PULLCRED, kubelet_request, scrubbed_env


CREATE_SESSION = "rolesanywhere:CreateSession"
ECR = "ecr:GetAuthorizationToken"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-tutorial"
PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-tutorial"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
IMAGES = ["111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app",
          "444455556666.dkr.ecr.eu-central-1.amazonaws.com/shared/base"]
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"


def credfile(emulator, client):
    """The tutorial's AWS config, with the kubelet's files of this client."""
    entry = emulator.pki["clients"][client]
    certificate = entry.get("combined", entry["cert"])
    key = entry.get("combined", entry["key"])
    flags = ["--certificate", certificate, "--private-key", key]
    if "intermediates" in entry:
        flags += ["--intermediates", entry["intermediates"]]
    flags += ["--profile-arn", PROFILE, "--role-arn", ROLE, "--trust-anchor-arn", ANCHOR]
    return "[default]\ncredential_process = aws_signing_helper credential-process " + " ".join(flags) + "\n"


@pytest.fixture
def node(tmp_path, emulator):
    """writes the Secret and pullcred's config; run(image) answers one kubelet request."""
    emulator.reset()
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    config = tmp_path / "config.yaml"

    class Node:
        cache = tmp_path / "cache"
        env = scrubbed_env()
        env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle), PATH=BARE_PATH)

        @staticmethod
        def write(client="ec-p256", deadline="45s"):
            (secret / "config").write_text(credfile(emulator, client))
            config.write_text(f"""apiVersion: pullcred/v1
kind: Config
cache: {{dir: {Node.cache}}}
settings: {{deadline: {deadline}}}
profiles:
  default:
    source: aws.shared-config
    configFile: {secret / "config"}
    profile: default
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    backend: aws.ecr
    profile: default
""")

        @staticmethod
        def command():
            return [str(PULLCRED), "get-credentials", "--config", str(config)]

        @staticmethod
        def run(image):
            return subprocess.run(Node.command(), input=kubelet_request(image), capture_output=True, text=True,
                                  env=Node.env, timeout=60, check=False)
    Node.write()
    return Node


def answered_password(run, image):
    assert run.returncode == 0, run.stderr
    registry = image.split("/")[0]
    auth = json.loads(run.stdout)["auth"][registry]
    assert auth["username"] == "AWS"
    return auth["password"]


@pytest.mark.parametrize("client", ["ec-p256", "rsa", "intermediate"])
def test_two_regions_two_accounts(node, emulator, client):
    assert "combined" in emulator.pki["clients"]["ec-p256"], "the kubelet-style file: a certificate, then a key"
    node.write(client)
    runs = [node.run(image) for image in IMAGES]
    for run, image in zip(runs, IMAGES):
        account, _, _, region = image.split("/")[0].split(".")[:4]
        assert answered_password(run, image).startswith(f"ecrpass-{account}-{region}-ASIA")
        assert "spawning" not in run.stderr
    assert "served natively by aws.roles-anywhere" in runs[0].stderr, runs[0].stderr
    assert emulator.count(CREATE_SESSION, "ok") == 1, "the session's credentials are cached for the second image"
    assert emulator.count(ECR, "ok") == 2


def test_100_concurrent_pulls_cost_one_session_and_one_token(node, emulator):
    images = [f"{IMAGES[0]}{number}" for number in range(100)]
    processes = [subprocess.Popen(node.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=node.env) for _ in images]
    for process, image in zip(processes, images):
        process.stdin.write(kubelet_request(image))
        process.stdin.close()
    answers = []
    for process in processes:
        process.wait(timeout=120)
        answers.append((process.returncode, process.stdout.read(), process.stderr.read()))
    failed = [stderr for code, _, stderr in answers if code != 0]
    assert not failed, failed[:3]
    passwords = {answered_password(subprocess.CompletedProcess([], 0, out, err), IMAGES[0])
                 for _, out, err in answers}
    assert len(passwords) == 1 and passwords.pop().startswith("ecrpass-111122223333-us-west-2-ASIA")
    assert emulator.count(CREATE_SESSION) == 1
    assert emulator.count(ECR) == 1


def test_a_lock_held_by_a_stuck_process_stops_at_the_deadline(node, emulator):
    node.write(deadline="2s")
    assert node.run(IMAGES[0]).returncode == 0
    for entry in node.cache.glob("*.json"):
        entry.unlink()
    held = []
    try:
        for lock in node.cache.glob("*.lock"):
            handle = open(lock, "rb")  # noqa: SIM115 - held until the finally below
            fcntl.flock(handle, fcntl.LOCK_EX)
            held.append(handle)
        assert held, "the first call left its lock files"
        started = time.monotonic()
        run = node.run(IMAGES[0])
        elapsed = time.monotonic() - started
    finally:
        for handle in held:
            handle.close()
    assert run.returncode != 0
    assert "no answer within the deadline (settings.deadline 2 s)" in run.stderr and "held the lock" in run.stderr
    assert elapsed < 2 + 9, f"waited {elapsed:.1f} s with a 2 s deadline"
    assert emulator.count(CREATE_SESSION) == 1, "the waiter did not go around the lock"
    after = node.run(IMAGES[0])
    assert answered_password(after, IMAGES[0]).startswith("ecrpass-111122223333-us-west-2-ASIA")


def test_explain_says_how_the_profile_resolves(node, emulator):
    explain = subprocess.run([str(PULLCRED), "explain", IMAGES[0], "--config", str(node.command()[-1])],
                             capture_output=True, text=True, env=node.env, timeout=60, check=False)
    assert explain.returncode == 0, explain.stderr
    assert ('resolves: AWS profile "default": credential_process `aws_signing_helper credential-process`, '
            "served natively by aws.roles-anywhere (nothing spawned)") in explain.stdout
    assert emulator.count(CREATE_SESSION) == 0, "explain without --fetch calls nothing"
