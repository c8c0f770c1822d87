"""Root runs and believes only what root wrote (util/trust.hpp), with the real
binary, real owners and modes (CI runs as root; uid 65534 is nobody):

- a config owned by nobody, world-writable, or in a directory nobody owns is
  refused by get-credentials (host and cache-hit front) and check-config,
  with one line, and nothing it names is run;
- a world-writable credential_process program, or one found on PATH in a
  directory nobody owns, is refused and not run;
- a file named as a module that is no pullcred module (a system library, a
  .so whose constructor leaves a marker) is refused before dlopen;
- a kubelet-style volume (..data symlinks, all root's) and /tmp as a sticky
  parent are accepted; as nobody, nobody's own files work as before.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from conftest import BUILD_DIR, PULLCRED, kubelet_request, scrubbed_env

NOBODY = 65534
FIXTURES = BUILD_DIR / "tests" / "unit" / "modules" / "fixtures"
GOOD = FIXTURES / "test_good.so"
CONSTRUCTOR_MARKER = FIXTURES / "test_constructor_marker.so"
IMAGE = "trust.example.com/app"
KEY_ID = "AKIDROOTTRUST"
SECRET = "root-trust-secret-0123456789"
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files of other owners")


def credential_script(path, marker):
    """A credential_process program that leaves `marker` when it runs."""
    path.write_text("#!/bin/sh\n"
                    f"touch '{marker}'\n"
                    f"echo '{{\"Version\": 1, \"AccessKeyId\": \"{KEY_ID}\", \"SecretAccessKey\": \"{SECRET}\"}}'\n")
    path.chmod(0o755)
    return path


def write_config(path, command, cache_dir, modules=(str(GOOD),)):
    path.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config",
        "modules": list(modules),
        "cache": {"dir": str(cache_dir)},
        "profiles": {"p": {"source": "aws.process", "command": command}},
        "registries": [{"matchImages": ["trust.example.com"], "backend": "test.echo", "profile": "p",
                        "cacheDuration": "1h"}],
    }))
    path.chmod(0o644)
    return path


def run(*args, config, prefix=(), env=None):
    full_env = scrubbed_env()
    full_env.update(env or {})
    return subprocess.run([*prefix, str(PULLCRED), *args, "--config", str(config)],
                          input=kubelet_request(IMAGE), capture_output=True, text=True, env=full_env,
                          timeout=60, check=False)


def get_credentials(config, **kwargs):
    return run("get-credentials", config=config, **kwargs)


def error_lines(completed):
    return [line for line in completed.stderr.splitlines() if line.strip()]


def password(completed):
    assert completed.returncode == 0, completed.stderr
    return next(iter(json.loads(completed.stdout)["auth"].values()))["password"]


@pytest.fixture
def node(tmp_path):
    """A config naming a credential_process script that leaves a marker."""
    assert GOOD.exists() and CONSTRUCTOR_MARKER.exists(), f"build the module fixtures first: {FIXTURES}"

    class Node:
        marker = tmp_path / "ran"
        script = credential_script(tmp_path / "creds.sh", tmp_path / "ran")
        config = write_config(tmp_path / "config.yaml", str(tmp_path / "creds.sh"), tmp_path / "cache")
    return Node


def test_a_trusted_config_runs_its_program(node):
    # The control: the same setup, trusted, does run the script.
    assert password(get_credentials(node.config)) == SECRET
    assert node.marker.exists()


@pytest.mark.parametrize("owner,mode,described,fix", [
    (NOBODY, 0o644, "owned by uid 65534 with mode 0644", "chown root:root {0}"),
    (0, 0o666, "owned by uid 0 with mode 0666", "chmod go-w {0}"),
    (NOBODY, 0o646, "owned by uid 65534 with mode 0646", "chown root:root {0} && chmod go-w {0}"),
])
def test_an_untrusted_config_is_refused_and_nothing_runs(node, owner, mode, described, fix):
    os.chown(node.config, owner, owner)
    node.config.chmod(mode)
    expected = (f"config {node.config}: {described}, and pullcred runs as root: only root may be able to "
                f"change it; fix: {fix.format(node.config)}")
    refused = get_credentials(node.config)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert error_lines(refused) == [f"pullcred: error: {expected}"]
    checked = run("check-config", config=node.config)
    assert checked.returncode == 1
    # check-config names the file at the start of the line.
    assert f"{node.config}: error: {expected.removeprefix(f'config {node.config}: ')}" in error_lines(checked), \
        checked.stderr
    assert not node.marker.exists()


def test_a_config_in_a_directory_nobody_owns_is_refused(node, tmp_path):
    directory = tmp_path / "etc"
    directory.mkdir()
    moved = directory / "config.yaml"
    shutil.move(node.config, moved)
    os.chown(directory, NOBODY, NOBODY)
    refused = get_credentials(moved)
    assert refused.returncode == 1
    assert error_lines(refused) == [
        f"pullcred: error: config {moved}: directory {directory} is owned by uid 65534 with mode 0755, and "
        f"pullcred runs as root: only root may be able to change what it holds; fix: chown root:root {directory}"]
    assert not node.marker.exists()


def test_a_symlink_in_a_directory_nobody_owns_is_refused(node, tmp_path):
    links = tmp_path / "links"
    links.mkdir()
    (links / "config.yaml").symlink_to(node.config)
    os.chown(links, NOBODY, NOBODY)
    refused = get_credentials(links / "config.yaml")
    assert refused.returncode == 1
    assert f"directory {links} is owned by uid 65534" in refused.stderr, refused.stderr
    assert not node.marker.exists()


def test_the_cache_hit_front_refuses_an_untrusted_config_too(node):
    assert password(get_credentials(node.config)) == SECRET
    node.marker.unlink()
    assert password(get_credentials(node.config)) == SECRET  # a cache hit: nothing ran
    assert not node.marker.exists()
    node.config.chmod(0o666)  # the same bytes: its cache stamp still matches
    refused = get_credentials(node.config)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert error_lines(refused) == [
        f"pullcred: error: config {node.config}: owned by uid 0 with mode 0666, and pullcred runs as root: only "
        f"root may be able to change it; fix: chmod go-w {node.config}"]


def test_a_kubelet_style_volume_is_accepted(node, tmp_path):
    volume = tmp_path / "volume"
    (volume / "..2026_01_01_00_00_00.1").mkdir(parents=True)
    shutil.move(node.config, volume / "..2026_01_01_00_00_00.1" / "config.yaml")
    (volume / "..data").symlink_to("..2026_01_01_00_00_00.1")
    (volume / "config.yaml").symlink_to("..data/config.yaml")
    assert password(get_credentials(volume / "config.yaml")) == SECRET
    assert node.marker.exists()


def test_tmp_is_an_acceptable_sticky_parent(node):
    with tempfile.NamedTemporaryFile("w", dir="/tmp", prefix="pullcred-trust-", suffix=".yaml") as config:
        config.write(node.config.read_text())
        config.flush()
        os.chmod(config.name, 0o644)
        assert password(get_credentials(config.name)) == SECRET
    assert node.marker.exists()


def test_a_world_writable_program_is_refused_and_not_run(node):
    node.script.chmod(0o777)
    refused = get_credentials(node.config)
    assert refused.returncode == 1
    assert not node.marker.exists()
    lines = error_lines(refused)
    assert len(lines) == 1, refused.stderr
    assert f"credential process {node.script} for profile p was not run" in lines[0]
    assert f"{node.script}: owned by uid 0 with mode 0777, and pullcred runs as root" in lines[0]
    assert f"fix: chmod go-w {node.script}" in lines[0]


def test_a_program_found_on_path_in_a_directory_nobody_owns_is_refused(node, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.move(node.script, bin_dir / "creds-helper")
    write_config(node.config, "creds-helper", tmp_path / "cache")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    assert password(get_credentials(node.config, env=env)) == SECRET  # found and trusted
    node.marker.unlink()
    os.chown(bin_dir, NOBODY, NOBODY)
    shutil.rmtree(tmp_path / "cache")
    refused = get_credentials(node.config, env=env)
    assert refused.returncode == 1
    assert f"directory {bin_dir} is owned by uid 65534" in refused.stderr, refused.stderr
    assert not node.marker.exists()


def system_libz():
    for path in ("/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1",
                 "/usr/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1"):
        if pathlib.Path(path).exists():
            return path
    pytest.skip("no libz.so.1")


def test_a_system_library_named_as_a_module_is_refused_before_loading(node, tmp_path):
    libz = system_libz()
    write_config(node.config, str(node.script), tmp_path / "cache", modules=[str(GOOD), libz])
    checked = run("check-config", config=node.config)
    assert checked.returncode == 1
    assert (f"modules[1]: error: module {libz}: refused before loading, it has no symbol pullcred_module_entry "
            "(it is no pullcred module); build it with pullcred_add_module() and PULLCRED_MODULE(...)"
            in error_lines(checked)), checked.stderr


def test_a_library_that_is_no_module_never_runs_its_constructors(node, tmp_path):
    constructed = tmp_path / "constructed"
    write_config(node.config, str(node.script), tmp_path / "cache", modules=[str(GOOD), str(CONSTRUCTOR_MARKER)])
    env = {"PULLCRED_TEST_CONSTRUCTOR_MARKER": str(constructed)}
    checked = run("check-config", config=node.config, env=env)
    assert checked.returncode == 1
    assert f"module {CONSTRUCTOR_MARKER}: refused before loading" in checked.stderr, checked.stderr
    # get-credentials warns about a module it cannot load and goes on with the others.
    served = run("get-credentials", config=node.config, env=env)
    assert f"warning: module {CONSTRUCTOR_MARKER}: refused before loading" in served.stderr, served.stderr
    assert password(served) == SECRET
    assert not constructed.exists(), "pullcred ran the constructor of a file that is no module"


@pytest.fixture
def nobody_home():
    """A directory of nobody's, outside pytest's root-only tmp dirs."""
    home = pathlib.Path(tempfile.mkdtemp(prefix="pullcred-nobody-"))
    home.chmod(0o755)
    os.chown(home, NOBODY, NOBODY)
    yield home
    shutil.rmtree(home)


def test_as_nobody_nobodys_own_files_work_as_before(nobody_home):
    script = credential_script(nobody_home / "creds.sh", nobody_home / "ran")
    config = write_config(nobody_home / "config.yaml", str(script), nobody_home / "cache")
    for path in (script, config):
        os.chown(path, NOBODY, NOBODY)
    for command in ("check-config", "get-credentials"):
        completed = run(command, config=config, prefix=AS_NOBODY, env={"HOME": str(nobody_home)})
        assert completed.returncode == 0, completed.stderr
    assert password(completed) == SECRET
    assert (nobody_home / "ran").exists()


def test_a_ca_bundle_others_can_change_is_refused_before_any_call(emulator, tmp_path):
    emulator.reset()
    keys = emulator.static_credentials[0]
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    (secret_dir / "AWS_ACCESS_KEY_ID").write_text(keys["accessKeyId"])
    (secret_dir / "AWS_SECRET_ACCESS_KEY").write_text(keys["secretAccessKey"])
    bundle = tmp_path / "ca.pem"
    shutil.copyfile(emulator.ca_bundle, bundle)
    bundle.chmod(0o644)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"enabled": False},
        "profiles": {"keys": {"source": "aws.static", "secretDir": str(secret_dir)}},
        "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "keys"}]}))
    config.chmod(0o644)
    image = "444455556666.dkr.ecr.us-west-2.amazonaws.com/team/app"

    def fetch():
        return subprocess.run([str(PULLCRED), "get-credentials", "--config", str(config)],
                              input=kubelet_request(image), capture_output=True, text=True, timeout=60,
                              env={**scrubbed_env(), "AWS_ENDPOINT_URL": emulator.url, "AWS_CA_BUNDLE": str(bundle)})
    trusted = fetch()
    assert trusted.returncode == 0, trusted.stderr
    assert emulator.count("ecr:GetAuthorizationToken") == 1

    bundle.chmod(0o666)
    refused = fetch()
    assert refused.returncode == 1
    assert (f"CA bundle {bundle}: owned by uid 0 with mode 0666, and pullcred runs as root: only root may be able "
            f"to change it; fix: chmod go-w {bundle} (from AWS_CA_BUNDLE)") in refused.stderr, refused.stderr
    assert emulator.count("ecr:GetAuthorizationToken") == 1
