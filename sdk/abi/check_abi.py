#!/usr/bin/env python3
"""Checks that include/pullcred/module.h keeps the ABI of a released header.

   check_abi.py BASELINE_HEADER CURRENT_HEADER

Both headers are compiled into a probe (every ABI type reachable from one
function) and read back with abidw (Debian's abigail-tools). Within a major
version, every struct of the baseline must keep each member's name, offset
and type; a struct may grow only at its end and only if it starts with
struct_size (the others, the one-function sinks, are final); every
PULLCRED_* constant keeps its value, and the ABI minor never goes down.
Prints one line per break and exits 1 when there is any."""
import pathlib
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PROBE = """#include <pullcred/module.h>
const pullcred_module *pullcred_abi_probe(const pullcred_host *a, pullcred_factory *b,
    pullcred_credentials_sink *c, pullcred_auth_sink *d, pullcred_http_response_sink *e,
    pullcred_text_sink *f, pullcred_header_sink *g, const pullcred_http_request *h,
    const pullcred_sigv4_params *i, const pullcred_credentials_request *j,
    const pullcred_auth_request *k, pullcred_module_entry_fn l) {
    (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; (void)k; (void)l;
    return 0;
}
"""


def abi_xml(header, work):
    include = work / header.stem / "include"
    (include / "pullcred").mkdir(parents=True)
    (include / "pullcred" / "module.h").write_text(header.read_text())
    source = work / header.stem / "probe.c"
    source.write_text(PROBE)
    library = work / header.stem / "probe.so"
    subprocess.run(["cc", "-std=c99", "-g", "-O0", "-shared", "-fPIC", "-I", str(include), str(source), "-o",
                    str(library)], check=True)
    dumped = subprocess.run(["abidw", "--no-corpus-path", str(library)], check=True, capture_output=True, text=True)
    return ET.fromstring(dumped.stdout)


class Types:
    """Type ids of one abidw dump, spelled out so that two dumps compare."""

    def __init__(self, root):
        self.by_id = {node.get("id"): node for node in root.iter() if node.get("id")}

    def spell(self, type_id, depth=0):
        node = self.by_id.get(type_id)
        if node is None or depth > 12:
            return "?"
        tag = node.tag
        if tag in ("type-decl", "typedef-decl", "class-decl", "enum-decl", "union-decl"):
            return node.get("name")
        if tag == "pointer-type-def":
            return self.spell(node.get("type-id"), depth + 1) + "*"
        if tag == "qualified-type-def":
            return ("const " if node.get("const") == "yes" else "") + self.spell(node.get("type-id"), depth + 1)
        if tag == "array-type-def":
            return self.spell(node.get("type-id"), depth + 1) + "[" + (node.get("size-in-bits") or "") + "]"
        if tag == "function-type":
            params = [self.spell(p.get("type-id"), depth + 1) for p in node.findall("parameter")]
            ret = node.find("return")
            return self.spell(ret.get("type-id"), depth + 1) + "(" + ", ".join(params) + ")"
        return tag

    def structs(self):
        found = {}
        for node in self.by_id.values():
            if node.tag == "class-decl" and node.get("name", "").startswith("pullcred_"):
                members = [(m.find("var-decl").get("name"), int(m.get("layout-offset-in-bits")),
                            self.spell(m.find("var-decl").get("type-id"))) for m in node.findall("data-member")]
                found[node.get("name")] = (int(node.get("size-in-bits")), members)
        return found


def constants(header):
    return dict(re.findall(r"^#define (PULLCRED_[A-Z0-9_]+)[ \t]+(\S.*?)\s*(?:/\*.*)?$", header.read_text(), re.M))


def breaks(baseline, current):
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        (work / "a").mkdir()
        (work / "b").mkdir()
        old = Types(abi_xml(baseline, work / "a")).structs()
        new = Types(abi_xml(current, work / "b")).structs()
    for name, (old_size, old_members) in sorted(old.items()):
        if name not in new:
            problems.append(f"struct {name} was removed")
            continue
        new_size, new_members = new[name]
        if new_members[:len(old_members)] != old_members:
            for before, after in zip(old_members, new_members + [None] * len(old_members)):
                if before != after:
                    problems.append(f"struct {name}: member {before[0]} (offset {before[1]}, {before[2]}) "
                                    f"became {after}")
                    break
        if new_size < old_size:
            problems.append(f"struct {name} shrank from {old_size} to {new_size} bits")
        elif new_size > old_size and (not old_members or old_members[0][0] != "struct_size"):
            problems.append(f"struct {name} grew from {old_size} to {new_size} bits but has no struct_size: "
                            "it is final, add a new struct instead")
    old_constants, new_constants = constants(baseline), constants(current)
    for name, value in sorted(old_constants.items()):
        if name not in new_constants:
            problems.append(f"constant {name} was removed")
        elif name == "PULLCRED_ABI_MINOR":
            if int(new_constants[name]) < int(value):
                problems.append(f"PULLCRED_ABI_MINOR went down from {value} to {new_constants[name]}")
        elif new_constants[name] != value:
            problems.append(f"constant {name} changed from {value} to {new_constants[name]}")
    return problems


def main():
    if len(sys.argv) != 3:
        print("usage: check_abi.py BASELINE_HEADER CURRENT_HEADER", file=sys.stderr)
        return 2
    baseline, current = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if constants(baseline).get("PULLCRED_ABI_MAJOR") != constants(current).get("PULLCRED_ABI_MAJOR"):
        print(f"{current}: another ABI major than {baseline}: compare against a baseline of the same major")
        return 1
    problems = breaks(baseline, current)
    for problem in problems:
        print(f"{current}: ABI break against {baseline.name}: {problem}")
    if not problems:
        print(f"{current}: keeps the ABI of {baseline.name}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
