"""Hostile AWS shared config and credentials files (the aws.shared-config
source: a mounted config with [profile x] sections, credential_process lines,
role chains), each through the real pullcred: one clear line, or the right
answer when the file is still valid; never a crash, a hang or a secret."""
import os
import pathlib
import sys

from conftest import IMAGE
from harness import Case, request, run_all

ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
SECRET_MARK = "hostile-secret-value-0000000000000000"


def shared_cases(node, keys):
    key_id, secret = keys["accessKeyId"], keys["secretAccessKey"]
    good_profile = f"region = us-west-2\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    good = f"[profile app]\n{good_profile}"

    def prepare_with(config_text, credentials_text=b"", profile="app", make=None, quiet=False):
        def prepare(case_dir):
            case_dir = pathlib.Path(case_dir)
            config, credentials = case_dir / "aws-config", case_dir / "aws-credentials"
            for path, text in ((config, config_text), (credentials, credentials_text)):
                body = text(case_dir) if callable(text) else text
                if body is not None:
                    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape"))
            if make:
                make(case_dir, config, credentials)
            profiles = {"shared": {"source": "aws.shared-config", "configFile": str(config),
                                   "credentialsFile": str(credentials), "profile": profile}}
            document = node.document(case_dir, profiles=profiles)
            # A profile with credential_process logs one notice ("spawning credential_process") by design.
            quieter = ["--log-level", "warn"] if quiet else []
            return [*quieter, "get-credentials", "--config", str(node.config(case_dir, document))], request(IMAGE), {}
        return prepare

    def script(case_dir, body):
        path = pathlib.Path(case_dir) / "helper"
        path.write_text(f"#!{sys.executable}\n{body}")
        path.chmod(0o755)
        return path

    def with_process(body, extra=""):
        return lambda case_dir: (f"[profile app]\nregion = us-west-2\n{extra}"
                                 f"credential_process = {script(case_dir, body)}\n")

    huge_value = "x" * (900 * 1024)
    # (name, config text, credentials text, expect)
    table = [
        ("good-control", good, "", "answer"),
        ("empty", "", "", "error"),
        ("only-comments", "# nothing\n; nothing\n", "", "error"),
        ("missing-profile", "[profile other]\n" + good_profile, "", "error"),
        ("default-only", "[default]\n" + good_profile, "", "error"),
        ("bare-app-section-in-config", "[app]\n" + good_profile, "", "error"),
        ("profile-without-keys", "[profile app]\nregion = us-west-2\n", "", "error"),
        ("key-id-without-secret", f"[profile app]\nregion = us-west-2\naws_access_key_id = {key_id}\n", "", "error"),
        ("secret-without-key-id", f"[profile app]\nregion = us-west-2\naws_secret_access_key = {secret}\n", "",
         "error"),
        ("empty-key-id", f"[profile app]\naws_access_key_id =\naws_secret_access_key = {secret}\n", "", "error"),
        ("setting-before-section", "region = us-west-2\n" + good, "", "error"),
        ("unterminated-header", "[profile app\n" + good_profile, "", "error"),
        ("empty-header", "[]\n" + good_profile, "", "error"),
        ("text-after-header", "[profile app] junk\n" + good_profile, "", "error"),
        ("bracket-in-name", "[profile a[p]\n" + good_profile, "", "error"),
        ("line-without-equals", good + "this is not a setting\n", "", "error"),
        ("key-without-name", good + "= value\n", "", "error"),
        ("nul-byte", good.replace("region", "reg\x00ion"), "", "error"),
        ("nul-in-secret", good.replace(secret, secret[:5] + "\x00" + secret[5:]), "", "error"),
        ("invalid-utf8-name", "[profile \udcff\udcfe]\n" + good_profile, "", "error"),
        ("invalid-utf8-value", good.replace(key_id, key_id[:4] + "\udcff" + key_id[4:]), "", "error"),
        ("invalid-utf8-region", good.replace("us-west-2", "us-\udcffwest-2"), "", "answer"),
        ("utf16", None, "", "error"),
        ("huge-line", good + "note = " + huge_value + "\n", "", "either"),
        ("over-the-size-limit", good + "note = " + "x" * (2 << 20) + "\n", "", "error"),
        ("ten-thousand-sections", "".join(f"[profile p{i}]\nregion = us-west-2\n" for i in range(10000)) + good,
         "", "either"),
        ("duplicate-keys", good + "aws_secret_access_key = " + SECRET_MARK + "\n", "", "error"),
        ("duplicate-section", good + "[profile app]\nregion = us-west-2\n", "", "answer"),
        ("unterminated-quote", good.replace(f"= {key_id}", f'= "{key_id}'), "", "error"),
        ("quoted-key-id", good.replace(f"= {key_id}", f'= "{key_id}"'), "", "error"),
        # An ECR host names its own region: a broken profile region is not used.
        ("quoted-region", good.replace("us-west-2", '"us-west-2"'), "", "answer"),
        ("region-with-space", good.replace("us-west-2", "us west 2"), "", "answer"),
        ("region-huge", good.replace("us-west-2", "r" * 5000), "", "answer"),
        ("continuation-in-secret", good.replace(secret, secret + "\n  more"), "", "error"),
        ("subsection-for-key", good.replace(f"aws_access_key_id = {key_id}", "aws_access_key_id =\n  a = b"), "",
         "error"),
        ("crlf", good.replace("\n", "\r\n"), "", "answer"),
        ("bom", "\ufeff" + good, "", "either"),
        ("tabs", good.replace(" = ", "\t=\t"), "", "answer"),
        ("inline-comment-in-secret", good.replace(secret, secret + " # comment"), "", "answer"),
        ("no-final-newline", good.rstrip("\n"), "", "answer"),
        ("binary-garbage", bytes(range(1, 256)) * 64, "", "error"),
        ("credentials-file-keys", "[profile app]\nregion = us-west-2\n",
         f"[app]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n", "answer"),
        ("credentials-file-garbage", "[profile app]\nregion = us-west-2\n", "garbage without section\n", "error"),
        ("credentials-file-nul", "[profile app]\nregion = us-west-2\n", "[app]\n\x00\n", "error"),
        ("credentials-file-profile-prefix", "[profile app]\nregion = us-west-2\n",
         f"[profile app]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n", "error"),
        ("source-profile-self-loop", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile = app\n",
         "", "either"),
        ("source-profile-loop", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile = b\n"
                                f"[profile b]\nrole_arn = {ROLE}\nsource_profile = c\n"
                                f"[profile c]\nrole_arn = {ROLE}\nsource_profile = b\n", "", "error"),
        ("source-profile-missing", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile = ghost\n",
         "", "error"),
        ("source-profile-empty", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile =\n", "",
         "error"),
        ("role-chain-100-deep", "[profile app]\nregion = us-west-2\n" + f"role_arn = {ROLE}\nsource_profile = p0\n" +
         "".join(f"[profile p{i}]\nrole_arn = {ROLE}\nsource_profile = p{i + 1}\n" for i in range(100)) +
         "[profile p100]\n" + good_profile, "", "either"),
        ("role-arn-garbage", f"[profile app]\nregion = us-west-2\nrole_arn = not-an-arn\nsource_profile = base\n"
                             f"[profile base]\n{good_profile}", "", "error"),
        ("role-and-credential-source", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\n"
                                       "credential_source = Nowhere\n", "", "error"),
        ("source-profile-and-credential-source", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\n"
                                                 "source_profile = base\ncredential_source = Environment\n"
                                                 f"[profile base]\n{good_profile}", "", "error"),
        ("duration-seconds-garbage", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile = base\n"
                                     f"duration_seconds = soon\n[profile base]\n{good_profile}", "", "error"),
        ("duration-seconds-huge", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\nsource_profile = base\n"
                                  f"duration_seconds = 99999999999999999999\n[profile base]\n{good_profile}", "",
         "error"),
        ("web-identity-file-missing", f"[profile app]\nregion = us-west-2\nrole_arn = {ROLE}\n"
                                      "web_identity_token_file = /nonexistent/token\n", "", "error"),
        ("web-identity-without-role", "[profile app]\nregion = us-west-2\n"
                                      "web_identity_token_file = /etc/hostname\n", "", "error"),
        ("sso-profile", "[profile app]\nregion = us-west-2\nsso_session = s\n[sso-session s]\n"
                        "sso_start_url = https://x\n", "", "error"),
        ("credential-process-empty", "[profile app]\nregion = us-west-2\ncredential_process =\n", "", "error"),
        ("credential-process-missing-program", "[profile app]\nregion = us-west-2\n"
                                               "credential_process = /nonexistent/helper --flag\n", "", "error"),
        ("credential-process-shell-operator", "[profile app]\nregion = us-west-2\n"
                                              "credential_process = /bin/echo x | /bin/cat\n", "", "error"),
        ("credential-process-unterminated-quote", "[profile app]\nregion = us-west-2\n"
                                                  "credential_process = /bin/echo 'open\n", "", "error"),
        ("credential-process-huge-line", "[profile app]\nregion = us-west-2\ncredential_process = /bin/echo " +
         "a" * (600 * 1024) + "\n", "", "error"),
        ("credential-process-not-json", with_process("print('hello')\n"), "", "error"),
        ("credential-process-and-keys", with_process(
            f"import json\nprint(json.dumps({{'Version': 1, 'AccessKeyId': '{key_id}', "
            f"'SecretAccessKey': '{secret}'}}))\n", extra=f"aws_access_key_id = {key_id}\n"), "", "either"),
        ("profile-name-huge", "[profile " + "p" * 100000 + "]\n" + good_profile, "", "error"),
        ("ten-thousand-keys", good + "".join(f"k{i} = v\n" for i in range(10000)), "", "answer"),
    ]
    answered = node.answered
    cases = []
    for name, config_text, credentials_text, expect in table:
        if name == "utf16":
            config_text = good.encode("utf-16")
        cases.append(Case(f"aws-config/{name}", prepare_with(config_text, credentials_text,
                                                             quiet=name.startswith("credential-process")),
                          expect=expect,
                          check=answered if expect in ("answer", "either") and "role" not in name else None,
                          secrets=(SECRET_MARK,)))
    def role_answer(result, case_dir):
        """Keys from an assumed role: a token for the image's account, issued to an ASIA key."""
        password = result.auth()[IMAGE.split("/", 1)[0]]["password"]
        assert password.startswith("ecrpass-111122223333-us-west-2-ASIA"), password
    for case in cases:
        if case.expect == "either" and case.check is None:
            case.check = role_answer

    # The files themselves: missing, a directory, a loop, a FIFO, unreadable, /dev/zero.
    def special(make, which="config"):
        def prepare_file(case_dir, config, credentials):
            target = config if which == "config" else credentials
            if target.exists():
                target.unlink()
            make(target)
        return prepare_file

    credentials_only = f"[app]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    specials = [
        ("missing", lambda p: None), ("directory", lambda p: p.mkdir()), ("symlink-loop", lambda p: p.symlink_to(p)),
        ("dangling-symlink", lambda p: p.symlink_to(p.parent / "nowhere")),
        ("dev-zero", lambda p: p.symlink_to("/dev/zero")), ("fifo-without-writer", lambda p: os.mkfifo(p)),
        ("unreadable", lambda p: (p.write_text("[profile app]\n"), p.chmod(0))),
    ]
    for name, make in specials:
        cases.append(Case(f"aws-config/config-file/{name}", prepare_with(good, make=special(make))))
        # A bad credentials file next to a config that has no keys.
        cases.append(Case(f"aws-config/credentials-file/{name}",
                          prepare_with("[profile app]\nregion = us-west-2\n", credentials_only,
                                       make=special(make, "credentials")),
                          expect="either" if name == "missing" else "error"))
    return cases


def test_hostile_aws_shared_config(node, keys, base_env, tmp_path):
    cases = shared_cases(node, keys)
    assert len(cases) >= 70
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)

