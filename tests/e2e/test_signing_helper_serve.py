"""`aws_signing_helper serve` and `update`, end to end: the real pullcred,
real SDKs and files, the emulator's Roles Anywhere and STS.

- botocore (and the AWS CLI when installed) take their credentials from
  `pullcred signing-helper serve` through AWS_EC2_METADATA_SERVICE_ENDPOINT
  and call STS with them;
- IMDSv1 (no token), unknown and expired tokens are refused with 401, bad
  token TTLs and X-Forwarded-For with 400, as the helper does;
- the hop limit is the IP TTL of the answers (seen on the loopback wire);
- credentials are fetched again before they expire, a rotated certificate
  is used at the next request, any config profile can be served;
- `update` writes a 0600 file atomically, keeps other profiles and
  comments, and rewrites it again before the credentials expire;
- no secret in any log line.
"""
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

import pytest

from conftest import PULLCRED, scrubbed_env, static_secret_dir
from secret_guard import Invocation, record

CREATE_SESSION = "rolesanywhere:CreateSession"
ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-serve"
PROFILE_ARN = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-serve"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"


def openssl(*args):
    result = subprocess.run(["openssl", *args], capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def issue_leaf(emulator, directory, name):
    """An EC key and a client certificate signed by the emulator's CA; returns (cert, key, serial)."""
    key, csr, cert, ext = (directory / f"{name}.{suffix}" for suffix in ("key", "csr", "pem", "ext"))
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
    ext.write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                   "extendedKeyUsage=clientAuth\n")
    openssl("req", "-new", "-key", str(key), "-subj", f"/CN={name}", "-out", str(csr))
    serial = os.urandom(12).hex()
    openssl("x509", "-req", "-in", str(csr), "-CA", str(emulator.pki["ca"]["cert"]), "-CAkey",
            str(emulator.pki["ca"]["key"]), "-set_serial", "0x" + serial, "-days", "2", "-extfile", str(ext),
            "-out", str(cert))
    return cert, key, int(serial, 16)


def ra_flags(cert, key):
    return ["--certificate", str(cert), "--private-key", str(key), "--trust-anchor-arn", ANCHOR,
            "--profile-arn", PROFILE_ARN, "--role-arn", ROLE]


