"""No secret escapes: records every pullcred run a test makes (through
subprocess, whoever calls it) and, at the test's end, searches what came out
for every secret the test could know of.

Searched: stdout (outside the answer itself: `auth.*.password` of
get-credentials, `SecretAccessKey`/`SessionToken` of credential-process,
`Secret` of docker-credential get), stderr, the emulators' log lines written
during the test, the names of files under the test's tmp dir, and each
cache directory's files (a file holding a secret must be 0600).

Secrets: everything the running emulators accepted or issued
(`GET /_emulator/secrets`), their private keys, and the test's own inputs:
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in a run's environment, a web
identity token file, a request's serviceAccountToken, and, in files under
the tmp dir, Secret-layout key files, INI `aws_secret_access_key` /
`aws_session_token`, JSON `SecretAccessKey` / `SessionToken`, PEM private keys.

    guard = SecretGuard(tmp_path)     # installs the recorder
    ...                               # the test runs pullcred
    guard.verify()                    # pytest.fail with every hit
"""

import json
import os
import pathlib
import re
import subprocess

import pytest

from fixture import running_emulators

PULLCRED_NAMES = {"pullcred", "docker-credential-pullcred", "aws_signing_helper"}
MIN_SECRET_CHARS = 12
MAX_INPUT_FILE_BYTES = 1 << 20
_RECORDED = []
_ORIGINAL_POPEN = subprocess.Popen

