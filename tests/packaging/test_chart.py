"""The Helm chart (packaging/helm/pullcred), rendered by the real helm.

Each values file in values/ is linted and rendered; the rendered objects are
checked field by field, validated offline against the Kubernetes API schemas
(validate.js, kubernetes-models), and the pullcred config inside the
ConfigMap is validated against config/pullcred.schema.json (and by
`pullcred check-config` when a built binary is around)."""
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from chartkit import CHART, GOOD, HERE, REPO, RELEASE_NAMESPACE, VALUES, Rendered

TYPOS = {
    "typo.yaml": "additional properties 'matchImage' not allowed",
    "typo-top.yaml": "additional properties 'toleration' not allowed",
}
SECRETS = "/etc/pullcred/secrets"


def builtin_match_images():
    """The built-in rule's matchImages: the JSON config in core/config/defaults.cpp."""
    source = (REPO / "core" / "config" / "defaults.cpp").read_text()
    found = re.search(r'kBuiltinConfig = R"\((.*?)\)";', source, re.S)
    assert found, "core/config/defaults.cpp: no kBuiltinConfig raw string"
    [rule] = json.loads(found.group(1))["registries"]
    return rule["matchImages"]


ECR_DEFAULTS = builtin_match_images()
CONTROL_PLANE = [
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
]


def test_every_values_file_is_covered():
    listed = set(GOOD) | set(TYPOS) | {"eksa-unquoted-glob.yaml"}
    assert {p.name for p in VALUES.glob("*.yaml")} == listed


# --- lint and schema ---------------------------------------------------------

@pytest.mark.parametrize("values", GOOD)
def test_lint(chart, values):
    proc = chart.lint(values)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("values,message", sorted(TYPOS.items()))
def test_typo_fails_lint_and_template(chart, values, message):
    lint = chart.lint(values)
    assert lint.returncode != 0
    assert message in lint.stdout + lint.stderr
    template = chart.template(values, check=False)
    assert template.returncode != 0
    assert message in template.stderr


@pytest.mark.parametrize("bad", [
    "credential[0].type=file",
    "credential[0].defaultCacheDuration=5 hours",
    "kubelet.apiVersion=credentialprovider.kubelet.k8s.io/v2",
    "node.mode=remove",
    "proxy.http_proxy=http://x:1",
    "image.pullPolicy=Sometimes",
    "kubelet.env.HTTPS_PROXY=http://x:1",
])
def test_schema_rejects(chart, bad):
    proc = chart.template(sets=[bad], check=False)
    assert proc.returncode != 0
    assert "schema" in proc.stderr, proc.stderr


def test_unquoted_tutorial_glob_is_invalid_yaml(chart):
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load((VALUES / "eksa-unquoted-glob.yaml").read_text())
    proc = chart.template("eksa-unquoted-glob.yaml", check=False)
    assert proc.returncode != 0
    assert "eksa-unquoted-glob.yaml" in proc.stderr


# --- the rendered objects ----------------------------------------------------

def test_defaults(render):
    r = render("defaults.yaml")
    assert r.kinds() == ["ConfigMap", "DaemonSet", "ServiceAccount"]
    assert {o["metadata"]["namespace"] for o in r.objects} == {RELEASE_NAMESPACE}
    c = r.config
    assert c["apiVersion"] == "pullcred/v1" and c["kind"] == "Config"
    assert c["profiles"] == {
        "aws-secret.default": {
            "source": "aws.shared-config",
            "configFile": f"{SECRETS}/aws-secret/config",
            "profile": "default",
        }
    }
    assert c["registries"] == [
        {"matchImages": ECR_DEFAULTS, "backend": "aws.ecr", "profile": "aws-secret.default", "cacheDuration": "5h"}
    ]
    assert r.secret_volumes() == {"credential-0": "aws-secret"}
    assert r.mounts()[f"{SECRETS}/aws-secret"] == "credential-0"
    assert r.mounts()["/host"] == "host-root"
    assert r.pod["tolerations"] == CONTROL_PLANE
    assert r.pod["hostPID"] is True
    assert r.pod["hostNetwork"] is True
    assert r.pod["automountServiceAccountToken"] is False
    assert r.pod["serviceAccountName"] == "pullcred"
    assert r.container["image"] == "ghcr.io/pullcred/pullcred:0.1.0"
    assert r.container["securityContext"] == {"privileged": True}
    args = r.container["args"]
    assert args[:3] == ["node", "install", "--host-root=/host"] and args[-1] == "--watch"
    assert r.args("config") == ["/etc/pullcred/chart/config.yaml"]
    assert r.args("secrets-dir") == [SECRETS]
    assert r.args("provider-match-image") == ECR_DEFAULTS
    assert r.args("provider-default-cache-duration") == ["5h"]
    assert r.args("provider-api-version") == []
    assert r.args("provider-env") == []
    assert set(r.env()) == {"NODE_NAME"}
    host = [v for v in r.pod["volumes"] if v["name"] == "host-root"][0]
    assert host["hostPath"] == {"path": "/", "type": "Directory"}


