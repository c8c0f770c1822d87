#!/usr/bin/env bash
# Installs validate.js's npm dependencies (package.json + package-lock.json
# beside this script, installed with `npm ci`) into TOOLS_DIR/node_modules and
# prints that directory. Idempotent: reinstalls only when the lock changes.
#
#   tests/packaging/get-node-deps.sh [TOOLS_DIR]     default: <repo>/build/tools
# Exit status 2: npm is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="${1:-${PULLCRED_TOOLS_DIR:-$repo/build/tools}}"
stamp="$tools/node_modules/.pullcred-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$tools/node_modules"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "get-node-deps: npm not found (Debian: apt-get install npm)" >&2
  exit 2
fi

mkdir -p "$tools"
cp "$here/package.json" "$here/package-lock.json" "$tools/"
(cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 >&2)
echo "$want" >"$stamp"
echo "$tools/node_modules"
