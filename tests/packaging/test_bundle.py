"""The self-contained node bundle (packaging/bundle/make-bundle.sh) and its
.deb: built from the build tree, then run under chroot in an otherwise empty
directory and in a Debian bullseye root (glibc 2.31, older than the build
host's) made with debootstrap and cached in build/tools/. Needs root (chroot);
a debootstrap that cannot reach a mirror skips the bullseye tests."""
import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2])).resolve()
BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", SOURCE_DIR / "build" / "ci")).resolve()
TOOLS_DIR = pathlib.Path(os.environ.get("PULLCRED_TOOLS_DIR", SOURCE_DIR / "build" / "tools")).resolve()
MAKE_BUNDLE = SOURCE_DIR / "packaging" / "bundle" / "make-bundle.sh"
PREFIX = "/opt/pullcred"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app"
BULLSEYE = "bullseye"
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"
MIRROR = os.environ.get("PULLCRED_DEBIAN_MIRROR", "http://deb.debian.org/debian")

sys.path.insert(0, str(SOURCE_DIR / "tests" / "emulator"))
from fixture import Emulator  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root"),
    pytest.mark.skipif(shutil.which("patchelf") is None, reason="patchelf not installed (.ci/install-deps)"),
]


def project_version():
    cache = (BUILD_DIR / "CMakeCache.txt").read_text()
    return re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.+)$", cache, re.M).group(1)


def system_curl():
    """Whether the build links the system's libcurl (-DPULLCRED_SYSTEM_CURL=ON) rather than its own."""
    cache_file = BUILD_DIR / "CMakeCache.txt"
    cache = cache_file.read_text() if cache_file.is_file() else ""
    return re.search(r"^PULLCRED_SYSTEM_CURL:BOOL=(ON|TRUE|1|YES)$", cache, re.M | re.I) is not None


# Debian's libcurl4 and what it loads; pullcred's own libcurl (cmake/curl/recipe.cmake) needs none of them.
CURL_TREE = re.compile(r"libcurl|gnutls|nettle|hogweed|krb5|gssapi|k5crypto|kerberos|ldap|lber|sasl|ssh|rtmp|"
                       r"idn2|psl|brotli|zstd|nghttp2|unistring|tasn1|p11-kit|libz\.")