SECRET_FILE_NAMES = {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
INI_SECRET = re.compile(r"^\s*(?:aws_secret_access_key|aws_session_token)\s*=\s*(\S+)", re.MULTILINE | re.IGNORECASE)
JSON_SECRET = re.compile(r'"(?:SecretAccessKey|SessionToken|secretAccessKey|sessionToken)"\s*:\s*"([^"]+)"')
PEM_PRIVATE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END", re.DOTALL)


class Invocation:
    def __init__(self, args, env, stdin, stdout, stderr):
        self.args = [os.fspath(arg) for arg in args] if not isinstance(args, (str, bytes)) else [os.fspath(args)]
        self.env = dict(env) if env is not None else dict(os.environ)
        self.stdin = _text(stdin)
        self.stdout = _text(stdout)
        self.stderr = _text(stderr)

    @property
    def name(self):
        return os.path.basename(self.args[0]) if self.args else ""

    def describe(self):
        return " ".join(self.args[:4]) + (" ..." if len(self.args) > 4 else "")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class RecordingPopen(_ORIGINAL_POPEN):
    """subprocess.Popen that keeps what pullcred runs read and wrote."""

    def __init__(self, args, *rest, **kwargs):
        self._guard_env = kwargs.get("env")
        super().__init__(args, *rest, **kwargs)

    def communicate(self, input=None, timeout=None):  # noqa: A002 - Popen's own signature
        stdout, stderr = super().communicate(input, timeout)
        command = self.args if not isinstance(self.args, (str, bytes)) else [self.args]
        if command and os.path.basename(os.fspath(command[0])) in PULLCRED_NAMES:
            _RECORDED.append(Invocation(command, self._guard_env, input, stdout, stderr))
        return stdout, stderr


def record(invocation):
    """For runs the recorder cannot see (a test that feeds output in by hand)."""
    _RECORDED.append(invocation)


def _answer_free_stdout(invocation):
    """stdout without the secret the command exists to print."""
    text = invocation.stdout
    try:
        document = json.loads(text)
    except ValueError:
        return text
    if not isinstance(document, dict):
        return text
    args = set(invocation.args[1:])
    if "get-credentials" in args and isinstance(document.get("auth"), dict):
        for entry in document["auth"].values():
            if isinstance(entry, dict):
                entry.pop("password", None)
    elif "credential-process" in args:
        document.pop("SecretAccessKey", None)
        document.pop("SessionToken", None)
    elif invocation.name == "docker-credential-pullcred" or "docker-credential" in args:
        document.pop("Secret", None)
    return json.dumps(document)


def _read_small(path):
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_INPUT_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _pem_secrets(text):
    found = set()
    for body in PEM_PRIVATE.findall(text):
        found.update(line.strip() for line in body.splitlines() if len(line.strip()) >= 40 and ":" not in line)
    return found


def _file_secrets(root):
    found = set()
    for path in _walk(root):
        text = _read_small(path)
        if text is None:
            continue
        if path.name in SECRET_FILE_NAMES:
            found.add(text.strip())
        found.update(INI_SECRET.findall(text))
        found.update(JSON_SECRET.findall(text))
        found |= _pem_secrets(text)
    return found


def _walk(root):
    root = pathlib.Path(root)
    if not root.is_dir():
        return
    for directory, subdirs, files in os.walk(root):
        for name in files + subdirs:
            yield pathlib.Path(directory) / name


def _cache_dirs(invocation):
    env = invocation.env
    dirs = set()
    if env.get("PULLCRED_CACHE_DIR"):
        dirs.add(env["PULLCRED_CACHE_DIR"])
    if env.get("XDG_CACHE_HOME"):
        dirs.add(os.path.join(env["XDG_CACHE_HOME"], "pullcred"))
    if env.get("HOME"):
        dirs.add(os.path.join(env["HOME"], ".cache", "pullcred"))
    args = invocation.args
    config = None
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            config = args[index + 1]
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
    config = config or env.get("PULLCRED_CONFIG")
    text = _read_small(pathlib.Path(config)) if config else None
    if text:
        try:
            directory = (json.loads(text).get("cache") or {}).get("dir")
        except (ValueError, AttributeError):
            match = re.search(r"^\s+dir:\s*[\"']?([^\"'\s]+)", text, re.MULTILINE)
            directory = match.group(1) if match else None
        if isinstance(directory, str):
            dirs.add(directory)
    return {pathlib.Path(d) for d in dirs}


class SecretGuard:
    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path = pathlib.Path(tmp_path)
        self.log_offsets = {}
        for emulator in running_emulators():
            try:
                self.log_offsets[emulator.log_path] = os.path.getsize(emulator.log_path)
            except OSError:
                pass
        _RECORDED.clear()
        monkeypatch.setattr(subprocess, "Popen", RecordingPopen)

    @property
    def invocations(self):
        return list(_RECORDED)

    def forget(self):
        """Drop what was recorded (a test that leaks on purpose)."""
        _RECORDED.clear()

    def secrets(self):
        found = set()
        for emulator in running_emulators():
            try:
                found.update(emulator.secrets())
            except Exception:  # an emulator that stopped mid-test has nothing more to say
                pass
            for text in _pki_key_texts(emulator.pki or {}):
                found |= _pem_secrets(text)
        for invocation in _RECORDED:
            for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
                if invocation.env.get(name):
                    found.add(invocation.env[name])
            token_file = invocation.env.get("AWS_WEB_IDENTITY_TOKEN_FILE")
            if token_file:
                found.add((_read_small(pathlib.Path(token_file)) or "").strip())
            try:
                request = json.loads(invocation.stdin) if invocation.stdin.strip() else None
            except ValueError:
                request = None
            if isinstance(request, dict) and isinstance(request.get("serviceAccountToken"), str):
                found.add(request["serviceAccountToken"])
        found |= _file_secrets(self.tmp_path)
        return {value for value in found if isinstance(value, str) and len(value) >= MIN_SECRET_CHARS}

    def hits(self):
        secrets = self.secrets()
        hits = []

        def search(where, text):
            for secret in secrets:
                if secret in text:
                    hits.append(f"{where}: holds a secret ({secret[:6]}...)")

        for number, invocation in enumerate(_RECORDED, start=1):
            label = f"run {number} ({invocation.describe()})"
            search(f"{label} stdout", _answer_free_stdout(invocation))
            search(f"{label} stderr", invocation.stderr)
        for log_path, offset in self.log_offsets.items():
            try:
                with open(log_path, encoding="utf-8", errors="replace") as handle:
                    handle.seek(offset)
                    search(f"emulator log {log_path}", handle.read())
            except OSError:
                pass
        for path in _walk(self.tmp_path):
            search(f"file name {path}", path.name)
        cache_dirs = {self.tmp_path / "default-cache"}
        for invocation in _RECORDED:
            cache_dirs |= _cache_dirs(invocation)
        for directory in sorted(cache_dirs):
            for path in _walk(directory):
                search(f"cache file name {path}", path.name)
                text = _read_small(path)
                if text is None:
                    continue
                mode = path.stat().st_mode & 0o777
                if mode & 0o077 and any(secret in text for secret in secrets):
                    hits.append(f"cache file {path}: holds a secret with mode {mode:o} (must be 0600)")
        return hits

    def verify(self):
        hits = self.hits()
        if hits:
            pytest.fail("SECRET ESCAPED (tests/emulator/secret_guard.py):\n  " + "\n  ".join(hits), pytrace=False)


def _pki_key_texts(manifest):
    paths = set()

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("key", "combined", "private_key") and isinstance(value, str):
                    paths.add(value)
                else:
                    collect(value)
    collect(manifest)
    for path in sorted(paths):
        text = _read_small(pathlib.Path(path))
        if text:
            yield text
