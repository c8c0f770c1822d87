"""What every hostile case shares: how it runs the real pullcred, and what it
must see afterwards.

A Case builds its inputs in its own directory (`prepare(case_dir)` returns
argv after `pullcred`, stdin bytes and extra environment), runs the binary
with a timeout, and is judged by `judge()`:
  - no hang (TIMEOUT seconds), no signal, no sanitizer report, no
    "internal error", no C++ exception text;
  - expect="error": non-zero exit, nothing on stdout, exactly one line on
    stderr, `pullcred: error: ...`, holding every `names` fragment;
  - expect="answer": exit 0 and `check(result, case_dir)` passes (at most one
    warning line on stderr);
  - always: no stderr line longer than MAX_LINE (outside values are quoted
    bounded), and no secret (SECRETS, and the case's own `secrets`) on stderr.
"""
import concurrent.futures
import dataclasses
import json
import os
import pathlib
import subprocess
import time
import typing

BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", "build/asan")).resolve()
SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2])).resolve()
PULLCRED = BUILD_DIR / "bin" / "pullcred"
TIMEOUT = 30
MAX_LINE = 2048
# Secrets every case may hold (the emulator's keys, the ECR passwords): conftest adds them.
SECRETS = set()
FORBIDDEN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: ", "internal error",
             "terminate called", "what():", "Segmentation fault", "Aborted", "stack-use", "heap-buffer")


def request(image="111122223333.dkr.ecr.us-west-2.amazonaws.com/app", version="v1", **extra):
    document = {"kind": "CredentialProviderRequest", "apiVersion": f"credentialprovider.kubelet.k8s.io/{version}",
                "image": image}
    document.update(extra)
    return json.dumps(document).encode()


@dataclasses.dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    elapsed: float

    def lines(self):
        return [line for line in self.stderr.splitlines() if line.strip()]

    def auth(self):
        return json.loads(self.stdout)["auth"]


@dataclasses.dataclass
class Case:
    id: str
    prepare: typing.Callable  # case_dir -> (args, stdin bytes, env dict)
    expect: str = "error"     # "error" | "answer" | "either" (an input that may still be valid, e.g. a truncation)
    names: tuple = ()         # fragments the error line must hold
    check: typing.Callable = None  # (Result, case_dir) -> None, for answers
    after: typing.Callable = None  # (case_dir) -> None: runs after a case, even a failed one
    secrets: tuple = ()       # strings of this case that must never reach stderr


def run_case(case, root, base_env):
    case_dir = pathlib.Path(root) / case.id.replace("/", "_")
    case_dir.mkdir(parents=True)
    args, stdin, env = case.prepare(case_dir)
    full_env = dict(base_env, HOME=str(case_dir), PULLCRED_CACHE_DIR=str(case_dir / "default-cache"))
    full_env.update(env or {})
    started = time.monotonic()
    try:
        completed = subprocess.run([str(PULLCRED), *args], input=stdin, capture_output=True, env=full_env,
                                   timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return case, None, case_dir
    finally:
        if case.after:
            case.after(case_dir)
    result = Result(completed.returncode, completed.stdout.decode("utf-8", "replace"),
                    completed.stderr.decode("utf-8", "replace"), time.monotonic() - started)
    return case, result, case_dir


def judge(case, result, case_dir):
    """None when the case holds, else what is wrong."""
    if result is None:
        return f"no answer within {TIMEOUT} s (a hang)"
    for text in FORBIDDEN:
        if text in result.stderr:
            return f"stderr holds {text!r}:\n{result.stderr[-3000:]}"
    for secret in (*SECRETS, *case.secrets):
        if secret and secret in result.stderr:
            return f"stderr holds a secret ({secret[:4]}...):\n{result.stderr[-2000:]}"
    long_lines = [line for line in result.stderr.splitlines() if len(line) > MAX_LINE]
    if long_lines:
        return f"a stderr line of {len(long_lines[0])} characters (limit {MAX_LINE}): {long_lines[0][:300]!r}..."
    if result.code < 0:
        return f"killed by signal {-result.code}:\n{result.stderr[-2000:]}"
    lines = result.lines()
    if case.expect == "either":
        case = dataclasses.replace(case, expect="answer" if result.code == 0 else "error")
    if case.expect == "error":
        if result.code == 0:
            return f"exit 0 for hostile input; stdout {result.stdout[:300]!r} stderr {result.stderr[:300]!r}"
        if result.stdout:
            return f"stdout not empty on failure: {result.stdout[:300]!r}"
        if len(lines) != 1:
            return f"{len(lines)} lines on stderr, not one:\n{result.stderr[-3000:]}"
        if not lines[0].startswith("pullcred: error: "):
            return f"the line is not a pullcred error: {lines[0]!r}"
        missing = [fragment for fragment in case.names if fragment not in lines[0]]
        if missing:
            return f"the line does not name {missing}: {lines[0]!r}"
        return None
    if result.code != 0:
        return f"exit {result.code} where an answer was expected:\n{result.stderr[-2000:]}"
    if len(lines) > 1 or any(not line.startswith("pullcred: ") or "error" in line for line in lines):
        return f"stderr of an answer is more than one warning or notice:\n{result.stderr[-2000:]}"
    try:
        if case.check:
            case.check(result, case_dir)
    except (AssertionError, KeyError, TypeError, ValueError) as error:
        return f"wrong answer: {type(error).__name__}: {error}; stdout {result.stdout[:300]!r}"
    return None


def run_all(cases, root, base_env, workers=3):
    """Runs the cases (concurrently unless workers == 1); returns the list of failures."""
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for case, result, case_dir in pool.map(lambda c: run_case(c, root, base_env), cases):
            problem = judge(case, result, case_dir)
            if problem:
                failures.append(f"[{case.id}] {problem}")
    return failures
