"""packaging/docker/Dockerfile against the repository it builds from: every
COPY source exists, the preset and the target it builds exist, the bundle it
ships is where CMake puts it, and the entrypoint is what the Helm chart's
DaemonSet expects (args only, no command). No image is built: that needs the
base images from a registry (see packaging/docker/README.md)."""
import fnmatch
import json
import os
import pathlib
import re
import shlex
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2])).resolve()
BUILD_DIR = pathlib.Path(os.environ.get("PULLCRED_BUILD_DIR", SOURCE_DIR / "build" / "ci")).resolve()
DOCKERFILE = SOURCE_DIR / "packaging" / "docker" / "Dockerfile"


def instructions(text):
    """[(INSTRUCTION, arguments)] with continuations joined and comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        lines.append(current)
        current = ""
    assert not current, "Dockerfile ends in a continuation"
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def stages():
    result = []
    for op, args in instructions(DOCKERFILE.read_text()):
        if op == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append({"base": words[0], "name": name, "steps": []})
        else:
            assert result, f"{op} before FROM"
            result[-1]["steps"].append((op, args))
    return result


def copies(stage):
    for op, args in stage["steps"]:
        if op == "COPY":
            words = shlex.split(args)
            flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
            paths = [w for w in words if not w.startswith("--")]
            yield flags, paths[:-1], paths[-1]


def runs(stage):
    return " && ".join(args for op, args in stage["steps"] if op == "RUN")


def cmake_cache(name):
    text = (BUILD_DIR / "CMakeCache.txt").read_text()
    match = re.search(rf"^{name}:[A-Z]+=(.*)$", text, re.M)
    assert match, f"{name} not in {BUILD_DIR}/CMakeCache.txt"
    return match.group(1)


@pytest.fixture(scope="module")
def parsed():
    found = stages()
    assert len(found) == 2, "one build stage, one runtime stage"
    return found


def test_build_stage_copies_only_what_exists_and_is_not_ignored(parsed):
    ignore = [line.strip() for line in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    build = parsed[0]
    assert build["base"].startswith("debian:bookworm"), build["base"]
    for flags, sources, _ in copies(build):
        assert "from" not in flags
        for source in sources:
            assert (SOURCE_DIR / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignore), source
    assert ".ci/install-deps" in runs(build)


def test_build_stage_builds_the_bundle_target_of_a_real_preset(parsed):
    commands = runs(parsed[0])
    configure = re.search(r"cmake --preset (\S+)", commands).group(1)
    build_preset = re.search(r"cmake --build --preset (\S+)", commands).group(1)
    target = re.search(r"--target (\S+)", commands).group(1)
    presets = json.loads((SOURCE_DIR / "CMakePresets.json").read_text())
    assert configure in {p["name"] for p in presets["configurePresets"]}
    assert build_preset in {p["name"] for p in presets["buildPresets"]}
    listed = subprocess.run(["cmake", "--build", str(BUILD_DIR), "--target", "help"],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert re.search(rf"^{re.escape(target)}: ", listed.stdout, re.M), f"no target {target} in {BUILD_DIR}"

    workdir = next(args for op, args in parsed[0]["steps"] if op == "WORKDIR")
    bundle_subdir = re.search(r'set\(PULLCRED_BUNDLE_DIR "\$\{PROJECT_BINARY_DIR\}/([^"]+)"\)',
                              (SOURCE_DIR / "packaging" / "CMakeLists.txt").read_text()).group(1)
    binary_dir = next(p for p in presets["configurePresets"] if p["name"] == "base")["binaryDir"]
    built = (binary_dir.replace("${sourceDir}", workdir).replace("${presetName}", configure) + "/" + bundle_subdir)
    shipped = [sources for flags, sources, _ in copies(parsed[1]) if flags.get("from") == parsed[0]["name"]]
    assert [built] in shipped, f"the runtime stage does not copy {built}"
    assert f"{built}/bin/pullcred --version" in commands, "the build stage does not smoke-test the bundle"


def test_runtime_stage_ships_the_bundle_at_its_prefix_and_runs_pullcred(parsed):
    runtime = parsed[1]
    assert runtime["base"] in ("debian:bookworm-slim",) or runtime["base"].startswith("gcr.io/distroless/")
    prefix = cmake_cache("PULLCRED_BUNDLE_PREFIX")
    destinations = {dest.rstrip("/") for flags, sources, dest in copies(runtime)
                    if any(s.endswith("/bundle/pullcred") for s in sources)}
    assert destinations == {prefix}, destinations
    entrypoint = json.loads(next(args for op, args in runtime["steps"] if op == "ENTRYPOINT"))
    assert entrypoint == [f"{prefix}/bin/pullcred"]


def test_the_chart_runs_the_image_entrypoint_with_node_commands():
    daemonset = (SOURCE_DIR / "packaging" / "helm" / "pullcred" / "templates" / "daemonset.yaml").read_text()
    assert not re.search(r"^\s*command:", daemonset, re.M), "the chart overrides the entrypoint"
    assert re.search(r"^\s*- node\s*$", daemonset, re.M) or '"node"' in daemonset
