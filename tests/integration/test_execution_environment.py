"""The execution environment: `ansible-builder create` makes a complete build context from execution-environment.yml.

No container engine runs here, so the image is not built; what the build would do with the context is checked
step by step instead:

1. The definition is ansible-builder v3 with a pinned base image (a tag or digest, never `latest`, never a
   deprecated image) whose Python satisfies the pinned ansible-core.
2. The collection installs from the context exactly as the Containerfile's galaxy stage installs it: `COPY _build
   /build`, then its own `ansible-galaxy collection install -r requirements.yml` line, run from a copy of `_build`
   into an empty path (`--no-deps`: the Galaxy dependencies are fetched at build time, and there is no network here).
3. `ansible-builder introspect` on that install, as the builder stage runs it, lists the collection's Python
   requirements (requirements.txt, declared through meta/execution-environment.yml).
"""
import glob
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from .harness import BIN, ROOT

DEFINITION = os.path.join(ROOT, "execution-environment.yml")
DEPRECATED_IMAGES = ("quay.io/ansible/creator-ee", "quay.io/ansible/ansible-runner", "quay.io/ansible/python-base",
                     "quay.io/ansible/python-builder")


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _run(cmd, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(cmd, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=300, check=False)
    proc.output = proc.stdout + proc.stderr
    return proc


def _requirement_names(path):
    with open(path, encoding="utf-8") as handle:
        lines = [line.split("#", 1)[0].strip() for line in handle]
    return {re.match(r"[A-Za-z0-9._-]+", line).group(0).lower() for line in lines if line}


@pytest.fixture(scope="module")
def ee(tmp_path_factory):
    """The definition copied to an empty folder, the collection tarball built where the definition takes it from
    (its additional_build_files), and the context `ansible-builder create` makes of them."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(DEFINITION, str(work / "execution-environment.yml"))
    definition = _load(DEFINITION)
    tarball_globs = [entry["src"] for entry in definition.get("additional_build_files") or []
                     if str(entry.get("src", "")).endswith(".tar.gz")]
    dist = work / os.path.dirname(tarball_globs[0]) if tarball_globs else work / "dist"
    proc = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(dist), ROOT], work)
    assert proc.returncode == 0, proc.output
    context = work / "context"
    proc = _run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context),
                 "--output-filename", "Containerfile"], work)
    assert proc.returncode == 0, proc.output
    with open(context / "Containerfile", encoding="utf-8") as handle:
        containerfile = handle.read()
    return {"work": work, "definition": definition, "context": context, "containerfile": containerfile,
            "tarballs": glob.glob(str(dist / "msp-psa-*.tar.gz"))}


def test_the_definition_pins_a_supported_base_image_and_the_tested_ansible_core(ee):
    definition, containerfile = ee["definition"], ee["containerfile"]
    assert definition["version"] == 3
    image = definition["images"]["base_image"]["name"]
    name, _, tag = image.partition("@")[0].rpartition(":") if "@" not in image else (image.partition("@")[0], "", "")
    assert "@sha256:" in image or (name and "/" not in tag and tag not in ("", "latest")), \
        "base image %r is not pinned to a tag or digest" % image
    assert not image.startswith(DEPRECATED_IMAGES), "base image %r is deprecated" % image
    assert 'ARG EE_BASE_IMAGE="%s"' % image in containerfile
    # the artifact the definition installs is the one `ansible-galaxy collection build` makes of this version
    version = _load(os.path.join(ROOT, "galaxy.yml"))["version"]
    names = re.findall(r"msp-psa-([^/\s]+)\.tar\.gz", yaml.safe_dump(definition))
    assert names and set(names) == {version}, "execution-environment.yml names msp-psa-%s.tar.gz; galaxy.yml is %s" % (
        names, version)

    # ansible-core pinned to the version the tests run, on a Python it supports
    core = definition["dependencies"]["ansible_core"]["package_pip"]
    assert core == "ansible-core==%s" % importlib.metadata.version("ansible-core"), core
    python = definition["dependencies"]["python_interpreter"]
    version = re.search(r"python(\d+\.\d+)$", python["python_path"]).group(1)
    assert version in SpecifierSet(importlib.metadata.metadata("ansible-core")["Requires-Python"]), python
    assert 'ARG PYCMD="%s"' % python["python_path"] in containerfile
    runner = definition["dependencies"]["ansible_runner"]["package_pip"]
    assert re.fullmatch(r"ansible-runner==[0-9.]+", runner), runner


def test_the_collection_installs_from_the_context_as_the_galaxy_stage_does(ee, tmp_path):
    context, containerfile = ee["context"], ee["containerfile"]
    assert len(ee["tarballs"]) == 1, ee["tarballs"]
    galaxy_stage = containerfile.split("FROM base AS galaxy", 1)[1].split("\nFROM ", 1)[0]
    assert "COPY _build /build" in galaxy_stage and "WORKDIR /build" in galaxy_stage, galaxy_stage
    line = next(line for line in galaxy_stage.splitlines() if "ansible-galaxy collection install" in line)

    build = tmp_path / "build"  # COPY _build /build; WORKDIR /build
    shutil.copytree(str(context / "_build"), str(build))
    collections = tmp_path / "collections"
    words = shlex.split(line.replace("RUN ", "", 1).replace("$ANSIBLE_GALAXY_CLI_COLLECTION_OPTS", "--no-deps"))
    words = [w for w in words if "=" not in w or w.startswith("-")]  # the environment prefix of the RUN line
    words[words.index("--collections-path") + 1] = str(collections)
    words[0] = os.path.join(BIN, words[0])
    proc = _run(words, build)
    assert proc.returncode == 0, proc.output
    installed = collections / "ansible_collections" / "msp" / "psa"
    manifest = json.loads((installed / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["version"] == _load(os.path.join(ROOT, "galaxy.yml"))["version"]
    # the Galaxy dependencies the real build fetches are galaxy.yml's, so they are the installed collection's
    assert manifest["collection_info"]["dependencies"] == _load(os.path.join(ROOT, "galaxy.yml"))["dependencies"]
    for path in ("requirements.txt", "meta/execution-environment.yml", "playbooks/converge.yml",
                 "playbooks/drift_check.yml", "plugins/modules/autotask_api_users.py"):
        assert (installed / path).is_file(), path


def test_introspection_of_the_installed_collection_lists_its_python_requirements(ee, tmp_path):
    """The builder stage's own introspection line, run with the context's own script on the install above."""
    test_the_collection_installs_from_the_context_as_the_galaxy_stage_does(ee, tmp_path)
    builder_stage = ee["containerfile"].split("FROM base AS builder", 1)[1].split("\nFROM ", 1)[0]
    line = next(line for line in builder_stage.splitlines() if "introspect.py introspect" in line)
    words = shlex.split(line.replace("RUN ", "", 1))
    assert words[:3] == ["$PYCMD", "/output/scripts/introspect.py", "introspect"], line
    out = tmp_path / "src"
    out.mkdir()
    words[:2] = [sys.executable, str(ee["context"] / "_build" / "scripts" / "introspect.py")]
    words = [w.replace("=/tmp/src/", "=%s/" % out) for w in words] + [str(tmp_path / "collections")]
    proc = _run(words, tmp_path / "build")  # WORKDIR /build
    assert proc.returncode == 0, proc.output
    by_collection = {}
    for line in (out / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9._-]+).*# from collection ([\w.]+)", line)
        if match:
            by_collection.setdefault(match.group(2), set()).add(match.group(1).lower())
    declared = _requirement_names(os.path.join(ROOT, "requirements.txt"))
    assert by_collection.get("msp.psa") == declared, (declared, proc.output)
    assert {"urllib3", "hvac"} <= declared

    # and as a collection author checks it: `ansible-builder introspect` on the installed collection
    proc = _run([os.path.join(BIN, "ansible-builder"), "introspect", str(tmp_path / "collections")], tmp_path)
    assert proc.returncode == 0, proc.output
    listed = yaml.safe_load(proc.stdout.split("# Dependency data for", 1)[1].split("\n", 1)[1])
    listed = {_name(r) for r in listed["python"] if r.endswith("# from collection msp.psa")}
    assert listed == declared, proc.stdout


def _name(requirement):
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower()
