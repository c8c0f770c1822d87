#!/usr/bin/env python3
"""Writes OUT_DIR/compile_commands.json for the static checks: the entries of
core/, libs/ and plugins/ from SRC_DB (the ci preset's), plus the SDK example module
(sdk/examples/docker-config-backend, built elsewhere against the installed SDK),
compiled like a plugin; through it the checks see the SDK headers.
  lint-compile-db.py ROOT SRC_DB OUT_DIR"""
import json
import os
import shlex
import sys

root, src_db, out_dir = sys.argv[1:4]
entries = json.load(open(src_db, encoding="utf-8"))
keep = [e for e in entries if os.path.relpath(e["file"], root).split(os.sep)[0] in ("core", "libs", "plugins")]
template = next(e for e in entries if e["file"].endswith("plugins/source-static/static_source.cpp"))
example = os.path.join(root, "sdk/examples/docker-config-backend")
base = [a for a in shlex.split(template["command"])
        if a not in ("-o", "-c") and not a.startswith("-Dsource_static") and not a.endswith((".o", ".cpp"))]
for name in sorted(os.listdir(example)):
    if name.endswith(".cpp"):
        path = os.path.join(example, name)
        keep.append({"directory": template["directory"], "file": path,
                     "arguments": base + ["-I" + example, '-DMODULE_PATH="docker-config-backend.so"', "-c", path]})
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "compile_commands.json"), "w", encoding="utf-8") as out:
    json.dump(keep, out, indent=1)
