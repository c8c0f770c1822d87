"""Hostile Roles Anywhere CreateSession replies (JSON) and STS AssumeRole /
AssumeRoleWithWebIdentity replies (XML), injected with the emulator's `raw`
fault, through the real pullcred: one clear line, never a crash, a hang or a
secret of the reply on stderr. Sequential: faults are shared by every caller."""
import json
import pathlib

from harness import Case, request, run_all

ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-hostile"
RA_PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-hostile"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
IMAGE = "444455556666.dkr.ecr.us-west-2.amazonaws.com/app"
REPLY_SECRET = "reply-secret-key-0123456789abcdefghijklmnopqrstuv"
REPLY_TOKEN = "reply-session-token-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"
NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def session(**credentials):
    base = {"accessKeyId": "ASIAHOSTILE000000001", "secretAccessKey": REPLY_SECRET, "sessionToken": REPLY_TOKEN,
            "expiration": "2099-01-01T00:00:00Z"}
    base.update(credentials)
    base = {key: value for key, value in base.items() if value is not ...}
    return json.dumps({"credentialSet": [{"credentials": base, "roleArn": ROLE}],
                       "subjectArn": "arn:aws:rolesanywhere:us-west-2:111122223333:subject/x"})


CREATE_SESSION_BODIES = [
    ("empty", 201, ""), ("null", 201, "null"), ("array", 201, "[]"), ("object", 201, "{}"), ("string", 201, '"x"'),
    ("truncated", 201, session()[:60]), ("deep", 201, "[" * 100000), ("not-json", 201, "<html>hello</html>"),
    ("deep-object", 201, '{"a":' * 10000 + "1" + "}" * 10000),
    ("set-string", 201, '{"credentialSet": "x"}'), ("set-empty", 201, '{"credentialSet": []}'),
    ("set-numbers", 201, '{"credentialSet": [1, 2]}'), ("credentials-null", 201, '{"credentialSet": [{"credentials": null}]}'),
    ("key-id-missing", 201, session(accessKeyId=...)), ("secret-missing", 201, session(secretAccessKey=...)),
    ("token-missing", 201, session(sessionToken=...)), ("key-id-number", 201, session(accessKeyId=5)),
    ("secret-number", 201, session(secretAccessKey=12345)), ("secret-empty", 201, session(secretAccessKey="")),
    ("secret-with-newline", 201, session(secretAccessKey=REPLY_SECRET + "\nInjected: yes")),
    ("secret-with-nul", 201, session(secretAccessKey=REPLY_SECRET + "\u0000")),
    ("expiration-missing", 201, session(expiration=...)), ("expiration-garbage", 201, session(expiration="soon")),
    ("expiration-past", 201, session(expiration="2001-01-01T00:00:00Z")),
    ("expiration-number", 201, session(expiration=4102444800)),
    ("expiration-huge", 201, session(expiration="9" * 10000)),
    ("invalid-utf8", 201, session(secretAccessKey="\udcff\udcfe" + REPLY_SECRET)),
    ("duplicate-keys", 201, session()[:-1] + ', "credentialSet": []}'),
    ("error-200", 200, json.dumps({"message": "denied", "__type": "AccessDeniedException"})),
    ("error-huge-message", 403, json.dumps({"message": "m" * 200000, "__type": "AccessDeniedException"})),
    ("error-huge-type", 403, json.dumps({"message": "m", "__type": "T" * 200000})),
    ("error-multiline-message", 403, json.dumps({"message": "line one\nline two\r\nline three",
                                                 "__type": "AccessDeniedException"})),
    ("error-secret-in-message", 403, json.dumps({"message": "secretAccessKey=" + REPLY_SECRET,
                                                 "__type": "ValidationException"})),
    ("status-500-html", 500, "<html>oops</html>"), ("status-404-empty", 404, ""),
    ("status-302", 302, ""), ("status-200-instead-of-201", 200, "{}"),
]


