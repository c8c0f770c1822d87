#!/usr/bin/env python3
"""Check that docs/troubleshooting.md has a row for every error message in the code.

Usage: check_troubleshooting.py [SOURCE_DIR]   (default: two folders up)
        check_troubleshooting.py SOURCE_DIR --list   (print every key, exit 0)

What counts as an error message
-------------------------------
The script reads every core/**, libs/**, plugins/** and sdk/** file ending in .cpp, .hpp,
.c or .h (comments removed, string literals kept) and finds the calls of the
helpers that make an error message:

    make_error(...)                        core and modules: Result<T>'s Error
    fail(...)                              CLI one-liners, sigv4 signing host
                                           service, image-reference parser,
                                           credential_process command splitter
    X::failed(...) X::retryable(...)       modules: sdk Status (the text the
    X::not_applicable(...)                 host reads through last_error)
    ConfigError(...)                       modules: a rejected config block
    request_error(...)                     kubelet request decoding
    write_error(...)                       host services' error sink
    log::error(...)                        the CLI's "pullcred: error: ..." line
    write_text(...)                        HTTP host service's error sink
    problems.push_back(...)  Problem{...}  config problems (check-config)
    Error{...} FileError{...} Failure{...} error values built in place
    sdk::Status{...}                       STS and other host-side sources
    bad_reply(...) bad(...) invalid(...)   local wrappers that build a message
    spawn(...)                             (ECR reply, matchImages, durations,
                                           aws_signing_helper flags)

Reason helpers that only return a fragment ("could not resolve the host name",
"printed no Version") are not calls of these helpers and are not required, but a
row may quote them (the reverse check below still verifies them).

The message key of a call
-------------------------
Inside the call's parentheses the string literals are grouped into fragments
(adjacent literals, "a" "b", are one fragment) and unescaped.  Messages are
usually built as  "prefix " + value + " suffix" , so the key is the FIRST
fragment that, stripped of surrounding blanks, is at least MIN_KEY_CHARS (12)
characters long and holds at least one letter.  Shorter or punctuation-only
fragments (" ", ": ", "' in ") are skipped; a call with no such fragment (it
only passes on another error's text) has no key.

The check
---------
Every key must occur verbatim (as a substring) in the FIRST column of a table
row of docs/troubleshooting.md ("\\|" in the doc counts as "|"; use "…" for the
variable parts between keys).  Each missing key is printed with file:line and
the script exits 1.

The reverse check: each `code span` in a row's first column is split at "…";
every piece with at least 4 letters must still occur in some string literal of
the scanned code, else the row is stale and the script exits 1.

Python 3 standard library only.
"""

from __future__ import annotations

import os
import re
import sys
import time

MIN_KEY_CHARS = 12
SCAN_DIRS = ("core", "libs", "plugins", "sdk")
EXTENSIONS = (".cpp", ".hpp", ".c", ".h")
DOC = os.path.join("docs", "troubleshooting.md")

CALL = re.compile(
    r"(?:(?:\bmake_error|(?<![\w:.>])fail|::failed|::retryable|::not_applicable"
    r"|\bConfigError|\brequest_error|\bwrite_error|\bwrite_text|\blog::error"
    r"|\bproblems\.push_back|\bbad_reply|(?<![\w:.>])(?:bad|invalid|spawn))\s*\("
    r"|(?<![\w:.>])(?:Error|FileError|Failure|Problem|sdk::Status)\s*\{)"
)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")  # CommonMark: `a`, `` a`b ``
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\", "?": "?"}


