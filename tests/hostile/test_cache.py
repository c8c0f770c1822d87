"""Hostile cache files (core/cache/): a corrupt, truncated, oversized,
symlinked, foreign or misplaced entry, lock file or cache directory, each
through the real pullcred. Every case must still give the right answer (the
cache is never fatal), and a snapshot of the cache directory before and after
proves that no other valid entry was lost or changed and that the corrupt
entry was replaced, or, for an unsafe directory, that it was refused with
the fix and left alone."""
import json
import os
import pathlib
import shutil
import subprocess
import time

from conftest import REGISTRY
from harness import PULLCRED, Case, request, run_all

IMAGES = ["111122223333.dkr.ecr.us-west-2.amazonaws.com/app", "111122223333.dkr.ecr.us-east-1.amazonaws.com/app",
          "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app", "111122223333.dkr.ecr.ap-south-1.amazonaws.com/app"]
VICTIM = IMAGES[0]
NOBODY = 65534


def snapshot(directory):
    """{name: (bytes, mode)} of the entries (lock, temporary, housekeeping, stamp and module index files left
    out)."""
    directory = pathlib.Path(directory)
    if not directory.is_dir() or directory.is_symlink():
        return {}
    found = {}
    for path in sorted(directory.iterdir()):
        if (path.name.endswith(".lock") or ".tmp." in path.name or path.name.startswith(("config-ok-", "modindex-"))
                or path.name == "housekeeping"):
            continue
        if path.is_file() and not path.is_symlink():
            found[path.name] = (path.read_bytes(), path.stat().st_mode & 0o7777, path.stat().st_uid)
        else:
            found[path.name] = ("special", None, None)
    return found


def valid_entry(data):
    document = json.loads(data)
    assert document["version"] == 2, document.keys()
    assert isinstance(document["inputs"], dict), "entry without inputs"
    assert document["expires"] > time.time() + 3600, document["expires"]
    assert isinstance(document["data"], dict) and document["data"], "entry without data"


