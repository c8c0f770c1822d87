"""pytest wiring for the Helm chart tests: the fixtures live in chartkit.py."""
import os

import chartkit
from chartkit import chart, helm, node_modules, render  # noqa: F401  (fixtures)


def pytest_sessionfinish(session, exitstatus):
    """With PULLCRED_SKIP_RETURN_CODE set (ctest's SKIP_RETURN_CODE), a run in
    which the tools could not be installed and nothing failed exits with that
    code, so ctest reports the suite as skipped rather than passed."""
    code = os.environ.get("PULLCRED_SKIP_RETURN_CODE")
    if code and chartkit.tools_missing and exitstatus == 0:
        session.exitstatus = int(code)
