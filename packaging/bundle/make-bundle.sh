#!/usr/bin/env bash
# Builds the self-contained node bundle from a configured and built tree.
#
#   make-bundle.sh [--prefix DIR] BUILD_DIR OUT_DIR
#
# OUT_DIR gets what `cmake --install --component runtime` puts under a prefix,
# plus every shared library its ELF files load (glibc and the dynamic loader
# included) in lib/pullcred/sys/. Every ELF of the install tree gets an
# $ORIGIN-relative DT_RPATH to lib/pullcred/sys (and to the install-tree
# directories of its own NEEDED libraries); every dynamically linked
# executable gets DIR/lib/pullcred/sys/ld-linux-x86-64.so.2 as interpreter
# (the kernel only takes an absolute interpreter path), so the bundle runs
# from DIR (default /opt/pullcred). Statically linked executables (no
# PT_INTERP, no NEEDED) are left as they are. See packaging/README.md.
set -euo pipefail

prefix=/opt/pullcred
while [[ $# -gt 0 ]]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -*) echo "make-bundle.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [[ $# -ne 2 ]]; then
  echo "usage: make-bundle.sh [--prefix DIR] BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build=$1
out=$2
[[ $prefix == /* ]] || { echo "make-bundle.sh: --prefix must be absolute: $prefix" >&2; exit 2; }
[[ -f $build/CMakeCache.txt ]] || { echo "make-bundle.sh: $build is not a CMake build tree" >&2; exit 2; }
for tool in patchelf readelf ldd; do
  command -v "$tool" >/dev/null || { echo "make-bundle.sh: $tool not found (apt-get install patchelf binutils)" >&2; exit 1; }
done

sys_rel=lib/pullcred/sys
loader_name=ld-linux-x86-64.so.2

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cmake --install "$build" --prefix "$out" --component runtime >/dev/null

is_elf() { [[ -f $1 && ! -L $1 && $(head -c4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }
has_interp() { readelf -lW "$1" 2>/dev/null | grep -q 'Requesting program interpreter'; }
needed() { readelf -dW "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
# The relative path from directory $1 to directory $2 (both under $out).
relpath() { realpath -m --relative-to="$1" "$2"; }

mapfile -t elves < <(find "$out" -type f | sort | while read -r f; do is_elf "$f" && echo "$f"; done)
[[ ${#elves[@]} -gt 0 ]] || { echo "make-bundle.sh: no ELF file in the install tree" >&2; exit 1; }

# Install-tree libraries by file name: a NEEDED entry naming one resolves
# inside the bundle, not on the build host.
declare -A own_lib=()
for f in "${elves[@]}"; do own_lib[$(basename "$f")]=$f; done

mkdir -p "$out/$sys_rel"
loader=""
declare -A source_of=()
copy_system_lib() { # soname path
  [[ -n ${source_of[$1]:-} ]] && return
  source_of[$1]=$(realpath "$2")
  cp -L "$2" "$out/$sys_rel/$1"
}
static_exes=()
for f in "${elves[@]}"; do
  if ! has_interp "$f" && [[ -z $(needed "$f") ]]; then
    static_exes+=("$f")
    continue
  fi
  # ldd resolves the whole tree as the build host's loader would; install-tree
  # libraries are not found there (no RPATH after install) and come from $out.
  while read -r line; do
    case $line in
      linux-vdso*) ;;
      *"=> not found"*)
        soname=${line%% *}
        [[ -n ${own_lib[$soname]:-} ]] || { echo "make-bundle.sh: $f needs $soname, not found" >&2; exit 1; } ;;
      *" => "*)
        soname=${line%% *}
        path=${line#* => }; path=${path%% (*}
        [[ -n ${own_lib[$soname]:-} ]] || copy_system_lib "$soname" "$path" ;;
      /*" ("*)
        loader=${line%% (*}
        copy_system_lib "$loader_name" "$loader" ;;
      "statically linked") ;;
      *) echo "make-bundle.sh: ldd $f: unexpected line: $line" >&2; exit 1 ;;
    esac
  done < <(ldd "$f" 2>&1)
done
# OpenSSL's legacy provider (legacy PKCS#12 bundles) beside the bundled
# libcrypto: a node or a FROM-scratch image may have no ossl-modules of its
# own, and the Roles Anywhere module loads it from here (legacy_provider.cpp).
if [[ -n ${source_of[libcrypto.so.3]:-} ]]; then
  legacy=$(dirname "${source_of[libcrypto.so.3]}")/ossl-modules/legacy.so
  [[ -f $legacy ]] || { echo "make-bundle.sh: $legacy not found (apt-get install libssl3)" >&2; exit 1; }
  mkdir -p "$out/$sys_rel/ossl-modules"
  cp -L "$legacy" "$out/$sys_rel/ossl-modules/legacy.so"
  patchelf --force-rpath --set-rpath "\$ORIGIN/.." "$out/$sys_rel/ossl-modules/legacy.so"
  chmod 0755 "$out/$sys_rel/ossl-modules" "$out/$sys_rel/ossl-modules/legacy.so"
  elves+=("$out/$sys_rel/ossl-modules/legacy.so")
fi
if [[ -z $loader ]]; then
  # Every executable is static and no library pulls in the loader: nothing to add.
  rmdir "$out/$sys_rel"
fi

origin_path() { # from-dir to-dir -> $ORIGIN[/rel]
  local rel
  rel=$(realpath -m --relative-to="$1" "$2")
  [[ $rel == . ]] && echo "\$ORIGIN" || echo "\$ORIGIN/$rel"
}
rpath_for() { # ELF file -> its search path
  local dir entries=() lib entry
  dir=$(dirname "$1")
  [[ -d $out/$sys_rel ]] && entries+=("$(origin_path "$dir" "$out/$sys_rel")")
  while read -r lib; do
    [[ -n $lib && -n ${own_lib[$lib]:-} ]] || continue
    entry=$(origin_path "$dir" "$(dirname "${own_lib[$lib]}")")
    [[ " ${entries[*]} " == *" $entry "* ]] || entries+=("$entry")
  done < <(needed "$1")
  local IFS=:
  echo "${entries[*]}"
}

for f in "${elves[@]}"; do
  [[ " ${static_exes[*]} " == *" $f "* ]] && continue
  patchelf --force-rpath --set-rpath "$(rpath_for "$f")" "$f"
  if has_interp "$f"; then
    patchelf --set-interpreter "$prefix/$sys_rel/$loader_name" "$f"
  fi
done
# The bundled libraries find each other (their own NEEDED) in their directory,
# whoever loads them first.
if [[ -d $out/$sys_rel ]]; then
  for f in "$out/$sys_rel"/*; do
    [[ $(basename "$f") != "$loader_name" && -n $(needed "$f") ]] || continue
    patchelf --force-rpath --set-rpath "\$ORIGIN" "$f"
  done
  chmod 0755 "$out/$sys_rel"/*
fi

# Self-check with the bundled loader: everything resolves inside the bundle.
if [[ -d $out/$sys_rel ]]; then
  for f in "${elves[@]}"; do
    [[ " ${static_exes[*]} " == *" $f "* ]] && continue
    listing=$("$out/$sys_rel/$loader_name" --list "$f" 2>&1) || {
      echo "make-bundle.sh: $f does not load with the bundled loader:" >&2
      echo "$listing" >&2
      exit 1
    }
    outside=$(awk '/=>/ { print $3 }' <<<"$listing" | grep -v "^$out/" || true)
    if [[ -n $outside ]]; then
      echo "make-bundle.sh: $f loads libraries from outside the bundle: $outside" >&2
      exit 1
    fi
  done
fi

# Licences of what was copied in (glibc, OpenSSL, ...; libcurl's comes with the install tree).
if command -v dpkg-query >/dev/null && [[ -d $out/$sys_rel ]]; then
  notices=$out/share/doc/pullcred/third-party
  mkdir -p "$notices"
  for name in "${!source_of[@]}"; do
    package=$(dpkg-query -S "${source_of[$name]}" 2>/dev/null | head -1 | cut -d: -f1) || true
    # usrmerge: dpkg knows /lib/x86_64-linux-gnu/..., realpath gives /usr/lib/...
    [[ -n $package ]] || package=$(dpkg-query -S "${source_of[$name]#/usr}" 2>/dev/null | head -1 | cut -d: -f1) || true
    [[ -n $package && -f /usr/share/doc/$package/copyright ]] || continue
    mkdir -p "$notices/$package"
    cp /usr/share/doc/"$package"/copyright "$notices/$package/copyright"
    printf '%s %s\n' "$name" "$(dpkg-query -W -f='${Package} ${Version}' "$package")" >>"$notices/LIBRARIES"
  done
  [[ -f $notices/LIBRARIES ]] && sort -o "$notices/LIBRARIES" "$notices/LIBRARIES"
fi

# The CA certificates of the build host, for images without a distribution
# (packaging/docker/Containerfile puts them where libcurl looks). On a node
# the bundle uses the node's own /etc/ssl/certs.
ca_file=/etc/ssl/certs/ca-certificates.crt
[[ -f $ca_file ]] || { echo "make-bundle.sh: $ca_file not found (apt-get install ca-certificates)" >&2; exit 1; }
mkdir -p "$out/share/pullcred"
cp "$ca_file" "$out/share/pullcred/ca-certificates.crt"

printf 'bundle %s (prefix %s): %d ELF files, %d bundled libraries\n' "$out" "$prefix" "${#elves[@]}" \
  "$(find "$out/$sys_rel" -type f 2>/dev/null | wc -l)"
