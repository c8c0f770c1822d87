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


def _password_is(result, expected):
    assert result.auth()[IMAGE.split("/", 1)[0]]["password"] == expected, result.auth()


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
# Answered: an ignored proxyEndpoint and a far expiry. A password that is not UTF-8 is
# refused (kubelet's JSON would carry U+FFFD in place of the bad bytes).
RECOVERABLE = {"expires-huge", "endpoint-number"}
NAMES = {"token-invalid-utf8": ("ECR", "not valid UTF-8")}
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
                  names=NAMES.get(name, ("ECR",)), expect="either" if name in RECOVERABLE else "error")
             for name, body in BODIES]
    # More passwords that are not UTF-8: overlong, surrogate, beyond U+10FFFF, cut short.
    for name, raw in [("overlong", b"AWS:pw\xc0\xaf"), ("surrogate", b"AWS:pw\xed\xa0\x80"),
                      ("beyond-unicode", b"AWS:pw\xf4\x90\x80\x80"), ("cut-sequence", b"AWS:pw\xe2\x82"),
                      ("lone-continuation", b"AWS:\x80pw")]:
        body = data(authorizationToken=base64.b64encode(raw).decode())
        cases.append(Case(f"reply/ecr/password-{name}", injecting({"kind": "raw", "code": 200, "content_type": JSON11,
                                                                   "body": body}), names=("ECR", "not valid UTF-8")))
    # A valid multi-byte password is passed on as is.
    cases.append(Case("reply/ecr/password-utf8", injecting({"kind": "raw", "code": 200, "content_type": JSON11,
                                                            "body": data(authorizationToken=token("AWS:pw-\u00e9\u6f22"))}),
                      expect="answer", check=lambda result, case_dir: _password_is(result, "pw-\u00e9\u6f22")))
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
