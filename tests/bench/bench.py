"""pullcred benchmark: exec latency of a cache hit beside a static C program,
the cold path (Roles Anywhere + ECR) against the emulator over TLS, peak RSS, and a 100-process
burst. Prints a Markdown table. Run through tests/bench/run.sh."""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"


def request(image=IMAGE):
    return json.dumps({"apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                       "kind": "CredentialProviderRequest", "image": image})


def hyperfine(work, runs, commands, prepare=None):
    """{name: [seconds...]} for shell commands, hyperfine correcting for the shell."""
    out = work / "hyperfine.json"
    args = ["hyperfine", "--warmup", "10", "--runs", str(runs), "--export-json", str(out), "--style", "none"]
    if prepare:
        args += ["--prepare", prepare]
    for name, command in commands:
        args += ["--command-name", name, command]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {r["command"]: r["times"] for r in json.loads(out.read_text())["results"]}


def peak_rss_kib(argv, stdin_text, env, work):
    """Peak RSS of one run, measured by the small static peak_rss parent."""
    out = work / "rss.txt"
    subprocess.run([str(work / "peak_rss"), str(out), *argv], input=stdin_text.encode(), env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return int(out.read_text())


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


COLD = "get-credentials, cold (Roles Anywhere + ECR over TLS)"
CREATE_SESSION = "rolesanywhere:CreateSession"
ECR = "ecr:GetAuthorizationToken"


def write_config(work, emulator):
    """The seed scenario: the kubelet's combined PEM through IAM Roles Anywhere, then ECR."""
    kubelet_pem = emulator.pki["clients"]["ec-p256"]["combined"]
    config = work / "config.json"
    config.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(work / "cache")},
        "profiles": {"node": {
            "source": "aws.roles-anywhere", "certificate": kubelet_pem, "privateKey": kubelet_pem,
            "trustAnchorArn": "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-bench",
            "profileArn": "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-bench",
            "roleArn": "arn:aws:iam::444455556666:role/ecr-pull"}},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                        "profile": "node"}]}))
    return config, work / "cache"


def emulator_seconds_per_cold_run(emulator):
    """The emulator's own median time (Python, signature checks included) per cold run: one
    CreateSession plus one GetAuthorizationToken."""
    recent = emulator.calls()["recent"]
    sessions = sorted(call["seconds"] for call in recent if call["action"] == CREATE_SESSION)
    tokens = sorted(call["seconds"] for call in recent if call["action"] == ECR)
    return statistics.median(sessions) + statistics.median(tokens)


def burst(pullcred, config, env, emulator):
    """100 get-credentials started at once on an empty cache: wall time, answers, upstream calls."""
    emulator.reset()
    start = time.monotonic()
    processes = [subprocess.Popen([pullcred, "get-credentials", "--config", str(config)], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                 for _ in range(100)]
    for i, process in enumerate(processes):
        process.stdin.write(request(f"{IMAGE}{i}").encode())
        process.stdin.close()
    codes = [process.wait() for process in processes]
    return time.monotonic() - start, codes.count(0), emulator.count(CREATE_SESSION), emulator.count(ECR)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pullcred", required=True)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    pullcred = str(pathlib.Path(args.pullcred).resolve())
    work = pathlib.Path(tempfile.mkdtemp(prefix="pullcred-bench-"))
    emulator = Emulator().start(work / "emulator")
    try:
        config, cache = write_config(work, emulator)
        (work / "request.json").write_text(request())
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))
        os.environ.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))
        baseline = work / "baseline"
        for tool in ("baseline", "peak_rss"):
            subprocess.run(["cc", "-O2", "-static", "-o", str(work / tool), str(ROOT / f"tests/bench/{tool}.c")],
                           check=True)

        get = f"{pullcred} get-credentials --config {config} < {work / 'request.json'}"
        subprocess.run(get, shell=True, check=True, env=env, capture_output=True)  # prime the cache
        hot = hyperfine(work, args.runs, [
            ("static C program", f"{baseline} < {work / 'request.json'}"),
            ("pullcred --version", f"{pullcred} --version"),
            ("get-credentials, cache hit", get)])
        emulator.reset()
        cold = hyperfine(work, max(20, args.runs // 10), [(COLD, get)], prepare=f"rm -rf {cache}")
        emulator_seconds = emulator_seconds_per_cold_run(emulator)

        rss = {
            "static C program": peak_rss_kib([str(baseline)], request(), env, work),
            "pullcred --version": peak_rss_kib([pullcred, "--version"], "", env, work),
            "get-credentials, cache hit": peak_rss_kib([pullcred, "get-credentials", "--config", str(config)],
                                                       request(), env, work),
        }
        shutil.rmtree(cache)
        rss[COLD] = peak_rss_kib([pullcred, "get-credentials", "--config", str(config)], request(), env, work)

        shutil.rmtree(cache)
        burst_seconds, answered, sessions, tokens = burst(pullcred, config, env, emulator)

        timings = {**hot, **cold}
        floor = statistics.median(timings["static C program"])
        print("| command | median | p95 | vs static C | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        for name, times in timings.items():
            median = statistics.median(times)
            print(f"| {name} | {median * 1000:.2f} ms | {percentile(times, 0.95) * 1000:.2f} ms | "
                  f"{median / floor:.2f}x | {rss[name] / 1024:.1f} MiB |")
        cold_median = statistics.median(cold[COLD])
        print(f"\nCold path: the emulator's own time is {emulator_seconds * 1000:.1f} ms of each cold run "
              f"(median CreateSession + GetAuthorizationToken); pullcred's share is "
              f"{(cold_median - emulator_seconds) * 1000:.1f} ms (two TLS handshakes included).")
        print(f"100 concurrent get-credentials on an empty cache: {burst_seconds:.2f} s wall, {answered}/100 "
              f"answered, {sessions} CreateSession and {tokens} GetAuthorizationToken call(s) upstream.")
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
