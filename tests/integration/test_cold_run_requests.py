"""A cold drift check (fresh container) costs no more than a warm one when the pipeline declares the zone and
codebase in the inventory or restores the collection's cache directory (an artifact kept between runs), and
a stale entry (the database moved to another zone, the company to another codebase, a security level the
cache does not know) is detected and refreshed, with the same outcome as a run that discovered everything.

Counted in the sandbox's request log, never timed."""
import json
import os
import shutil
import subprocess

import pytest
import requests
import yaml

from psa_sandbox.server import SandboxServer

from .harness import BIN, ROOT

N = 3  # tenants per PSA
DRIFTED = "at1"  # its tool user's last name was changed in the PSA
PROFILE = {
    "display_name": "Tool",
    "autotask": {"username": "tool01", "first_name": "Tool", "last_name": "API User", "email_local": "tool",
                 "security_level": "API User (system)", "integration_vendor": "Wise-Sync", "internal_cost": 0.0},
    "connectwise": {"identifier": "TOOL", "name": "Tool Integration", "security_role": "Tool Role",
                    "default_department": "Admin",
                    "role_permissions": [{"module": "Companies", "function": "Company Maintenance", "inquire": "All"}]},
}
CUSTOM_LEVEL = "API User - Tool"
TOOL_ROLE_LEVELS = [{"moduleName": "Companies", "moduleFunctionName": "Company Maintenance", "inquireLevel": "All"}]


def at_secret(i):
    return "ColdRunSecret%02dabcdefgh" % i


def at_code(i):
    return ("COLDRUN%020d" % i)[:27]


def cw_private(i):
    return "ColdPriv%08dxx" % i


def seed(zone="webservices5", codebase="v2025_1/", custom_level=False):
    """The fleet; a later seed with another zone/codebase is the same fleet after the PSA moved it."""
    databases, companies = [], []
    for i in range(N):
        domain = "at%d.example" % i
        tool = {"userName": "tool01", "firstName": "Tool", "email": "tool@" + domain, "secret": "ToolUser%02dSecret99" % i,
                "integrationVendor": "Wise-Sync", "internalCost": 0.0,
                "lastName": "Drifted" if "at%d" % i == DRIFTED else "API User"}
        if custom_level and i == 0:
            tool["securityLevel"] = CUSTOM_LEVEL
        databases.append({
            "name": "at%d" % i, "zone": zone, "ci": 810000 + i, "domain": domain,
            "security_levels": [{"name": CUSTOM_LEVEL, "api_only": True}] if custom_level else [],
            "resources": [{"userName": "msppsa01", "firstName": "MSP", "lastName": "Automation",
                           "email": "auto@" + domain, "secret": at_secret(i), "customIntegration": True,
                           "trackingIdentifier": at_code(i)}, tool]})
        companies.append({
            "id": "cw%d" % i, "name": "cw%d" % i, "codebase": codebase,
            "security_roles": [{"name": "Admin", "admin": True}, {"name": "Tool Role", "levels": TOOL_ROLE_LEVELS}],
            "members": [{"identifier": "msppsa", "name": "MSP Automation", "securityRole": {"name": "Admin"},
                         "keys": [{"public": "ColdPub%08d" % i, "private": cw_private(i)}]},
                        {"identifier": "TOOL", "name": "Tool Integration", "securityRole": {"name": "Tool Role"},
                         "defaultDepartment": {"identifier": "Admin"}}]})
    return {"autotask": {"databases": databases}, "connectwise": {"companies": companies}}


SECRETS = [s for i in range(N) for s in (at_secret(i), at_code(i), cw_private(i))]


