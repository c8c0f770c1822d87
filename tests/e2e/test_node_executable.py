"""The node installer (core/node) is linked into lib/pullcred/pullcred-node only.

pullcred-host (which bin/pullcred execs) execs pullcred-node for `pullcred
node ...` with the same argv; the host that serves every cache miss carries none of the
installer's code (read from the symbol tables).
"""
import subprocess

from conftest import BUILD_DIR, PULLCRED

PRIVATE = BUILD_DIR / "lib" / "pullcred"
HOST = PRIVATE / "pullcred-host"
NODE = PRIVATE / "pullcred-node"
# Functions of the installer library (node/installer.hpp, node/unix_http.hpp,
# node/bottlerocket.hpp) and of the `node` command.
INSTALLER_SYMBOLS = ("pullcred::node::", "pullcred::cli::run_node")


def symbols(path):
    return subprocess.run(["nm", "-C", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_host_does_not_link_the_node_installer():
    host = symbols(HOST)
    for name in INSTALLER_SYMBOLS:
        assert name not in host, name


def test_pullcred_node_is_the_executable_that_does():
    node = symbols(NODE)
    for name in INSTALLER_SYMBOLS:
        assert name in node, name
    assert "pullcred::node::" not in symbols(PULLCRED)


def run(executable, *args):
    return subprocess.run([str(executable), *args], capture_output=True, text=True, timeout=60)


def test_the_front_and_the_host_hand_node_to_pullcred_node():
    for executable in (PULLCRED, HOST):
        for args in (("node", "--help"), ("--log-level", "debug", "node", "--help")):
            completed = run(executable, *args)
            assert completed.returncode == 0, (executable, args, completed.stderr)
            assert "usage: pullcred node install|uninstall" in completed.stdout


def test_pullcred_node_runs_only_the_node_command():
    completed = run(NODE, "get-credentials")
    assert completed.returncode == 1
    assert 'unknown command "get-credentials"' in completed.stderr
    completed = run(NODE)
    assert completed.returncode == 2
    assert "node install|uninstall" in completed.stdout
