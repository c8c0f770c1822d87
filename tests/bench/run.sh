#!/usr/bin/env bash
# Exec latency of pullcred beside a static C program that reads the request
# and prints a line, measured with hyperfine in one run.
#   tests/bench/run.sh [BUILD_DIR]      (default: build/release, built if absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
if [[ ! -x $build/bin/pullcred ]]; then
  cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
fi
command -v hyperfine >/dev/null || { echo "install hyperfine (Debian package hyperfine)"; exit 1; }
pullcred=$(realpath "$build/bin/pullcred")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -static -o "$work/baseline" tests/bench/baseline.c
printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"registry.example.com/app"}' >"$work/request.json"
cat >"$work/config.yaml" <<YAML
apiVersion: pullcred/v1
kind: Config
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]
    backend: aws.ecr
YAML

# hyperfine 1.15 has no --input: the shell redirects stdin, and hyperfine
# subtracts the shell's own start-up cost from every figure.
request=$work/request.json
hyperfine --warmup 20 --runs "${BENCH_RUNS:-300}" --export-markdown "$work/table.md" \
  --command-name "static C program (floor)" "$work/baseline < $request" \
  --command-name "pullcred --version" "$pullcred --version" \
  --command-name "pullcred get-credentials (no network)" \
  "$pullcred get-credentials --config $work/config.yaml < $request" \
  >/dev/null
cat "$work/table.md"