class ColdFleet:
    def __init__(self, server, work):
        self.server, self.work = server, work
        profiles = work / "profiles"
        profiles.mkdir()
        (profiles / "tool.yml").write_text(yaml.safe_dump(PROFILE))
        self.profiles = str(profiles)

    def reseed(self, **kw):
        requests.post(self.server.url + "/_sandbox/seed", json=seed(**kw), timeout=10).raise_for_status()

    def inventory(self, path, declare=None, overrides=None):
        at_hosts = {"at%d" % i: {"autotask_domain": "at%d.example" % i, "autotask_username": "msppsa01@at%d.example" % i,
                                 "autotask_secret": at_secret(i), "autotask_integration_code": at_code(i)}
                    for i in range(N)}
        cw_hosts = {"cw%d" % i: {"connectwise_company": "cw%d" % i, "connectwise_public_key": "ColdPub%08d" % i,
                                 "connectwise_private_key": cw_private(i), "connectwise_own_identifier": "msppsa"}
                    for i in range(N)}
        for name, hostvars in (declare or {}).items():
            (at_hosts.get(name) or cw_hosts[name]).update(hostvars)
        for name, value in (overrides or {}).items():
            (at_hosts.get(name) or cw_hosts[name])["profile_overrides"] = value
        data = {"tenants": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                                     "vendor_profiles": ["tool"], "vendor_profiles_dirs": [self.profiles],
                                     "autotask_discovery_url": self.server.url + "/atservicesrest/",
                                     "connectwise_base_url": self.server.url},
                            "children": {"autotask_tenants": {"hosts": at_hosts, "vars": {"psa": "autotask"}},
                                         "connectwise_tenants": {"hosts": cw_hosts, "vars": {
                                             "psa": "connectwise", "connectwise_client_id": "cold-client"}}}}}
        path.write_text(yaml.safe_dump(data))
        return str(path)

    def drift_check(self, tmp_path, cache, declare=None, overrides=None, extra_args=()):
        """(exit code, outcome per tenant, the sandbox requests of this run, output); the report stays in
        tmp_path/reports/drift. ``extra_args``: more ansible-playbook arguments."""
        mark = requests.get(self.server.url + "/_sandbox/requests", timeout=5).json()["last"]
        tmp_path.mkdir(parents=True, exist_ok=True)
        inventory = self.inventory(tmp_path / "inventory.yml", declare, overrides)
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), MSP_PSA_CACHE_DIR=str(cache),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        for name in ("MSP_PSA_SANDBOX_URL", "VAULT_ADDR", "VAULT_TOKEN"):
            env.pop(name, None)
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, "--forks", "6",
                               os.path.join(ROOT, "playbooks", "drift_check.yml"),
                               "-e", json.dumps({"reports_dir": str(tmp_path / "reports"), "fail_on_drift": False})]
                             + list(extra_args),
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        log = requests.get(self.server.url + "/_sandbox/requests", params={"since": mark}, timeout=5).json()["requests"]
        with open(tmp_path / "reports" / "drift" / "drift-report.json", encoding="utf-8") as handle:
            report = json.load(handle)
        outcomes = {name: entry["outcome"] for name, entry in report["tenants"].items()}
        return proc.returncode, outcomes, log, proc.stdout + proc.stderr


EXPECTED = dict({"at%d" % i: "in_sync" for i in range(N)}, **{"cw%d" % i: "in_sync" for i in range(N)}, at1="drift")


def per_tenant(log):
    """Requests per tenant, for each PSA (zone lookups and companyinfo included)."""
    autotask = [r for r in log if "atservicesrest" in r["path"].lower()]
    connectwise = [r for r in log if "/apis/3.0/" in r["path"] or "/login/companyinfo/" in r["path"]]
    return len(autotask) / float(N), len(connectwise) / float(N)


def kinds(log, word):
    return [r for r in log if word in r["path"].lower()]


def role_lookups(log):
    """ConnectWise security roles looked up by name (a role's settings are read by its id)."""
    return [r for r in log if r["path"].lower().endswith("/system/securityroles")]


def role_settings(log):
    return [r for r in log if r["path"].lower().endswith("/settings")]


@pytest.fixture()
def fleet(tmp_path):
    with SandboxServer(seed()) as server:
        yield ColdFleet(server, tmp_path)


