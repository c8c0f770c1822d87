"""pullcred benchmark, every figure in one run on one machine (commands timed by exec_times.c): exec latency of cache hits (10 and
1,000 rules+profiles) beside a static C program, the cold paths (static keys -> ECR; Roles
Anywhere -> ECR) against the physical limit (tls_fetch.c: the TLS handshakes and pre-signed
requests a cold fetch must make, nothing else), peak RSS, and a 100-process burst. Prints Markdown
tables and exits non-zero when a target of issue 20 is missed. Run through tests/bench/run.sh."""
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
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from fixture import Emulator  # noqa: E402
import presign  # noqa: E402

IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"
CREATE_SESSION = "rolesanywhere:CreateSession"
ECR = "ecr:GetAuthorizationToken"

BASELINE = "static C program"
VERSION = "pullcred --version"
HIT = "get-credentials, cache hit (Roles Anywhere config)"
HIT_10 = "get-credentials, cache hit, 10 rules + 10 profiles"
HIT_1000 = "get-credentials, cache hit, 1000 rules + 1000 profiles"
LIMIT_1 = "limit: 1 TLS exchange (tls_fetch.c, pre-signed ECR)"
LIMIT_2 = "limit: 2 TLS exchanges (tls_fetch.c, pre-signed CreateSession + ECR)"
COLD_STATIC = "get-credentials, cold (static keys -> ECR)"
COLD_STATIC_EMPTY = "get-credentials, cold (static keys -> ECR), no cache directory"
COLD_RA = "get-credentials, cold (Roles Anywhere -> ECR)"
# The same with a CA bundle the size of a node's (Debian's 144 certificates plus the emulator's), named
# by AWS_CA_BUNDLE for pullcred and given to the limit client: reading it is most of a cold fetch.
SYSTEM_SIZED = ", {} CA certificates"
LIMIT_1_BIG = LIMIT_1 + SYSTEM_SIZED
LIMIT_2_BIG = LIMIT_2 + SYSTEM_SIZED
COLD_STATIC_BIG = COLD_STATIC + SYSTEM_SIZED
COLD_RA_BIG = COLD_RA + SYSTEM_SIZED
SYSTEM_BUNDLE = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")

# Issue 20's targets. HIT_10_TODAY: the 10-rule hit before issue 20 as the issue measured it (1.5x;
# 1.2x to 1.5x in runs of this bench on a shared machine, 2026-12-07).
COLD_RATIO = 1.5
COLD_RSS_MIB = 8.0
HIT_RATIO = 1.5
HIT_RSS_MIB = 4.0
HIT_10_TODAY = 1.5


