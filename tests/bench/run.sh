#!/usr/bin/env bash
# pullcred benchmark (see bench.py): prints Markdown tables; exits non-zero when a target is missed.
#   tests/bench/run.sh [BUILD_DIR]      (default: build/release, built if absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
if [[ ! -x $build/bin/pullcred ]]; then
  cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
fi
exec /usr/bin/python3 tests/bench/bench.py --pullcred "$build/bin/pullcred" --runs "${BENCH_RUNS:-200}"
