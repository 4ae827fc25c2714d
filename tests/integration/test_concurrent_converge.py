"""Two converges of the same fleet started together (two pipeline jobs, a cron and an operator): the tenant
lock serialises them and creates re-read before writing, so nothing is created twice. Real ansible-playbook
x 2, the sandbox with latency (wider race windows), real OpenBao."""
import json
import os
import threading
import time

import hvac
import pytest
import requests

from psa_sandbox.openbao import OpenBao

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient, condition
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient
from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore
from ansible_collections.msp.psa.plugins.module_utils._tenant_lock import TenantLock

from .harness import run_playbook
from .seed import ADMIN, CW

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")
HOSTS = {
    "acme": {"psa": "autotask", "autotask_domain": "tenant1.example", "vendor_profiles": ["wise_sync", "sync365"],
             "profile_overrides": {"wise_sync": {"default_role": "Integration", "default_department": "Administration"}}},
    "lakeside": {"psa": "connectwise", "vendor_profiles": ["sync365"], "connectwise_own_identifier": "msppsa"},
}


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def test_two_overlapping_converges_create_nothing_twice(sandbox, bao, tmp_path):
    # the RoleDepartment an API user's default role needs is what two runs could create twice: the sandbox's
    # alternative where the database accepts it (strict, it is refused and reported; nothing to duplicate)
    requests.patch(sandbox.url + "/_sandbox/settings", json={
        "faults": {"latency_ms": 40}, "autotask": {"api_user_role_departments": "allowed"}}, timeout=5).raise_for_status()
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
             "sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token,
             "api_user_handoff_ticket": True}
    runs = [None, None]

    def converge(n):
        work = tmp_path / ("run%d" % n)
        work.mkdir()
        inventory = work / "inventory.json"
        inventory.write_text(json.dumps({"tenants": {"hosts": HOSTS}}))
        runs[n] = run_playbook(PLAYBOOK, work, extra, inventory=str(inventory))

    threads = [threading.Thread(target=converge, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    requests.patch(sandbox.url + "/_sandbox/settings", json={"faults": {"latency_ms": 0}}, timeout=5)
    for run in runs:
        assert run.rc == 0, (run.failures(), run.stderr[-2000:])

    at = AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                        discovery_url=sandbox.url + "/atservicesrest/")
    tickets = at.query("Tickets", [{"op": "beginsWith", "field": "externalID", "value": "msp.psa:handoff:acme"}])
    assert len(tickets) == 1, tickets
    wisesync = at.query("Resources", [{"op": "eq", "field": "userName", "value": "wisesync01@tenant1.example"}])[0]
    links = at.children("Resources", wisesync["id"], "RoleDepartments")
    assert len(links) == 1, links

    cw = ConnectWiseClient(HTTPClient(timeout=10), CW["company"], CW["public"], CW["private"], CW["client_id"],
                           base_url=sandbox.url)
    assert len(cw.list("system/apiMembers", condition("identifier", "=", "S365"))) == 1
    assert len(cw.list("system/securityroles", condition("name", "=", "Sync 365"))) == 1
    cw_tickets = [t for t in cw.list("service/tickets") if (t.get("externalXRef") or "").startswith("msp.psa:handoff:")]
    assert len(cw_tickets) == 1, cw_tickets

    store = hvac.Client(url=bao.url, token=bao.token)
    meta = store.secrets.kv.v2.read_secret_metadata(path="msp/acme/autotask/sync365", mount_point="secret")
    assert meta["data"]["current_version"] == 1, "the missing user's secret is generated once"


def test_a_run_never_waits_for_a_tenant_while_holding_another(sandbox, bao, tmp_path):
    """The deadlock two overlapping multi-tenant runs could make, forced deterministically: the other run
    holds lakeside and waits for acme. Our run must not hold acme while it waits for lakeside (under the
    linear strategy, a host waiting in the lock task kept every other host's lock held, so both runs waited
    until one's lock wait ran out and it failed)."""
    store = SecretStore(bao.url, bao.token)
    other = "other-run:1:feedbeef"
    TenantLock(store, "lakeside").acquire(other, ttl=300, wait=0)
    acme = TenantLock(store, "acme")
    outcome = {}

    def other_run():
        # wait until our run holds acme, then ask for it (the mirror of our run asking for lakeside)
        deadline = time.time() + 120
        while time.time() < deadline:
            held = acme.live_holder(store.read_record(acme.path).data, time.time())
            if held and held.get("owner") != other:
                break
            time.sleep(0.1)
        else:
            outcome["error"] = "our run never took acme's lock"
            return
        try:
            outcome["got"] = acme.acquire(other, ttl=300, wait=90, poll=0.2)
            acme.release(other)
        except Exception as exc:  # pragma: no cover - reported below
            outcome["error"] = repr(exc)
        TenantLock(store, "lakeside").release(other)

    thread = threading.Thread(target=other_run)
    thread.start()
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
             "sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token, "api_user_lock_wait": 30}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": HOSTS}}))
    run = run_playbook(PLAYBOOK, tmp_path, extra, inventory=str(inventory))
    thread.join(150)
    assert outcome.get("error") is None, outcome
    assert outcome["got"]["locked"], outcome
    assert run.rc == 0, (run.failures(), run.stderr[-2000:])
