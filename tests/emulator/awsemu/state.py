"""What the emulator remembers: known credentials, settings and the calls it saw."""

import collections
import copy
import dataclasses
import datetime
import json
import threading
import time

from .common import random_id, random_secret, random_session_token, utcnow

# Obviously fake static keys. They are not shaped like real AWS key ids
# (which match (AKIA|ASIA)[A-Z0-9]{16}), so no secret scanner trips on them.
DEFAULT_STATIC_CREDENTIALS = [
    {"accessKeyId": "AKIDPULLCREDTEST0001", "secretAccessKey": "pullcred-test-secret-0001-not-a-real-key",
     "account": "111122223333"},
    {"accessKeyId": "AKIDPULLCREDTEST0002", "secretAccessKey": "pullcred-test-secret-0002-not-a-real-key",
     "account": "444455556666"},
    {"accessKeyId": "AKIDPULLCREDTEST0003", "secretAccessKey": "pullcred-test-secret-0003-not-a-real-key",
     "account": "777788889999"},
]

ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "rolesanywhere:CreateSession",
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetCallerIdentity",
    "sso:GetRoleCredentials",
    "container:GetCredentials",
    "imds:GetToken",
    "imds:ListRoles",
    "imds:GetCredentials",
)

DEFAULT_CONFIG = {
    # Life of ECR tokens in seconds; negative values hand out expired tokens.
    "ecr_token_lifetime": 12 * 3600,
    "ecr_public_token_lifetime": 12 * 3600,
    # How far X-Amz-Date may be from the emulator's clock.
    "max_skew_seconds": 300,
    # When set, the life in seconds of credentials issued by STS and Roles
    # Anywhere, whatever the caller asked for (to test refresh and expiry).
    "issued_credentials_lifetime": None,
    # roleArn -> ExternalId that AssumeRole must carry for that role.
    "sts_external_ids": {},
    # Web identity: the accepted issuer (iss) and audience (aud).
    "web_identity_issuer": None,
    "web_identity_audience": "sts.amazonaws.com",
    # SSO portal: the bearer tokens GetRoleCredentials accepts.
    "sso_access_tokens": [],
    # Container endpoint: the Authorization header it requires (None: none),
    # and the role whose credentials it hands out.
    "container_authorization_token": None,
    "container_role_arn": "arn:aws:iam::111122223333:role/pullcred-container",
    # IMDS: the status PUT /latest/api/token answers (200: a token), whether
    # GETs without a token are served (IMDSv1), and the instance's role (None: none).
    "imds_token_status": 200,
    "imds_v1_allowed": False,
    "imds_role_arn": "arn:aws:iam::444455556666:role/pullcred-instance",
}


@dataclasses.dataclass
class Identity:
    """A key pair the emulator accepts, and who it belongs to."""

    access_key_id: str
    secret_access_key: str
    account: str
    session_token: str = None
    expiration: datetime.datetime = None
    arn: str = None
    source: str = "static"  # static | the action that issued it (sts:AssumeRole, imds:GetCredentials, ...)
    role_arn: str = None

    def public(self):
        """Everything but the secrets."""
        return {
            "accessKeyId": self.access_key_id,
            "account": self.account,
            "arn": self.arn,
            "source": self.source,
            "roleArn": self.role_arn,
            "expiration": self.expiration.isoformat() if self.expiration else None,
        }


class SecretLog:
    """Every secret the emulator accepted or handed out since it started (secret
    keys, session tokens, ECR passwords and tokens, web identity tokens), so
    that tests can search pullcred's output for them. A reset keeps them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values = set()

    def add(self, *values):
        with self._lock:
            self._values.update(value for value in values if isinstance(value, str) and value)

    def snapshot(self):
        with self._lock:
            return sorted(self._values)


class CredentialStore:
    def __init__(self, secrets=None):
        self._lock = threading.Lock()
        self._by_key = {}
        self.secrets = secrets if secrets is not None else SecretLog()

    def add_static(self, entries):
        with self._lock:
            for entry in entries:
                account = str(entry["account"])
                key = entry["accessKeyId"]
                self.secrets.add(entry["secretAccessKey"], entry.get("sessionToken"))
                self._by_key[key] = Identity(
                    access_key_id=key,
                    secret_access_key=entry["secretAccessKey"],
                    account=account,
                    session_token=entry.get("sessionToken"),
                    arn=entry.get("arn") or f"arn:aws:iam::{account}:user/pullcred-test",
                )

    def issue(self, account, role_arn, assumed_role_arn, lifetime_seconds, source):
        identity = Identity(
            access_key_id=random_id("ASIA"),
            secret_access_key=random_secret(),
            account=account,
            session_token=random_session_token(),
            expiration=utcnow() + datetime.timedelta(seconds=lifetime_seconds),
            arn=assumed_role_arn,
            source=source,
            role_arn=role_arn,
        )
        self.secrets.add(identity.secret_access_key, identity.session_token)
        with self._lock:
            self._by_key[identity.access_key_id] = identity
        return identity

    def get(self, access_key_id):
        with self._lock:
            return self._by_key.get(access_key_id)

    def drop_issued(self):
        with self._lock:
            self._by_key = {k: v for k, v in self._by_key.items() if v.source == "static"}

    def public(self):
        with self._lock:
            return [identity.public() for identity in self._by_key.values()]


class Config:
    """Settings changed at run time through the control API."""

    def __init__(self, **overrides):
        self._lock = threading.Lock()
        self._defaults = copy.deepcopy(DEFAULT_CONFIG)
        self._defaults.update(overrides)
        self._values = copy.deepcopy(self._defaults)

    def get(self, name):
        with self._lock:
            return copy.deepcopy(self._values[name])

    def update(self, changes):
        unknown = sorted(set(changes) - set(self._values))
        if unknown:
            raise KeyError(f"unknown config keys: {', '.join(unknown)}")
        with self._lock:
            self._values.update(copy.deepcopy(changes))

    def reset(self):
        with self._lock:
            self._values = copy.deepcopy(self._defaults)

    def snapshot(self):
        with self._lock:
            return copy.deepcopy(self._values)


class CallLog:
    """Counts per action (total, ok, rejected, faulted) and the recent calls."""

    RECENT = 1000

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._counts = {action: self._zero() for action in ACTIONS}
            self._recent = collections.deque(maxlen=self.RECENT)

    @staticmethod
    def _zero():
        return {"total": 0, "ok": 0, "rejected": 0, "faulted": 0}

    def record(self, call):
        """`call` is a dict: action, region, account, accessKeyId, status, error,
        fault (the kind of an injected fault, if any) and faulted (True when
        the fault replaced the service's own answer)."""
        outcome = "faulted" if call.get("faulted") else ("ok" if call["status"] < 300 else "rejected")
        entry = dict(call, time=time.time(), outcome=outcome)
        with self._lock:
            counts = self._counts.setdefault(call["action"], self._zero())
            counts["total"] += 1
            counts[outcome] += 1
            self._recent.append(entry)

    def snapshot(self):
        with self._lock:
            actions = copy.deepcopy(self._counts)
            recent = list(self._recent)
        return {
            "counts": {name: c["total"] for name, c in actions.items()},
            "ok": {name: c["ok"] for name, c in actions.items()},
            "rejected": {name: c["rejected"] for name, c in actions.items()},
            "faulted": {name: c["faulted"] for name, c in actions.items()},
            "actions": actions,
            "recent": recent,
        }


def load_accounts_file(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, dict):
        data = data.get("credentials", [])
    return data