def test_default_match_images_are_the_builtin_rules(render, tmp_path):
    """The chart's default kubelet matchImages and rule are pullcred's built-in
    rule, as the source declares it and as the built binary applies it."""
    assert len(ECR_DEFAULTS) >= 13 and "public.ecr.aws" in ECR_DEFAULTS and "*.dkr-ecr.*.on.aws" in ECR_DEFAULTS
    r = render("defaults.yaml")
    assert r.args("provider-match-image") == ECR_DEFAULTS
    assert [rule["matchImages"] for rule in r.config["registries"]] == [ECR_DEFAULTS]
    binary = _pullcred_binary()
    if binary is None:
        pytest.skip("no built pullcred binary (set PULLCRED_BUILD_DIR)")
    if Path("/etc/pullcred/config.yaml").exists():
        pytest.skip("/etc/pullcred/config.yaml exists: pullcred would not use its built-in config")
    env = {k: v for k, v in os.environ.items() if not re.match(r"^(AWS_|PULLCRED_)", k)}
    env.update(HOME=str(tmp_path), PULLCRED_CACHE_DIR=str(tmp_path / "cache"))
    for pattern in ECR_DEFAULTS:
        image = pattern.replace("*", "x1") + "/team/app"
        proc = subprocess.run([str(binary), "explain", image], capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "(built-in: no config file)" in proc.stdout, proc.stdout
        assert f'rule:     registries[0] (pattern "{pattern}")' in proc.stdout, proc.stdout


@pytest.mark.parametrize("sets,name,fullname", [
    ([], "pullcred", "pullcred"),
    (["nameOverride=ecr-creds"], "ecr-creds", "pullcred-ecr-creds"),
    (["fullnameOverride=node-creds"], "pullcred", "node-creds"),
    (["nameOverride=ecr-creds", "fullnameOverride=node-creds"], "ecr-creds", "node-creds"),
    (["nameOverride=", "fullnameOverride="], "pullcred", "pullcred"),
])
def test_name_overrides(render, sets, name, fullname):
    r = render("defaults.yaml", sets=sets)
    assert {o["kind"]: o["metadata"]["name"] for o in r.objects} == {
        "ConfigMap": fullname, "DaemonSet": fullname, "ServiceAccount": fullname}
    assert r.pod["serviceAccountName"] == fullname
    config_volumes = [v["configMap"]["name"] for v in r.pod["volumes"] if "configMap" in v]
    assert config_volumes == [fullname]
    selector = r.daemonset["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/name"] == name
    assert r.daemonset["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == name
    for o in r.objects:
        assert o["metadata"]["labels"]["app.kubernetes.io/name"] == name


def test_name_override_must_be_a_name(chart):
    proc = chart.template(sets=["fullnameOverride=Node_Creds"], check=False)
    assert proc.returncode != 0
    assert "fullnameOverride" in proc.stderr and "schema" in proc.stderr, proc.stderr


def test_eksa_roles_anywhere_tutorial(render):
    r = render("eksa-roles-anywhere.yaml")
    assert {o["metadata"]["namespace"] for o in r.objects} == {"eksa-packages"}
    assert r.config["profiles"] == {
        "aws-config.default": {
            "source": "aws.shared-config",
            "configFile": f"{SECRETS}/aws-config/config",
            "profile": "default",
        }
    }
    assert r.config["registries"] == [{
        "matchImages": ["*.dkr.ecr.*.amazonaws.com"],
        "backend": "aws.ecr",
        "profile": "aws-config.default",
        "cacheDuration": "5h",
    }]
    assert r.secret_volumes() == {"credential-0": "aws-config"}
    assert r.mounts()[f"{SECRETS}/aws-config"] == "credential-0"
    # The tutorial lists the control-plane tolerations the chart adds anyway:
    # no duplicates.
    assert r.pod["tolerations"] == CONTROL_PLANE
    assert r.container["image"] == "public.ecr.aws/pullcred-test/pullcred:0.1.0"
    assert r.args("provider-match-image") == ["*.dkr.ecr.*.amazonaws.com"]


def test_every_eksa_key(render):
    r = render("eksa-all-keys.yaml")
    assert r.kinds() == ["ConfigMap", "DaemonSet"]  # serviceAccount.create: false
    assert r.pod["serviceAccountName"] == "default"
    assert r.container["image"] == "registry.example.com/mirror/pullcred:0.1.0"
    assert r.container["securityContext"] == {"privileged": True, "readOnlyRootFilesystem": True}
    assert r.pod["securityContext"] == {"runAsUser": 0}
    assert r.pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert "nodeAffinity" in r.pod["affinity"]
    assert r.container["resources"] == {"limits": {"cpu": "100m", "memory": "64Mi"}}
    assert r.daemonset["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "false"
    assert r.env()["HTTPS_PROXY"] == "http://10.0.0.1:3128"
    assert "HTTP_PROXY" not in r.env() and "NO_PROXY" not in r.env()  # empty: not set
    assert r.args("provider-env") == ["HTTPS_PROXY"]


def test_empty_fields_are_unset(render):
    r = render("eksa-empty-fields.yaml")
    assert r.config["profiles"] == {"aws-secret": {"source": "aws.static", "secretDir": f"{SECRETS}/aws-secret"}}
    assert r.config["registries"] == [{"matchImages": ECR_DEFAULTS, "backend": "aws.ecr", "profile": "aws-secret"}]
    assert r.args("provider-default-cache-duration") == ["5h"]


def test_three_credentials(render):
    r = render("three-credentials.yaml")
    profiles = r.config["profiles"]
    rules = r.config["registries"]
    assert profiles == {
        "aws-config.prod": {"source": "aws.shared-config", "configFile": f"{SECRETS}/aws-config/config", "profile": "prod"},
        "aws-config.dev": {"source": "aws.shared-config", "configFile": f"{SECRETS}/aws-config/config", "profile": "dev"},
        "aws-keys-china": {"source": "aws.static", "secretDir": f"{SECRETS}/aws-keys-china"},
    }
    # One rule per entry, in the entries' order, each naming its own profile.
    assert [(x["profile"], x["matchImages"], x["cacheDuration"]) for x in rules] == [
        ("aws-config.prod", ["111122223333.dkr.ecr.*.amazonaws.com"], "6h"),
        ("aws-config.dev", ["444455556666.dkr.ecr.*.amazonaws.com", "public.ecr.aws"], "1h"),
        ("aws-keys-china", ["*.dkr.ecr.*.amazonaws.com.cn"], "30m"),
    ]
    assert all(x["backend"] == "aws.ecr" for x in rules)
    # Two Secrets (one shared by two entries): two read-only mounts.
    assert r.secret_volumes() == {"credential-0": "aws-config", "credential-2": "aws-keys-china"}
    mounts = {m["mountPath"]: m for m in r.container["volumeMounts"]}
    for secret in ("aws-config", "aws-keys-china"):
        assert mounts[f"{SECRETS}/{secret}"]["readOnly"] is True
    assert all(v["secret"]["defaultMode"] == 0o400 for v in r.pod["volumes"] if "secret" in v)
    # kubelet sees the union of every entry's patterns.
    assert r.args("provider-match-image") == [
        "111122223333.dkr.ecr.*.amazonaws.com",
        "444455556666.dkr.ecr.*.amazonaws.com",
        "public.ecr.aws",
        "*.dkr.ecr.*.amazonaws.com.cn",
    ]
    assert r.args("provider-default-cache-duration") == ["6h"]
    digest = "sha256:" + "0123456789abcdef" * 4
    assert r.container["image"] == f"ghcr.io/pullcred/pullcred@{digest}"
    assert r.container["imagePullPolicy"] == "Always"
    assert r.pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert r.pod["serviceAccountName"] == "pullcred-node"
    sa = r.one("ServiceAccount")
    assert sa["metadata"]["name"] == "pullcred-node"
    assert sa["metadata"]["annotations"] == {"example.com/owner": "platform"}
    assert r.daemonset["spec"]["template"]["metadata"]["annotations"]["example.com/team"] == "platform"


def test_proxy(render):
    r = render("proxy.yaml")
    proxy = "http://proxy.corp.example:3128"
    env = r.env()
    assert env["HTTP_PROXY"] == proxy and env["HTTPS_PROXY"] == proxy
    assert env["NO_PROXY"] == "localhost,127.0.0.1,10.0.0.0/8,.svc,.cluster.local"
    assert env["AWS_CA_BUNDLE"] == "/etc/ssl/certs/corp-ca.pem"
    # The installer copies these from its own environment into the kubelet
    # provider entry's env.
    assert r.args("provider-env") == ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "AWS_CA_BUNDLE"]
    assert r.args("provider-api-version") == ["credentialprovider.kubelet.k8s.io/v1"]
    assert r.args("provider-default-cache-duration") == ["4h"]
    assert r.config["profiles"] == {"aws-secret": {"source": "aws.static", "secretDir": f"{SECRETS}/aws-secret"}}
    assert r.pod["tolerations"] == [{"operator": "Exists"}]  # tolerateControlPlane: false
    assert r.pod["priorityClassName"] == "system-node-critical"


def test_native_profiles_and_registries(render):
    r = render("native.yaml")
    c = r.config
    assert set(c["profiles"]) == {"node-cert", "aws-config.default"}
    assert c["profiles"]["node-cert"]["source"] == "aws.roles-anywhere"
    # pullcred's own rules first, then the credential entries'.
    assert [x["profile"] for x in c["registries"]] == ["node-cert", "node-cert", "aws-config.default"]
    assert c["registries"][1] == {"matchImages": ["mirror.example.com:5000"], "backend": "aws.ecr",
                                  "profile": "node-cert", "mirrorOf": "111122223333.dkr.ecr.eu-central-1.amazonaws.com"}
    assert c["cache"] == {"dir": "/var/lib/pullcred/cache"}
    assert c["settings"] == {"deadline": "40s", "nativeSigningHelper": True}
    assert r.args("provider-match-image") == [
        "111122223333.dkr.ecr.*.amazonaws.com", "mirror.example.com:5000", "*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]
    assert r.args("provider-default-cache-duration") == ["1h"]
    assert r.container["args"][-2:] == ["--log-level=debug", "--watch"]


def test_native_only_mounts_no_secret(render):
    r = render("native-only.yaml")
    assert r.secret_volumes() == {}
    assert set(r.config["profiles"]) == {"node-cert"}
    assert r.args("provider-default-cache-duration") == ["5h"]


def test_uninstall_mode(render):
    r = render("uninstall.yaml")
    init = r.pod["initContainers"]
    assert [c["args"] for c in init] == [["node", "uninstall", "--host-root=/host"]]
    assert r.container["args"] == ["node", "uninstall", "--host-root=/host", "--watch"]
    assert r.secret_volumes() == {}
    assert set(r.mounts()) == {"/host"}


def test_config_checksum_rolls_pods(render):
    a = render("defaults.yaml").daemonset["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    b = render("defaults.yaml", sets=("cache.dir=/var/cache/pullcred",))
    assert b.daemonset["spec"]["template"]["metadata"]["annotations"]["checksum/config"] != a


@pytest.mark.parametrize("args,message", [
    (["--set", "credential=null", "--set-json", "credential=[]"], "nothing to install"),
    (["--set-json", 'registries=[{"matchImages":["x.example.com"],"backend":"aws.ecr","profile":"nope"}]'],
     'names profile "nope"'),
    (["--set-json", 'profiles={"aws-secret.default":{"source":"aws.static","fromEnvironment":true}}'],
     "profiles.aws-secret.default: the name is already the profile of credential[0]"),
    (["--set-json", 'credential=[{"secretName":"a","profile":"x","name":"p"},{"secretName":"b","type":"keys","name":"p"}]'],
     'profile name "p" is already used by credential[0]'),
    (["--set", "sourceRegistry=public.ecr.aws/eks-anywhere", "--set", "image.repository=credential-provider-package"],
     "credential-provider-package image, not pullcred"),
])
def test_template_refuses(chart, args, message):
    proc = chart.run("template", "pullcred", str(CHART), *args)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr


# --- offline validation --------------------------------------------------------

@pytest.mark.parametrize("values", GOOD)
def test_objects_validate_against_kubernetes_schemas(chart, node_modules, values):
    rendered = chart.template(values).stdout
    proc = subprocess.run(["node", str(HERE / "validate.js"), "-"], input=rendered, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, NODE_PATH=node_modules))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ok = [line for line in proc.stdout.splitlines() if line.startswith("ok ")]
    assert len(ok) == len(Rendered(rendered).objects), proc.stdout


def test_validator_catches_mistakes(node_modules, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\n"
        "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
        "    spec:\n      tolerations: [{key: k, operator: Exists, efect: NoSchedule}]\n"
        "      containers: [{name: c, image: i, imagePullPolicy: Sometimes}]\n"
        "---\napiVersion: v1\nkind: Widget\nmetadata: {name: w}\n")
    proc = subprocess.run(["node", str(HERE / "validate.js"), str(bad)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, NODE_PATH=node_modules))
    assert proc.returncode == 1
    assert "imagePullPolicy" in proc.stdout
    assert "unknown kind Widget" in proc.stdout
    bad.write_text(bad.read_text().replace("imagePullPolicy: Sometimes", "imagePullPolicy: Always"))
    proc = subprocess.run(["node", str(HERE / "validate.js"), str(bad)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, NODE_PATH=node_modules))
    assert proc.returncode == 1
    assert "unknown field /spec/template/spec/tolerations/0/efect" in proc.stdout


@pytest.fixture(scope="session")
def pullcred_schema():
    schema = json.loads((REPO / "config" / "pullcred.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("values", [v for v in GOOD if v != "uninstall.yaml"])
def test_config_matches_pullcred_schema(render, pullcred_schema, values):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in pullcred_schema.iter_errors(render(values).config)]
    assert errors == []


def _pullcred_binary():
    candidates = []
    if os.environ.get("PULLCRED_BUILD_DIR"):
        candidates.append(Path(os.environ["PULLCRED_BUILD_DIR"]) / "bin" / "pullcred")
    candidates += [REPO / "build" / p / "bin" / "pullcred" for p in ("ci", "dev", "release")]
    return next((p for p in candidates if p.is_file() and os.access(p, os.X_OK)), None)


@pytest.mark.parametrize("values", [v for v in GOOD if v != "uninstall.yaml"])
def test_config_passes_check_config(render, tmp_path, values):
    binary = _pullcred_binary()
    if binary is None:
        pytest.skip("no built pullcred binary (set PULLCRED_BUILD_DIR)")
    config = tmp_path / "config.yaml"
    config.write_text(render(values).one("ConfigMap")["data"]["config.yaml"])
    # The files the config names are mounted in the pod, not here: the config alone is checked.
    proc = subprocess.run([str(binary), "check-config", "--no-prerequisites", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
