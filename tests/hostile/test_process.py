"""Hostile credential_process commands for aws.process (plugins/source-process/):
real executables printing hostile output, never exiting, dying, or exiting
non-zero with secrets on stderr, each through the real pullcred: one clear
line naming the profile, never stdout's secrets nor a secret-shaped stderr."""
import datetime
import json
import pathlib
import sys

from harness import Case, request, run_all

from conftest import IMAGE

PROCESS_SECRET = "process-secret-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SESSION_SECRET = "process-session-token-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"


def later(hours):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def process_cases(node, keys):
    good = {"Version": 1, "AccessKeyId": keys["accessKeyId"], "SecretAccessKey": keys["secretAccessKey"]}

    def prepare_with(body, timeout=None, command=None):
        def prepare(case_dir):
            case_dir = pathlib.Path(case_dir)
            script = case_dir / "credential helper"
            script.write_text(f"#!{sys.executable}\nimport os, sys, time\n{body}")
            script.chmod(0o755)
            settings = {"source": "aws.process", "command": command or f"'{script}'"}
            if timeout:
                settings["timeout"] = timeout
            document = node.document(case_dir, profiles={"proc": settings})
            return ["get-credentials", "--config", str(node.config(case_dir, document))], request(IMAGE), {}
        return prepare

    def prints(document, then=""):
        text = document if isinstance(document, str) else json.dumps(document)
        return f"sys.stdout.write({text!r})\nsys.stdout.flush()\n{then}"

    def with_fields(**fields):
        document = dict(good)
        for key, value in fields.items():
            if value is ...:
                document.pop(key, None)
            else:
                document[key] = value
        return document

    secret_doc = with_fields(SecretAccessKey=PROCESS_SECRET, SessionToken=SESSION_SECRET)
    table = [
        ("good-control", prints(good), "answer", None),
        ("good-with-expiration", prints(with_fields(Expiration=later(2))), "answer", None),
        ("nothing", "", "error", None),
        ("blank", prints("  \n\t\n"), "error", None),
        ("not-json", prints("hello world"), "error", None),
        ("not-json-with-secret", prints("AccessKeyId=AKID SecretAccessKey=" + PROCESS_SECRET), "error", None),
        ("truncated-json", prints(json.dumps(secret_doc)[:40]), "error", None),
        ("json-array", prints("[1, 2]"), "error", None),
        ("json-string", prints('"credentials"'), "error", None),
        ("json-null", prints("null"), "error", None),
        ("two-documents", prints(json.dumps(good) + json.dumps(good)), "error", None),
        ("version-missing", prints(with_fields(Version=...)), "error", None),
        ("version-2", prints(with_fields(Version=2)), "error", None),
        ("version-string", prints(with_fields(Version="1")), "error", None),
        ("version-float", prints(with_fields(Version=1.5)), "error", None),
        ("version-huge", prints(json.dumps(good).replace('"Version": 1', '"Version": 1e999')), "error", None),
        ("version-bigint", prints(json.dumps(good).replace('"Version": 1', '"Version": ' + "9" * 400)), "error",
         None),
        ("access-key-missing", prints(with_fields(AccessKeyId=...)), "error", None),
        ("secret-missing", prints(with_fields(SecretAccessKey=...)), "error", None),
        ("access-key-number", prints(with_fields(AccessKeyId=5)), "error", None),
        ("secret-object", prints(with_fields(SecretAccessKey={"v": PROCESS_SECRET})), "error", None),
        ("secret-empty", prints(with_fields(SecretAccessKey="")), "error", None),
        ("secret-with-newline", prints(with_fields(SecretAccessKey=PROCESS_SECRET + "\nx")), "error", None),
        ("secret-with-nul", prints(with_fields(SecretAccessKey=PROCESS_SECRET + "\u0000")), "error", None),
        ("session-token-number", prints(with_fields(SessionToken=7)), "error", None),
        ("session-token-blank", prints(with_fields(SessionToken=SESSION_SECRET + " x")), "error", None),
        ("expired", prints(with_fields(SecretAccessKey=PROCESS_SECRET, Expiration="2000-01-01T00:00:00Z")),
         "error", None),
        ("expiration-garbage", prints(with_fields(Expiration="tomorrow")), "error", None),
        ("expiration-huge", prints(with_fields(Expiration="9" * 5000)), "error", None),
        ("expiration-number", prints(with_fields(Expiration=1893456000)), "error", None),
        ("expiration-bad-date", prints(with_fields(Expiration="2026-02-30T00:00:00Z")), "error", None),
        ("expiration-year-99999", prints(with_fields(Expiration="99999-01-01T00:00:00Z")), "error", None),
        ("invalid-utf8", "sys.stdout.buffer.write(b'{\"Version\": 1, \"AccessKeyId\": \"\\xff\\xfe\"}')\n", "error",
         None),
        ("binary", "sys.stdout.buffer.write(bytes(range(256)) * 64)\n", "error", None),
        ("nul-bytes", "sys.stdout.buffer.write(b'\\x00' * 100000)\n", "error", None),
        ("deep-json", prints("[" * 100000 + "]" * 100000), "error", None),
        ("huge-output", "sys.stdout.write('x' * (8 << 20))\n", "error", None),
        ("huge-valid-json", prints(json.dumps(dict(good, Padding="p" * (3 << 20)))), "error", None),
        ("endless-output", "while True:\n    sys.stdout.write('y' * 65536)\n", "error", None),
        ("never-exits", "time.sleep(3600)\n", "error", "2s"),
        ("never-exits-after-output", prints(good, "sys.stdout.close()\ntime.sleep(3600)\n"), "either", "2s"),
        ("ignores-sigterm", "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(3600)\n",
         "error", "2s"),
        ("background-child-holds-stdout", "import subprocess\nsubprocess.Popen(['sleep', '3600'])\n" + prints(good),
         "either", "3s"),
        ("exit-1", "sys.exit(1)\n", "error", None),
        ("exit-1-after-good-json", prints(secret_doc, "sys.exit(1)\n"), "error", None),
        ("exit-255", "sys.exit(255)\n", "error", None),
        ("killed-by-signal", "os.kill(os.getpid(), 9)\n", "error", None),
        ("segfault", "import ctypes\nctypes.string_at(0)\n", "error", None),
        ("stderr-secret-named-field", f"sys.stderr.write('aws_secret_access_key = {PROCESS_SECRET}\\n')\nsys.exit(2)\n",
         "error", None),
        ("stderr-secret-env-style", f"sys.stderr.write('AWS_SECRET_ACCESS_KEY={PROCESS_SECRET}\\n')\nsys.exit(2)\n",
         "error", None),
        ("stderr-session-token", f"sys.stderr.write('SessionToken: {SESSION_SECRET}\\n')\nsys.exit(2)\n", "error",
         None),
        ("stderr-json-credentials", f"sys.stderr.write({json.dumps(json.dumps(secret_doc))})\nsys.exit(3)\n",
         "error", None),
        ("stderr-private-key", "sys.stderr.write('-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0w"
                               "awIBAQQg0000000000000000000000000000\\n-----END PRIVATE KEY-----\\n')\nsys.exit(4)\n",
         "error", None),
        ("stderr-repeats-stdout-secret", prints(secret_doc, f"sys.stderr.write('{PROCESS_SECRET}\\n')\nsys.exit(5)\n"),
         "error", None),
        ("stderr-huge", "sys.stderr.write('e' * (4 << 20))\nsys.exit(1)\n", "error", None),
        ("stderr-multiline", "sys.stderr.write('one\\ntwo\\nthree\\n' * 1000)\nsys.exit(1)\n", "error", None),
        ("stderr-control-chars", "sys.stderr.write('\\x1b[31mred\\x07\\r\\x00bell\\n')\nsys.exit(1)\n", "error", None),
        ("stderr-invalid-utf8", "sys.stderr.buffer.write(b'bad \\xff\\xfe bytes\\n')\nsys.exit(1)\n", "error", None),
        ("closes-stdout-early", "os.close(1)\ntime.sleep(0.2)\n", "error", None),
        ("reads-stdin", "sys.stdin.read()\n" + prints(good), "answer", None),
    ]
    cases = [Case(f"process/{name}", prepare_with(body, timeout=timeout), expect=expect,
                  check=node.answered if expect != "error" else None,
                  names=("proc", "[withheld: printed on stdout]") if name == "stderr-repeats-stdout-secret" else ("proc",),
                  secrets=(PROCESS_SECRET, SESSION_SECRET))
             for name, body, expect, timeout in table]
    commands = [
        ("command-missing-program", "/nonexistent/credential-helper"),
        ("command-directory", "/tmp"),
        ("command-not-executable", "/etc/hostname"),
        ("command-shell-pipe", "/bin/echo a | /bin/cat"),
        ("command-variable", "$HOME/helper"),
        ("command-unterminated-quote", "'/bin/echo"),
        ("command-trailing-backslash", "/bin/echo \\"),
        ("command-huge", "/bin/echo " + "a" * (512 * 1024)),
        ("command-nul", "/bin/echo a\u0000b"),
        ("command-newline", "/bin/echo a\n/bin/true"),
    ]
    cases += [Case(f"process/{name}", prepare_with("", command=command), secrets=(PROCESS_SECRET,))
              for name, command in commands]
    return cases


def test_hostile_credential_processes(node, keys, base_env, tmp_path):
    cases = process_cases(node, keys)
    assert len(cases) >= 60
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
