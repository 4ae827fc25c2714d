"""Discovery over the demo tenants as an MSP has them before adopting msp.psa (seeds/existing_fleet.yml: every demo
vendor profile already has a working API user or member, most of them not quite as the vendor's KB says, plus
an inactive one and two nobody's): playbooks/discover.yml writes each tenant's starter declaration into the
inventory's host_vars; used as they are, they converge with no change (bulk modules changed=false, every user
ok, not one write to any PSA). A re-run after the admin edited a declaration leaves it alone, writes
<tenant>.yml.new and shows the difference."""
import os
import time

import pytest
import requests
import yaml

from psa_sandbox.openbao import OpenBao
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import ROOT, run_playbook

SEED = os.path.join(os.path.dirname(__file__), "seeds", "existing_fleet.yml")
DISCOVER = os.path.join(ROOT, "playbooks", "discover.yml")
CONVERGE = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")
AT_TASK = "msp.psa.api_user : Converge all API users in one call"
CW_TASK = "msp.psa.api_user : Converge the security roles and all API members in one call"
AUTOTASK = {
    "northwind": {"autotask_username": "msppsa01@northwind-msp.example", "autotask_secret": "Nw7sandboxAutomation2026x",
                  "autotask_integration_code": "NWSANDBOXCUSTOM000000000001"},
    "contoso": {"autotask_username": "msppsa02@contoso-it.example", "autotask_secret": "Ct9sandboxAutomation2026y",
                "autotask_integration_code": "CTSANDBOXCUSTOM000000000002"},
}
CONNECTWISE = {"lakeside": {"connectwise_company": "lakeside", "connectwise_public_key": "LkPubSandbox0001",
                            "connectwise_private_key": "LkPrivSandbox0001x", "connectwise_client_id": "msp-psa-demo-client",
                            "connectwise_site": "eu", "connectwise_own_identifier": "msppsa"}}


@pytest.fixture(scope="module")
def stack():
    with SandboxServer(load_seed_file(SEED)) as sandbox, OpenBao() as bao:
        yield sandbox, bao


def inventory(folder, sandbox_url):
    """Only the tenants' connections, as an MSP's inventory has them before any declaration (the converge test
    playbook reads the same connection under its own names: at_*, cw)."""
    at_hosts = {}
    for name, conn in AUTOTASK.items():
        at_hosts[name] = dict(conn, autotask_discovery_url=sandbox_url + "/atservicesrest/",
                              at_username=conn["autotask_username"], at_secret=conn["autotask_secret"],
                              at_code=conn["autotask_integration_code"])
    cw_hosts = {}
    for name, conn in CONNECTWISE.items():
        cw_hosts[name] = dict(conn, connectwise_base_url=sandbox_url, cw={
            "company": conn["connectwise_company"], "public": conn["connectwise_public_key"],
            "private": conn["connectwise_private_key"], "client_id": conn["connectwise_client_id"]})
    os.makedirs(folder)
    with open(os.path.join(folder, "hosts.yml"), "w") as handle:
        yaml.safe_dump({"tenants": {"children": {
            "autotask_tenants": {"vars": {"psa": "autotask"}, "hosts": at_hosts},
            "connectwise_tenants": {"vars": {"psa": "connectwise"}, "hosts": cw_hosts}}}}, handle)
    return folder


def psa_writes(sandbox_url, since):
    log = requests.get(sandbox_url + "/_sandbox/requests", params={"since": since}, timeout=5).json()["requests"]
    return [r for r in log if r["method"] in ("PATCH", "PUT", "DELETE")
            or (r["method"] == "POST" and "/query" not in r["path"])]


def mark(sandbox_url):
    return requests.get(sandbox_url + "/_sandbox/requests", timeout=5).json()["last"]


def discovered(run):
    out = {}
    for task in ("Discover the Autotask tenant's API users", "Discover the ConnectWise tenant's API members"):
        out.update((h, r) for h, r in run.results(task).items() if not r.get("skipped"))
    return out


