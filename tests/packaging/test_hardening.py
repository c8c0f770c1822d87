"""Every ELF file `cmake --install` ships (bin/pullcred, the static-pie front;
lib/pullcred/pullcred-host; lib/pullcred/pullcred-node; libpullcred-net.so;
every module) carries the hardening of cmake/Hardening.cmake, read back with
readelf: PIE, full RELRO,
BIND_NOW, the stack protector, _FORTIFY_SOURCE and, on x86-64, IBT and SHSTK.
A tiny program built with plain `cc` is rejected by the same checks."""
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess

import pytest

import elf_hardening

SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2])).resolve()
BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", SOURCE_DIR / "build" / "ci")).resolve()
X86_64 = platform.machine() in ("x86_64", "AMD64")
CODEGEN_FLAGS = ["-fstack-protector-strong", "-fstack-clash-protection"] + (["-fcf-protection"] if X86_64 else [])

pytestmark = pytest.mark.skipif(shutil.which("readelf") is None, reason="readelf not installed (binutils)")


def cache_value(name):
    match = re.search(rf"^{name}:\w+=(.*)$", (BUILD_DIR / "CMakeCache.txt").read_text(), re.M)
    return match.group(1) if match else ""


def optimised():
    return cache_value("CMAKE_BUILD_TYPE") in ("Release", "RelWithDebInfo", "MinSizeRel")


def sanitized():
    return cache_value("PULLCRED_SANITIZE").upper() in ("ON", "1", "TRUE", "YES")


def toolchain_marks_cet():
    """Whether the C library's startup files carry IBT and SHSTK: the linker
    marks a binary only when every object in it does (Debian 12's glibc
    startup files do not, whatever our code is compiled with)."""
    crt = [subprocess.run(["cc", f"-print-file-name={name}"], capture_output=True, text=True,
                          check=True).stdout.strip() for name in ("crti.o", "crtn.o")]
    return all(re.search(r"x86 feature:.*IBT.*SHSTK", elf_hardening.readelf("-n", path)) for path in crt)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("install")
    done = subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix), "--component", "runtime"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return prefix


@pytest.fixture(scope="module")
def shipped(installed):
    files = sorted(p for p in installed.rglob("*") if p.is_file() and not p.is_symlink()
                   and elf_hardening.is_elf(p))
    names = {str(p.relative_to(installed)) for p in files}
    for expected in ("bin/pullcred", "lib/pullcred/pullcred-host", "lib/pullcred/pullcred-node",
                     "lib/pullcred/libpullcred-net.so",
                     "lib/pullcred/modules/source-process.so", "lib/pullcred/modules/registry-ecr.so"):
        assert expected in names, f"{expected} is not installed: {sorted(names)}"
    return files


def test_every_installed_binary_is_hardened(installed, shipped):
    if sanitized():
        pytest.skip("sanitizer builds link the front dynamically and do not fortify")
    cet = X86_64 and toolchain_marks_cet()
    report = {}
    for path in shipped:
        # _FORTIFY_SOURCE needs optimisation; every binary then calls at least
        # __snprintf_chk (the compile flags are checked below too).
        fortified = optimised()
        found = elf_hardening.problems(path, need_fortified=fortified, need_cet=cet)
        if found:
            report[str(path.relative_to(installed))] = found
    assert report == {}


