"""Checks one ELF file for the hardening pullcred's shipped binaries carry
(cmake/Hardening.cmake), with readelf (binutils). problems() returns what is
missing, one short sentence each; an empty list means hardened."""
import re
import subprocess

# Fortified glibc entry points (_FORTIFY_SOURCE), not the stack protector's own.
FORTIFIED = re.compile(r"\b__(?!stack_chk)\w+_chk\b")


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=True).stdout


def is_elf(path):
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def is_library(path):
    return re.search(r"\.so(\.[0-9]+)*$", path.name) is not None


def dynamic_entries(path):
    """{tag: [values]} of the dynamic section, e.g. {"FLAGS_1": ["Flags: NOW PIE"]}."""
    entries = {}
    for line in readelf("-d", str(path)).splitlines():
        match = re.match(r"\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$", line)
        if match:
            entries.setdefault(match.group(1), []).append(match.group(2))
    return entries


def symbols(path):
    """Every symbol name in .dynsym and .symtab."""
    names = set()
    for line in readelf("-s", str(path)).splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0].endswith(":"):
            names.add(fields[7].split("@")[0])
    return names


def problems(path, need_fortified=True, need_cet=True):
    """What `path` lacks. need_fortified: it must call a fortified (__*_chk)
    function; need_cet: its .note.gnu.property must say IBT and SHSTK."""
    found = []
    library = is_library(path)
    header = readelf("-h", str(path))
    if not re.search(r"Type:\s+DYN", header):
        found.append("not position-independent (ELF type is not DYN)")
    program = readelf("-l", str(path))
    dynamic = dynamic_entries(path)
    if not library:
        if "INTERP" not in program and "NEEDED" in dynamic:
            found.append("an executable with NEEDED libraries but no interpreter")
        if "PIE" not in " ".join(dynamic.get("FLAGS_1", [])).split():
            found.append("not a PIE executable (no PIE in DT_FLAGS_1)")
    if "GNU_RELRO" not in program:
        found.append("no RELRO (no PT_GNU_RELRO segment)")
    if "BIND_NOW" not in " ".join(dynamic.get("FLAGS", [])).split():
        found.append("no BIND_NOW in DT_FLAGS")
    if "NOW" not in " ".join(dynamic.get("FLAGS_1", [])).split():
        found.append("no NOW in DT_FLAGS_1")
    names = symbols(path)
    if "__stack_chk_fail" not in names:
        found.append("no stack protector (__stack_chk_fail is not referenced)")
    if need_fortified and not any(FORTIFIED.fullmatch(name) for name in names):
        found.append("no fortified function (__*_chk) referenced (_FORTIFY_SOURCE)")
    if need_cet and not re.search(r"x86 feature:.*IBT.*SHSTK", readelf("-n", str(path))):
        found.append("no IBT and SHSTK in .note.gnu.property (-fcf-protection)")
    return found