def sts_document(action, credentials=None, raw=None):
    if raw is not None:
        inner = raw
    else:
        fields = {"AccessKeyId": "ASIAHOSTILE000000002", "SecretAccessKey": REPLY_SECRET,
                  "SessionToken": REPLY_TOKEN, "Expiration": "2099-01-01T00:00:00Z"}
        fields.update(credentials or {})
        inner = "<Credentials>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not ...) + \
                "</Credentials>"
    return (f'<{action}Response xmlns="{NS}"><{action}Result>{inner}'
            f"<AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/ecr-pull/x</Arn>"
            f"<AssumedRoleId>AROAX:x</AssumedRoleId></AssumedRoleUser></{action}Result>"
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>")


def sts_bodies(action):
    doc = lambda **kw: sts_document(action, **kw)  # noqa: E731
    good = doc()
    return [
        ("empty", 200, ""), ("not-xml", 200, "hello"), ("json", 200, "{}"), ("truncated", 200, good[:len(good) // 2]),
        ("root-only", 200, f"<{action}Response/>"), ("no-credentials", 200, doc(raw="")),
        ("key-id-missing", 200, doc(credentials={"AccessKeyId": ...})),
        ("secret-missing", 200, doc(credentials={"SecretAccessKey": ...})),
        ("token-missing", 200, doc(credentials={"SessionToken": ...})),
        ("secret-empty", 200, doc(credentials={"SecretAccessKey": ""})),
        ("secret-with-newline", 200, doc(credentials={"SecretAccessKey": REPLY_SECRET + "\nX: y"})),
        ("secret-cdata", 200, doc(credentials={"SecretAccessKey": f"<![CDATA[{REPLY_SECRET}]]>"})),
        ("secret-entity", 200, doc(credentials={"SecretAccessKey": REPLY_SECRET + "&amp;&lt;&#65;&#x0;"})),
        ("expiration-missing", 200, doc(credentials={"Expiration": ...})),
        ("expiration-garbage", 200, doc(credentials={"Expiration": "later"})),
        ("expiration-past", 200, doc(credentials={"Expiration": "2001-01-01T00:00:00Z"})),
        ("expiration-huge", 200, doc(credentials={"Expiration": "9" * 10000})),
        ("nested-credentials", 200, doc(raw="<Credentials><Credentials><AccessKeyId>A</AccessKeyId></Credentials>"
                                            "</Credentials>")),
        ("deep-nesting", 200, "<a>" * 100000 + "</a>" * 100000),
        ("unclosed-tags", 200, "<a>" * 1000),
        ("doctype-laughs", 200, '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
                                ']>' + doc(credentials={"SecretAccessKey": "&c;"})),
        ("external-entity", 200, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' +
         doc(credentials={"SecretAccessKey": "&e;"})),
        ("undefined-entity", 200, doc(credentials={"SecretAccessKey": "&nothing;"})),
        ("invalid-utf8", 200, doc(credentials={"SecretAccessKey": "\udcff" + REPLY_SECRET})),
        ("nul-byte", 200, good.replace("<Credentials>", "<Credentials>\u0000")),
        ("error-200", 200, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                           "<Message>no</Message></Error></ErrorResponse>"),
        ("error-huge-message", 403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>" + "m" * 200000 +
         "</Message></Error></ErrorResponse>"),
        ("error-huge-code", 403, "<ErrorResponse><Error><Code>" + "C" * 200000 + "</Code></Error></ErrorResponse>"),
        ("error-multiline", 403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>one\ntwo\r\nthree"
                                 "</Message></Error></ErrorResponse>"),
        ("error-secret-message", 400, "<ErrorResponse><Error><Code>ValidationError</Code><Message>"
                                      f"SecretAccessKey={REPLY_SECRET}</Message></Error></ErrorResponse>"),
        ("status-500-html", 500, "<html>oops</html>"), ("status-404-empty", 404, ""),
    ]


def reply_cases(node, emulator, keys):
    client = emulator.pki["clients"]["ec-p256"]

    def configured(kind):
        def write(case_dir):
            case_dir = pathlib.Path(case_dir)
            if kind == "ra":
                profile = {"source": "aws.roles-anywhere", "certificate": client["cert"], "privateKey": client["key"],
                           "trustAnchorArn": ANCHOR, "profileArn": RA_PROFILE, "roleArn": ROLE}
            else:
                config = case_dir / "aws-config"
                if kind == "assume":
                    config.write_text(f"[profile app]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-west-2\n"
                                      f"[profile base]\naws_access_key_id = {keys['accessKeyId']}\n"
                                      f"aws_secret_access_key = {keys['secretAccessKey']}\n")
                else:
                    token = case_dir / "token"
                    token.write_text(emulator.mint_jwt())
                    config.write_text(f"[profile app]\nrole_arn = {ROLE}\nweb_identity_token_file = {token}\n"
                                      "region = us-west-2\n")
                (case_dir / "aws-credentials").write_text("")
                profile = {"source": "aws.shared-config", "configFile": str(config),
                           "credentialsFile": str(case_dir / "aws-credentials"), "profile": "app"}
            return node.config(case_dir, node.document(case_dir, profiles={"p": profile}))
        return write

    def injecting(kind, action, code, body, content_type):
        def prepare(case_dir):
            emulator.control("DELETE", "faults")
            emulator.inject_faults([{"kind": "raw", "action": action, "count": 10, "code": code,
                                     "content_type": content_type, "body": body}])
            return ["get-credentials", "--config", str(configured(kind)(case_dir))], request(IMAGE), {}
        return prepare

    secrets = (REPLY_SECRET, REPLY_TOKEN)
    cases = [Case(f"reply/create-session/{name}", injecting("ra", "rolesanywhere:CreateSession", code, body,
                                                            "application/json"), secrets=secrets)
             for name, code, body in CREATE_SESSION_BODIES]
    for kind, action in (("assume", "AssumeRole"), ("web", "AssumeRoleWithWebIdentity")):
        cases += [Case(f"reply/sts-{action}/{name}", injecting(kind, f"sts:{action}", code,
                                                               sts_document(action) if body is None else body,
                                                               "text/xml"), secrets=secrets)
                  for name, code, body in sts_bodies(action)]
    cases.append(Case("reply/create-session/over-the-body-limit", lambda case_dir: (
        emulator.control("DELETE", "faults"),
        emulator.inject_faults([{"kind": "raw", "action": "rolesanywhere:CreateSession", "count": 10,
                                 "code": 201, "content_type": "application/json", "body": "a", "repeat": 6 << 20}]),
        (["get-credentials", "--config", str(configured("ra")(case_dir))], request(IMAGE), {}))[-1],
        secrets=secrets))
    return cases


def test_hostile_session_replies(node, emulator, keys, base_env, tmp_path):
    cases = reply_cases(node, emulator, keys)
    assert len(cases) >= 100
    try:
        failures = run_all(cases, tmp_path, base_env, workers=1)
    finally:
        emulator.control("DELETE", "faults")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
