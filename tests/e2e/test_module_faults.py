"""A module that crashes or never answers: the real pullcred, with real .so
fixtures (tests/unit/modules/fixtures/faulty_module.cpp), must exit non-zero
inside the deadline with one error line naming the module, the instance,
the factory and the call, print no answer and no secret, and leave the
cache as it was. A well-behaved module next to them is unaffected."""
import json
import subprocess
import time

import pytest

from conftest import BUILD_DIR, PULLCRED, kubelet_request, scrubbed_env

FIXTURES = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures"
FAULTY = FIXTURES / "test_faulty.so"
GOOD = FIXTURES / "test_good.so"
DEADLINE = 2
GRACE = 2  # modules::kCallGraceMs
# Process start and exit on a loaded 2-core CI machine (tests/integration/test_deadline.py).
SLACK = 9
GOOD_SECRET = "good-secret-value-0123456789"
SANITIZED = "PULLCRED_SANITIZE:BOOL=ON" in (BUILD_DIR / "CMakeCache.txt").read_text()


@pytest.fixture
def config(tmp_path):
    assert FAULTY.exists() and GOOD.exists(), f"build the module fixtures first: {FIXTURES}"
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config",
        "modules": [str(FAULTY), str(GOOD)],
        "cache": {"dir": str(tmp_path / "cache")},
        "settings": {"deadline": f"{DEADLINE}s"},
        "profiles": {
            "segv": {"source": "test.segv"},
            "abort": {"source": "test.abort"},
            "hang": {"source": "test.hang"},
            "good": {"source": "test.fixed-source", "value": GOOD_SECRET},
        },
        "registries": [
            {"matchImages": ["segv.example.com"], "backend": "test.echo", "profile": "segv"},
            {"matchImages": ["abort.example.com"], "backend": "test.echo", "profile": "abort"},
            {"matchImages": ["hang.example.com"], "backend": "test.echo", "profile": "hang"},
            {"matchImages": ["hang-backend.example.com"], "backend": "test.hang-backend", "profile": "good"},
            {"matchImages": ["good.example.com"], "backend": "test.echo", "profile": "good",
             "cacheDuration": "1h"},
        ],
    }))
    return path


def get_credentials(config, image, *global_options):
    started = time.monotonic()
    completed = subprocess.run([str(PULLCRED), *global_options, "get-credentials", "--config", str(config)],
                               input=kubelet_request(image), capture_output=True, text=True,
                               env=scrubbed_env(), timeout=60, check=False)
    return completed, time.monotonic() - started


def cache_state(config):
    """Every cache file but the locks, with its bytes."""
    cache = config.parent / "cache"
    if not cache.exists():
        return {}
    return {str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def assert_one_error_line(completed, expected):
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert lines == [expected], completed.stderr
    assert completed.stdout == ""
    assert GOOD_SECRET not in completed.stderr


FAULTS = [
    ("segv.example.com/app", "profile segv (test.segv) crashed in get_credentials (SIGSEGV)"),
    ("abort.example.com/app", "profile abort (test.abort) crashed in get_credentials (SIGABRT)"),
]


@pytest.mark.parametrize("image,what", FAULTS)
def test_a_module_that_crashes_is_named_and_the_cache_is_untouched(config, image, what):
    good, _ = get_credentials(config, "good.example.com/app")
    assert good.returncode == 0, good.stderr
    before = cache_state(config)
    assert before, "the good answer must be cached"

    completed, elapsed = get_credentials(config, image)
    assert completed.returncode != 0
    assert elapsed < DEADLINE + SLACK
    if not SANITIZED:  # sanitizer builds keep their own crash report
        assert completed.returncode == 1
        assert_one_error_line(completed, f"pullcred: error: module {FAULTY}: {what}; pullcred gave up")
    assert cache_state(config) == before
    assert not list((config.parent / "cache").rglob("*.tmp.*"))


@pytest.mark.skipif(SANITIZED, reason="sanitizer builds keep their own crash report")
def test_the_crash_line_follows_the_log_format(config):
    completed, _ = get_credentials(config, "segv.example.com/app", "--log-format", "json")
    assert completed.returncode == 1
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    assert json.loads(lines[0]) == {
        "level": "error",
        "msg": f"module {FAULTY}: profile segv (test.segv) crashed in get_credentials (SIGSEGV); pullcred gave up"}


HANGS = [
    # The source hangs inside the backend's request for the profile's
    # credentials: the innermost call is the one named.
    ("hang.example.com/app", "profile hang (test.hang) did not answer get_credentials"),
    ("hang-backend.example.com/app", "registries[3] (test.hang-backend) did not answer get_auth"),
]


@pytest.mark.parametrize("image,what", HANGS)
def test_a_module_that_never_answers_is_stopped_after_the_deadline(config, image, what):
    good, _ = get_credentials(config, "good.example.com/app")
    assert good.returncode == 0, good.stderr
    before = cache_state(config)

    completed, elapsed = get_credentials(config, image)
    assert completed.returncode == 1, completed.stderr
    assert DEADLINE + GRACE - 0.5 <= elapsed < DEADLINE + GRACE + SLACK, f"took {elapsed:.1f} s"
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    prefix = f"pullcred: error: module {FAULTY}: {what} within "
    assert lines[0].startswith(prefix), lines[0]
    assert lines[0].endswith(f" s (settings.deadline + {GRACE} s); pullcred gave up"), lines[0]
    assert completed.stdout == ""
    assert GOOD_SECRET not in completed.stderr
    assert cache_state(config) == before


def test_a_well_behaved_module_next_to_faulty_ones_answers(config):
    completed, elapsed = get_credentials(config, "good.example.com/app")
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == "pullcred: registries[4] (test.echo): serving good.example.com\n"
    auth = json.loads(completed.stdout)["auth"]
    assert auth == {"good.example.com": {"username": "TESTKEYID", "password": GOOD_SECRET}}
    assert elapsed < DEADLINE
