"""The Galaxy artifact, as a new user gets it: `ansible-galaxy collection build`, then install it and run it.

1. The tarball holds what runs for a user (meta, plugins, roles, playbooks, requirements.txt) and its docs,
   and no test, script, sandbox, molecule, benchmark or development file (galaxy.yml's build_ignore is the
   one list of what ships; scripts/ansible-test-sanity.sh runs sanity on the same tarball).
2. The Python requirements declared for Galaxy users (requirements.txt, named by meta/execution-environment.yml
   for ansible-builder) are exactly the third-party libraries the plugins import beyond ansible-core's own.
   (The playbooks below run in the project's .venv, not a fresh "ansible-core + requirements.txt" one: that
   check is this import scan.)
3. Installed with `ansible-galaxy collection install <tarball> -p <empty dir>`, the collection converges the
   demo fleet and its drift check goes green, then red on a change in the PSA, all from a project directory
   outside the checkout (its own ansible.cfg and inventory), with the sandbox and OpenBao as the PSAs and the
   secret store; nothing is written into the installed collection.
"""
import ast
import glob
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import requests
import yaml

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import BIN, ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import SECOND_CONVERGE, Demo  # noqa: E402  pylint: disable=wrong-import-position

# What may sit at the top of the artifact: what runs for a user, its declared requirements and its docs.
SHIPS = {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt", "bindep.txt",
         "meta", "plugins", "roles", "playbooks", "docs", "changelogs"}
# Never in the artifact: tests, scripts, the sandbox, molecule, benchmarks, development and CI files.
DEV_TOP = {"tests", "scripts", "psa_sandbox", "extensions", "bench", "requirements", "inventories", "reports",
           "Makefile", "ansible.cfg", "execution-environment.yml", "context"}
DEV_ANYWHERE = {"tests", "sandbox", "psa_sandbox", "molecule", "bench", "__pycache__", "conftest.py"}
# What runs for a user: every file under these folders of the checkout must ship.
RUNS = ("meta", "plugins", "roles", "playbooks")
IN_SYNC, DRIFT = 0, 2