def write_config(tmp_path, cache=False, profiles=None):
    cache_dir = tmp_path / "serve-cache"
    cache_dir.mkdir(mode=0o700, exist_ok=True)
    config = {"apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(cache_dir), "enabled": cache}}
    if profiles:
        config["profiles"] = profiles
    path = tmp_path / "serve-config.json"
    path.write_text(json.dumps(config))
    return str(path)


def env_for(emulator, **extra):
    env = scrubbed_env()
    env.update({"AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(emulator.ca_bundle),
                "AWS_EC2_METADATA_DISABLED": "true"})
    env.update(extra)
    return env


class Server:
    """`pullcred signing-helper serve --port 0 ARGS`, its log in a file."""

    def __init__(self, tmp_path, args, env, program=PULLCRED, prefix=("signing-helper", "serve")):
        self.log_path = tmp_path / f"serve-{time.monotonic_ns()}.log"
        self.args = [str(program), *prefix, "--port", "0", *args]
        self.env = env
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 30
        while True:
            found = re.search(r"on http://127\.0\.0\.1:(\d+)/", self.log())
            if found:
                self.port = int(found.group(1))
                break
            assert self.process.poll() is None, f"serve exited: {self.log()}"
            assert time.monotonic() < deadline, f"serve did not start: {self.log()}"
            time.sleep(0.05)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        record(Invocation(self.args, self.env, "", "", self.log()))
        return self.process.returncode

    def request(self, method, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def token(self, ttl="60"):
        status, headers, body = self.request("PUT", "/latest/api/token", {TTL_HEADER: ttl})
        assert status == 200, body
        assert headers[TTL_HEADER] == ttl
        return body

    def credentials(self, token=None):
        token = token or self.token()
        status, _, role = self.request("GET", CREDENTIALS_PATH, {TOKEN_HEADER: token})
        assert status == 200, role
        status, headers, body = self.request("GET", CREDENTIALS_PATH + role, {TOKEN_HEADER: token})
        assert status == 200, body
        assert 0 < int(headers[TTL_HEADER]) <= 60
        return json.loads(body)


@pytest.fixture
def leaf(emulator, tmp_path):
    emulator.reset()
    return issue_leaf(emulator, tmp_path, "serve-node")


@pytest.fixture
def ra_server(emulator, leaf, tmp_path):
    cert, key, _ = leaf
    server = Server(tmp_path, ["--config", write_config(tmp_path), *ra_flags(cert, key)], env_for(emulator))
    yield server
    server.stop()


def assert_no_secret(text, emulator):
    for secret in emulator.secrets():
        assert secret not in text


SDK_SCRIPT = """
import json, sys, botocore.session
session = botocore.session.get_session()
credentials = session.get_credentials()
client = session.create_client("sts", region_name="us-west-2", endpoint_url=sys.argv[1], verify=sys.argv[2])
print(json.dumps({"method": credentials.method, "access_key": credentials.access_key,
                  "arn": client.get_caller_identity()["Arn"]}))
"""


def sdk_env(emulator, server, tmp_path):
    env = scrubbed_env()
    env.update({"AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{server.port}/",
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent-credentials"),
                "AWS_CONFIG_FILE": str(tmp_path / "absent-config"), "HOME": str(tmp_path),
                "AWS_CA_BUNDLE": str(emulator.ca_bundle)})
    return env


def test_botocore_uses_serve(emulator, ra_server, tmp_path):
    completed = subprocess.run(["/usr/bin/python3", "-c", SDK_SCRIPT, emulator.url, str(emulator.ca_bundle)],
                               capture_output=True, text=True, env=sdk_env(emulator, ra_server, tmp_path),
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr + ra_server.log()
    result = json.loads(completed.stdout)
    assert result["method"] == "iam-role"
    assert result["access_key"].startswith("ASIA")
    assert ":assumed-role/ecr-pull/" in result["arn"]
    log = ra_server.log()
    assert "PUT /latest/api/token 200" in log
    assert "GET /latest/meta-data/iam/security-credentials/ecr-pull 200" in log
    assert ra_server.stop() == 0
    assert_no_secret(ra_server.log(), emulator)


def test_the_aws_cli_uses_serve(emulator, ra_server, tmp_path):
    aws = shutil.which("aws", path=os.environ.get("PATH"))
    if aws is None:
        pytest.skip("the AWS CLI is not installed (botocore is tested without it)")
    cli = subprocess.run([aws, "sts", "get-caller-identity", "--endpoint-url", emulator.url, "--region",
                          "us-west-2", "--output", "json"], capture_output=True, text=True,
                         env=sdk_env(emulator, ra_server, tmp_path), timeout=120, check=False)
    assert cli.returncode == 0, cli.stderr + ra_server.log()
    assert ":assumed-role/ecr-pull/" in json.loads(cli.stdout)["Arn"]
    assert "GET /latest/meta-data/iam/security-credentials/ecr-pull 200" in ra_server.log()
    assert ra_server.stop() == 0
    assert_no_secret(ra_server.log(), emulator)


def test_tokens_are_required_and_checked_as_the_helper_does(ra_server):
    status, _, body = ra_server.request("GET", CREDENTIALS_PATH)
    assert (status, body) == (401, "no token provided")  # IMDSv1
    status, _, body = ra_server.request("GET", CREDENTIALS_PATH + "ecr-pull")
    assert (status, body) == (401, "no token provided")
    status, _, body = ra_server.request("GET", CREDENTIALS_PATH, {TOKEN_HEADER: "A" * 64})
    assert (status, body) == (401, "invalid token provided")
    short = ra_server.token(ttl="1")
    assert ra_server.request("GET", CREDENTIALS_PATH, {TOKEN_HEADER: short})[0] == 200
    time.sleep(1.2)
    assert ra_server.request("GET", CREDENTIALS_PATH, {TOKEN_HEADER: short})[:3:2] == (401, "invalid token provided")
    for ttl in ("0", "21601", "-5", "abc", "6O", "99999999999999999999"):
        status, _, body = ra_server.request("PUT", "/latest/api/token", {TTL_HEADER: ttl})
        assert (status, body) == (400, "invalid token TTL"), ttl
    for headers in ({}, {TTL_HEADER: ""}):  # no TTL: the helper's default
        status, answer_headers, token = ra_server.request("PUT", "/latest/api/token", headers)
        assert status == 200 and answer_headers[TTL_HEADER] == "21600" and len(token) == 64
    status, _, body = ra_server.request("PUT", "/latest/api/token", {TTL_HEADER: "60", "X-Forwarded-For": "10.0.0.1"})
    assert status == 400 and "X-Forwarded-For" in body
    assert ra_server.request("GET", "/latest/api/token")[0] == 405
    assert ra_server.request("PUT", CREDENTIALS_PATH, {TOKEN_HEADER: token})[0] == 405
    assert ra_server.request("GET", CREDENTIALS_PATH + "other-role", {TOKEN_HEADER: token})[0] == 404
    assert ra_server.request("GET", "/latest/meta-data/", {TOKEN_HEADER: token})[0] == 404
    document = ra_server.credentials()
    assert list(document) == ["Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    assert document["AccessKeyId"].startswith("ASIA") and document["Token"]
    log = ra_server.log()
    assert token not in log and short not in log  # tokens are never logged
    assert "GET /latest/meta-data/iam/security-credentials/ 401" in log


def test_hop_limit_is_the_ip_ttl_of_the_answers(emulator, leaf, tmp_path):
    try:
        capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    except OSError:
        pytest.skip("capturing loopback packets needs CAP_NET_RAW")
    cert, key, _ = leaf
    server = Server(tmp_path, ["--hop-limit", "7", "--config", write_config(tmp_path), *ra_flags(cert, key)],
                    env_for(emulator))
    try:
        capture.bind(("lo", 0))
        capture.settimeout(0.2)
        server.token()
        ttls = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                frame = capture.recv(65535)
            except socket.timeout:
                continue
            ip = frame[14:]
            if len(ip) < 24 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            header = (ip[0] & 0x0F) * 4
            source_port = struct.unpack("!H", ip[header:header + 2])[0]
            if source_port == server.port:
                ttls.append(ip[8])
        assert len(ttls) >= 3 and set(ttls) == {7}  # the handshake, the answer, the close
    finally:
        capture.close()
        server.stop()
    for bad in ("0", "256"):
        completed = subprocess.run([str(PULLCRED), "signing-helper", "serve", "--hop-limit", bad, *ra_flags(cert, key)],
                                   capture_output=True, text=True, env=env_for(emulator), timeout=30, check=False)
        assert completed.returncode == 1 and "--hop-limit must be 1..255" in completed.stderr


def test_credentials_are_fetched_again_before_they_expire(emulator, leaf, tmp_path):
    cert, key, _ = leaf
    server = Server(tmp_path, ["--config", write_config(tmp_path), *ra_flags(cert, key)], env_for(emulator))
    try:
        first = server.credentials()
        assert server.credentials()["AccessKeyId"] == first["AccessKeyId"]
        assert emulator.count(CREATE_SESSION, "ok") == 1  # an hour left: the same credentials
        emulator.configure(issued_credentials_lifetime=400)  # under the 10 minutes the helper keeps
        short = server.credentials()  # still the hour-long ones
        assert short["AccessKeyId"] == first["AccessKeyId"]
    finally:
        server.stop()
    server = Server(tmp_path, ["--config", write_config(tmp_path), *ra_flags(cert, key)], env_for(emulator))
    try:
        before = emulator.count(CREATE_SESSION, "ok")
        one, two = server.credentials(), server.credentials()
        assert one["AccessKeyId"] != two["AccessKeyId"]
        assert emulator.count(CREATE_SESSION, "ok") == before + 2
    finally:
        server.stop()


def test_a_rotated_certificate_is_used_at_the_next_request(emulator, leaf, tmp_path):
    cert, key, first_serial = leaf
    config = write_config(tmp_path, cache=True, profiles={
        "node": {"source": "aws.roles-anywhere", "certificate": str(cert), "privateKey": str(key),
                 "trustAnchorArn": ANCHOR, "profileArn": PROFILE_ARN, "roleArn": ROLE}})
    server = Server(tmp_path, ["--profile", "node", "--config", config], env_for(emulator))
    try:
        before = server.credentials()
        assert server.credentials()["AccessKeyId"] == before["AccessKeyId"]
        assert emulator.count(CREATE_SESSION, "ok") == 1  # cached
        new_cert, new_key, new_serial = issue_leaf(emulator, tmp_path, "serve-node-rotated")
        time.sleep(1.1)  # a new modification time, as a real rotation has
        os.replace(new_key, key)
        os.replace(new_cert, cert)
        after = server.credentials()
        assert after["AccessKeyId"] != before["AccessKeyId"]
        assert emulator.count(CREATE_SESSION, "ok") == 2
        serials = [call["accessKeyId"] for call in emulator.calls()["recent"] if call["action"] == CREATE_SESSION]
        assert serials[-2:] == [str(first_serial), str(new_serial)]
    finally:
        server.stop()


def test_any_profile_is_served(emulator, tmp_path):
    keys = emulator.static_credentials[0]
    secret_dir = static_secret_dir(tmp_path / "static", keys["accessKeyId"], keys["secretAccessKey"])
    config = write_config(tmp_path, profiles={"build": {"source": "aws.static", "secretDir": str(secret_dir)}})
    server = Server(tmp_path, ["--profile", "build", "--config", config], env_for(emulator))
    try:
        token = server.token()
        assert server.request("GET", CREDENTIALS_PATH, {TOKEN_HEADER: token})[2] == "build"
        document = server.credentials(token)
        assert document["AccessKeyId"] == keys["accessKeyId"]
        assert document["SecretAccessKey"] == keys["secretAccessKey"]
        assert document["Expiration"]  # SDKs need one: they ask again then
    finally:
        server.stop()
    missing = subprocess.run([str(PULLCRED), "signing-helper", "serve", "--profile", "nope", "--config", config],
                             capture_output=True, text=True, env=env_for(emulator), timeout=30, check=False)
    assert missing.returncode == 1 and "profile 'nope' is not defined in config" in missing.stderr


def test_serve_as_aws_signing_helper_and_startup_errors(emulator, leaf, tmp_path):
    link = tmp_path / "aws_signing_helper"
    link.symlink_to(PULLCRED)
    cert, key, _ = leaf
    # Go's one-dash flags, as aws_signing_helper takes them.
    one_dash = [flag[1:] if flag.startswith("--") else flag for flag in ra_flags(cert, key)]
    server = Server(tmp_path, ["--config", write_config(tmp_path), *one_dash], env_for(emulator), program=link,
                    prefix=("serve",))
    try:
        assert server.credentials()["AccessKeyId"].startswith("ASIA")
        # The port is taken: a second server says so and exits.
        taken = subprocess.run([str(link), "serve", "--port", str(server.port), *ra_flags(cert, key),
                                "--config", write_config(tmp_path)], capture_output=True, text=True,
                               env=env_for(emulator), timeout=30, check=False)
        assert taken.returncode == 1 and "cannot listen on 127.0.0.1:" in taken.stderr
    finally:
        server.stop()
    completed = subprocess.run([str(link), "serve"], capture_output=True, text=True, env=env_for(emulator),
                               timeout=30, check=False)
    assert completed.returncode == 1
    assert "signing-helper serve needs --certificate, --trust-anchor-arn, --profile-arn, --role-arn" in completed.stderr


# ---- update ----

def run_update(args, env, timeout=60):
    return subprocess.run([str(PULLCRED), "signing-helper", "update", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def sections(text):
    found, current = {}, None
    for line in text.splitlines():
        if line.startswith("["):
            current = line.strip("[]")
            found[current] = {}
        elif "=" in line and current:
            name, value = (part.strip() for part in line.split("=", 1))
            found[current][name] = value
    return found


def test_update_once_writes_0600_atomically_and_keeps_the_rest(emulator, leaf, tmp_path):
    cert, key, _ = leaf
    credentials = tmp_path / "aws" / "credentials"
    credentials.parent.mkdir()
    original = ("# managed by hand\n[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret-value-1\n"
                "\n[ecr]\n; a comment in the section\naws_access_key_id = AKIDOLD\nregion = us-west-2\n"
                "aws_session_token = old-token-value-123\n\n[last]\noutput = json\n")
    credentials.write_text(original)
    credentials.chmod(0o644)
    inode = credentials.stat().st_ino
    env = env_for(emulator, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    completed = run_update(["--once", "--profile", "ecr", "--config", write_config(tmp_path), *ra_flags(cert, key)], env)
    assert completed.returncode == 0, completed.stderr
    text = credentials.read_text()
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert credentials.stat().st_ino != inode  # a new file renamed over the old one
    assert sorted(p.name for p in credentials.parent.iterdir()) == ["credentials"]  # no temporary file left
    parsed = sections(text)
    assert parsed["other"] == {"aws_access_key_id": "AKIDOTHER", "aws_secret_access_key": "other-secret-value-1"}
    assert parsed["last"] == {"output": "json"}
    assert parsed["ecr"]["aws_access_key_id"].startswith("ASIA") and parsed["ecr"]["region"] == "us-west-2"
    assert parsed["ecr"]["aws_session_token"] != "old-token-value-123" and parsed["ecr"]["aws_secret_access_key"]
    assert text.startswith("# managed by hand\n[other]\n") and "; a comment in the section\n" in text
    assert text.count("aws_access_key_id") == 2
    assert "updated profile 'ecr' in " + str(credentials) in completed.stderr
    assert_no_secret(completed.stderr, emulator)
    # The default profile, in ~/.aws/credentials (created, with its directory).
    home = tmp_path / "home"
    home.mkdir()
    env = env_for(emulator, HOME=str(home))
    completed = run_update(["--once", "--config", write_config(tmp_path), *ra_flags(cert, key)], env)
    assert completed.returncode == 0, completed.stderr
    default = home / ".aws" / "credentials"
    assert default.stat().st_mode & 0o777 == 0o600
    assert list(sections(default.read_text())) == ["default"]


def test_update_keeps_refreshing_before_expiry_until_killed(emulator, leaf, tmp_path):
    cert, key, _ = leaf
    emulator.configure(issued_credentials_lifetime=312)  # refreshed 5 minutes before: after about 12 s
    credentials = tmp_path / "credentials"
    env = env_for(emulator, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    log_path = tmp_path / "update.log"
    args = [str(PULLCRED), "signing-helper", "update", "--config", write_config(tmp_path), *ra_flags(cert, key)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 20
        while not credentials.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first = sections(credentials.read_text())["default"]["aws_access_key_id"]
        deadline = time.monotonic() + 40
        second = first
        while second == first and time.monotonic() < deadline:
            time.sleep(0.5)
            second = sections(credentials.read_text())["default"]["aws_access_key_id"]
        assert second != first, log_path.read_text()
        assert process.poll() is None  # still running
        assert credentials.stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.wait(timeout=10)
        record(Invocation(args, env, "", "", log_path.read_text()))
    assert log_path.read_text().count("updated profile 'default'") >= 2
    assert_no_secret(log_path.read_text(), emulator)


def test_update_of_a_config_profile_and_its_errors(emulator, tmp_path):
    keys = emulator.static_credentials[1]
    secret_dir = static_secret_dir(tmp_path / "static", keys["accessKeyId"], keys["secretAccessKey"])
    config = write_config(tmp_path, profiles={"build": {"source": "aws.static", "secretDir": str(secret_dir)}})
    credentials = tmp_path / "credentials"
    env = env_for(emulator, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    completed = run_update(["--once", "--profile", "ci", "--pullcred-profile", "build", "--config", config], env)
    assert completed.returncode == 0, completed.stderr
    assert sections(credentials.read_text())["ci"] == {"aws_access_key_id": keys["accessKeyId"],
                                                        "aws_secret_access_key": keys["secretAccessKey"]}
    for args, message in (
            (["--once", "--retry-errors", "--pullcred-profile", "build"], "--once and --retry-errors cannot be used"),
            (["--profile", "a]b", "--pullcred-profile", "build"], "--profile must name a profile"),
            (["--once"], "signing-helper update needs --certificate"),
            (["--once", "--pullcred-profile", "build", "--role-arn", ROLE],
             "--pullcred-profile serves a profile of the config; --role-arn")):
        completed = run_update([*args, "--config", config], env)
        assert completed.returncode == 1 and message in completed.stderr, (args, completed.stderr)
        assert len(completed.stderr.strip().splitlines()) == 1
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    completed = run_update(["--once", "--pullcred-profile", "build", "--config", config],
                           dict(env, AWS_SHARED_CREDENTIALS_FILE=str(blocked)))
    assert completed.returncode == 1 and "is not a regular file" in completed.stderr
