#!/usr/bin/env bash
# Builds the libFuzzer targets (the asan preset, build/asan: clang, every
# library compiled with -fsanitize=fuzzer-no-link,address,undefined) and runs
# each target on its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   default 10 s, all targets
#   tests/fuzz/run.sh --long [TARGET...]                 300 s per target
#   tests/fuzz/run.sh --repro [TARGET...]                replay the seed corpora once
#   tests/fuzz/run.sh --list                             the target names
#
# Environment:
#   PULLCRED_FUZZ_BUILD_DIR  build directory (default <repo>/build/asan)
#   PULLCRED_FUZZ_NO_BUILD   set: use the build as it is
#   PULLCRED_FUZZ_JOBS       targets run at the same time (default 1)
#   PULLCRED_FUZZ_ARGS       extra libFuzzer flags, e.g. "-max_len=65536"
#
# New corpus entries go to <build>/fuzz-corpus/<target>, crash inputs to
# <build>/fuzz-artifacts/<target>/, logs to <build>/fuzz-logs/<target>.log;
# the seeds in tests/fuzz/corpus are never written to. Exits non-zero when a
# target crashes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${PULLCRED_FUZZ_BUILD_DIR:-$root/build/asan}"
jobs="${PULLCRED_FUZZ_JOBS:-1}"
extra_args="${PULLCRED_FUZZ_ARGS:-}"

all_targets=(kubelet_request config yaml_to_json json_strict duration glob image_ref aws_ini ecr_endpoint
             sigv4_url redact credential_process rolesanywhere_reply pem ecr_reply sts_reply cache_entry
             docker_server_url docker_config elf_symbols)

seconds=10
mode=fuzz
targets=()
for arg in "$@"; do
    case "$arg" in
    --long) seconds=300 ;;
    --repro) mode=repro ;;
    --list) printf '%s\n' "${all_targets[@]}"; exit 0 ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    '' | *[!0-9]*)
        if [[ " ${all_targets[*]} " != *" $arg "* ]]; then
            echo "run.sh: unknown target or option '$arg' (targets: ${all_targets[*]})" >&2
            exit 2
        fi
        targets+=("$arg")
        ;;
    *) seconds="$arg" ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

if [[ -z "${PULLCRED_FUZZ_NO_BUILD:-}" ]]; then
    if [[ ! -f "$build/CMakeCache.txt" ]]; then
        echo "== configuring $build (asan preset)"
        (cd "$root" && cmake --preset asan >/dev/null)
    fi
    echo "== building fuzz targets"
    cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}")
fi
bin="$build/tests/fuzz"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [[ "$mode" == repro ]]; then
    status=0
    for t in "${targets[@]}"; do
        if "$bin/fuzz_$t" -runs=0 -timeout=10 "$here/corpus/$t" >/dev/null 2>&1; then
            echo "ok      $t"
        else
            echo "CRASHES $t (run: $bin/fuzz_$t -runs=0 $here/corpus/$t)"
            status=1
        fi
    done
    exit $status
fi

mkdir -p "$build/fuzz-logs"
run_one() {
    local t="$1"
    local work="$build/fuzz-corpus/$t" artifacts="$build/fuzz-artifacts/$t/" log="$build/fuzz-logs/$t.log"
    mkdir -p "$work" "$artifacts"
    local args=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$artifacts")
    [[ -f "$here/dict/$t.dict" ]] && args+=(-dict="$here/dict/$t.dict")
    # shellcheck disable=SC2206
    [[ -n "$extra_args" ]] && args+=($extra_args)
    local rc=0
    "$bin/fuzz_$t" "${args[@]}" "$work" "$here/corpus/$t" >"$log" 2>&1 || rc=$?
    echo "$rc" >"$log.rc"
}

echo "== fuzzing ${#targets[@]} target(s), ${seconds} s each, ${jobs} at a time"
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

status=0
printf '%-16s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    log="$build/fuzz-logs/$t.log"
    rc="$(cat "$log.rc" 2>/dev/null || echo 1)"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    corpus="$(ls "$build/fuzz-corpus/$t" | wc -l)"
    if [[ "$rc" == 0 ]]; then
        printf '%-16s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" ok
    else
        printf '%-16s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "CRASH (exit $rc)"
        status=1
    fi
done
for t in "${targets[@]}"; do
    log="$build/fuzz-logs/$t.log"
    [[ "$(cat "$log.rc" 2>/dev/null || echo 1)" == 0 ]] && continue
    echo
    echo "== $t: ${log}"
    grep -E 'property violated|ERROR: |SUMMARY: |^    #[0-9]+ .* in pullcred|^  ' "$log" | head -30 || true
    ls -1 "$build/fuzz-artifacts/$t/" 2>/dev/null | sed "s|^|   artifact: $build/fuzz-artifacts/$t/|"
    echo "   reproduce: $bin/fuzz_$t <artifact>; minimise: $bin/fuzz_$t -minimize_crash=1 -runs=10000 <artifact>"
done
exit $status