def request(image=IMAGE):
    return json.dumps({"apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                       "kind": "CredentialProviderRequest", "image": image})


def exec_times(work, env, runs, warmup, commands):
    """{name: [seconds...]}: commands as (name, stdin file or None, untimed prepare or None, argv), timed by
    exec_times.c (fork, exec, wait from a static parent; rounds interleave the commands)."""
    spec = work / "spec.tsv"
    spec.write_text("".join("\t".join([name, str(stdin or "-"), prepare or "-", *map(str, argv)]) + "\n"
                            for name, stdin, prepare, argv in commands))
    out = subprocess.run([str(work / "exec_times"), str(spec), str(runs), str(warmup)], check=True,
                         capture_output=True, text=True, env=env).stdout
    times = {name: [] for name, *_ in commands}
    for line in out.splitlines():
        name, seconds = line.split("\t")
        times[name].append(float(seconds))
    return times


def peak_rss_kib(argv, stdin_text, env, work):
    """Peak RSS of one run, measured by the small static peak_rss parent."""
    out = work / "rss.txt"
    subprocess.run([str(work / "peak_rss"), str(out), *argv], input=stdin_text.encode(), env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return int(out.read_text())


def resident_by_object(argv, stdin_text, env, work):
    """{object: KiB resident as the command exits} from /proc/self/smaps (smaps_at_exit.c): mapped
    files by name, [heap], [stack] and anonymous mappings as [anon]."""
    smaps = work / "smaps.txt"
    subprocess.run(argv, input=stdin_text.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=dict(env, LD_PRELOAD=str(work / "smaps_at_exit.so"), PULLCRED_BENCH_SMAPS=str(smaps)))
    resident, mapping = {}, None
    for line in smaps.read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            mapping = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else "[anon]"
        elif fields and fields[0] == "Rss:" and mapping != "smaps_at_exit.so":
            resident[mapping] = resident.get(mapping, 0) + int(fields[1])
    return resident


def print_footprint(columns):
    """Markdown table of resident_by_object results, one column per command; objects under 64 KiB in
    every column are summed as "the rest"."""
    names = list(columns)
    objects = sorted({o for resident in columns.values() for o in resident},
                     key=lambda o: -max(resident.get(o, 0) for resident in columns.values()))
    shown = [o for o in objects if max(resident.get(o, 0) for resident in columns.values()) >= 64]
    print("| object | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    for label, picked in [(o, [o]) for o in shown] + [("the rest", [o for o in objects if o not in shown]),
                                                       ("total", objects)]:
        cells = [f"{sum(columns[n].get(o, 0) for o in picked) / 1024:.2f} MiB" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def write_json(path, document):
    path.write_text(json.dumps(document))
    return path


def ra_config(work, emulator):
    """The seed scenario: the kubelet's combined PEM through IAM Roles Anywhere, then ECR."""
    kubelet_pem = emulator.pki["clients"]["ec-p256"]["combined"]
    return write_json(work / "ra.json", {
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(work / "cache-ra")},
        "profiles": {"node": {
            "source": "aws.roles-anywhere", "certificate": kubelet_pem, "privateKey": kubelet_pem,
            "trustAnchorArn": "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-bench",
            "profileArn": "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-bench",
            "roleArn": "arn:aws:iam::444455556666:role/ecr-pull"}},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                        "profile": "node"}]})


def static_config(work, secret, name, rules):
    """Static keys from a Secret directory; `rules` rules, each with a profile of its own, the one
    that matches IMAGE last (where the rule sits made no difference before issue 20)."""
    profiles = {f"p{i}": {"source": "aws.static", "secretDir": str(secret)} for i in range(rules)}
    registries = [{"matchImages": [f"{100000000000 + i}.dkr.ecr.us-east-1.amazonaws.com"], "backend": "aws.ecr",
                   "profile": f"p{i}"} for i in range(rules - 1)]
    registries.append({"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                       "profile": f"p{rules - 1}"})
    return write_json(work / f"{name}.json", {
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": str(work / f"cache-{name}")},
        "profiles": profiles, "registries": registries})


def secret_dir(work, emulator):
    """The emulator's static keys as a node mounts a Secret: one file per key."""
    keys = emulator.static_credentials[0]
    secret = work / "secret"
    secret.mkdir()
    (secret / "AWS_ACCESS_KEY_ID").write_text(keys["accessKeyId"])
    (secret / "AWS_SECRET_ACCESS_KEY").write_text(keys["secretAccessKey"])
    return secret


def pullcred_env(work, emulator):
    """pullcred's environment: the emulator's endpoint and CA; hit plans go to the default cache
    directory, the bench's own and not the machine's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle),
               PULLCRED_CACHE_DIR=str(work / "default-cache"))
    return env


def cache_of(config):
    return pathlib.Path(json.loads(config.read_text())["cache"]["dir"])


def forget_credentials(config):
    """The cached credentials of `config` removed, as when a token expired on a node: the config stamp,
    module index and lock files stay."""
    for entry in cache_of(config).glob("*.json"):
        if entry.name.startswith(("auth-", "creds-")):
            entry.unlink()


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


def build_tools(work):
    for tool in ("baseline", "peak_rss", "exec_times"):
        subprocess.run(["cc", "-O2", "-static", "-o", str(work / tool), str(ROOT / f"tests/bench/{tool}.c")],
                       check=True)
    # OpenSSL as pullcred links it (shared): the limit pays the same loader and library start-up.
    subprocess.run(["cc", "-O2", "-o", str(work / "tls_fetch"), str(ROOT / "tests/bench/tls_fetch.c"),
                    "-lssl", "-lcrypto"], check=True)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(work / "smaps_at_exit.so"),
                    str(ROOT / "tests/bench/smaps_at_exit.c")], check=True)


def limit_commands(work, emulator):
    """tls_fetch over freshly pre-signed requests: (one ECR exchange, CreateSession + ECR)."""
    static = emulator.static_credentials[0]
    session = presign.session_credentials(emulator)
    files = {"ecr-static": presign.ecr_request(emulator, static),
             "create-session": presign.create_session_request(emulator),
             "ecr-session": presign.ecr_request(emulator, session)}
    for name, data in files.items():
        (work / f"{name}.http").write_bytes(data)
    fetch = [str(work / "tls_fetch"), str(emulator.ca_bundle), "127.0.0.1", str(emulator.port)]
    one = fetch + [str(work / "ecr-static.http")]
    two = fetch + [str(work / "create-session.http"), str(work / "ecr-session.http")]
    for command in (one, two):
        subprocess.run(command, check=True)  # the emulator accepts them: a fair limit
    return one, two


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pullcred", required=True)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    pullcred = str(pathlib.Path(args.pullcred).resolve())
    work = pathlib.Path(tempfile.mkdtemp(prefix="pullcred-bench-"))
    emulator = Emulator().start(work / "emulator")
    try:
        secret = secret_dir(work, emulator)
        configs = {"ra": ra_config(work, emulator), "static": static_config(work, secret, "static", 1),
                   "rules10": static_config(work, secret, "rules10", 10),
                   "rules1000": static_config(work, secret, "rules1000", 1000)}
        (work / "request.json").write_text(request())
        env = pullcred_env(work, emulator)
        os.environ.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=str(emulator.ca_bundle))
        build_tools(work)
        baseline = work / "baseline"
        get = {name: [pullcred, "get-credentials", "--config", str(config)] for name, config in configs.items()}
        request_file = work / "request.json"
        time.sleep(2.5)  # configs older than the file system's timestamp granularity, as on a node
        for argv in get.values():
            for _ in range(2):  # the cold fetch, then the first hit (which compiles the config)
                subprocess.run(argv, input=request(), text=True, check=True, env=env, capture_output=True)

        hot = exec_times(work, env, args.runs, 10, [
            (BASELINE, request_file, None, [baseline]), (VERSION, None, None, [pullcred, "--version"]),
            (HIT, request_file, None, get["ra"]), (HIT_10, request_file, None, get["rules10"]),
            (HIT_1000, request_file, None, get["rules1000"])])
        one, two = limit_commands(work, emulator)
        # Cold: no credential in the cache, as when a token expired on a node (the cache directory,
        # its config stamp, module index and lock files stay); and once with no cache directory at all.
        forget = {name: f"rm -f {cache_of(configs[name])}/auth-*.json {cache_of(configs[name])}/creds-*.json"
                  for name in ("static", "ra")}
        cold = exec_times(work, env, max(60, args.runs // 3), 3, [
            (LIMIT_1, None, None, one), (COLD_STATIC, request_file, forget["static"], get["static"]),
            (COLD_STATIC_EMPTY, request_file, f"rm -rf {cache_of(configs['static'])}", get["static"]),
            (LIMIT_2, None, None, two), (COLD_RA, request_file, forget["ra"], get["ra"])])
        big_bundle = work / "node-sized-ca.pem"
        big_bundle.write_text(SYSTEM_BUNDLE.read_text() + pathlib.Path(emulator.ca_bundle).read_text())
        certificates = big_bundle.read_text().count("BEGIN CERTIFICATE")
        limit_1_big, limit_2_big, cold_static_big, cold_ra_big = (
            name.format(certificates) for name in (LIMIT_1_BIG, LIMIT_2_BIG, COLD_STATIC_BIG, COLD_RA_BIG))
        cold.update(exec_times(work, dict(env, AWS_CA_BUNDLE=str(big_bundle)), max(60, args.runs // 3), 3, [
            (limit_1_big, None, None, [one[0], str(big_bundle), *one[2:]]),
            (cold_static_big, request_file, forget["static"], get["static"]),
            (limit_2_big, None, None, [two[0], str(big_bundle), *two[2:]]),
            (cold_ra_big, request_file, forget["ra"], get["ra"])]))

        def rss_of(name, config_name=None, cold_run=False):
            if config_name is None:
                return peak_rss_kib([str(baseline)] if name == BASELINE else [pullcred, "--version"], request(),
                                    env, work)
            if cold_run:
                forget_credentials(configs[config_name])
            return peak_rss_kib([pullcred, "get-credentials", "--config", str(configs[config_name])], request(),
                                env, work)
        rss = {BASELINE: rss_of(BASELINE), VERSION: rss_of(VERSION), HIT: rss_of(HIT, "ra"),
               HIT_10: rss_of(HIT_10, "rules10"), HIT_1000: rss_of(HIT_1000, "rules1000"),
               COLD_STATIC: rss_of(COLD_STATIC, "static", True), COLD_RA: rss_of(COLD_RA, "ra", True)}
        shutil.rmtree(cache_of(configs["static"]))
        rss[COLD_STATIC_EMPTY] = rss_of(COLD_STATIC_EMPTY, "static")
        rss[LIMIT_1] = peak_rss_kib(one, "", env, work)
        rss[LIMIT_2] = peak_rss_kib(two, "", env, work)

        forget_credentials(configs["static"])
        footprint = {COLD_STATIC: resident_by_object(get["static"], request(), env, work),
                     LIMIT_1: resident_by_object(one, "", env, work)}

        shutil.rmtree(cache_of(configs["ra"]))
        burst_seconds, answered, sessions, tokens = burst(pullcred, configs["ra"], env, emulator)

        timings = {**hot, **cold}
        median = {name: statistics.median(times) for name, times in timings.items()}
        floor = median[BASELINE]
        print("| command | median | p95 | vs static C | vs limit | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, times in timings.items():
            limit = {COLD_STATIC: LIMIT_1, COLD_STATIC_EMPTY: LIMIT_1, COLD_RA: LIMIT_2, cold_static_big: limit_1_big,
                     cold_ra_big: limit_2_big}.get(name)
            versus_limit = f"{median[name] / median[limit]:.2f}x" if limit else ""
            print(f"| {name} | {median[name] * 1000:.2f} ms | {percentile(times, 0.95) * 1000:.2f} ms | "
                  f"{median[name] / floor:.2f}x | {versus_limit} | "
                  f"{f'{rss[name] / 1024:.1f} MiB' if name in rss else ''} |")
        print(f"\n100 concurrent get-credentials on an empty cache: {burst_seconds:.2f} s wall, {answered}/100 "
              f"answered, {sessions} CreateSession and {tokens} GetAuthorizationToken call(s) upstream.")
        print("\nWhere a cold fetch's memory is (resident as it exits, by object):\n")
        print_footprint(footprint)

        targets = [
            (f"cold static keys -> ECR <= {COLD_RATIO}x the 1-exchange limit",
             median[COLD_STATIC] / median[LIMIT_1], COLD_RATIO, "x"),
            (f"cold Roles Anywhere -> ECR <= {COLD_RATIO}x the 2-exchange limit",
             median[COLD_RA] / median[LIMIT_2], COLD_RATIO, "x"),
            (f"the same with {certificates} CA certificates: static keys <= {COLD_RATIO}x the limit",
             median[cold_static_big] / median[limit_1_big], COLD_RATIO, "x"),
            (f"the same with {certificates} CA certificates: Roles Anywhere <= {COLD_RATIO}x the limit",
             median[cold_ra_big] / median[limit_2_big], COLD_RATIO, "x"),
            (f"peak RSS of a cold fetch (static) < {COLD_RSS_MIB} MiB", rss[COLD_STATIC] / 1024, COLD_RSS_MIB, " MiB"),
            (f"peak RSS of a cold fetch (Roles Anywhere) < {COLD_RSS_MIB} MiB", rss[COLD_RA] / 1024, COLD_RSS_MIB,
             " MiB"),
            (f"cache hit, 1000 rules <= {HIT_RATIO}x the static C program", median[HIT_1000] / floor, HIT_RATIO, "x"),
            (f"peak RSS of a cache hit, 1000 rules < {HIT_RSS_MIB} MiB", rss[HIT_1000] / 1024, HIT_RSS_MIB, " MiB"),
            (f"cache hit, 10 rules <= {HIT_10_TODAY}x the static C program (today)", median[HIT_10] / floor,
             HIT_10_TODAY, "x"),
            ("burst: 100/100 answered", 100 - answered, 0, " unanswered"),
            ("burst: one CreateSession and one GetAuthorizationToken", max(sessions, tokens), 1, " call(s)"),
        ]
        print("\n| target | measured | met |\n|---|---:|---|")
        missed = 0
        for text, value, bound, unit in targets:
            met = value <= bound
            missed += not met
            print(f"| {text} | {value:.2f}{unit} | {'yes' if met else 'MISSED'} |")
        if missed:
            print(f"\nbench: {missed} target(s) missed (see the table above)", file=sys.stderr)
            return 1
        return 0
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
