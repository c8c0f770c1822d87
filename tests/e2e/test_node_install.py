"""pullcred node install / uninstall on fake host roots (real binary).

Unknown layout (no kubelet.service): a clear error and nothing written;
pullcred does not guess which env file a kubelet it cannot see reads."""
import hashlib
import os
import signal
import subprocess
import time

import pytest
import yaml

from conftest import PULLCRED

KUBEADM_DROPIN = """[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-{envfile}
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
"""

EKS_UNIT = """[Unit]
Description=Kubernetes Kubelet
[Service]
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet \\
    --config /etc/kubernetes/kubelet/kubelet-config.json \\
    --image-credential-provider-config /etc/eks/image-credential-provider/config.json \\
    --image-credential-provider-bin-dir /etc/eks/image-credential-provider \\
    $KUBELET_ARGS $KUBELET_EXTRA_ARGS
Restart=always
"""


def write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def make_host(root, layout, version="Kubernetes v1.27.3"):
    write(root / "usr/bin/kubelet", f'#!/bin/sh\necho "{version}"\n', 0o755)
    if layout == "ubuntu":
        write(root / "lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n")
        write(root / "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
              KUBEADM_DROPIN.format(envfile="/etc/default/kubelet"))
        write(root / "etc/default/kubelet", "KUBELET_EXTRA_ARGS=\n")
    elif layout == "rhel":
        write(root / "usr/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n")
        write(root / "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
              KUBEADM_DROPIN.format(envfile="/etc/sysconfig/kubelet"))
        write(root / "etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--node-labels=a=b\n")
    elif layout == "amazon":
        write(root / "etc/systemd/system/kubelet.service", EKS_UNIT)
        write(root / "etc/systemd/system/kubelet.service.d/10-kubelet-args.conf",
              "[Service]\nEnvironment='KUBELET_ARGS=--node-ip=10.0.0.1'\n")
        write(root / "etc/eks/image-credential-provider/config.json", "{}\n")
    return snapshot(root)


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def make_secret(secrets, name, files, generation):
    directory = secrets / name
    data = directory / f"..{generation}"
    data.mkdir(parents=True)
    for key, value in files.items():
        (data / key).write_text(value)
    link = directory / "..data_tmp"
    link.symlink_to(data.name)
    os.replace(link, directory / "..data")
    for key in files:
        if not (directory / key).is_symlink():
            (directory / key).symlink_to(f"..data/{key}")