def test_discovered_declarations_converge_with_no_change_and_edits_are_kept(stack, tmp_path):
    sandbox, bao = stack
    inv = inventory(str(tmp_path / "inventory"), sandbox.url)
    host_vars = os.path.join(inv, "host_vars")
    started = time.time()

    # 1. discovery, writing straight into the inventory's host_vars
    since = mark(sandbox.url)
    run = run_playbook(DISCOVER, tmp_path, {"discovery_dir": inv}, inventory=inv)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert psa_writes(sandbox.url, since) == []
    found = discovered(run)
    assert sorted(found) == ["contoso", "lakeside", "northwind"]
    assert {h: sorted(r["matched"]) for h, r in found.items()} == {
        "northwind": ["datto_workplace", "sync365", "wise_sync"], "contoso": ["autoelevate", "datto_workplace"],
        "lakeside": ["sync365"]}
    assert {h: [u.get("username") or u.get("identifier") for u in r["unmatched"]] for h, r in found.items()} == {
        "northwind": ["oldtool01@northwind-msp.example"], "contoso": ["wisesync01@contoso-it.example"],
        "lakeside": ["ITGLUE"]}
    assert found["northwind"]["matched"]["sync365"]["matched_by"] == "email"
    assert found["contoso"]["unmatched"][0]["profile"] == "wise_sync"  # inactive, named like it: not declared
    assert all(r["changed"] and r["file"]["action"] == "created" for r in found.values())

    from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
    from ansible_collections.msp.psa.plugins.module_utils._declaration import tenant_errors
    profiles = load_profiles([])
    declarations = {}
    for tenant in found:
        with open(os.path.join(host_vars, tenant + ".yml")) as handle:
            declarations[tenant] = yaml.safe_load(handle)
        assert tenant_errors(declarations[tenant], profiles, tenant) == []
        assert declarations[tenant] == found[tenant]["declaration"]
    assert declarations["northwind"]["profile_overrides"] == {
        "datto_workplace": {"email_local": "dattowp"}, "sync365": {"username": "s365sync01"},
        "wise_sync": {"last_name": "Integration"}}
    assert declarations["contoso"]["profile_overrides"] == {
        # internalCost is 0.0 (what the New API User form stores), the profile's value: no override
        "autoelevate": {"security_level": "API User - AutoElevate"},
        "datto_workplace": {"email_local": "dattowp"}}
    assert declarations["lakeside"]["profile_overrides"] == {"sync365": {"name": "Sync 365 License"}}
    with open(os.path.join(inv, "discovery-report.md")) as handle:
        report = handle.read()
    assert "| northwind | autotask | sync365 | s365sync01@northwind-msp.example | matched by email |" in report
    assert "| lakeside | connectwise | - | ITGLUE | not matched |" in report

    # 2. the first converge with the discovered declarations: nothing to change in any PSA
    since = mark(sandbox.url)
    run = run_playbook(CONVERGE, tmp_path, {"sandbox_url": sandbox.url, "vault_url": bao.url,
                                            "vault_token": bao.token}, inventory=inv)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    bulk = dict(run.results(AT_TASK), **run.results(CW_TASK))
    bulk = dict((h, r) for h, r in bulk.items() if not r.get("skipped"))
    assert sorted(bulk) == ["contoso", "lakeside", "northwind"]
    for tenant, result in bulk.items():
        assert result["changed"] is False, (tenant, result.get("plan"))
        assert result["plan"] == [], (tenant, result["plan"])
        assert dict((u["profile"], u["state"]) for u in result["users"]) == dict(
            (p, "ok") for p in declarations[tenant]["vendor_profiles"]), (tenant, result["users"])
        assert all(u["drift"] == [] for u in result["users"]), (tenant, result["users"])
    assert [s["state"] for s in bulk["lakeside"]["shared"]] == ["ok"]  # the role's levels are the vendor's
    assert psa_writes(sandbox.url, since) == []

    # 3. the admin edits a declaration; discovery runs again and keeps it
    mine = os.path.join(host_vars, "northwind.yml")
    with open(mine) as handle:
        text = handle.read()
    edited = text.replace("    last_name: Integration  # profile: API User\n",
                          "    last_name: Integration  # profile: API User\n    default_department: Administration\n"
                          "    default_role: Integration\n")
    assert edited != text
    with open(mine, "w") as handle:
        handle.write(edited)
    run = run_playbook(DISCOVER, tmp_path, {"discovery_dir": inv}, inventory=inv, diff=True)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    again = discovered(run)
    assert again["northwind"]["file"]["action"] == "kept"
    assert {h: r["file"]["action"] for h, r in again.items() if h != "northwind"} == {
        "contoso": "unchanged", "lakeside": "unchanged"}
    assert [h for h, r in again.items() if r["changed"]] == ["northwind"]
    with open(mine) as handle:
        assert handle.read() == edited, "an edited declaration is never overwritten"
    with open(mine + ".new") as handle:
        assert handle.read() == text
    diff = again["northwind"]["file"]["diff"]
    assert "-    default_department: Administration\n" in diff and "-    default_role: Integration\n" in diff
    assert again["northwind"]["diff"]["before"] == edited  # --diff shows it too
    shown = run.results("Show how the declaration you edited differs from the discovered one")
    assert "-    default_role: Integration" in shown["northwind"]["msg"]
    with open(os.path.join(inv, "discovery-report.md")) as handle:
        report = handle.read()
    assert "was edited and is kept" in report and "```diff\n--- " in report
    assert not os.path.exists(os.path.join(host_vars, "contoso.yml.new"))
    print("discovery, converge, re-discovery: %.1fs" % (time.time() - started))


def test_discovery_never_writes_into_the_collection(tmp_path):
    inv = inventory(str(tmp_path / "inventory"), "http://127.0.0.1:9")
    inside = os.path.join(ROOT, "discovered-by-test")
    run = run_playbook(DISCOVER, tmp_path, {"discovery_dir": inside}, inventory=inv)
    assert run.rc != 0
    assert "is inside the collection" in run.stdout
    assert not os.path.exists(inside)
