"""Which code a cold fetch (static keys -> ECR) executes, by object, read from valgrind's callgrind
(--dump-instr=yes): distinct instructions, the 4 KiB pages they sit on, and the 64 KiB windows
the kernel maps on a page fault of a file mapping (fault-around). A text mapping's resident size
follows the windows; the pages are what it would be if the code a cold fetch runs were laid out
together. Tells how far peak RSS can go down by code layout alone.
    /usr/bin/python3 tests/bench/code_footprint.py [BUILD_DIR]      (default build/release)"""
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import bench

POSITION = re.compile(r"^(0x[0-9a-f]+|[+-]\d+|\*)(?:\s|$)")
OBJECT = re.compile(r"^c?ob=\((\d+)\)(?: (.*))?$")


def executed_addresses(callgrind_out):
    """{object path: {instruction address}} from a callgrind file written with --dump-instr=yes."""
    names, current, last = {}, None, 0
    executed = {}
    for line in callgrind_out.read_text().splitlines():
        match = OBJECT.match(line)
        if match:
            number, name = match.groups()
            names[number] = name or names[number]
            if line.startswith("ob="):
                current = names[number]
            continue
        match = POSITION.match(line)
        if not match:
            continue
        position = match.group(1)
        last = int(position, 16) if position.startswith("0x") else last if position == "*" else last + int(position)
        executed.setdefault(current, set()).add(last)
    return executed


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/release").resolve()
    work = pathlib.Path(tempfile.mkdtemp(prefix="pullcred-code-"))
    emulator = bench.Emulator().start(work / "emulator")
    try:
        config = bench.static_config(work, bench.secret_dir(work, emulator), "static", 1)
        env = bench.pullcred_env(work, emulator)
        argv = [str(build / "bin/pullcred"), "get-credentials", "--config", str(config)]
        time.sleep(2.5)  # a config older than the file system's timestamp granularity, as on a node
        for _ in range(2):  # the cold fetch that stamps the config, then the first hit
            subprocess.run(argv, input=bench.request(), text=True, check=True, env=env, capture_output=True)
        bench.forget_credentials(config)
        # The front execs pullcred-host: callgrind follows the exec and the host's file replaces the front's.
        out = work / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", "--dump-instr=yes",
                        f"--callgrind-out-file={out}", *argv], input=bench.request(), text=True, check=True,
                       env=env, capture_output=True)
        print("| object | instructions run | on 4 KiB pages | in 64 KiB windows |\n|---|---:|---:|---:|")
        rows = sorted(executed_addresses(out).items(), key=lambda item: -len(item[1]))
        for path, addresses in rows:
            if path is None or path == "???" or "vgpreload" in path:
                continue
            pages = len({address >> 12 for address in addresses})
            windows = len({address >> 16 for address in addresses})
            print(f"| {path.rsplit('/', 1)[-1]} | {len(addresses)} | {pages * 4} KiB | {windows * 64} KiB |")
        return 0
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