@pytest.fixture
def node(tmp_path):
    host = tmp_path / "host"
    secrets = tmp_path / "secrets"
    config = tmp_path / "chart" / "config.yaml"
    write(config, "apiVersion: pullcred/v1\nkind: Config\n")
    make_secret(secrets, "aws-secret", {"AWS_ACCESS_KEY_ID": "AKIAOLD", "AWS_SECRET_ACCESS_KEY": "old"}, 1)
    restarts = tmp_path / "restarts"

    def run(*args, extra_env=None):
        env = dict(os.environ, HTTPS_PROXY="http://proxy.example:3128", **(extra_env or {}))
        return subprocess.run([str(PULLCRED), "node", *args, f"--host-root={host}",
                               f"--restart-command=echo restart >> {restarts}", f"--host-pid={os.getpid()}"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    def install_args():
        return ["install", f"--config={config}", f"--secrets-dir={secrets}",
                "--provider-match-image=*.dkr.ecr.*.amazonaws.com", "--provider-match-image=public.ecr.aws",
                "--provider-default-cache-duration=5h", "--provider-env=HTTPS_PROXY"]

    def restart_count():
        return len(restarts.read_text().splitlines()) if restarts.exists() else 0

    return type("Node", (), dict(host=host, secrets=secrets, config=config, run=staticmethod(run),
                                 install_args=staticmethod(install_args),
                                 restarts=staticmethod(restart_count)))


@pytest.mark.parametrize("layout", ["ubuntu", "rhel", "amazon"])
def test_install_twice_then_uninstall(node, layout):
    before = make_host(node.host, layout)
    first = node.run(*node.install_args())
    assert first.returncode == 0, first.stderr
    assert node.restarts() == 1

    provider = yaml.safe_load((node.host / "etc/pullcred/kubelet-credential-provider.yaml").read_text())
    assert provider["apiVersion"] == "kubelet.config.k8s.io/v1"
    assert provider["kind"] == "CredentialProviderConfig"
    [entry] = provider["providers"]
    assert entry["name"] == "pullcred"
    assert entry["apiVersion"] == "credentialprovider.kubelet.k8s.io/v1"
    assert entry["matchImages"] == ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]
    assert entry["defaultCacheDuration"] == "5h"
    assert entry["args"] == ["get-credentials", "--config", "/etc/pullcred/config.yaml"]
    assert entry["env"] == [{"name": "HTTPS_PROXY", "value": "http://proxy.example:3128"}]

    dropin = (node.host / "etc/systemd/system/kubelet.service.d/90-pullcred.conf").read_text()
    assert "--image-credential-provider-bin-dir=/opt/pullcred/bin" in dropin
    assert "$PULLCRED_KUBELET_ARGS" in dropin.splitlines()[-1]
    assert (node.host / "opt/pullcred/bin/pullcred").stat().st_mode & 0o777 == 0o755
    assert list((node.host / "opt/pullcred/lib/pullcred/modules").glob("*.so"))
    assert (node.host / "etc/pullcred/config.yaml").read_text() == node.config.read_text()
    assert (node.host / "etc/pullcred/config.yaml").stat().st_mode & 0o777 == 0o600
    mirrored = node.host / str(node.secrets).lstrip("/") / "aws-secret"
    assert mirrored.stat().st_mode & 0o777 == 0o700
    assert (mirrored / "AWS_ACCESS_KEY_ID").read_text() == "AKIAOLD"
    assert (mirrored / "AWS_ACCESS_KEY_ID").stat().st_mode & 0o777 == 0o600
    assert not (mirrored / "..data").exists()

    installed = snapshot(node.host)
    second = node.run(*node.install_args())
    assert second.returncode == 0, second.stderr
    assert node.restarts() == 1, "a second install must restart nothing"
    assert snapshot(node.host) == installed
    assert "nothing changed" in second.stderr

    removed = node.run("uninstall")
    assert removed.returncode == 0, removed.stderr
    assert node.restarts() == 2
    assert snapshot(node.host) == before, "uninstall restores the host byte for byte"
    assert not (node.host / "opt/pullcred").exists()


def test_old_kubelet_gets_v1beta1(node):
    make_host(node.host, "ubuntu", version="Kubernetes v1.25.9")
    run = node.run(*node.install_args())
    assert run.returncode == 0, run.stderr
    provider = yaml.safe_load((node.host / "etc/pullcred/kubelet-credential-provider.yaml").read_text())
    assert provider["apiVersion"] == "kubelet.config.k8s.io/v1beta1"
    assert provider["providers"][0]["apiVersion"] == "credentialprovider.kubelet.k8s.io/v1beta1"


def test_unknown_layout_is_a_clear_error(node):
    write(node.host / "etc/default/kubelet", "KUBELET_EXTRA_ARGS=\n")
    before = snapshot(node.host)
    run = node.run(*node.install_args())
    assert run.returncode == 1
    assert "no kubelet.service" in run.stderr
    assert snapshot(node.host) == before
    assert node.restarts() == 0


def test_a_bottlerocket_host_takes_the_api_path(node):
    write(node.host / "run/api.sock", "")
    run = node.run(*node.install_args())
    assert run.returncode == 1 and "Bottlerocket host" in run.stderr
    assert len([line for line in run.stderr.splitlines() if line.startswith("pullcred: error:")]) == 1


def test_watch_resyncs_a_changed_secret(node):
    make_host(node.host, "ubuntu")
    env = dict(os.environ, HTTPS_PROXY="http://proxy.example:3128")
    process = subprocess.Popen([str(PULLCRED), "node", *node.install_args(), f"--host-root={node.host}",
                                f"--restart-command=echo restart >> {node.host.parent / 'restarts'}",
                                f"--host-pid={os.getpid()}",
                                "--watch", "--watch-interval=0.2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    mirrored = node.host / str(node.secrets).lstrip("/") / "aws-secret" / "AWS_ACCESS_KEY_ID"
    try:
        deadline = time.time() + 90
        while not mirrored.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert mirrored.read_text() == "AKIAOLD"
        make_secret(node.secrets, "aws-secret", {"AWS_ACCESS_KEY_ID": "AKIANEW", "AWS_SECRET_ACCESS_KEY": "new"}, 2)
        deadline = time.time() + 30
        while mirrored.read_text() != "AKIANEW" and time.time() < deadline:
            time.sleep(0.2)
        assert mirrored.read_text() == "AKIANEW"
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert node.restarts() == 1, "a Secret change does not restart kubelet"


@pytest.mark.skipif(os.geteuid() != 0, reason="joining PID 1's namespaces needs root")
def test_restart_runs_in_the_hosts_namespaces(tmp_path):
    """The pod's own mount and UTS namespaces differ from the node's (here:
    this test's): the restart command sees the node's files and hostname."""
    import socket
    host = tmp_path / "host"
    make_host(host, "ubuntu")
    config = tmp_path / "config.yaml"
    write(config, "apiVersion: pullcred/v1\nkind: Config\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    pod = (f"mount -t tmpfs tmpfs {shared} && hostname pod-view && "
           f"exec {PULLCRED} node install --host-root={host} --config={config} "
           f"--provider-match-image=*.dkr.ecr.*.amazonaws.com --kubelet-version=v1.27.3 "
           f"'--restart-command=hostname >> {shared}/restarts' --host-pid={os.getpid()}")
    done = subprocess.run(["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", pod],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (shared / "restarts").read_text().split() == [socket.gethostname()]