def strip_comments(text: str) -> str:
    """Blank out comments (keeping newlines, so offsets and lines still match)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and re.match(r'R"([^()\\ ]{0,16})\(', text[i:]) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(text[i:j])
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def literals(text: str):
    """(start, end, unescaped value) of each "..." literal, in order; R"(...)" too."""
    found = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if m:
                body = i + m.end()
                end = text.find(")" + m.group(1) + '"', body)
                end = n if end < 0 else end
                found.append((i, end + len(m.group(1)) + 2, text[body:end]))
                i = end + len(m.group(1)) + 2
                continue
        if c == "'" and not (i > 0 and text[i - 1].isalnum()):
            j = i + 1
            while j < n and text[j] != "'" and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == '"':
            j, value = i + 1, []
            while j < n and text[j] != '"' and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    value.append(ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                    j += 2
                else:
                    value.append(text[j])
                    j += 1
            found.append((i, j + 1, "".join(value)))
            i = j + 1
            continue
        i += 1
    return found


def call_end(text: str, open_paren: int, spans) -> int:
    """Offset just past the ')' matching text[open_paren], skipping literals."""
    depth, i, n = 0, open_paren, len(text)
    inside = {start: end for start, end, _ in spans}
    while i < n:
        if i in inside:
            i = inside[i]
            continue
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == ";" and depth <= 1:
            return i  # unbalanced: stop at the statement's end
        i += 1
    return n


def fragments(text: str, spans):
    """Group literals separated only by blanks ("a" "b") into fragments."""
    groups = []
    for start, end, value in spans:
        if groups and text[groups[-1][1] : start].strip() == "":
            groups[-1] = (groups[-1][0], end, groups[-1][2] + value)
        else:
            groups.append((start, end, value))
    return groups


def is_key(fragment: str) -> bool:
    s = fragment.strip()
    return len(s) >= MIN_KEY_CHARS and any(ch.isalpha() for ch in s)


def source_files(root: str):
    for top in SCAN_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(EXTENSIONS):
                    yield os.path.join(dirpath, name)


def extract(root: str):
    """-> (keys: {key: [file:line, ...]}, all literal text of the code)"""
    keys: dict[str, list[str]] = {}
    every_literal = []
    for path in source_files(root):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = strip_comments(f.read())
        spans = literals(text)
        every_literal.extend(value for _, _, value in spans)
        every_literal.extend(value for _, _, value in fragments(text, spans))
        string_at = [(s, e) for s, e, _ in spans]
        for m in CALL.finditer(text):
            if any(s <= m.start() < e for s, e in string_at):
                continue  # the name is inside a string literal
            open_paren = m.end() - 1
            end = call_end(text, open_paren, spans)
            inner = [sp for sp in spans if open_paren < sp[0] and sp[1] <= end]
            for _, _, value in fragments(text, inner):
                if is_key(value):
                    line = text.count("\n", 0, m.start()) + 1
                    where = f"{os.path.relpath(path, root)}:{line}"
                    keys.setdefault(value.strip(), []).append(where)
                    break
    return keys, "\0".join(every_literal)


def message_cells(doc_text: str):
    """First cell of each table row (header and separator rows excluded)."""
    cells = []
    for number, line in enumerate(doc_text.splitlines(), 1):
        if not line.startswith("|") or re.match(r"^\|[\s:|-]+\|?\s*$", line):
            continue
        # split on '|' that is not escaped as '\|'
        parts = re.split(r"(?<!\\)\|", line)
        if len(parts) < 3:
            continue
        cell = parts[1].replace("\\|", "|").strip()
        if cell.lower() in ("message", "error message", "messages"):
            continue
        cells.append((number, cell))
    return cells


def main(argv) -> int:
    started = time.monotonic()
    args = [a for a in argv[1:] if not a.startswith("--")]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), "..", ".."))
    keys, code_text = extract(root)
    if "--list" in argv:
        for key, places in sorted(keys.items()):
            print(f"{places[0]}\t{key}")
        print(f"{len(keys)} keys", file=sys.stderr)
        return 0

    doc_path = os.path.join(root, DOC)
    try:
        with open(doc_path, encoding="utf-8") as f:
            doc_text = f.read()
    except OSError as e:
        print(f"check_troubleshooting: cannot read {doc_path}: {e}", file=sys.stderr)
        return 1
    cells = message_cells(doc_text)
    column = "\n".join(cell for _, cell in cells)

    missing = [(places, key) for key, places in keys.items() if key not in column]
    for places, key in sorted(missing):
        more = f" (and {len(places) - 1} more)" if len(places) > 1 else ""
        print(f"{places[0]}: no row in {DOC} for: {key!r}{more}")

    stale = []
    for number, cell in cells:
        for _, span in CODE_SPAN.findall(cell):
            if span.startswith(" ") and span.endswith(" ") and span.strip():
                span = span[1:-1]
            for piece in span.split("…"):
                piece = piece.strip()
                if sum(ch.isalpha() for ch in piece) >= 4 and piece not in code_text:
                    stale.append((number, piece))
    for number, piece in stale:
        print(f"{DOC}:{number}: {piece!r} is in no string literal of {', '.join(SCAN_DIRS)} (stale row?)")

    elapsed = time.monotonic() - started
    status = "FAIL" if missing or stale else "ok"
    print(
        f"check_troubleshooting: {status}: {len(keys)} message keys, {len(missing)} missing, "
        f"{len(cells)} rows, {len(stale)} stale ({elapsed:.2f}s)"
    )
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