def test_a_restored_cache_makes_a_cold_run_as_cheap_as_a_warm_one(fleet, tmp_path):
    first, outcomes, log, output = fleet.drift_check(tmp_path / "first", tmp_path / "runner-a" / "cache")
    assert outcomes == EXPECTED, output[-3000:]
    # cold, nothing declared or cached: Autotask zone lookup + field metadata + query; ConnectWise companyinfo +
    # API members + the role's levels (by the id the members carry)
    assert per_tenant(log) == (3.0, 3.0), [(r["method"], r["path"]) for r in log]
    assert not role_lookups(log), [r["path"] for r in log]

    # the pipeline keeps the cache directory as an artifact; the next job restores it somewhere else
    restored = tmp_path / "runner-b" / "restored-cache"
    shutil.copytree(tmp_path / "runner-a" / "cache", restored)
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "second", restored)
    assert (rc, outcomes) == (first, EXPECTED), output[-3000:]
    # Autotask: the API-user query; ConnectWise: the API members, then the levels of the role they reference (by
    # the id the members carry, never looked up by name as well). The levels are read every run: they are what
    # an admin changes in the UI, and a role that lost one must be reported.
    assert per_tenant(log) == (1.0, 2.0), [(r["method"], r["path"]) for r in log]
    assert len(role_settings(log)) == N and not role_lookups(log), [r["path"] for r in log]
    assert not kinds(log, "zoneinformation") and not kinds(log, "companyinfo")

    # portable and harmless to keep: no secret, no absolute path of the runner that wrote it
    for folder, _dirs, files in os.walk(restored):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            assert not [s for s in SECRETS if s in text], name
            assert str(tmp_path) not in text and "runner-a" not in text, name


def test_a_declared_zone_and_codebase_cost_no_discovery(fleet, tmp_path):
    declare = dict({"at%d" % i: {"autotask_zone_url": fleet.server.url + "/webservices5/ATServicesRest/"}
                    for i in range(N)},
                   **{"cw%d" % i: {"connectwise_codebase": "v2025_1/"} for i in range(N)})
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "declared", tmp_path / "empty-cache", declare)
    assert outcomes == EXPECTED, output[-3000:]
    assert not kinds(log, "zoneinformation") and not kinds(log, "companyinfo"), [r["path"] for r in log]
    # Autotask still reads the database's field metadata once (not declared: picklist ids differ per database);
    # ConnectWise the members and their role's levels
    assert per_tenant(log) == (2.0, 2.0), [(r["method"], r["path"]) for r in log]
    assert not role_lookups(log), [r["path"] for r in log]


def test_a_stale_zone_codebase_or_picklist_is_detected_and_refreshed(fleet, tmp_path):
    cache = tmp_path / "cache"
    fleet.drift_check(tmp_path / "first", cache)
    # at0's tool user now has a security level the cached picklist has never seen, and its declaration says so
    fleet.reseed(custom_level=True)
    overrides = {"at0": {"tool": {"security_level": CUSTOM_LEVEL}}}
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "new-level", cache, overrides=overrides)
    assert outcomes == EXPECTED, output[-3000:]
    assert len(kinds(log, "entityinformation/fields")) == 1, "only at0's metadata is read again"
    # the PSAs moved: every database to another zone, every company to a new codebase
    fleet.reseed(zone="webservices6", codebase="v2025_2/", custom_level=True)
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "moved", cache, overrides=overrides)
    assert outcomes == EXPECTED, output[-3000:]
    # rediscovered once per tenant, then the cache holds the new place
    assert len(kinds(log, "zoneinformation")) == N and len(kinds(log, "companyinfo")) == N, [r["path"] for r in log]
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "again", cache, overrides=overrides)
    assert outcomes == EXPECTED, output[-3000:]
    assert per_tenant(log) == (1.0, 2.0), [(r["method"], r["path"]) for r in log]


