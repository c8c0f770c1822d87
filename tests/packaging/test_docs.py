"""The chart's docs stay true to the chart: the values snippets of
docs/install.md render, the installer flags the DaemonSet passes are the
ones the chart README's contract lists, and values.yaml and
values.schema.json name the same keys."""
import json
import re

import pytest
import yaml

from chartkit import CHART, GOOD, REPO

INSTALL_MD = REPO / "docs" / "install.md"
CHART_README = CHART / "README.md"


def _schema():
    return json.loads((CHART / "values.schema.json").read_text())


def _values_snippets():
    keys = set(_schema()["properties"])
    snippets = []
    for block in re.findall(r"```yaml\n(.*?)```", INSTALL_MD.read_text(), re.S):
        doc = yaml.safe_load(block)
        if isinstance(doc, dict) and set(doc) <= keys:
            snippets.append(block)
    return snippets


def test_install_md_has_values_snippets():
    assert len(_values_snippets()) >= 3


@pytest.mark.parametrize("index", range(3))
def test_install_md_values_render(chart, tmp_path, index):
    snippets = _values_snippets()
    if index >= len(snippets):
        pytest.skip("fewer snippets")
    values = tmp_path / "values.yaml"
    values.write_text(snippets[index])
    proc = chart.run("template", "pullcred", str(CHART), "-f", str(values))
    assert proc.returncode == 0, proc.stderr


def test_readme_lists_every_installer_flag(render):
    contract = CHART_README.read_text().split("## The installer contract", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"(--[a-z][a-z-]*)", contract))
    used = set()
    for values in GOOD:
        r = render(values)
        for c in r.pod.get("initContainers", []) + r.pod["containers"]:
            used |= {a.split("=", 1)[0] for a in c["args"] if a.startswith("--")}
    used -= {"--log-level"}  # from node.extraArgs in native.yaml, not the chart's own
    assert used - documented == set()
    assert {"--provider-match-image", "--provider-env", "--provider-api-version", "--watch"} <= used


def test_values_yaml_and_schema_name_the_same_keys():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = _schema()["properties"]
    assert set(values) == set(schema) - {"global"}
    for key, sub in values.items():
        if isinstance(sub, dict) and schema[key].get("additionalProperties") is False:
            assert set(sub) <= set(schema[key]["properties"]), key