def run(args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run([str(a) for a in args], **kwargs)


def elf_files(root):
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "pullcred"
    made = run([MAKE_BUNDLE, "--prefix", PREFIX, BUILD_DIR, out], timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    return out


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory):
    """What `cmake --install` alone gives: the build host's libraries needed."""
    out = tmp_path_factory.mktemp("plain")
    done = run(["cmake", "--install", BUILD_DIR, "--prefix", out, "--component", "runtime"])
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = Emulator().start(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()


def mount_proc(root):
    """Every node has /proc, and the bundle needs it: the loader expands
    $ORIGIN of the executable from /proc/self/exe, and pullcred finds its
    modules from there too (boost::dll::program_location)."""
    (root / "proc").mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    return lambda: subprocess.run(["umount", "-l", str(root / "proc")], check=False)


class Node:
    """A config, a Secret directory and a cache, first used from the plain build
    outside the chroot, then copied into chroot `root` at other paths (the
    config and the cache) or the same path (the Secret: a profile's settings,
    its secretDir included, are part of every cache key by design)."""

    def __init__(self, tmp, emulator):
        self.emulator = emulator
        keys = emulator.static_credentials[0]
        self.outside = tmp / "node"
        self.secret = self.outside / "secret"
        self.secret.mkdir(parents=True)
        (self.secret / "AWS_ACCESS_KEY_ID").write_text(keys["accessKeyId"])
        (self.secret / "AWS_SECRET_ACCESS_KEY").write_text(keys["secretAccessKey"])

    def config(self, cache_dir):
        return json.dumps({
            "apiVersion": "pullcred/v1", "kind": "Config",
            "cache": {"dir": str(cache_dir), "enabled": True},
            "profiles": {"keys": {"source": "aws.static", "secretDir": str(self.secret)}},
            "registries": [{"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr",
                            "profile": "keys", "cacheDuration": "5h"}]})

    def env(self, ca_bundle):
        env = {k: v for k, v in os.environ.items()
               if not re.match(r"^(AWS_|PULLCRED_|LD_|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$)", k)}
        env.update(AWS_ENDPOINT_URL=self.emulator.url, AWS_CA_BUNDLE=str(ca_bundle), HOME="/nonexistent")
        return env

    def fill_cache(self, binary):
        """One real call (TLS to the emulator) from outside: the cache entry."""
        cache = self.outside / "cache"
        config = self.outside / "config.json"
        config.write_text(self.config(cache))
        before = self.emulator.count("ecr:GetAuthorizationToken")
        done = run([binary, "get-credentials", "--config", config], input=kubelet_request(),
                   env=self.env(self.emulator.ca_bundle))
        assert done.returncode == 0, done.stderr
        assert self.emulator.count("ecr:GetAuthorizationToken") == before + 1
        assert any(cache.iterdir()), "no cache entry written"
        return json.loads(done.stdout)

    def copy_into(self, root):
        """The cache at /var/cache/pullcred and the config at
        /etc/pullcred/config.json in the chroot: paths that differ from the
        ones the entry was written with."""
        (root / "etc" / "pullcred").mkdir(parents=True, exist_ok=True)
        (root / "var" / "cache").mkdir(parents=True, exist_ok=True)
        shutil.rmtree(root / "var" / "cache" / "pullcred", ignore_errors=True)
        shutil.copytree(self.outside / "cache", root / "var" / "cache" / "pullcred")
        (root / "etc" / "pullcred" / "config.json").write_text(self.config("/var/cache/pullcred"))
        inside_secret = root / self.secret.relative_to("/")
        shutil.rmtree(inside_secret, ignore_errors=True)
        shutil.copytree(self.secret, inside_secret)
        inside_ca = root / "etc" / "pullcred" / "emulator-ca.pem"
        shutil.copyfile(self.emulator.ca_bundle, inside_ca)
        return "/etc/pullcred/config.json", "/etc/pullcred/emulator-ca.pem"


def kubelet_request():
    return json.dumps({"kind": "CredentialProviderRequest",
                       "apiVersion": "credentialprovider.kubelet.k8s.io/v1", "image": IMAGE})


def in_chroot(root, args, env, stdin=""):
    return run([CHROOT, root, *args], input=stdin, env=env)


def check_bundle_in(root, bundle, node, plain_answer):
    """--version, a cached get-credentials (no upstream call) and a real one
    (libpullcred-net.so, libcurl and OpenSSL from the bundle, TLS to the
    emulator) with the bundle at /opt/pullcred in chroot `root`."""
    dest = root / PREFIX.lstrip("/")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(bundle, dest, symlinks=True)
    config, ca = node.copy_into(root)
    env = node.env(ca)
    binary = f"{PREFIX}/bin/pullcred"

    version = in_chroot(root, [binary, "--version"], env)
    assert version.returncode == 0, version.stderr
    assert project_version() in version.stdout

    calls = node.emulator.count("ecr:GetAuthorizationToken")
    hit = in_chroot(root, [binary, "get-credentials", "--config", config], env, kubelet_request())
    assert hit.returncode == 0, hit.stderr
    assert json.loads(hit.stdout)["auth"] == plain_answer["auth"]
    assert node.emulator.count("ecr:GetAuthorizationToken") == calls, "the cached answer made an upstream call"

    helper = f"{PREFIX}/bin/docker-credential-pullcred"
    assert (dest / "bin" / "docker-credential-pullcred").resolve() == (dest / "bin" / "pullcred").resolve()
    helper_version = in_chroot(root, [helper, "version"], env)
    assert helper_version.returncode == 0, helper_version.stderr
    assert helper_version.stdout.strip() == f"pullcred {project_version()}"
    listed = in_chroot(root, [helper, "--config", config, "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {f"https://{IMAGE.split('/')[0]}": "AWS"}

    shutil.rmtree(root / "var" / "cache" / "pullcred")
    fetched = in_chroot(root, [binary, "get-credentials", "--config", config], env, kubelet_request())
    assert fetched.returncode == 0, fetched.stderr
    assert node.emulator.count("ecr:GetAuthorizationToken") == calls + 1
    assert IMAGE.split("/")[0] in json.loads(fetched.stdout)["auth"]


def test_bundle_holds_the_install_tree_and_every_library_it_loads(bundle, plain_install):
    shipped = {p.relative_to(plain_install) for p in plain_install.rglob("*") if p.is_file()}
    bundled = {p.relative_to(bundle) for p in bundle.rglob("*") if p.is_file()}
    assert shipped <= bundled, shipped - bundled
    sys_dir = bundle / "lib" / "pullcred" / "sys"
    for name in ("ld-linux-x86-64.so.2", "libc.so.6", "libssl.so.3", "libcrypto.so.3"):
        assert (sys_dir / name).is_file(), name
    assert (sys_dir / "libcurl.so.4").is_file() == system_curl()
    loader = sys_dir / "ld-linux-x86-64.so.2"
    for elf in elf_files(bundle):
        headers = run(["readelf", "-lW", elf]).stdout
        if "INTERP" in headers and elf.parent != sys_dir:
            interp = re.search(r"Requesting program interpreter: (\S+)\]", headers).group(1)
            assert interp == f"{PREFIX}/lib/pullcred/sys/ld-linux-x86-64.so.2", elf
        if elf.parent == sys_dir and elf.name == loader.name:
            continue
        if "INTERP" not in headers and "(NEEDED)" not in run(["readelf", "-dW", elf]).stdout:
            continue  # static-pie (bin/pullcred, the front): loads nothing, left as built
        listing = run([loader, "--list", elf])
        assert listing.returncode == 0, f"{elf}: {listing.stderr}"
        for line in listing.stdout.splitlines():
            if "=>" in line:
                target = line.split("=>")[1].split()[0]
                assert target.startswith(str(bundle) + "/"), f"{elf} loads {line.strip()}"
    assert (bundle / "share" / "doc" / "pullcred" / "third-party" / "LIBRARIES").is_file()


SYSTEM_OSSL_MODULES = "/usr/lib/x86_64-linux-gnu/ossl-modules"


def legacy_pkcs12(directory):
    """A PKCS#12 bundle as `openssl pkcs12 -export -legacy` makes it (RC2-40
    certificate bag, empty password), and its certificate in DER."""
    key, cert = directory / "node.key", directory / "node.pem"
    made = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=legacy-node", "-days", "2", "-keyout", key, "-out", cert])
    assert made.returncode == 0, made.stderr
    p12 = directory / "bundle.p12"
    made = run(["openssl", "pkcs12", "-export", "-legacy", "-in", cert, "-inkey", key, "-passout", "pass:",
                "-out", p12])
    assert made.returncode == 0, made.stderr
    info = run(["openssl", "pkcs12", "-in", p12, "-info", "-noout", "-passin", "pass:", "-legacy"])
    assert "RC2" in info.stdout + info.stderr, info.stdout + info.stderr
    der = subprocess.run(["openssl", "x509", "-in", str(cert), "-outform", "DER"], capture_output=True,
                         check=True).stdout
    return p12, der


def read_certificate_data(prefix_args, p12_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}  # no OPENSSL_MODULES
    return run([*prefix_args, f"{PREFIX}/bin/pullcred", "signing-helper", "read-certificate-data",
                "--certificate", p12_path], env=env)


def in_namespace_without_system_modules(bundle):
    """unshare -m: an empty directory over the system's ossl-modules (checked
    empty), the bundle bind-mounted at /opt/pullcred on a root-owned tmpfs."""
    empty = bundle.parent / "empty-ossl-modules"
    empty.mkdir(exist_ok=True)
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            f"mount --bind {empty} {SYSTEM_OSSL_MODULES} && [ -z \"$(ls -A {SYSTEM_OSSL_MODULES})\" ] && "
            f"mount -t tmpfs -o mode=0755 tmpfs /opt && mkdir {PREFIX} && mount --bind {bundle} {PREFIX} && "
            f"exec \"$@\"", "sh"]


def test_bundle_reads_a_legacy_pkcs12_without_the_systems_ossl_modules(tmp_path, bundle):
    shipped = bundle / "lib" / "pullcred" / "sys" / "ossl-modules" / "legacy.so"
    assert shipped.is_file()
    assert (shipped.stat().st_mode & 0o777) == 0o755
    p12, der = legacy_pkcs12(tmp_path)
    expected = base64.b64encode(der).decode()
    # On the host, the system's ossl-modules hidden: the bundle's own legacy.so.
    assert os.path.isdir(SYSTEM_OSSL_MODULES), "the Debian build host has OpenSSL's modules there"
    done = read_certificate_data(in_namespace_without_system_modules(bundle), p12)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["certificateData"] == expected and data["keyType"] == "EC", data
    # In an otherwise empty root (as the FROM-scratch image): no system OpenSSL at all.
    root = tmp_path / "scratch"
    root.mkdir()
    os.chmod(root, 0o755)
    shutil.copytree(bundle, root / PREFIX.lstrip("/"), symlinks=True)
    shutil.copyfile(p12, root / "bundle.p12")
    unmount = mount_proc(root)
    try:
        done = read_certificate_data([CHROOT, root], "/bundle.p12")
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["certificateData"] == expected
        assert data["keyType"] == "EC"
        # A directory writable by others is not trusted: nothing is loaded from it.
        os.chmod(root / PREFIX.lstrip("/") / "lib" / "pullcred" / "sys" / "ossl-modules", 0o777)
        refused = read_certificate_data([CHROOT, root], "/bundle.p12")
        assert refused.returncode == 1, refused
        assert refused.stdout == ""
        assert "legacy provider" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    finally:
        unmount()


def test_install_tree_has_the_docker_credential_helper_name(plain_install):
    helper = plain_install / "bin" / "docker-credential-pullcred"
    assert helper.is_symlink() and os.readlink(helper) == "pullcred"
    version = run([helper, "version"])
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"pullcred {project_version()}"
    help_text = run([helper, "--help"])
    assert "docker-credential" in help_text.stdout + help_text.stderr


def test_bundle_runs_in_an_otherwise_empty_root(tmp_path, bundle, emulator):
    node = Node(tmp_path, emulator)
    answer = node.fill_cache(BUILD_DIR / "bin" / "pullcred")
    root = tmp_path / "empty"
    root.mkdir()
    unmount = mount_proc(root)
    try:
        check_bundle_in(root, bundle, node, answer)
    finally:
        unmount()
    # Nothing but what the test put there: the bundle, the config, the cache, the Secret.
    assert {p.name for p in root.iterdir()} == {"opt", "etc", "var", "proc", node.secret.parts[1]}


def bullseye_root():
    """A minbase bullseye made once by debootstrap and kept in build/tools."""
    root = TOOLS_DIR / f"debootstrap-{BULLSEYE}"
    if (root / ".complete").exists():
        return root
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap not installed (.ci/install-deps)")
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    partial = TOOLS_DIR / f"debootstrap-{BULLSEYE}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    made = run(["debootstrap", "--variant=minbase", BULLSEYE, partial, MIRROR], timeout=600)
    if made.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        output = made.stdout + made.stderr
        if re.search(r"Failed getting release file|Couldn't download|Temporary failure|unable to resolve|"
                     r"Connection refused|Network is unreachable|No route to host", output):
            pytest.skip(f"debootstrap cannot reach {MIRROR}")
        pytest.fail("debootstrap failed:\n" + output[-2000:])
    (partial / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    return root


@pytest.fixture(scope="module")
def bullseye():
    root = bullseye_root()
    libc = run([CHROOT, root, "/usr/bin/ldd", "--version"])
    assert "2.31" in libc.stdout.splitlines()[0], libc.stdout
    unmount = mount_proc(root)
    yield root
    unmount()
    for leftover in ("opt/pullcred", "opt/plain", "etc/pullcred", "var/cache/pullcred"):
        shutil.rmtree(root / leftover, ignore_errors=True)


def test_plain_build_does_not_run_on_bullseye(bullseye, plain_install):
    """The control: without the bundle's glibc the build needs a newer one."""
    dest = bullseye / "opt" / "plain"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(plain_install, dest, symlinks=True)
    done = in_chroot(bullseye, ["/opt/plain/bin/pullcred", "--version"], {"PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "GLIBC_" in done.stderr, done.stderr


def test_bundle_runs_on_bullseye(tmp_path, bundle, emulator, bullseye):
    node = Node(tmp_path, emulator)
    answer = node.fill_cache(BUILD_DIR / "bin" / "pullcred")
    check_bundle_in(bullseye, bundle, node, answer)


@pytest.fixture(scope="module")
def deb(tmp_path_factory, bundle):
    out = tmp_path_factory.mktemp("packages")
    env = dict(os.environ, PULLCRED_BUNDLE_DIR=str(bundle))
    made = run(["cpack", "--config", BUILD_DIR / "CPackConfig.cmake", "-B", out], env=env, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    version = project_version()
    assert (out / f"pullcred-{version}-linux-x86_64.tar.gz").is_file(), sorted(os.listdir(out))
    debs = list(out.glob(f"pullcred_{version}*_amd64.deb"))
    assert len(debs) == 1, sorted(os.listdir(out))
    return debs[0]


def test_deb_installs_the_bundle_in_opt_pullcred(tmp_path, deb, bundle):
    listing = run(["dpkg-deb", "-c", deb])
    assert listing.returncode == 0, listing.stderr
    paths = {line.split(" -> ")[0].split()[-1] for line in listing.stdout.splitlines()}
    links = {line.split()[-3]: line.split()[-1] for line in listing.stdout.splitlines() if " -> " in line}
    assert links.get(f".{PREFIX}/bin/docker-credential-pullcred") == "pullcred", links
    for path in ("bin/pullcred", "lib/pullcred/pullcred-host", "lib/pullcred/pullcred-node",
                 "lib/pullcred/libpullcred-net.so", "lib/pullcred/sys/libc.so.6",
                 "lib/pullcred/sys/ld-linux-x86-64.so.2"):
        assert f".{PREFIX}/{path}" in paths, path
    for module in (bundle / "lib" / "pullcred" / "modules").glob("*.so"):
        assert f".{PREFIX}/lib/pullcred/modules/{module.name}" in paths
    assert not [p for p in paths if not p.startswith(f".{PREFIX}") and p not in ("./", "./opt/")], paths
    info = run(["dpkg-deb", "-f", deb, "Depends", "Architecture"]).stdout
    assert "Architecture: amd64" in info and "Depends" not in info.replace("Architecture", "")

    root = tmp_path / "root"
    extracted = run(["dpkg", "-x", deb, root])
    assert extracted.returncode == 0, extracted.stderr
    unmount = mount_proc(root)
    try:
        version = run([CHROOT, root, f"{PREFIX}/bin/pullcred", "--version"], env={})
        helper = run([CHROOT, root, f"{PREFIX}/bin/docker-credential-pullcred", "version"], env={})
    finally:
        unmount()
    assert version.returncode == 0, version.stderr
    assert project_version() in version.stdout
    assert helper.returncode == 0, helper.stderr
    assert helper.stdout.strip() == f"pullcred {project_version()}"


def check_net_library_without_the_curl_tree(root):
    """libpullcred-net.so of a bundle at `root` carries its libcurl: no libcurl.so.4, nor any library of
    Debian's libcurl4 tree, is needed (readelf), loaded (the bundled loader's --list, as ldd) or shipped,
    and none of libcurl's symbols is exported."""
    net = root / "lib" / "pullcred" / "libpullcred-net.so"
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", run(["readelf", "-dW", net]).stdout)
    assert needed and not [n for n in needed if CURL_TREE.search(n)], needed
    listing = run([root / "lib" / "pullcred" / "sys" / "ld-linux-x86-64.so.2", "--list", net])
    assert listing.returncode == 0, listing.stderr
    loaded = [line.split()[0] for line in listing.stdout.splitlines() if "=>" in line]
    assert "libssl.so.3" in loaded and not [n for n in loaded if CURL_TREE.search(n)], loaded
    shipped = [p.name for p in (root / "lib" / "pullcred" / "sys").iterdir()]
    assert not [n for n in shipped if CURL_TREE.search(n)], shipped
    exported = run(["nm", "-D", "--defined-only", net]).stdout.split()
    assert not [s for s in exported if s.startswith("curl_")], "libpullcred-net.so exports libcurl's symbols"
    assert (root / "share" / "doc" / "pullcred" / "third-party" / "curl" / "copyright").is_file()


@pytest.mark.skipif(system_curl(), reason="built with -DPULLCRED_SYSTEM_CURL=ON")
def test_bundle_and_deb_ship_the_minimal_static_libcurl(tmp_path, bundle, deb):
    check_net_library_without_the_curl_tree(bundle)
    root = tmp_path / "root"
    extracted = run(["dpkg", "-x", deb, root])
    assert extracted.returncode == 0, extracted.stderr
    check_net_library_without_the_curl_tree(root / PREFIX.lstrip("/"))


def test_node_install_copies_the_whole_bundle(tmp_path):
    """`pullcred node install` run from the bundle puts all of it on the host:
    without lib/pullcred/sys the host's copy has no interpreter to start with."""
    here = tmp_path / "bundle"
    made = run([MAKE_BUNDLE, "--prefix", here, BUILD_DIR, here], timeout=300)
    assert made.returncode == 0, made.stderr
    host = tmp_path / "host"
    for path, text in {"usr/bin/kubelet": '#!/bin/sh\necho "Kubernetes v1.27.3"\n',
                       "lib/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet\n",
                       "etc/default/kubelet": "KUBELET_EXTRA_ARGS=\n"}.items():
        (host / path).parent.mkdir(parents=True, exist_ok=True)
        (host / path).write_text(text)
    (host / "usr/bin/kubelet").chmod(0o755)
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: pullcred/v1\nkind: Config\n")
    (tmp_path / "secrets").mkdir()
    done = run([here / "bin" / "pullcred", "node", "install", f"--host-root={host}", f"--config={config}",
                f"--secrets-dir={tmp_path / 'secrets'}", "--provider-match-image=*.dkr.ecr.*.amazonaws.com",
                "--restart-command=true", f"--host-pid={os.getpid()}"])
    assert done.returncode == 0, done.stderr
    installed = host / PREFIX.lstrip("/")
    missing = [str(p.relative_to(here)) for p in here.rglob("*")
               if p.is_file() and not p.is_symlink() and "share" not in p.relative_to(here).parts
               and not (installed / p.relative_to(here)).is_file()]
    assert not missing, missing
    # The docker credential helper's name is placed as the same link, so
    # docker, podman and skopeo on the node find `pullcred`.
    helper = installed / "bin" / "docker-credential-pullcred"
    assert helper.is_symlink() and os.readlink(helper) == "pullcred"


def test_tarball_unpacks_to_a_runnable_bundle(tmp_path, deb):
    tarball = deb.parent / f"pullcred-{project_version()}-linux-x86_64.tar.gz"
    root = tmp_path / "root"
    dest = root / PREFIX.lstrip("/")
    dest.mkdir(parents=True)
    unpacked = run(["tar", "-xzf", tarball, "--strip-components=1", "-C", dest])
    assert unpacked.returncode == 0, unpacked.stderr
    unmount = mount_proc(root)
    assert (dest / "bin" / "docker-credential-pullcred").is_symlink()
    try:
        version = run([CHROOT, root, f"{PREFIX}/bin/pullcred", "--version"], env={})
        helper = run([CHROOT, root, f"{PREFIX}/bin/docker-credential-pullcred", "version"], env={})
    finally:
        unmount()
    assert version.returncode == 0, version.stderr
    assert project_version() in version.stdout
    assert helper.returncode == 0, helper.stderr
    assert helper.stdout.strip() == f"pullcred {project_version()}"


CONTAINERFILE = SOURCE_DIR / "packaging" / "docker" / "Containerfile"


def containerfile_stages():
    """[(base, name)] of the Containerfile's FROM lines."""
    stages = []
    for line in CONTAINERFILE.read_text().splitlines():
        words = line.split()
        if words and words[0].upper() == "FROM":
            stages.append((words[1], words[3] if len(words) == 4 and words[2].upper() == "AS" else None))
    return stages


def test_every_image_stage_is_from_scratch():
    stages = containerfile_stages()
    assert stages, "no FROM in the Containerfile"
    earlier = set()
    for base, name in stages:
        assert base == "scratch" or base in earlier, f"stage FROM {base} needs a registry"
        earlier.add(name)


@pytest.fixture(scope="module")
def buildah(tmp_path_factory):
    if shutil.which("buildah") is None:
        pytest.skip("buildah not installed (.ci/install-deps)")
    state = tmp_path_factory.mktemp("buildah")
    return ["buildah", "--root", state / "storage", "--runroot", state / "run", "--storage-driver", "vfs"]


def offline(args, **kwargs):
    """args in a network namespace of their own: no interface but loopback, down."""
    return run(["unshare", "--net", *args], **kwargs)


def test_image_builds_offline_and_serves_a_cached_answer(tmp_path, bundle, emulator, buildah):
    context = tmp_path / "repo"
    shutil.copytree(bundle, context / "build" / "release" / "bundle" / "pullcred", symlinks=True)
    tag = f"ghcr.io/pullcred/pullcred:{project_version()}"
    built = offline([*buildah, "build", "-f", CONTAINERFILE, "-t", tag, context], timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr

    container = run([*buildah, "from", tag])
    assert container.returncode == 0, container.stderr
    name = container.stdout.strip()
    mounted = run([*buildah, "mount", name])
    assert mounted.returncode == 0, mounted.stderr
    rootfs = pathlib.Path(mounted.stdout.strip())
    assert sorted(p.name for p in rootfs.iterdir()) == ["etc", "opt"]
    assert [str(p.relative_to(rootfs)) for p in (rootfs / "etc").rglob("*") if p.is_file()] == [
        "etc/ssl/certs/ca-certificates.crt"]
    config = json.loads(run([*buildah, "inspect", "--type", "image", tag]).stdout)["OCIv1"]["config"]
    assert config["Entrypoint"] == [f"{PREFIX}/bin/pullcred"]

    node = Node(tmp_path, emulator)
    answer = node.fill_cache(BUILD_DIR / "bin" / "pullcred")
    mounts = tmp_path / "mounts"
    inside_config, inside_ca = node.copy_into(mounts)
    volumes = ["-v", f"{mounts / 'etc/pullcred'}:/etc/pullcred:ro",
               "-v", f"{mounts / 'var/cache/pullcred'}:/var/cache/pullcred",
               "-v", f"{node.secret}:{node.secret}:ro"]
    env = [f"--env={key}={value}" for key, value in node.env(inside_ca).items()
           if key.startswith("AWS_") or key == "HOME"]

    def in_image(*args, stdin=""):
        return offline([*buildah, "run", "--isolation", "chroot", *volumes, *env, name, "--",
                        f"{PREFIX}/bin/pullcred", *args], input=stdin, timeout=120)

    version = in_image("--version")
    assert version.returncode == 0, version.stderr
    assert project_version() in version.stdout
    calls = emulator.count("ecr:GetAuthorizationToken")
    hit = in_image("get-credentials", "--config", inside_config, stdin=kubelet_request())
    assert hit.returncode == 0, hit.stderr
    assert json.loads(hit.stdout)["auth"] == answer["auth"]
    assert emulator.count("ecr:GetAuthorizationToken") == calls


def test_the_chart_runs_the_image_entrypoint_with_node_commands():
    daemonset = (SOURCE_DIR / "packaging" / "helm" / "pullcred" / "templates" / "daemonset.yaml").read_text()
    assert not re.search(r"^\s*command:", daemonset, re.M), "the chart overrides the entrypoint"
    assert re.search(r"^\s*- node\s*$", daemonset, re.M) or '"node"' in daemonset
    values = (SOURCE_DIR / "packaging" / "helm" / "pullcred" / "values.yaml").read_text()
    registry = re.search(r"^sourceRegistry: (\S+)", values, re.M).group(1)
    repository = re.search(r"^  repository: (\S+)", values, re.M).group(1)
    build_command = re.search(r"^buildah build .* -t (\S+):\S+ \.$",
                              (SOURCE_DIR / "packaging" / "docker" / "README.md").read_text(), re.M)
    assert build_command, "packaging/docker/README.md gives no buildah build command"
    assert build_command.group(1) == f"{registry}/{repository}", "the chart's default image is not the recipe's"