def test_a_wrong_declared_zone_is_not_trusted(fleet, tmp_path):
    declare = dict({"at%d" % i: {"autotask_zone_url": fleet.server.url + "/webservices3/ATServicesRest/"}
                    for i in range(N)},
                   **{"cw%d" % i: {"connectwise_codebase": "v2019_4/"} for i in range(N)})
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "wrong", tmp_path / "cache", declare)
    assert outcomes == EXPECTED, output[-3000:]
    assert len(kinds(log, "zoneinformation")) == N and len(kinds(log, "companyinfo")) == N
    assert "autotask_zone_url" in output and "connectwise_codebase" in output, "the run says what to correct"


def cw_api(fleet, company, public, private):
    """The sandbox's ConnectWise API as the collection's own member (an admin's changes in the PSA)."""
    session = requests.Session()
    session.auth = ("%s+%s" % (company, public), private)
    session.headers.update({"clientId": "cold-client", "Accept": "application/json"})
    return session, fleet.server.url + "/v2025_1/apis/3.0/"


def test_a_replaced_security_role_is_detected_not_trusted(fleet, tmp_path):
    """The tool's role was deleted and created again under the same name (a new id, no levels set): the run reads
    the new role's levels, by the id its member now carries, and reports what it lacks; the old id is not reused."""
    cache = tmp_path / "cache"
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "first", cache)
    assert outcomes == EXPECTED, output[-3000:]

    session, api = cw_api(fleet, "cw0", "ColdPub%08d" % 0, cw_private(0))
    roles = session.get(api + "system/securityroles", timeout=5).json()
    admin = [r for r in roles if r["name"] == "Admin"][0]
    tool_role = [r for r in roles if r["name"] == "Tool Role"][0]
    tool = session.get(api + "system/apiMembers", params={"conditions": 'identifier = "TOOL"'}, timeout=5).json()[0]

    def move(role_id):
        session.patch(api + "system/apiMembers/%d" % tool["id"], timeout=5, json=[
            {"op": "replace", "path": "securityRole", "value": {"id": role_id}}]).raise_for_status()

    move(admin["id"])
    session.delete(api + "system/securityroles/%d" % tool_role["id"], timeout=5).raise_for_status()
    new_role = session.post(api + "system/securityroles", json={"name": "Tool Role"}, timeout=5).json()
    assert new_role["id"] != tool_role["id"]
    move(new_role["id"])

    rc, outcomes, log, output = fleet.drift_check(tmp_path / "replaced", cache)
    assert outcomes == dict(EXPECTED, cw0="drift"), output[-3000:]
    # the other companies' roles keep their ids (the sandbox numbers roles per company); cw0's is read by its new id
    read = sorted(r["path"].split("/")[-2] for r in role_settings(log))
    assert read == sorted([str(tool_role["id"])] * (N - 1) + [str(new_role["id"])]), read
    assert all(r["status"] == 200 for r in log), [(r["path"], r["status"]) for r in log if r["status"] != 200]
    # the replaced role costs no lookup by name and no request more than a steady-state run: the members, then the
    # role's levels by the id they carry; the codebase from the cache the first run wrote, for every company (an
    # extra companyinfo here was a cache entry lost when the first run's forks created the cache directory at once)
    assert not role_lookups(log), [(r["method"], r["path"]) for r in log]
    assert per_tenant(log) == (1.0, 2.0), [(r["method"], r["path"]) for r in log]
    with open(tmp_path / "replaced" / "reports" / "drift" / "drift-report.json", encoding="utf-8") as handle:
        assert "role_permissions" in handle.read()

    # the admin sets the level on the new role: in sync again
    requests.put(fleet.server.url + "/_sandbox/connectwise/cw0/security-roles/%d/settings" % new_role["id"],
                 json=TOOL_ROLE_LEVELS, timeout=5).raise_for_status()
    rc, outcomes, log, output = fleet.drift_check(tmp_path / "fixed", cache)
    assert outcomes == EXPECTED, output[-3000:]
