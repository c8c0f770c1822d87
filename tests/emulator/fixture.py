"""Start and drive the emulator from pytest (tests/integration, tests/e2e).

    sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
    from fixture import Emulator

    @pytest.fixture(scope="session")
    def emulator(tmp_path_factory):
        emu = Emulator().start(tmp_path_factory.mktemp("emulator"))
        yield emu
        emu.stop()

Then point the code under test at `emu.url` with `emu.env()` (AWS_ENDPOINT_URL,
AWS_CA_BUNDLE, static keys), and check `emu.calls()` / `emu.count(...)`.
"""

import atexit
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from awsemu.state import DEFAULT_STATIC_CREDENTIALS  # noqa: E402

EMULATOR = os.path.join(HERE, "emulator.py")
DEBIAN_PYTHON = "/usr/bin/python3"


class EmulatorError(RuntimeError):
    pass


_RUNNING = []


def running_emulators():
    """Every Emulator of this process that is running now (secret_guard asks them all)."""
    return [emulator for emulator in _RUNNING if emulator.running]


class Emulator:
    """One emulator process. `start()` returns only once it answers."""

    def __init__(self, pki_dir=None, accounts=None, extra_args=(), python=None, tls_cert=None, tls_key=None,
                 ca_bundle=None):
        """`pki_dir`: reuse (or generate into) this PKI directory instead of
        STATE_DIR/pki. `accounts`: list of {accessKeyId, secretAccessKey,
        account} replacing the default static credentials. `tls_cert` /
        `tls_key`: serve another certificate (e.g. the PKI's untrusted one),
        with `ca_bundle` the CA that issued it (default: the PKI's CA)."""
        self.pki_dir = pki_dir
        self.accounts = accounts
        self.extra_args = list(extra_args)
        self.python = python or (DEBIAN_PYTHON if os.path.exists(DEBIAN_PYTHON) else sys.executable)
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.process = None
        self.state_dir = None
        self.url = None
        self.sso_url = None  # the SSO portal's listener (https)
        self.container_url = None  # the container credentials endpoint's listener (http)
        self.imds_url = None  # EC2 instance metadata's listener (http)
        self.port = None
        self.ca_bundle = ca_bundle
        self.pki = None
        self.log_path = None
        self._log = None
        self._ssl = None

    # -- life cycle --

    def start(self, tmpdir, timeout=30.0):
        """Run the emulator with state (and, by default, its PKI) in `tmpdir`."""
        if self.running:
            raise EmulatorError(f"emulator already running at {self.url}")
        self.state_dir = os.path.abspath(str(tmpdir))
        os.makedirs(self.state_dir, exist_ok=True)
        command = [self.python, EMULATOR, "--state-dir", self.state_dir, "--port", "0"]
        if self.pki_dir:
            command += ["--pki", str(self.pki_dir)]
        if self.accounts is not None:
            accounts_file = os.path.join(self.state_dir, "accounts.json")
            with open(accounts_file, "w", encoding="utf-8") as handle:
                json.dump(self.accounts, handle)
            command += ["--accounts", accounts_file]
        if self.tls_cert:
            command += ["--tls-cert", str(self.tls_cert), "--tls-key", str(self.tls_key)]
        command += self.extra_args
        self.log_path = os.path.join(self.state_dir, "emulator.log")
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        atexit.register(self.stop)
        ready = os.path.join(self.state_dir, "ready")
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise EmulatorError(f"emulator exited with status {code} before it was ready:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EmulatorError(f"emulator not ready after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.05)
        with open(os.path.join(self.state_dir, "info.json"), encoding="utf-8") as handle:
            info = json.load(handle)
        self.port = info["port"]
        self.url = info["url"]
        self.sso_url = info["sso_url"]
        self.container_url = info["container_url"]
        self.imds_url = info["imds_url"]
        self.ca_bundle = str(self.ca_bundle or info["ca_bundle"])
        with open(info["manifest"], encoding="utf-8") as handle:
            self.pki = json.load(handle)
        self._ssl = ssl.create_default_context(cafile=self.ca_bundle)
        _RUNNING.append(self)
        try:
            self.control("GET", "health", timeout=max(1.0, deadline - time.monotonic()))
        except (OSError, EmulatorError) as error:
            self.stop()
            raise EmulatorError(f"emulator wrote {ready} but does not answer at {self.url}: {error}\n"
                                f"{self.log_tail()}") from None
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL of the whole process group if it lingers. Idempotent."""
        process, self.process = self.process, None
        if self in _RUNNING:
            _RUNNING.remove(self)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- control API --

    def control(self, method, path, body=None, timeout=10.0):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self._ssl) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise EmulatorError(f"control {method} {path}: {error.code} {error.read().decode(errors='replace')}") \
                from None

    def calls(self):
        """{"counts": {action: n}, "ok": ..., "rejected": ..., "faulted": ..., "actions": ..., "recent": [...]}"""
        return self.control("GET", "calls")

    def count(self, action, outcome="total"):
        """Calls of `action` ("ecr:GetAuthorizationToken") so far; outcome: total | ok | rejected | faulted."""
        return self.calls()["actions"].get(action, {}).get(outcome, 0)

    def reset(self, credentials=False):
        """Forget calls, pending faults and config changes (and issued credentials if asked)."""
        return self.control("POST", "reset", {"credentials": credentials})

    def inject(self, kind, action="*", count=1, **params):
        """One fault for the next `count` calls of `action` (or any action: "*").
        params: code, error_type, message (status); seconds (delay); content_type."""
        return self.inject_faults([dict(params, kind=kind, action=action, count=count)])

    def inject_faults(self, faults):
        return self.control("POST", "faults", faults)

    def pending_faults(self):
        return self.control("GET", "faults")["faults"]

    def configure(self, **settings):
        """e.g. configure(ecr_token_lifetime=60, issued_credentials_lifetime=900)."""
        return self.control("POST", "config", settings)

    def add_credentials(self, access_key_id, secret_access_key, account, session_token=None):
        entry = {"accessKeyId": access_key_id, "secretAccessKey": secret_access_key, "account": account}
        if session_token:
            entry["sessionToken"] = session_token
        return self.control("POST", "credentials", [entry])

    def secrets(self):
        """Every secret this emulator accepted or issued since it started (a reset keeps them)."""
        return self.control("GET", "secrets")["secrets"]

    def issued(self, source=None):
        """Public view (no secrets) of the credentials issued so far, optionally only those of
        `source` (the issuing action: "imds:GetCredentials", "container:GetCredentials", ...)."""
        listed = self.control("GET", "credentials")["credentials"]
        return [entry for entry in listed if source is None or entry["source"] == source]

    def sso_login(self, home, start_url=None, session=None, expires_in=3600, token=None):
        """What `aws sso login` leaves behind: HOME/.aws/sso/cache/<sha1>.json, keyed by the
        sso-session name (`session`) or the legacy `start_url`, with a token the portal accepts
        (unless expires_in <= 0). Returns (cache file path, token)."""
        import datetime
        import hashlib
        import secrets as _secrets
        token = token or "emu-sso-" + _secrets.token_urlsafe(32)
        key = session if session is not None else start_url
        cache_dir = os.path.join(str(home), ".aws", "sso", "cache")
        os.makedirs(cache_dir, exist_ok=True)
        path = os.path.join(cache_dir, hashlib.sha1(key.encode()).hexdigest() + ".json")
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"startUrl": start_url or "https://example.awsapps.com/start", "region": "us-east-1",
                       "accessToken": token, "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}, handle)
        if expires_in > 0:
            tokens = self.control("GET", "config")["sso_access_tokens"]
            self.configure(sso_access_tokens=tokens + [token])
        return path, token

    # -- what tests compare against --

    @property
    def static_credentials(self):
        """The static key pairs the emulator accepts: [{accessKeyId, secretAccessKey, account}]."""
        return [dict(entry) for entry in (self.accounts if self.accounts is not None else DEFAULT_STATIC_CREDENTIALS)]

    @staticmethod
    def ecr_password(account, region, access_key_id):
        from awsemu.services.ecr import ecr_password
        return ecr_password(account, region, access_key_id)

    @staticmethod
    def ecr_public_password(account, access_key_id):
        from awsemu.services.ecr import ecr_public_password
        return ecr_public_password(account, access_key_id)

    def mint_jwt(self, **claims):
        """An RS256 web identity token from the test issuer (see pki.mint_jwt)."""
        import pki
        return pki.mint_jwt(self.pki, **claims)

    def env(self, credentials=None, region="us-west-2"):
        """Environment variables that point AWS clients at this emulator.
        `credentials`: a static_credentials entry (default: the first)."""
        creds = credentials or self.static_credentials[0]
        env = {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_CA_BUNDLE": self.ca_bundle,
            "AWS_ACCESS_KEY_ID": creds["accessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["secretAccessKey"],
            "AWS_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if creds.get("sessionToken"):
            env["AWS_SESSION_TOKEN"] = creds["sessionToken"]
        return env

    def client(self, service, region="us-west-2", credentials=None, **config):
        """A botocore client for `service` aimed at this emulator."""
        import botocore.config
        import botocore.session
        creds = credentials or self.static_credentials[0]
        return botocore.session.get_session().create_client(
            service, region_name=region, endpoint_url=self.url, verify=self.ca_bundle,
            aws_access_key_id=creds["accessKeyId"], aws_secret_access_key=creds["secretAccessKey"],
            aws_session_token=creds.get("sessionToken"),
            config=botocore.config.Config(retries={"total_max_attempts": 1}, **config))
