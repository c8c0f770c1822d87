"""sdk/abi/check_abi.py: each kind of ABI break in a copy of module.h is
reported, and the growth the rules allow is not."""
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CHECK = SOURCE_DIR / "sdk" / "abi" / "check_abi.py"
BASELINE = SOURCE_DIR / "sdk" / "abi" / "module-1.1.h"
CURRENT = SOURCE_DIR / "sdk" / "include" / "pullcred" / "module.h"


def check(tmp_path, old, new):
    header = tmp_path / "module.h"
    text = CURRENT.read_text()
    assert old in text, old
    header.write_text(text.replace(old, new, 1))
    return subprocess.run(["/usr/bin/python3", CHECK, BASELINE, header], capture_output=True, text=True,
                          timeout=120)


def test_the_current_header_keeps_the_released_abi():
    done = subprocess.run(["/usr/bin/python3", CHECK, BASELINE, CURRENT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("old,new,expected", [
    ("    int64_t (*now_unix_ms)(void *ctx);\n", "    int32_t (*now_unix_ms)(void *ctx);\n",
     "member now_unix_ms"),
    ("    pullcred_str profile;     /* the profile being resolved */\n    pullcred_str region_hint;",
     "    pullcred_str region_hint;\n    pullcred_str profile;", "struct pullcred_credentials_request"),
    ("    void (*write)(void *ctx, pullcred_str text);\n} pullcred_text_sink;",
     "    void (*write)(void *ctx, pullcred_str text);\n    int extra;\n} pullcred_text_sink;",
     "pullcred_text_sink grew"),
    ("#define PULLCRED_RETRYABLE 2", "#define PULLCRED_RETRYABLE 4", "PULLCRED_RETRYABLE changed"),
    ("#define PULLCRED_HTTP_IGNORE_PROXY 0x2u\n", "", "PULLCRED_HTTP_IGNORE_PROXY was removed"),
])
def test_a_break_is_reported(tmp_path, old, new, expected):
    done = check(tmp_path, old, new)
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stdout


def test_growth_at_the_end_of_a_struct_with_struct_size_is_allowed(tmp_path):
    done = check(tmp_path, "    pullcred_status (*get_env)(void *ctx, pullcred_str name, pullcred_text_sink *out);\n",
                 "    pullcred_status (*get_env)(void *ctx, pullcred_str name, pullcred_text_sink *out);\n"
                 "    void *added_later;\n")
    assert done.returncode == 0, done.stdout + done.stderr