def test_the_front_is_static_pie(installed):
    if sanitized():
        pytest.skip("sanitizer builds link the front dynamically")
    front = installed / "bin" / "pullcred"
    assert "INTERP" not in elf_hardening.readelf("-l", str(front))
    assert "NEEDED" not in elf_hardening.dynamic_entries(front)
    assert re.search(r"Type:\s+DYN", elf_hardening.readelf("-h", str(front)))
    version = subprocess.run([str(front), "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and version.stdout.startswith("pullcred "), version.stdout + version.stderr


def private_objects(installed):
    private = installed / "lib" / "pullcred"
    return [private / "pullcred-host", private / "pullcred-node", private / "pullcred-signing-helper",
            private / "libpullcred-net.so", *sorted((private / "modules").glob("*.so"))]


def test_private_objects_load_no_cxx_runtime_and_libraries_export_only_their_entry(installed):
    """pullcred::static_cxx_runtime: the private executables, the network library and the in-tree
    modules carry libstdc++ and libgcc, and the libraries keep their symbols to themselves (only the
    C ABI entry is exported)."""
    if cache_value("PULLCRED_STATIC_CXX_RUNTIME").upper() not in ("ON", "1", "TRUE", "YES"):
        pytest.skip("PULLCRED_STATIC_CXX_RUNTIME is off (the default with sanitizers)")
    entry = {"libpullcred-net.so": {"pullcred_net_services"}}
    report = {}
    for path in private_objects(installed):
        needed = [value for value in elf_hardening.dynamic_entries(path).get("NEEDED", [])
                  if re.search(r"libstdc\+\+|libgcc_s", value)]
        if needed:
            report[path.name] = needed
        if path.suffix == ".so":
            exported = subprocess.run(["nm", "-D", "--defined-only", str(path)], capture_output=True, text=True,
                                      check=True).stdout.split()[2::3]
            if set(exported) != entry.get(path.name, {"pullcred_module_entry"}):
                report[path.name] = exported
    assert report == {}


def test_every_shipped_object_is_compiled_hardened():
    """compile_commands.json: every source outside tests/ (all of it ends up in
    a shipped binary or a static library linked into one)."""
    commands = json.loads((BUILD_DIR / "compile_commands.json").read_text())
    checked = 0
    wrong = {}
    for entry in commands:
        source = pathlib.Path(entry["file"])
        # Sources, and the precompiled headers generated in the build tree.
        base = BUILD_DIR if BUILD_DIR in source.parents else SOURCE_DIR
        if base not in source.parents or source.relative_to(base).parts[0] == "tests":
            continue
        words = entry.get("command", "").split() or entry.get("arguments", [])
        expected = list(CODEGEN_FLAGS) + [("-fPIC", "-fPIE")]
        if optimised() and not sanitized():
            expected.append("-D_FORTIFY_SOURCE=3" if "-D_FORTIFY_SOURCE=3" in words else "-D_FORTIFY_SOURCE=2")
        missing = [flag for flag in expected
                   if not (any(f in words for f in flag) if isinstance(flag, tuple) else flag in words)]
        if missing:
            wrong[str(source.relative_to(base))] = missing
        checked += 1
    assert checked > 50
    assert wrong == {}


def test_shipped_code_carries_ibt_and_shstk_marks():
    """Whatever the C library's startup files do, every object file of ours
    that a shipped binary links is marked IBT and SHSTK (-fcf-protection)."""
    if not X86_64:
        pytest.skip("IBT and SHSTK are x86 features")
    objects = [p for p in BUILD_DIR.rglob("*.o")
               if "tests" not in p.relative_to(BUILD_DIR).parts and "CMakeFiles" in p.parts
               and "CompilerId" not in str(p)]
    assert len(objects) > 50
    unmarked = [str(p.relative_to(BUILD_DIR)) for p in objects
                if not re.search(r"x86 feature:.*IBT.*SHSTK", elf_hardening.readelf("-n", str(p)))]
    assert unmarked == []


def test_an_unhardened_binary_is_rejected(tmp_path):
    """A plain `cc` build (no flags) of a program with an array and a memcpy:
    the checker must name what it lacks."""
    source = tmp_path / "plain.c"
    source.write_text('#include <stdio.h>\n#include <string.h>\n'
                      'int main(int argc, char **argv) {\n'
                      '    char buffer[64];\n'
                      '    strcpy(buffer, argc > 1 ? argv[1] : "x");\n'
                      '    printf("%s %zu\\n", buffer, strlen(buffer));\n'
                      '    return 0;\n}\n')
    plain = tmp_path / "plain"
    subprocess.run(["cc", str(source), "-o", str(plain)], check=True)
    found = elf_hardening.problems(plain)
    for expected in ("no BIND_NOW in DT_FLAGS", "no NOW in DT_FLAGS_1",
                     "no stack protector (__stack_chk_fail is not referenced)",
                     "no fortified function (__*_chk) referenced (_FORTIFY_SOURCE)"):
        assert expected in found, found
    if X86_64:
        assert "no IBT and SHSTK in .note.gnu.property (-fcf-protection)" in found
    static = tmp_path / "static"
    subprocess.run(["cc", "-static", "-no-pie", str(source), "-o", str(static)], check=True)
    found = elf_hardening.problems(static)
    assert "not position-independent (ELF type is not DYN)" in found, found
    assert "no RELRO (no PT_GNU_RELRO segment)" in found or "no BIND_NOW in DT_FLAGS" in found, found


def test_the_sdk_example_built_against_the_installed_sdk_is_hardened(tmp_path):
    """pullcred_add_module() (the installed SDK's) hardens third-party modules too."""
    prefix, build = tmp_path / "prefix", tmp_path / "build"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix), "--component", "sdk"],
                   check=True, capture_output=True)
    configure = subprocess.run(["cmake", "-S", str(SOURCE_DIR / "sdk/examples/docker-config-backend"), "-B",
                                str(build), "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}",
                                "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_TESTING=OFF",
                                "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"],
                               capture_output=True, text=True, timeout=300)
    assert configure.returncode == 0, configure.stdout + configure.stderr
    built = subprocess.run(["cmake", "--build", str(build)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    module = build / "docker-config-backend.so"
    cet = X86_64 and toolchain_marks_cet()
    assert elf_hardening.problems(module, need_fortified=False, need_cet=cet) == []
    for entry in json.loads((build / "compile_commands.json").read_text()):
        for flag in CODEGEN_FLAGS + ["-D_FORTIFY_SOURCE="]:
            assert flag in entry["command"], (flag, entry["file"])
