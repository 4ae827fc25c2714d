"""The drift check's three outcomes, as a pipeline sees them: ansible-playbook's exit code and the reports.

The demo fleet (Autotask northwind and contoso, ConnectWise lakeside) is brought in sync on the sandbox and
a real OpenBao the way `make demo` does it (converge, the admin's manual steps, converge), then:
in sync exits 0; drift exits 2 with <failure> in the JUnit report; a tenant that could not be checked
(PSA unreachable, wrong collection secret, no Vault token) exits 4 with <error>, never as drift and never in
sync; --limit writes the limited tenants' report and hand-off and exits with their outcome; and without
reports_dir the reports go to ./reports of the working directory, not into the collection."""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import ansible
import hvac
import pytest
import requests
import yaml

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao, free_port
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import BIN, ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import COLLECTION_CREDENTIALS, SECOND_CONVERGE, Demo  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.path.join(ROOT, "inventories", "demo")
TENANTS = {"northwind", "contoso", "lakeside"}
IN_SYNC, DRIFT, COULD_NOT_CHECK = 0, 2, 4  # ansible-playbook's exit codes for the three outcomes


class Fleet:
    def __init__(self, sandbox, bao, work):
        self.sandbox, self.bao, self.work = sandbox, bao, work
        self.cache = str(work / "cache")

    def run(self, playbook, tmp_path, *args, env=None, cwd=None, reports=True):
        """ansible-playbook on the demo inventory; reports in tmp_path/reports unless reports=False."""
        environment = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), VAULT_ADDR=self.bao.url,
                           VAULT_TOKEN=self.bao.token, MSP_PSA_SANDBOX_URL=self.sandbox.url,
                           MSP_PSA_CACHE_DIR=self.cache, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
                           PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        environment.update(env or {})
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", INVENTORY, playbook] + list(args)
        if reports:
            cmd += ["-e", json.dumps({"reports_dir": str(tmp_path / "reports")})]
        proc = subprocess.run(cmd, cwd=str(cwd or ROOT), env=environment, capture_output=True, text=True,
                              timeout=300, check=False)
        proc.output = proc.stdout + proc.stderr
        return proc

    def wise_sync_last_name(self, value):
        state = requests.get(self.sandbox.url + "/_sandbox/autotask/northwind", timeout=10).json()
        wise = next(u for u in state["resources"] if u["userName"].startswith("wisesync01@"))
        requests.patch("%s/_sandbox/autotask/northwind/resources/%d" % (self.sandbox.url, wise["id"]),
                       json={"lastName": value}, timeout=10).raise_for_status()


def playbook(name):
    return os.path.join(ROOT, "playbooks", name)


