"""Shared by the hostile-input suite: one emulator, the environment aimed at
it, and a known-good node (static keys in a Secret directory, aws.ecr) that
each case then breaks in one place."""
import json
import os
import pathlib
import re
import sys

import pytest

from harness import PULLCRED, SECRETS, SOURCE_DIR

sys.path.insert(0, str(SOURCE_DIR / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402

SCRUBBED = re.compile(r"^(AWS_|PULLCRED_|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$|ALL_PROXY$|ASAN_|UBSAN_)")
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/app"
REGISTRY = IMAGE.split("/", 1)[0]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    assert PULLCRED.exists(), f"build pullcred first: {PULLCRED}"
    emu = Emulator().start(tmp_path_factory.mktemp("emulator"))
    SECRETS.update(keys["secretAccessKey"] for keys in emu.static_credentials)
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def base_env(emulator):
    env = {key: value for key, value in os.environ.items() if not SCRUBBED.match(key)}
    env.update(AWS_ENDPOINT_URL=emulator.url, AWS_CA_BUNDLE=emulator.ca_bundle, AWS_EC2_METADATA_DISABLED="true",
               # A sanitizer report must end the process with a status the harness sees.
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
               UBSAN_OPTIONS="print_stacktrace=0:halt_on_error=1:exitcode=99")
    return env


@pytest.fixture(scope="session")
def keys(emulator):
    return emulator.static_credentials[0]


@pytest.fixture(scope="session")
def node(keys, emulator):
    """node.config(case_dir, **overrides) writes the good config (and its Secret) into case_dir."""
    class Node:
        password = emulator.ecr_password("111122223333", "us-west-2", keys["accessKeyId"])
        SECRETS.add(password)

        @staticmethod
        def secret(case_dir):
            secret = pathlib.Path(case_dir) / "secret"
            secret.mkdir(exist_ok=True)
            (secret / "AWS_ACCESS_KEY_ID").write_text(keys["accessKeyId"] + "\n")
            (secret / "AWS_SECRET_ACCESS_KEY").write_text(keys["secretAccessKey"] + "\n")
            (secret / "REGION").write_text("us-west-2\n")
            return secret

        @staticmethod
        def document(case_dir, cache=False, profiles=None):
            return {"apiVersion": "pullcred/v1", "kind": "Config",
                    "cache": {"dir": str(pathlib.Path(case_dir) / "cache"), "enabled": cache},
                    "profiles": profiles or {"keys": {"source": "aws.static",
                                                      "secretDir": str(Node.secret(case_dir))}},
                    "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                                    "profile": next(iter(profiles)) if profiles else "keys",
                                    "cacheDuration": "5h"}]}

        @staticmethod
        def config(case_dir, document=None, **kwargs):
            path = pathlib.Path(case_dir) / "config.json"
            path.write_text(json.dumps(document or Node.document(case_dir, **kwargs)))
            return path

        @staticmethod
        def answered(result, case_dir=None):
            auth = result.auth()
            assert auth[REGISTRY]["password"] == Node.password, auth
    return Node
