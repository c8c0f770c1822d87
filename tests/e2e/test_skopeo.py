"""skopeo pulls from a registry with credentials only from docker-credential-pullcred.

A Debian docker-registry (distribution) serves on 127.0.0.1 with TLS (the
emulator's server certificate) and htpasswd auth: user AWS, password exactly
what the emulator's ECR token for the mirrored ECR registry (account and
region of the rule's `mirrorOf`) decodes to. pullcred's config maps the
registry host to aws.ecr through a mirror rule with `mirrorOf`.
A tiny OCI image made here is pushed with direct credentials; then skopeo
pulls it with nothing but a `credHelpers` entry in its auth file naming
`pullcred`, found on PATH as docker-credential-pullcred (a symlink to the
built binary). With keys the emulator rejects, the helper fails and so does
the pull; without any credentials the registry refuses the pull.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

import pytest

from conftest import PULLCRED, SOURCE_DIR

sys.path.insert(0, str(SOURCE_DIR / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402

REGION = "eu-central-1"
MIRROR_ACCOUNT = "444455556666"  # not the keys' own account: the token is mirrorOf's
MIRROR_OF = f"{MIRROR_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
REPOSITORY = "pullcred/hello"
LAYER_TEXT = b"hello from a registry that only docker-credential-pullcred can open\n"
PRIVATE = "ecr:GetAuthorizationToken"


def find_registry():
    return next((path for path in (shutil.which("docker-registry"), "/usr/bin/docker-registry") if path
                 and os.access(path, os.X_OK)), None)


def needed_tools():
    missing = [name for name, path in [("skopeo", shutil.which("skopeo")), ("docker-registry", find_registry()),
                                       ("htpasswd (apache2-utils)", shutil.which("htpasswd"))] if not path]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_oci_layout(layout):
    """A minimal OCI image layout: one gzip layer holding one file, tagged v1."""
    (layout / "blobs" / "sha256").mkdir(parents=True)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mode, info.mtime = len(LAYER_TEXT), 0o644, 0
        tar.addfile(info, io.BytesIO(LAYER_TEXT))
    diff_id = "sha256:" + hashlib.sha256(tar_bytes.getvalue()).hexdigest()
    layer = dict(blob(layout, gzip.compress(tar_bytes.getvalue(), mtime=0)),
                 mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
    config = dict(blob(layout, json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()),
        mediaType="application/vnd.oci.image.config.v1+json")
    manifest = dict(blob(layout, json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer]}).encode()),
        mediaType="application/vnd.oci.image.manifest.v1+json",
        annotations={"org.opencontainers.image.ref.name": "v1"})
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [manifest]}))
    return layer["digest"]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    needed_tools()
    emu = Emulator().start(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def keys(emulator):
    return emulator.static_credentials[0]


@pytest.fixture(scope="module")
def password(emulator, keys):
    return emulator.ecr_password(MIRROR_ACCOUNT, REGION, keys["accessKeyId"])


@pytest.fixture(scope="module")
def registry(tmp_path_factory, emulator, password):
    """docker-registry on 127.0.0.1:PORT, TLS with the emulator's server cert, htpasswd user AWS."""
    work = tmp_path_factory.mktemp("registry")
    hashed = subprocess.run(["htpasswd", "-niB", "AWS"], input=password, capture_output=True, text=True,
                            timeout=30, check=False)
    assert hashed.returncode == 0, hashed.stderr
    (work / "htpasswd").write_text(hashed.stdout.strip() + "\n")
    port = free_port()
    (work / "config.yml").write_text(json.dumps({
        "version": 0.1,
        "log": {"level": "info", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(work / "storage")}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": "pullcred-e2e",
                 "tls": {"certificate": emulator.pki["server"]["cert"], "key": emulator.pki["server"]["key"]}},
        "auth": {"htpasswd": {"realm": "pullcred-e2e", "path": str(work / "htpasswd")}},
    }))
    log = open(work / "registry.log", "wb")
    process = subprocess.Popen([find_registry(), "serve", str(work / "config.yml")], stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    context = ssl.create_default_context(cafile=emulator.pki["ca"]["cert"])
    deadline = time.monotonic() + 15
    try:
        while True:
            assert process.poll() is None, (work / "registry.log").read_text(errors="replace")[-2000:]
            try:
                urllib.request.urlopen(f"https://127.0.0.1:{port}/v2/", context=context, timeout=2)
                pytest.fail("the registry answered /v2/ without credentials")
            except urllib.error.HTTPError as error:
                assert error.code == 401
                break
            except OSError:
                assert time.monotonic() < deadline, "docker-registry did not answer within 15 s"
                time.sleep(0.05)
        certs = work / "certs"  # skopeo's --*-cert-dir: trust the emulator's CA for this registry
        certs.mkdir()
        shutil.copy(emulator.pki["ca"]["cert"], certs / "ca.crt")
        yield {"host": f"127.0.0.1:{port}", "certs": str(certs), "work": work}
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def write_pullcred_config(directory, host, access_key_id, secret_access_key):
    secret = directory / "secret"
    secret.mkdir(parents=True)
    (secret / "AWS_ACCESS_KEY_ID").write_text(access_key_id + "\n")
    (secret / "AWS_SECRET_ACCESS_KEY").write_text(secret_access_key + "\n")
    config = directory / "pullcred.yaml"
    config.write_text(f"""apiVersion: pullcred/v1
kind: Config
cache: {{enabled: false}}
profiles: {{keys: {{source: aws.static, secretDir: {secret}}}}}
registries:
  - {{matchImages: ["{host}"], backend: aws.ecr, profile: keys, mirrorOf: {MIRROR_OF}}}
""")
    return config


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, registry, password):
    """The tiny image, pushed with direct credentials; returns (reference, layer digest)."""
    work = tmp_path_factory.mktemp("push")
    layer_digest = make_oci_layout(work / "layout")
    reference = f"docker://{registry['host']}/{REPOSITORY}:v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REGISTRY_AUTH", "DOCKER_"))}
    env.update(HOME=str(work), XDG_RUNTIME_DIR=str(work))
    result = subprocess.run(["skopeo", "copy", "--dest-cert-dir", registry["certs"], "--dest-creds", f"AWS:{password}",
                             f"oci:{work / 'layout'}:v1", reference],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.replace(password, "<password>")
    return reference, layer_digest


@pytest.fixture
def skopeo(tmp_path, emulator, registry):
    """skopeo(config, *args): skopeo whose only credentials come from docker-credential-pullcred
    (credHelpers in its auth file), pullcred reading `config` and aimed at the emulator."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker-credential-pullcred").symlink_to(PULLCRED)
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(json.dumps({"credHelpers": {registry["host"]: "pullcred"}}))
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").write_text(json.dumps({"credHelpers": {registry["host"]: "pullcred"}}))
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))

    def run(config, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REGISTRY_AUTH", "DOCKER_"))}
        env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path), REGISTRY_AUTH_FILE=str(auth_file),
                   DOCKER_CONFIG=str(tmp_path / "docker"), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                   PULLCRED_CONFIG=str(config), AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=emulator.ca_bundle,
                   AWS_EC2_METADATA_DISABLED="true")
        return subprocess.run(["skopeo", "--policy", str(policy), *args], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
    return run


def test_skopeo_pulls_with_only_the_credential_helper(tmp_path, emulator, keys, password, registry, pushed,
                                                      skopeo):
    reference, layer_digest = pushed
    config = write_pullcred_config(tmp_path / "good", registry["host"], keys["accessKeyId"], keys["secretAccessKey"])
    emulator.reset()
    out = tmp_path / "pulled"
    result = skopeo(config, "copy", "--src-cert-dir", registry["certs"], reference, f"dir:{out}")
    stderr = result.stderr.replace(password, "<password>")
    assert result.returncode == 0, stderr
    layer = out / layer_digest.split(":", 1)[1]
    with tarfile.open(layer, mode="r:gz") as tar:
        assert tar.extractfile("hello.txt").read() == LAYER_TEXT
    assert emulator.count(PRIVATE, "ok") >= 1
    assert {call["region"] for call in emulator.calls()["recent"] if call["action"] == PRIVATE} == {REGION}
    assert password not in result.stdout + result.stderr


def test_pull_fails_when_the_helper_has_rejected_keys(tmp_path, emulator, keys, password, registry, pushed, skopeo):
    reference, _ = pushed
    config = write_pullcred_config(tmp_path / "bad", registry["host"], keys["accessKeyId"], "not-the-secret-key")
    emulator.reset()
    out = tmp_path / "pulled"
    result = skopeo(config, "copy", "--src-cert-dir", registry["certs"], reference, f"dir:{out}")
    assert result.returncode != 0
    assert "error getting credentials" in result.stderr  # the helper's failure, not the registry's 401
    assert "aws.ecr failed" in result.stderr  # pullcred's own error line, passed through by skopeo
    assert not (out / "manifest.json").exists()
    assert emulator.count(PRIVATE, "rejected") >= 1
    assert password not in result.stdout + result.stderr


def test_registry_refuses_a_pull_without_credentials(tmp_path, registry, pushed):
    reference, _ = pushed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REGISTRY_AUTH", "DOCKER_"))}
    env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    result = subprocess.run(["skopeo", "inspect", "--cert-dir", registry["certs"], "--no-creds", reference],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode != 0
    assert "unauthorized" in result.stderr.lower() or "authentication required" in result.stderr.lower(), \
        result.stderr