def _clean_env(**extra):
    """The environment of a user's shell: no ANSIBLE_* or PYTHONPATH settings leaking in from this run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1", **extra)
    return env


def _run(cmd, cwd, env=None, timeout=300):
    proc = subprocess.run(cmd, cwd=str(cwd), env=env or _clean_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    proc.output = proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """The tarball `ansible-galaxy collection build` makes from the checkout."""
    out = tmp_path_factory.mktemp("artifact")
    proc = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT],
                cwd=out)
    assert proc.returncode == 0, proc.output
    tarballs = glob.glob(str(out / "msp-psa-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


def _members(tarball):
    with tarfile.open(tarball) as tar:
        return {m.name[2:] if m.name.startswith("./") else m.name: m for m in tar.getmembers()}


def test_the_artifact_ships_what_runs_and_nothing_else(artifact):
    members = _members(artifact)
    names = sorted(members)
    assert {n.split("/")[0] for n in names} <= SHIPS, (
        "unexpected at the top of the artifact: %s (add it to galaxy.yml's build_ignore, or to SHIPS here if it "
        "runs for a user)" % sorted({n.split("/")[0] for n in names} - SHIPS))
    dev = [n for n in names if n.split("/")[0] in DEV_TOP or DEV_ANYWHERE & set(n.split("/")) or "sandbox" in n
           or any(part.startswith(".") for part in n.split("/")) or n.endswith((".pyc", ".tar.gz", "~"))
           or re.match(r"test_.*\.py$", os.path.basename(n))]
    assert not dev, "test, script, sandbox, molecule, bench or dev files in the artifact: %s" % dev
    shipped = {n for n, m in members.items() if m.isfile()}
    missing = []
    for part in RUNS:
        for base, dirs, files in os.walk(os.path.join(ROOT, part)):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                rel = os.path.relpath(os.path.join(base, name), ROOT)
                if not name.startswith(".") and not name.endswith((".pyc", "~")) and rel not in shipped:
                    missing.append(rel)
    assert not missing, "what runs for a user is missing from the artifact: %s" % missing
    for required in ("requirements.txt", "meta/execution-environment.yml", "meta/runtime.yml", "README.md",
                     "LICENSE", "playbooks/converge.yml", "playbooks/drift_check.yml"):
        assert required in shipped, required
    with tarfile.open(artifact) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
        listed = {f["name"] for f in json.load(tar.extractfile("FILES.json"))["files"] if f["ftype"] == "file"}
    assert manifest["collection_info"]["dependencies"] == {"community.hashi_vault": ">=6.0.0"}
    assert listed == shipped - {"MANIFEST.json", "FILES.json"}, sorted(listed ^ shipped)


def _requirement_names(path):
    names = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(_canonical(re.match(r"[A-Za-z0-9._-]+", line).group(0)))
    return names


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _third_party_imports():
    """Top-level modules the plugins import (module_utils included), by file, minus the standard library."""
    found = {}
    for path in glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("ansible", "ansible_collections"):
                    found.setdefault(top, set()).add(os.path.relpath(path, ROOT))
    return found


def test_the_declared_requirements_are_exactly_what_the_plugins_import():
    declared = _requirement_names(os.path.join(ROOT, "requirements.txt"))
    with open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        ee = yaml.safe_load(handle)
    assert ee["dependencies"] == {"python": "requirements.txt"}, ee  # relative to the collection root
    assert ee["version"] == 1
    core = {_canonical(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in importlib.metadata.requires("ansible-core")}
    distributions = importlib.metadata.packages_distributions()
    needed, unknown = {}, {}
    for module, files in sorted(_third_party_imports().items()):
        dists = {_canonical(d) for d in distributions.get(module, ())}
        if not dists:
            unknown[module] = sorted(files)
        elif not dists & core:  # ansible-core brings its own (PyYAML, Jinja2, ...)
            needed.update(dict.fromkeys(dists, sorted(files)))
    assert not unknown, "plugins import modules no installed distribution provides: %s" % unknown
    assert set(needed) == declared, "requirements.txt declares %s; the plugins import %s" % (
        sorted(declared), needed)
    assert declared == {"urllib3", "hvac", "jsonschema"}


@pytest.fixture(scope="module")
def stack():
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        yield sandbox, bao


def test_the_installed_artifact_converges_and_checks_drift_from_a_project_outside_the_checkout(
        artifact, stack, tmp_path):
    sandbox, bao = stack
    collections = tmp_path / "collections"
    proc = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", artifact, "-p", str(collections),
                 "--no-deps"], cwd=tmp_path)
    assert proc.returncode == 0, proc.output
    installed = collections / "ansible_collections" / "msp" / "psa"
    assert (installed / "MANIFEST.json").is_file() and not (installed / "tests").exists()

    # A user's project: its own ansible.cfg (collections from the install dir; community.hashi_vault comes
    # from the `ansible` package on the Python path) and an inventory like inventories/demo.
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(os.path.join(ROOT, "inventories", "demo"), str(project / "inventory"))
    (project / "ansible.cfg").write_text(
        "[defaults]\ncollections_path = %s\ninventory = inventory\ninterpreter_python = auto_silent\n"
        "local_tmp = %s\nretry_files_enabled = false\n" % (collections, tmp_path / "ansible-local"),
        encoding="utf-8")
    assert os.path.relpath(str(project), ROOT).startswith(".."), "the project must be outside the checkout"
    env = _clean_env(VAULT_ADDR=bao.url, VAULT_TOKEN=bao.token, MSP_PSA_SANDBOX_URL=sandbox.url,
                     MSP_PSA_CACHE_DIR=str(tmp_path / "cache"), ANSIBLE_HOME=str(tmp_path / "ansible-home"))

    proc = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "list", "msp.psa", "--format", "json"],
                cwd=project, env=env)
    assert proc.returncode == 0, proc.output
    assert list(json.loads(proc.stdout)) == [str(collections / "ansible_collections")], \
        "msp.psa must resolve from the install dir only: %s" % proc.stdout
    before = {p: os.stat(p).st_mtime_ns for p in glob.glob(str(installed / "**"), recursive=True)}

    def playbook(name, *args):
        return _run([os.path.join(BIN, "ansible-playbook"), "msp.psa." + name] + list(args), cwd=project, env=env)

    demo = Demo(sandbox, bao, reports=str(project / "reports"))
    demo.store_collection_credentials()
    proc = playbook("converge")
    assert proc.returncode == 0, proc.output[-4000:]
    assert "config file = %s" % (project / "ansible.cfg") in _run(
        [os.path.join(BIN, "ansible-playbook"), "--version"], cwd=project, env=env).stdout
    assert sorted(os.listdir(project / "reports" / "handoff")) == ["contoso.json", "lakeside.json", "northwind.json"]
    demo.admin_does_the_steps()
    proc = playbook("converge", "-e", json.dumps(SECOND_CONVERGE))
    assert proc.returncode == 0, proc.output[-4000:]

    proc = playbook("drift_check")
    summary = (project / "reports" / "drift" / "drift-summary.txt").read_text(encoding="utf-8").splitlines()
    assert proc.returncode == IN_SYNC, "%s\n%s" % (summary, proc.output[-4000:])
    assert summary[-1] == "outcome: in_sync (exit 0): 3 in sync, 0 drift, 0 could not check"

    state = requests.get(sandbox.url + "/_sandbox/autotask/northwind", timeout=10).json()
    wise = next(u for u in state["resources"] if u["userName"].startswith("wisesync01@"))
    requests.patch("%s/_sandbox/autotask/northwind/resources/%d" % (sandbox.url, wise["id"]),
                   json={"lastName": "Sync Account"}, timeout=10).raise_for_status()
    proc = playbook("drift_check", "-l", "northwind")
    report = json.loads((project / "reports" / "drift" / "drift-report.json").read_text(encoding="utf-8"))
    assert proc.returncode == DRIFT, proc.output[-4000:]
    assert {t: v["outcome"] for t, v in report["tenants"].items()} == {"northwind": "drift"}

    after = {p: os.stat(p).st_mtime_ns for p in glob.glob(str(installed / "**"), recursive=True)}
    assert after == before, "written inside the installed collection: %s" % sorted(set(after) ^ set(before))