def reports(folder):
    """(JSON report, JUnit root, summary lines) from folder/drift."""
    drift = os.path.join(str(folder), "drift")
    with open(os.path.join(drift, "drift-report.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    with open(os.path.join(drift, "drift-summary.txt"), encoding="utf-8") as handle:
        summary = handle.read().splitlines()
    return data, ET.parse(os.path.join(drift, "drift-report.junit.xml")).getroot(), summary


def junit_outcomes(junit):
    """Per tenant (JUnit test suite), the sorted tags of its failed test cases: failure or error."""
    return {s.get("name"): sorted(e.tag for e in s.iter() if e.tag in ("failure", "error"))
            for s in junit.iter("testsuite")}


def outcomes(data):
    return {t: v["outcome"] for t, v in data["tenants"].items()}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """The demo fleet in sync: converge, the admin's manual steps, converge with registrations confirmed."""
    work = tmp_path_factory.mktemp("fleet")
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        demo = Demo(sandbox, bao, reports=str(work / "demo"))
        os.makedirs(demo.reports)
        demo.cache = str(work / "cache")
        demo.store_collection_credentials()
        for label, extra in (("1-converge", None), ("2-converge", SECOND_CONVERGE)):
            proc = demo.playbook("converge.yml", label, extra)
            assert proc.returncode == 0, proc.stdout[-3000:]
            if label == "1-converge":
                demo.admin_does_the_steps()
        yield Fleet(sandbox, bao, work)


def test_in_sync_exits_0(fleet, tmp_path):
    for name in ("drift_check.yml", "drift_check_fleet.yml"):
        proc = fleet.run(playbook(name), tmp_path)
        data, junit, summary = reports(tmp_path / "reports")
        assert proc.returncode == IN_SYNC, "%s: %s\n%s" % (name, summary, proc.output[-3000:])
        assert outcomes(data) == dict.fromkeys(TENANTS, "in_sync") and data["outcome"] == "in_sync"
        assert junit_outcomes(junit) == dict.fromkeys(TENANTS, [])
        assert summary[-1] == "outcome: in_sync (exit 0): 3 in sync, 0 drift, 0 could not check"


def test_drift_exits_2_with_a_junit_failure(fleet, tmp_path):
    fleet.wise_sync_last_name("Sync Account")
    for name in ("drift_check.yml", "drift_check_fleet.yml"):
        proc = fleet.run(playbook(name), tmp_path)
        data, junit, summary = reports(tmp_path / "reports")
        assert proc.returncode == DRIFT, "%s: %s\n%s" % (name, summary, proc.output[-3000:])
        assert outcomes(data) == {"northwind": "drift", "contoso": "in_sync", "lakeside": "in_sync"}
        assert junit_outcomes(junit) == {"northwind": ["failure"], "contoso": [], "lakeside": []}
        assert "northwind (autotask): DRIFT - wise_sync fields: last_name: want 'API User', have 'Sync Account' " \
               "(fix: api)" in summary
        assert summary[-1] == "outcome: drift (exit 2): 2 in sync, 1 drift, 0 could not check"


def test_limit_reports_and_exits_with_the_limited_tenants(fleet, tmp_path):
    """northwind still drifts (previous test): -l northwind is red, -l contoso green, each with its own report."""
    for limit, code, outcome in (("northwind", DRIFT, "drift"), ("contoso", IN_SYNC, "in_sync")):
        for name in ("drift_check.yml", "drift_check_fleet.yml"):
            folder = tmp_path / limit / name
            proc = fleet.run(playbook(name), folder, "-l", limit)
            assert os.path.exists(folder / "reports" / "drift" / "drift-report.json"), \
                "%s -l %s wrote no report (exit %d):\n%s" % (name, limit, proc.returncode, proc.output[-3000:])
            data, junit, _summary = reports(folder / "reports")
            assert (proc.returncode, outcomes(data)) == (code, {limit: outcome}), proc.output[-3000:]
            assert set(junit_outcomes(junit)) == {limit}


def test_psa_unreachable_exits_4_with_junit_errors(fleet, tmp_path):
    """No PSA answers (a closed port, no cached zone): every tenant could not be checked, none is drift.
    (drift_check_fleet.yml's could-not-check path is the wrong-secret test's; each attempt here is retried.)"""
    env = {"MSP_PSA_SANDBOX_URL": "http://127.0.0.1:%d" % free_port(), "MSP_PSA_CACHE_DIR": str(tmp_path / "cold")}
    proc = fleet.run(playbook("drift_check.yml"), tmp_path, env=env)
    data, junit, summary = reports(tmp_path / "reports")
    assert proc.returncode == COULD_NOT_CHECK, "%s\n%s" % (summary, proc.output[-3000:])
    assert outcomes(data) == dict.fromkeys(TENANTS, "could_not_check")
    assert all("could not connect" in v["reason"] for v in data["tenants"].values()), data["tenants"]
    assert junit_outcomes(junit) == dict.fromkeys(TENANTS, ["error"])
    assert not [line for line in summary if "DRIFT" in line]
    assert all(": COULD NOT CHECK (" in line for line in summary[:-1]), summary
    assert summary[-1] == "outcome: could_not_check (exit 4): 0 in sync, 0 drift, 3 could not check"
    assert proc.output.count("UNREACHABLE!") == 3


def test_a_wrong_collection_secret_is_could_not_check_and_wins_over_drift(fleet, tmp_path):
    """contoso's collection secret is wrong while northwind drifts: exit 4, contoso could not be checked (the
    PSA's answer as the reason), northwind still reported as drift, lakeside in sync."""
    path = "msp/contoso/collection"
    fleet_vault = hvac.Client(url=fleet.bao.url, token=fleet.bao.token)
    fleet_vault.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret=dict(
        COLLECTION_CREDENTIALS["contoso"], secret="WrongSecretForContoso2026"))
    try:
        for name in ("drift_check.yml", "drift_check_fleet.yml"):
            proc = fleet.run(playbook(name), tmp_path)
            data, junit, summary = reports(tmp_path / "reports")
            assert proc.returncode == COULD_NOT_CHECK, "%s: %s\n%s" % (name, summary, proc.output[-3000:])
            assert outcomes(data) == {"northwind": "drift", "contoso": "could_not_check", "lakeside": "in_sync"}
            assert junit_outcomes(junit) == {"northwind": ["failure"], "contoso": ["error"], "lakeside": []}
            assert [line for line in summary if line.startswith("contoso (autotask): COULD NOT CHECK (")], summary
    finally:
        fleet_vault.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret",
                                                          secret=COLLECTION_CREDENTIALS["contoso"])


