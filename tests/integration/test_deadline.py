"""The invocation deadline (settings.deadline) bounds retries and a server
that never answers. These tests get an emulator of their own: the call it
holds open outlives the test, and must not be counted by the next one."""
import re

import pytest

from conftest import start_emulator
from test_ecr import ECR_PATTERNS, PRIVATE

SERVER_DELAY = 30  # far past the deadline, so a pullcred that waits for the answer cannot pass
DEADLINE = 3
# The process's start and exit come on top of the deadline; a loaded 2-core CI
# machine has been seen to need several seconds for them.
SLACK = 9


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory)
    yield emu
    emu.stop()


def test_server_errors_until_the_deadline(emulator, setup, pullcred):
    emulator.inject("status", action=PRIVATE, count=1000, code=500)
    config = setup([{"matchImages": ECR_PATTERNS}], settings={"deadline": f"{DEADLINE}s"})
    run = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a", env={"AWS_MAX_ATTEMPTS": "1000"})
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed" in line
    assert "HTTP 500" in line
    assert emulator.count(PRIVATE) >= 2, "5xx is retried"
    assert run.elapsed < DEADLINE + SLACK, f"took {run.elapsed:.1f} s with a {DEADLINE} s deadline"


def test_a_server_that_does_not_answer_stops_at_the_deadline(emulator, setup, pullcred):
    emulator.inject("delay", action=PRIVATE, count=10, seconds=SERVER_DELAY)
    config = setup([{"matchImages": ECR_PATTERNS}], settings={"deadline": f"{DEADLINE}s"})
    run = pullcred(config, "111122223333.dkr.ecr.us-west-2.amazonaws.com/a")
    assert run.code != 0
    line = run.error_line()
    assert "ECR GetAuthorizationToken in us-west-2 failed" in line
    assert re.search(r"stopped: deadline of [0-9.]+ s reached", line), line
    assert run.elapsed < DEADLINE + SLACK, f"took {run.elapsed:.1f} s with a {DEADLINE} s deadline"