def cache_cases(node, base_env, tmp_path_factory):
    root = tmp_path_factory.mktemp("cache-template")
    # One Secret for every case (node.document writes it): the cache keys hash its path.
    template = root / "cache"

    base = json.dumps(node.document(root, cache=True))  # written once: the cases run concurrently

    def document(cache_dir):
        doc = json.loads(base)
        doc["cache"]["dir"] = str(cache_dir)
        return doc

    config_path = root / "template.json"
    config_path.write_text(json.dumps(document(template)))
    env = dict(base_env, HOME=str(root), PULLCRED_CACHE_DIR=str(root / "default-cache"))
    owner = {}
    for image in IMAGES:
        before = set(snapshot(template))
        run = subprocess.run([str(PULLCRED), "get-credentials", "--config", str(config_path)], input=request(image),
                             capture_output=True, env=env, timeout=60, check=False)
        assert run.returncode == 0, run.stderr
        added = set(snapshot(template)) - before
        assert len(added) == 1, f"{image}: {added}"
        owner[image] = added.pop()
    victim = owner[VICTIM]
    pristine = snapshot(template)
    assert len(pristine) == len(IMAGES)
    victim_text = pristine[victim][0]

    def prepare_with(mutate):
        def prepare(case_dir):
            cache_dir = pathlib.Path(case_dir) / "cache"
            shutil.copytree(template, cache_dir, symlinks=True)
            os.chmod(cache_dir, 0o700)
            mutate(cache_dir, cache_dir / victim)
            (pathlib.Path(case_dir) / "before.json").write_text(json.dumps(
                {name: [value[0].decode("latin-1") if isinstance(value[0], bytes) else value[0], value[1]]
                 for name, value in snapshot(cache_dir).items()}))
            path = pathlib.Path(case_dir) / "config.json"
            path.write_text(json.dumps(document(cache_dir)))
            return ["get-credentials", "--config", str(path)], request(VICTIM), {}
        return prepare

    def others_intact(after):
        for name, value in pristine.items():
            if name == victim:
                continue
            assert after.get(name) == value, f"entry {name} lost or changed"

    def replaced(result, case_dir):
        node.answered(result)
        assert REGISTRY in result.auth()
        after = snapshot(pathlib.Path(case_dir) / "cache")
        others_intact(after)
        assert victim in after and after[victim][0] != "special", "the corrupt entry was not replaced"
        valid_entry(after[victim][0])
        assert after[victim][1] == 0o600, oct(after[victim][1])
        assert after[victim][2] == os.geteuid()
        assert set(after) == set(pristine), f"entries now {sorted(set(after) ^ set(pristine))}"

    def served_or_replaced(result, case_dir):
        """A still-valid entry may be served as is; if rewritten it must be valid."""
        node.answered(result)
        after = snapshot(pathlib.Path(case_dir) / "cache")
        others_intact(after)
        valid_entry(after[victim][0])

    def left_alone(warning):
        def check(result, case_dir):
            node.answered(result)
            lines = result.lines()
            assert len(lines) == 1 and warning in lines[0], f"expected one warning with {warning!r}: {lines}"
            cache_dir = pathlib.Path(case_dir) / "cache"
            before = json.loads((pathlib.Path(case_dir) / "before.json").read_text())
            after = {name: [value[0].decode("latin-1") if isinstance(value[0], bytes) else value[0], value[1]]
                     for name, value in snapshot(cache_dir).items()}
            assert after == before, "an unsafe cache directory was changed"
        return check

    def write(data, mode=0o600):
        def mutate(cache_dir, entry):
            entry.unlink()
            entry.write_bytes(data)
            entry.chmod(mode)
        return mutate

    def edit(change):
        document_ = json.loads(victim_text)
        change(document_)
        return write(json.dumps(document_).encode())

    def set_field(key, value):
        def change(doc):
            doc[key] = value
        return change

    def del_field(key):
        def change(doc):
            del doc[key]
        return change

    now = int(time.time())
    entries = [
        ("garbage", write(b"this is not json")), ("empty", write(b"")), ("nul-bytes", write(b"\x00" * 4096)),
        ("binary", write(bytes(range(256)) * 16)), ("json-array", write(b"[]")), ("json-null", write(b"null")),
        ("deep-json", write(b"[" * 100000 + b"]" * 100000)),
        ("over-the-size-limit", write(b'{"version":1,"pad":"' + b"x" * (300 * 1024) + b'"}')),
        ("ten-megabytes", write(b" " * (10 << 20))),
        ("invalid-utf8", write(victim_text.replace(b'"data":', b'"\xff\xfe":1,"data":'))),
        ("bom", write(b"\xef\xbb\xbf" + victim_text)),
        ("trailing-garbage", write(victim_text + b"garbage")),
        ("two-documents", write(victim_text + victim_text)),
        ("duplicate-keys", write(victim_text[:-1] + b',"data":{}}')),
        ("version-1", edit(set_field("version", 1))), ("version-string", edit(set_field("version", "2"))),
        ("version-missing", edit(del_field("version"))), ("data-missing", edit(del_field("data"))),
        ("inputs-missing", edit(del_field("inputs"))), ("inputs-string", edit(set_field("inputs", "x"))),
        ("inputs-file-without-path", edit(set_field("inputs", {"files": [{"dev": 1}], "env": []}))),
        ("inputs-env-digest-number", edit(set_field("inputs", {"files": [], "env": [{"name": "HOME", "sha256": 5}]}))),
        ("data-string", edit(set_field("data", "x"))), ("data-empty", edit(set_field("data", {}))),
        ("data-wrong-shape", edit(set_field("data", {"entries": 5}))),
        ("data-entries-empty", edit(set_field("data", {"entries": [], "expires": now + 7200}))),
        ("data-no-password", edit(set_field("data", {"entries": [{"registry": REGISTRY, "username": "AWS"}]}))),
        ("data-password-number", edit(set_field("data", {"entries": [{"registry": REGISTRY, "username": "AWS",
                                                                      "password": 5}]}))),
        ("data-other-registry", edit(set_field("data", {"entries": [{"registry": "evil.example", "username": "AWS",
                                                                     "password": "pw"}]}))),
        ("expires-past", edit(set_field("expires", now - 10))),
        ("expires-negative", edit(set_field("expires", -1))),
        ("expires-string", edit(set_field("expires", "tomorrow"))),
        ("expires-float", edit(set_field("expires", now + 3600.5))),
        ("expires-huge", edit(set_field("expires", 10 ** 30))),
        ("expires-missing", edit(del_field("expires"))),
        ("refresh-past", edit(set_field("refresh", now - 10))),
        ("created-future", edit(set_field("created", now + 10 ** 9))),
        ("everything-zero", edit(lambda d: d.update(created=0, expires=0, refresh=0))),
    ]
    for offset in sorted({1, 2, len(victim_text) // 4, len(victim_text) // 2, len(victim_text) - 2,
                          len(victim_text) - 1}):
        entries.append((f"truncated-at-{offset}", write(victim_text[:offset])))

    def symlink_to(target):
        def mutate(cache_dir, entry):
            entry.unlink()
            entry.symlink_to(target(cache_dir) if callable(target) else target)
        return mutate

    def chmod(mode):
        return lambda cache_dir, entry: entry.chmod(mode)

    other = owner[IMAGES[1]]
    entries += [
        ("mode-0644", chmod(0o644)), ("mode-0666", chmod(0o666)), ("mode-0000", chmod(0)),
        ("mode-setuid", chmod(0o4600)),
        ("foreign-owner", lambda cache_dir, entry: os.chown(entry, NOBODY, NOBODY)),
        ("symlink-to-other-entry", symlink_to(lambda cache_dir: cache_dir / other)),
        ("symlink-to-etc-passwd", symlink_to("/etc/passwd")),
        ("symlink-dangling", symlink_to("/nonexistent/entry")),
        ("symlink-loop", lambda cache_dir, entry: (entry.unlink(), entry.symlink_to(entry))),
        ("fifo", lambda cache_dir, entry: (entry.unlink(), os.mkfifo(entry, 0o600))),
        ("hard-link-to-other-entry", lambda cache_dir, entry: (entry.unlink(), os.link(cache_dir / other, entry))),
        ("stale-temp-file", lambda cache_dir, entry: (cache_dir / f"{victim[:-5]}.tmp.1").write_bytes(b"x")),
        ("temp-file-is-a-directory", lambda cache_dir, entry: (entry.unlink(),
                                                               (cache_dir / f"{victim[:-5]}.tmp.1").mkdir())),
        ("lock-garbage", lambda cache_dir, entry: (entry.unlink(),
                                                   (cache_dir / f"{victim[:-5]}.lock").write_bytes(b"garbage"))),
    ]
    cases = []
    served = {"expires-float", "refresh-past", "expires-huge", "created-future", "mode-setuid", "mode-0000", "bom"}
    for name, mutate in entries:
        # A hard link to another entry is replaced by rename, which must not touch the other entry.
        cases.append(Case(f"cache/entry/{name}", prepare_with(mutate), expect="answer",
                          check=served_or_replaced if name in served else replaced))

    def directory_case(name, mutate, check):
        cases.append(Case(f"cache/{name}", prepare_with(mutate), expect="answer", check=check))

    def directory_in_place(cache_dir, entry):
        entry.unlink()
        entry.mkdir()
        (entry / "inside").write_bytes(b"x")

    def kept_directory(result, case_dir):
        node.answered(result)
        after = snapshot(pathlib.Path(case_dir) / "cache")
        others_intact(after)
        assert (pathlib.Path(case_dir) / "cache" / victim / "inside").exists(), "a directory's content was lost"

    directory_case("entry/directory-in-place", directory_in_place, kept_directory)
    directory_case("dir/mode-0755", lambda cache_dir, entry: cache_dir.chmod(0o755), left_alone("chmod 700"))
    directory_case("dir/mode-0777", lambda cache_dir, entry: cache_dir.chmod(0o777), left_alone("chmod 700"))
    directory_case("dir/foreign-owner", lambda cache_dir, entry: os.chown(cache_dir, NOBODY, NOBODY),
                   left_alone("owned by uid"))

    def dir_is_file(cache_dir, entry):
        shutil.rmtree(cache_dir)
        cache_dir.write_bytes(b"not a directory")

    directory_case("dir/is-a-file", dir_is_file, left_alone("not a directory"))

    def dir_missing(cache_dir, entry):
        shutil.rmtree(cache_dir)

    def created(result, case_dir):
        node.answered(result)
        after = snapshot(pathlib.Path(case_dir) / "cache")
        assert list(after) == [victim], after.keys()
        valid_entry(after[victim][0])
        assert (pathlib.Path(case_dir) / "cache").stat().st_mode & 0o777 == 0o700

    directory_case("dir/missing", dir_missing, created)
    for case in cases:
        case.secrets = ()
    return cases


def test_hostile_cache_files(node, base_env, tmp_path, tmp_path_factory):
    cases = cache_cases(node, base_env, tmp_path_factory)
    assert len(cases) >= 50
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