def test_no_vault_token_is_could_not_check(fleet, tmp_path):
    proc = fleet.run(playbook("drift_check.yml"), tmp_path, "-l", "lakeside", env={"VAULT_TOKEN": ""})
    data, junit, summary = reports(tmp_path / "reports")
    assert proc.returncode == COULD_NOT_CHECK, "%s\n%s" % (summary, proc.output[-3000:])
    assert outcomes(data) == {"lakeside": "could_not_check"} and junit_outcomes(junit) == {"lakeside": ["error"]}


def test_an_invalid_declaration_is_could_not_check_naming_the_key_and_the_others_are_checked(fleet, tmp_path):
    """contoso declares an override no schema knows: drift_check.yml's run-wide build of the tenants' users
    fails, so each tenant builds its own; contoso could not be checked, its reason naming the key and the fix,
    and northwind and lakeside are checked as usual."""
    extra = tmp_path / "typo.yml"
    extra.write_text(yaml.safe_dump({"tenants": {"children": {"autotask_tenants": {"hosts": {"contoso": {
        "profile_overrides": {"autoelevate": {"last_nam": "Elevate"}}}}}}}}), encoding="utf-8")
    proc = fleet.run(playbook("drift_check.yml"), tmp_path, "-i", str(extra))
    data, junit, summary = reports(tmp_path / "reports")
    assert proc.returncode == COULD_NOT_CHECK, "%s\n%s" % (summary, proc.output[-3000:])
    assert data["tenants"]["contoso"]["outcome"] == "could_not_check"
    reason = data["tenants"]["contoso"]["reason"]
    assert "profile_overrides.autoelevate.last_nam: unknown autotask setting. Did you mean 'last_name'?" in reason
    assert {t: outcomes(data)[t] in ("in_sync", "drift") for t in ("northwind", "lakeside")} == {
        "northwind": True, "lakeside": True}, summary
    assert junit_outcomes(junit)["contoso"] == ["error"]


def files_under(folder):
    found = {}
    for base, _dirs, names in os.walk(str(folder)):
        for name in names:
            path = os.path.join(base, name)
            found[path] = os.stat(path).st_mtime_ns
    return found


def installed_collection(tmp_path):
    """msp.psa as ansible-galaxy installs it (what the Galaxy artifact ships), in tmp_path/collections."""
    target = tmp_path / "collections" / "ansible_collections" / "msp" / "psa"
    target.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "galaxy.yml"), str(target / "galaxy.yml"))
    for part in ("meta", "plugins", "roles", "playbooks"):
        for base, dirs, names in os.walk(os.path.join(ROOT, part)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            folder = target / os.path.relpath(base, ROOT)
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                try:
                    shutil.copy2(os.path.join(base, name), str(folder / name))
                except FileNotFoundError:  # an editor's temporary file, gone meanwhile
                    pass
    return target


def test_limit_and_default_reports_dir_for_converge_and_drift_check(fleet, tmp_path):
    """An installed collection's playbooks (msp.psa.converge), run from a pipeline's working directory
    without reports_dir: converge -l contoso writes contoso's hand-off, the drift check contoso's report, both
    under ./reports; nothing is written in the collection."""
    collection = installed_collection(tmp_path)
    before = files_under(collection)
    site = os.path.dirname(os.path.dirname(ansible.__file__))  # the other collections (community.hashi_vault)
    assert not os.path.exists(os.path.join(site, "ansible_collections", "msp")), "msp.psa must come from the copy"
    env = {"ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(tmp_path / "collections"), site])}
    work = tmp_path / "pipeline"
    work.mkdir()
    proc = fleet.run("msp.psa.converge", tmp_path, "-l", "contoso", cwd=work, reports=False, env=env)
    assert proc.returncode == 0, proc.output[-3000:]
    assert sorted(os.listdir(work / "reports" / "handoff")) == ["contoso.json"], proc.output[-3000:]
    with open(work / "reports" / "handoff" / "contoso.json", encoding="utf-8") as handle:
        assert json.load(handle)["psa"] == "autotask"
    proc = fleet.run("msp.psa.drift_check", tmp_path, "-l", "contoso", cwd=work, reports=False, env=env)
    data, _junit, _summary = reports(work / "reports")
    assert (proc.returncode, outcomes(data)) == (IN_SYNC, {"contoso": "in_sync"}), proc.output[-3000:]
    assert files_under(collection) == before, "written inside the collection: %s" % sorted(
        set(files_under(collection)) - set(before))
