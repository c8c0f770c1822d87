"""Faults injected through the control API and taken by the next matching calls."""

import base64
import threading

KINDS = (
    "status",                # an error answer: code (HTTP status), error_type, message
    "throttle",              # the service's throttling error
    "delay",                 # wait `seconds`, then answer normally
    "malformed_json",        # 2xx with a body that does not parse
    "truncated",             # the normal answer, cut in half, then the connection closes
    "reset",                 # close the connection abruptly (TCP RST), no answer at all
    "wrong_content_type",    # the normal answer with Content-Type `content_type` (text/html)
    "ok_with_error_body",    # 2xx carrying the service's error body
    "empty_credential_set",  # 2xx with an empty result (no credentials, no token)
    "raw",                   # any answer: code (default 200), content_type, body or body_base64, repeat, headers
)

# Kinds that answer instead of the service; the others change its answer.
REPLACING = {"status", "throttle", "malformed_json", "reset", "ok_with_error_body", "empty_credential_set", "raw"}


class Fault:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.kind = spec.get("kind")
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        self.action = spec.get("action", "*")
        self.remaining = int(spec.get("count", 1))
        if self.remaining < 1:
            raise ValueError("count must be at least 1")
        self.code = int(spec.get("code", 200 if self.kind == "raw" else 500))
        self.error_type = spec.get("error_type") or spec.get("errorType")
        self.message = spec.get("message")
        self.seconds = float(spec.get("seconds", 1.0))
        self.content_type = spec.get("content_type", "application/json" if self.kind == "raw" else "text/html")
        self.body = base64.b64decode(spec["body_base64"]) if "body_base64" in spec else \
            str(spec.get("body", "")).encode("utf-8", "surrogateescape")
        self.body *= max(1, int(spec.get("repeat", 1)))
        self.headers = [(str(name), str(value)) for name, value in dict(spec.get("headers") or {}).items()]
        self.spec = dict(spec)

    @property
    def replaces_answer(self):
        return self.kind in REPLACING

    @property
    def breaks_answer(self):
        """False only for a delay: the client still gets the normal answer."""
        return self.kind != "delay"

    def matches(self, action):
        return self.action in ("*", action)

    def describe(self):
        spec = {key: value for key, value in self.spec.items() if key not in ("body", "body_base64")}
        return dict(spec, remaining=self.remaining)


class FaultQueue:
    """Thread-safe: each injected fault is taken by exactly `count` calls."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, specs):
        faults = [Fault(spec) for spec in specs]  # validate all before adding any
        with self._lock:
            self._faults.extend(faults)
        return len(faults)

    def take(self, action):
        with self._lock:
            for fault in self._faults:
                if fault.matches(action):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self):
        with self._lock:
            self._faults = []

    def pending(self):
        with self._lock:
            return [fault.describe() for fault in self._faults]
