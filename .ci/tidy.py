#!/usr/bin/env python3
"""clang-tidy over every file of a compile database, each exact input checked once.
  tidy.py ROOT DB CACHE [BUDGET_SECONDS]

A file's key is the SHA-256 of clang-tidy's version, .clang-tidy, the file's
compile arguments and its preprocessed translation unit (clang++ -E), with
ROOT replaced so that every checkout gives the same key. A key listed in
CACHE was clean before on exactly this input, so the file is not checked
again; the others are checked now, most recently changed first, as many at a
time as there are cores, until BUDGET_SECONDS (0: no limit). CACHE is then
rewritten with the keys of every file known clean, to be committed.
PULLCRED_TIDY_FULL=1 ignores CACHE and checks every file.
Exits 1 on a finding, 0 otherwise; files left unchecked by the budget are
listed by name."""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time

root, db_path, cache_path = sys.argv[1:4]
budget = float(sys.argv[4]) if len(sys.argv) > 4 else 0
start = time.monotonic()
db_dir = os.path.dirname(db_path)
entries = json.load(open(db_path, encoding="utf-8"))
jobs = os.cpu_count() or 2


def arguments(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for arg in args[1:]:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg not in ("-c", entry["file"]):
            out.append(arg)
    return out


def normalised(text):
    return text.replace(root, "@ROOT@")


def key_of(entry, salt):
    args = arguments(entry)
    pre = subprocess.run(["clang++", *args, "-Wno-unknown-warning-option", "-w", "-E", "-P", entry["file"]],
                         cwd=entry["directory"], capture_output=True, text=True, errors="replace")
    if pre.returncode != 0:
        return None
    digest = hashlib.sha256(salt)
    digest.update(normalised(" ".join(args)).encode())
    digest.update(normalised(pre.stdout).encode())
    return digest.hexdigest()


def tidy(entry):
    run = subprocess.run(["clang-tidy", "-p", db_dir, "--quiet", "--extra-arg=-Wno-unknown-warning-option",
                          entry["file"]], capture_output=True, text=True, errors="replace")
    findings = [line for line in run.stdout.splitlines() if " warning: " in line or " error: " in line]
    if run.returncode != 0 and not findings:
        findings = [f"{entry['file']}: clang-tidy exited {run.returncode}: {run.stderr.strip()[:300]}"]
    return findings


def recently_changed_first(files):
    log = subprocess.run(["git", "-C", root, "log", "--name-only", "--format="], capture_output=True, text=True)
    rank = {}
    for name in log.stdout.splitlines():
        rank.setdefault(os.path.join(root, name), len(rank))
    return sorted(files, key=lambda f: rank.get(f, -1))


version = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True).stdout
config = open(os.path.join(root, ".clang-tidy"), "rb").read()
salt = version.encode() + config
known = set()
if os.environ.get("PULLCRED_TIDY_FULL") != "1" and os.path.exists(cache_path):
    known = {line.split()[0] for line in open(cache_path, encoding="utf-8") if line.strip()}

by_file = {e["file"]: e for e in entries}
with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    keys = dict(zip(by_file, pool.map(lambda e: key_of(e, salt), by_file.values())))
cached = [f for f, k in keys.items() if k in known]
todo = recently_changed_first([f for f, k in keys.items() if k not in known])
print(f"clang-tidy: {len(cached)} of {len(keys)} files unchanged since a clean check "
      f"({os.path.relpath(cache_path, root)}), {len(todo)} to check; keys in {time.monotonic() - start:.0f} s",
      flush=True)

clean, findings, unchecked = set(cached), [], []
with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    running = {}
    queue = list(todo)
    while queue or running:
        while queue and len(running) < jobs:
            if budget and time.monotonic() - start > budget:
                unchecked, queue = queue, []
                break
            name = queue.pop(0)
            running[pool.submit(tidy, entry=by_file[name])] = name
        if not running:
            break
        done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            name = running.pop(future)
            found = future.result()
            findings += found
            if not found:
                clean.add(name)

with open(cache_path, "w", encoding="utf-8") as out:
    for name in sorted(clean):
        if keys[name]:
            out.write(f"{keys[name]}  {os.path.relpath(name, root)}\n")

for line in sorted(set(findings))[:50]:
    print(normalised(line).replace("@ROOT@/", ""))
checked = len(todo) - len(unchecked)
print(f"clang-tidy: {checked} checked now, {len(cached)} unchanged since a clean check, {len(unchecked)} left "
      f"unchecked (budget of {budget:.0f} s), {len(set(findings))} findings; {time.monotonic() - start:.0f} s")
for name in unchecked:
    print(f"  not checked: {os.path.relpath(name, root)}")
sys.exit(1 if findings else 0)
