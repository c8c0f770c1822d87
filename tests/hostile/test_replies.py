"""Hostile ECR GetAuthorizationToken replies (the emulator's `raw` fault)
through the real pullcred: one clear line, never a crash or hang. Sequential:
the faults are shared by every caller of the emulator."""
import base64
import json

from conftest import IMAGE
from harness import Case, request, run_all

ECR = "ecr:GetAuthorizationToken"
JSON11 = "application/x-amz-json-1.1"


def token(text):
    return base64.b64encode(text.encode("utf-8", "surrogateescape")).decode()


def data(**entry):
    base = {"authorizationToken": token("AWS:pw-hostile-0001"), "expiresAt": 4102444800,
            "proxyEndpoint": "https://111122223333.dkr.ecr.us-west-2.amazonaws.com"}
    base.update(entry)
    return json.dumps({"authorizationData": [base]})


BODIES = [
    ("empty", ""), ("null", "null"), ("array", "[]"), ("object", "{}"), ("string", '"x"'),
    ("truncated", data()[:40]), ("deep", "[" * 100000), ("deep-object", '{"a":' * 10000 + "1" + "}" * 10000),
    ("nul", data().replace("https", "ht\u0000tps")), ("data-string", '{"authorizationData": "x"}'),
    ("data-numbers", '{"authorizationData": [1]}'), ("token-number", data(authorizationToken=5)),
    ("token-null", data(authorizationToken=None)), ("token-not-base64", data(authorizationToken="!!!!")),
    ("token-no-colon", data(authorizationToken=token("AWSpassword"))),
    ("token-empty-password", data(authorizationToken=token("AWS:"))),
    ("token-empty", data(authorizationToken="")), ("token-invalid-utf8", data(authorizationToken=token("AWS:\udcff"))),
    ("expires-string", data(expiresAt="tomorrow")), ("expires-huge", data(expiresAt=1e300)),
    ("expires-negative", data(expiresAt=-1)), ("expires-past", data(expiresAt=1000)),
    ("endpoint-number", data(proxyEndpoint=5)), ("duplicate-key", data()[:-1] + ', "authorizationData": []}'),
    ("error-type-huge", json.dumps({"__type": "X" * 100000, "message": "m"})),
]
# Answered today: an ignored proxyEndpoint, a far expiry, and a password that is not UTF-8
# (reported: it reaches kubelet with U+FFFD in place of the bad bytes).
RECOVERABLE = {"expires-huge", "endpoint-number", "token-invalid-utf8"}
STATUS_BODIES = [("500-garbage", 500, "<html>oops"), ("403-empty", 403, ""), ("400-deep", 400, "[" * 100000),
                 ("404-html", 404, "<html>not here</html>"), ("302-redirect", 302, "")]


def reply_cases(node, emulator):
    def injecting(fault):
        def prepare(case_dir):
            emulator.control("DELETE", "faults")
            emulator.inject_faults([dict(fault, action=ECR, count=10)])
            return ["get-credentials", "--config", str(node.config(case_dir))], request(IMAGE), {}
        return prepare

    cases = [Case(f"reply/ecr/{name}", injecting({"kind": "raw", "code": 200, "content_type": JSON11, "body": body}),
                  names=("ECR",), expect="either" if name in RECOVERABLE else "error")
             for name, body in BODIES]
    cases += [Case(f"reply/ecr/status-{name}", injecting({"kind": "raw", "code": code, "content_type": "text/html",
                                                          "body": body}), names=("ECR",))
              for name, code, body in STATUS_BODIES]
    cases.append(Case("reply/ecr/over-the-body-limit", injecting(
        {"kind": "raw", "code": 200, "content_type": JSON11, "body": "a", "repeat": 6 << 20}), names=("ECR",)))
    return cases


def test_hostile_ecr_replies(node, emulator, base_env, tmp_path):
    cases = reply_cases(node, emulator)
    try:
        failures = run_all(cases, tmp_path, base_env, workers=1)
    finally:
        emulator.control("DELETE", "faults")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
