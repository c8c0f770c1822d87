"""Hostile kubelet requests on stdin and hostile config files (JSON and
YAML), each through the real pullcred: one clear line, never a crash or hang."""
import copy
import json
import os
import pathlib

from conftest import IMAGE
from harness import Case, request, run_all

GOOD = request()


def truncations(data, count=12):
    step = max(1, len(data) // count)
    return sorted({*range(1, len(data), step), len(data) - 1})


def stdin_cases(node):
    def feeding(data, *args):
        return lambda case_dir: (["get-credentials", "--config", str(node.config(case_dir)), *args], data, {})

    table = [
        ("empty", b""), ("blank", b" \n\t\r\n"), ("null", b"null"), ("array", b"[]"), ("number", b"42"),
        ("string", b'"image"'), ("true", b"true"), ("empty-object", b"{}"), ("open-brace", b"{"),
        ("close-brace", b"}"), ("nul-byte", b"\x00"), ("nul-bytes-1k", b"\x00" * 1024),
        ("trailing-document", GOOD + b"{}"), ("trailing-garbage", GOOD + b"garbage"),
        ("bom", b"\xef\xbb\xbf" + GOOD), ("utf16", GOOD.decode().encode("utf-16")),
        ("invalid-utf8-in-image", GOOD.replace(b"/app", b"/\xff\xfe")),
        ("overlong-utf8", GOOD.replace(b"/app", b"/\xc0\xaf")),
        ("lone-surrogate", GOOD.replace(b"/app", b"/\\ud800")),
        ("escaped-nul-in-image", GOOD.replace(b"/app", b"/a\\u0000b")),
        ("raw-nul-in-image", GOOD.replace(b"/app", b"/a\x00b")),
        ("control-char-in-image", GOOD.replace(b"/app", b"/a\x01b")),
        ("deep-array", b"[" * 100000 + b"]" * 100000),
        ("deep-object", b'{"a":' * 50000 + b"1" + b"}" * 50000),
        ("deep-in-ignored-field", GOOD[:-1] + b', "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
        ("over-the-size-limit", GOOD[:-1] + b', "x": "' + b"a" * (300 * 1024) + b'"}'),
        ("ten-megabytes", b" " * (10 << 20)),
        ("duplicate-image", GOOD[:-1] + b', "image": "docker.io/x"}'),
        ("number-1e999", GOOD[:-1] + b', "x": 1e999}'),
        ("huge-integer", GOOD[:-1] + b', "x": 123456789012345678901234567890}'),
        ("single-quotes", GOOD.replace(b'"', b"'")),
        ("comment", b"// kubelet\n" + GOOD),
        ("yaml-not-json", b"kind: CredentialProviderRequest\nimage: x\n"),
    ]
    for fields, name in [({"kind": 1}, "kind-number"), ({"kind": None}, "kind-null"), ({"kind": []}, "kind-array"),
                         ({"kind": "CredentialProviderResponse"}, "kind-response"),
                         ({"apiVersion": 1}, "apiversion-number"), ({"apiVersion": None}, "apiversion-null"),
                         ({"apiVersion": "credentialprovider.kubelet.k8s.io/v2"}, "apiversion-v2"),
                         ({"apiVersion": "credentialprovider.kubelet.k8s.io/"}, "apiversion-empty-version"),
                         ({"apiVersion": ""}, "apiversion-empty"), ({"apiVersion": "v1"}, "apiversion-bare"),
                         ({"image": 1}, "image-number"), ({"image": None}, "image-null"),
                         ({"image": ["a"]}, "image-array"), ({"image": {}}, "image-object"),
                         ({"image": True}, "image-bool"), ({"image": ""}, "image-empty"),
                         ({"image": " "}, "image-space"), ({"image": "::::"}, "image-colons"),
                         ({"image": "@sha256:"}, "image-digest-only"), ({"image": "/" * 4000}, "image-slashes"),
                         ({"image": "a" * 200000}, "image-200k"), ({"image": "a b/c"}, "image-inner-space"),
                         ({"image": IMAGE + ":" + "t" * 5000}, "image-long-tag"),
                         ({"image": IMAGE + "@sha256:zz"}, "image-bad-digest"),
                         ({"serviceAccountToken": 5}, "sa-token-number"),
                         ({"serviceAccountToken": {}}, "sa-token-object"),
                         ({"serviceAccountAnnotations": "x"}, "sa-annotations-string"),
                         ({"serviceAccountAnnotations": [1]}, "sa-annotations-array"),
                         ({"serviceAccountAnnotations": {"a": 1}}, "sa-annotation-number")]:
        document = json.loads(GOOD)
        document.update(fields)
        table.append((name, json.dumps(document).encode()))
    no_image = json.loads(GOOD)
    del no_image["image"]
    table.append(("image-missing", json.dumps(no_image).encode()))
    for offset in truncations(GOOD):
        table.append((f"truncated-at-{offset}", GOOD[:offset]))
    # Recoverable: a BOM, and a huge number in a field pullcred ignores.
    answers = {"bom", "huge-integer"}
    # A well-formed request with a bad image reference is named by the reference parser.
    reference_errors = {"escaped-nul-in-image", "image-space", "image-colons", "image-digest-only", "image-slashes",
                        "image-200k", "image-inner-space", "image-long-tag", "image-bad-digest"}

    def names(name):
        if name in answers:
            return ()
        return ('image "',) if name in reference_errors else ("kubelet request",)
    return [Case(f"stdin/{name}", feeding(data), names=names(name),
                 expect="answer" if name in answers else "error", check=node.answered if name in answers else None)
            for name, data in table]


def config_cases(node):
    def with_text(text, suffix=".json"):
        def prepare(case_dir):
            node.secret(case_dir)
            path = pathlib.Path(case_dir) / f"config{suffix}"
            path.write_bytes(text(case_dir) if callable(text) else text)
            return ["get-credentials", "--config", str(path)], GOOD, {}
        return prepare

    def mutated(change):
        def text(case_dir):
            document = node.document(case_dir)
            change(document)
            return json.dumps(document).encode()
        return text

    def setter(path, value):
        def change(document):
            target = document
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = copy.deepcopy(value)
        return change

    def deleter(path):
        def change(document):
            target = document
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
        return change

    rule = ("registries", 0)
    mutations = [
        ("apiversion-number", setter(("apiVersion",), 1)), ("apiversion-v2", setter(("apiVersion",), "pullcred/v2")),
        ("kind-wrong", setter(("kind",), "Other")), ("kind-missing", deleter(("kind",))),
        ("profiles-array", setter(("profiles",), [])), ("profiles-string", setter(("profiles",), "x")),
        ("profile-number", setter(("profiles", "keys"), 1)), ("profile-empty", setter(("profiles", "keys"), {})),
        ("profile-source-number", setter(("profiles", "keys", "source"), 5)),
        ("profile-source-unknown", setter(("profiles", "keys", "source"), "aws.nope")),
        ("profile-unknown-key", setter(("profiles", "keys", "bogus"), 1)),
        ("secret-dir-missing", setter(("profiles", "keys", "secretDir"), "/nonexistent/secret")),
        ("secret-dir-is-a-file", setter(("profiles", "keys", "secretDir"), "/etc/hostname")),
        ("secret-dir-number", setter(("profiles", "keys", "secretDir"), 7)),
        ("registries-object", setter(("registries",), {})), ("registries-numbers", setter(("registries",), [1])),
        ("rule-empty", setter(("registries", 0), {})),
        ("match-images-string", setter((*rule, "matchImages"), "*.dkr.ecr.*.amazonaws.com")),
        ("match-images-empty", setter((*rule, "matchImages"), [])),
        ("match-images-number", setter((*rule, "matchImages"), [1])),
        ("match-images-bad-glob", setter((*rule, "matchImages"), ["[a-"])),
        ("match-images-huge", setter((*rule, "matchImages"), ["*" * 100000])),
        ("match-images-nul", setter((*rule, "matchImages"), ["a\u0000b"])),
        ("backend-number", setter((*rule, "backend"), 1)), ("backend-unknown", setter((*rule, "backend"), "nope")),
        ("rule-profile-unknown", setter((*rule, "profile"), "ghost")),
        ("cache-duration-bad", setter((*rule, "cacheDuration"), "5x")),
        ("cache-duration-negative", setter((*rule, "cacheDuration"), "-1h")),
        ("cache-duration-huge", setter((*rule, "cacheDuration"), "9999999999999999999h")),
        ("cache-duration-number", setter((*rule, "cacheDuration"), 1)),
        ("cache-string", setter(("cache",), "x")), ("cache-dir-number", setter(("cache", "dir"), 1)),
        ("cache-enabled-string", setter(("cache", "enabled"), "yes")),
        ("deadline-bad", setter(("settings",), {"deadline": "abc"})),
        ("deadline-negative", setter(("settings",), {"deadline": "-5s"})),
        ("deadline-huge", setter(("settings",), {"deadline": "1e400s"})),
        ("http-timeout-number", setter(("settings",), {"httpTimeout": 3})),
        ("settings-unknown", setter(("settings",), {"bogus": True})),
        ("modules-number", setter(("modules",), [1])),
        ("module-missing", setter(("modules",), ["/nonexistent/module.so"])),
        ("module-not-elf", setter(("modules",), ["/etc/hostname"])),
        ("module-bad-sha256", setter(("modules",), [{"path": "/etc/hostname", "sha256": "zz"}])),
        ("unknown-top-level", setter(("extra",), 1)),
        ("long-string", setter(("profiles", "keys", "secretDir"), "/" + "a" * 100000)),
    ]
    good = lambda case_dir: json.dumps(node.document(case_dir)).encode()  # noqa: E731
    # A module the rules do not need is a warning, not a failure.
    recoverable = {"module-missing", "module-not-elf"}
    cases = [Case(f"config/json/{name}", with_text(mutated(change)),
                  expect="answer" if name in recoverable else "error",
                  check=node.answered if name in recoverable else None) for name, change in mutations]

    def good_with(edit):
        return lambda case_dir: edit(good(case_dir))

    texts = [
        ("empty", b""), ("null", b"null"), ("array", b"[]"), ("nul-byte", b"\x00"),
        ("deep-array", b"[" * 100000), ("ten-megabytes", b" " * (10 << 20)),
        ("invalid-utf8", good_with(lambda t: t.replace(b"pullcred/v1", b"pullcred/\xff"))),
        ("nul-in-string", good_with(lambda t: t.replace(b"Config", b"Con\x00fig"))),
        ("duplicate-key", good_with(lambda t: t.replace(b'"kind": "Config"', b'"kind": "Config", "kind": "Config"'))),
    ]
    good_json = b'{"apiVersion": "pullcred/v1", "kind": "Config", "registries": [{"matchImages": ["x"], "backend": 1}]}'
    for offset in truncations(good_json, 8):
        texts.append((f"truncated-at-{offset}", good_json[:offset]))
    cases += [Case(f"config/json-text/{name}", with_text(text)) for name, text in texts]
    cases.append(Case("config/json-text/bom", with_text(good_with(lambda t: b"\xef\xbb\xbf" + t)),
                      expect="answer", check=node.answered))

    good_yaml = ("apiVersion: pullcred/v1\nkind: Config\ncache: {enabled: false}\nprofiles:\n"
                 "  keys: {source: aws.static, secretDir: SECRET}\nregistries:\n"
                 "  - matchImages: ['*.dkr.ecr.*.amazonaws.com']\n    backend: aws.ecr\n    profile: keys\n")

    def yaml(text):
        def build(case_dir):
            body = text if isinstance(text, bytes) else text.encode()
            return body.replace(b"SECRET", str(pathlib.Path(case_dir) / "secret").encode())
        return build

    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    yamls = [
        ("billion-laughs", laughs), ("tabs", good_yaml.replace("  ", "\t")), ("unclosed-quote", "apiVersion: 'pullcred/v1\n"),
        ("unclosed-flow", "registries: [{matchImages: [x\n"), ("colon-only", ":\n"), ("dash-only", "-\n"),
        ("python-tag", "apiVersion: !!python/object:os.system 'id'\n"), ("custom-tag", good_yaml.replace("Config", "!x Config")),
        ("two-documents", good_yaml + "---\n" + good_yaml), ("duplicate-key", good_yaml + "kind: Config\n"),
        ("complex-key", "? [a, b]\n: c\n"), ("deep-flow", "a: " + "[" * 100000),
        ("deep-block", "".join("  " * i + f"k{i}:\n" for i in range(3000))),
        ("alias-undefined", "apiVersion: *nothing\n"), ("anchor-loop", "a: &a [*a]\n"),
        ("merge-key", "base: &b {kind: Config}\n<<: *b\napiVersion: pullcred/v1\n"),
        ("huge-scalar", "apiVersion: " + "a" * 100000 + "\n"), ("nul", b"kind: Con\x00fig\n"),
        ("invalid-utf8", good_yaml.encode().replace(b"Config", b"Conf\xffg")),
        ("binary-tag", "apiVersion: !!binary AAAA\n"), ("number-kind", good_yaml.replace("kind: Config", "kind: 1e9999")),
        ("null-profiles", good_yaml.replace("profiles:\n  keys:", "profiles: ~\n  keys:")),
        ("scalar-document", "just a string\n"), ("only-comments", "# nothing\n"),
    ]
    for offset in truncations(good_yaml.encode(), 6):
        yamls.append((f"truncated-at-{offset}", good_yaml.encode()[:offset]))
    answers = {"custom-tag": node.answered}  # an unknown local tag is ignored, as by other YAML readers

    def expectation(name):
        if name in answers:
            return {"expect": "answer", "check": answers[name]}
        return {"expect": "either"} if name.startswith("truncated") else {}
    cases += [Case(f"config/yaml/{name}", with_text(yaml(text), ".yaml"), **expectation(name))
              for name, text in yamls]

    def special(make):
        def prepare(case_dir):
            node.secret(case_dir)
            path = pathlib.Path(case_dir) / "config.json"
            make(path)
            return ["get-credentials", "--config", str(path)], GOOD, {}
        return prepare

    cases += [
        Case("config/file/missing", special(lambda p: None)),
        Case("config/file/directory", special(lambda p: p.mkdir())),
        Case("config/file/symlink-loop", special(lambda p: p.symlink_to(p))),
        Case("config/file/dangling-symlink", special(lambda p: p.symlink_to(p.parent / "nowhere"))),
        Case("config/file/dev-zero", special(lambda p: p.symlink_to("/dev/zero"))),
        Case("config/file/fifo-without-writer", special(lambda p: os.mkfifo(p))),
        Case("config/file/unreadable", special(lambda p: (p.write_text("{}"), p.chmod(0)))),
    ]
    return cases


def test_hostile_kubelet_requests(node, base_env, tmp_path):
    cases = stdin_cases(node)
    assert len(cases) >= 70
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


def test_hostile_config_files(node, base_env, tmp_path):
    cases = config_cases(node)
    assert len(cases) >= 90
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


def test_ecr_hosts_without_an_account_id_are_refused(node, base_env, tmp_path):
    """An ECR-shaped host whose registry id is not 12 digits is not answered with the caller's own
    account's token (the reference provider refuses it too: reference/aws.md's host pattern)."""
    hosts = ["abc", "12345678901", "1111222233334", "x11112222333", "11112222333x", "111122223333-x", "0"]
    cases = [Case(f"stdin/non-account-ecr-host/{index}", lambda case_dir, host=host: (
        ["get-credentials", "--config", str(node.config(case_dir))],
        request(f"{host}.dkr.ecr.us-west-2.amazonaws.com/app"), {}), names=("not a valid Amazon ECR host",))
        for index, host in enumerate(hosts)]
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


def test_long_outside_values_are_quoted_bounded(node, base_env, tmp_path):
    """A 200 KB image reference gives a short error line: its first bytes and its length."""
    images = {"image-200k": "a" * 200000, "tag-200k": IMAGE + ":" + "t" * 200000,
              "repository-200k": "registry.example/" + "R" * 200000, "newline": IMAGE + "\n/evil",
              "registry-200k": "r" * 200000 + ".example/app"}
    cases = [Case(f"stdin/bounded/{name}", lambda case_dir, image=image: (
        ["get-credentials", "--config", str(node.config(case_dir))], request(image), {}),
        names=('image "',) + (("bytes)",) if len(image) > 1000 else ()))
        for name, image in images.items()]
    fields = {"apiversion-200k": {"apiVersion": "v" * 200000},
              "apiversion-newline": {"apiVersion": "credentialprovider.kubelet.k8s.io/v1\nsecond line"},
              "annotation-name-200k": {"serviceAccountAnnotations": {"n" * 200000: 1}},
              "annotation-name-newline": {"serviceAccountAnnotations": {"a\nb": 1}}}
    for name, extra in fields.items():
        document = json.loads(GOOD)
        document.update(extra)
        cases.append(Case(f"stdin/bounded/{name}", lambda case_dir, data=json.dumps(document).encode(): (
            ["get-credentials", "--config", str(node.config(case_dir))], data, {}), names=("kubelet request",)))
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
