"""Hand-off tickets end to end: a 60-character tenant through the whole role in both PSAs, twice, one ticket
each; a changed step with the same count updates the ConnectWise ticket; bad steps and names fail early."""
import json
import os

import pytest

from psa_sandbox.openbao import OpenBao

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient

from .harness import run_playbook
from .seed import ADMIN, CW

HERE = os.path.dirname(__file__)
ROLE = os.path.join(HERE, "playbooks", "tenant_role.yml")
TICKETS = os.path.join(HERE, "playbooks", "handoff_ticket.yml")
AT_TENANT = "northwind-" + "autotask-" * 5 + "12345"  # 60 characters
CW_TENANT = "lakeside." + "connectwise" * 4 + "-abcdef"
STEPS = [{"system": "ConnectWise", "title": "Create an API key pair for S365", "ui_path": "System > Members",
          "instructions": ["Description: s365."]},
         {"system": "Sync 365", "title": "Register the credential with Sync 365", "instructions": ["Press Save."]}]


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def base(sandbox):
    return {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
            "sandbox_url": sandbox.url}


def autotask_tickets(sandbox):
    client = AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                            discovery_url=sandbox.url + "/atservicesrest/")
    return client.query("Tickets", [{"op": "beginsWith", "field": "externalID", "value": "msp.psa:handoff:"}])


def connectwise_tickets(sandbox):
    client = ConnectWiseClient(HTTPClient(timeout=10), CW["company"], CW["public"], CW["private"], CW["client_id"],
                               base_url=sandbox.url)
    ours = [t for t in client.list("service/tickets") if (t.get("externalXRef") or "").startswith("msp.psa:handoff:")]
    return client, ours


def test_a_60_character_tenant_converges_twice_with_one_ticket_in_each_psa(sandbox, bao, tmp_path):
    assert len(AT_TENANT) == 60 and len(CW_TENANT) == 60
    hosts = {AT_TENANT: {"psa": "autotask", "autotask_domain": "tenant1.example", "vendor_profiles": ["wise_sync"]},
             CW_TENANT: {"psa": "connectwise", "vendor_profiles": ["sync365"], "connectwise_company": CW["company"],
                         "connectwise_own_identifier": "msppsa", "connectwise_msp_company": CW["company"]}}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": hosts}}))
    extra = dict(base(sandbox), vault_url=bao.url, vault_token=bao.token, api_user_handoff_ticket=True)
    actions = []
    for _run in range(2):
        run = run_playbook(ROLE, tmp_path, extra, inventory=str(inventory))
        assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
        at = run.results("msp.psa.api_user : Keep the hand-off ticket in the tenant's Autotask")[AT_TENANT]
        cw = run.results("msp.psa.api_user : Keep the hand-off ticket in the tenant's ConnectWise")[CW_TENANT]
        actions.append((at["ticket_action"], cw["ticket_action"]))
    assert actions[0] == ("created", "created") and "created" not in actions[1], actions
    at_tickets = [t for t in autotask_tickets(sandbox) if t["status"] != 5]
    assert len(at_tickets) == 1, at_tickets
    assert len(at_tickets[0]["externalID"]) <= 50 and at_tickets[0]["externalID"].startswith("msp.psa:handoff:northwind")
    assert AT_TENANT in at_tickets[0]["title"] and len(at_tickets[0]["title"]) <= 255
    cw_tickets = connectwise_tickets(sandbox)[1]
    assert len([t for t in cw_tickets if not t["closedFlag"]]) == 1, cw_tickets
    assert cw_tickets[0]["externalXRef"] == "msp.psa:handoff:" + CW_TENANT and len(cw_tickets[0]["summary"]) <= 100


def test_connectwise_ticket_updated_when_a_step_changes_and_the_count_does_not(sandbox, view, tmp_path):
    first = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside", cw_steps=STEPS))
    assert first.result("ConnectWise ticket")["ticket_action"] == "created"
    changed = [STEPS[0], dict(STEPS[1], instructions=["Press Test, then Save."])]
    second = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside", cw_steps=changed))
    result = second.result("ConnectWise ticket")
    assert result["changed"] and result["ticket_action"] == "updated", result
    client, tickets = connectwise_tickets(sandbox)
    notes = client.list("service/tickets/%d/notes" % tickets[0]["id"])
    assert len(tickets) == 1 and len(notes) == 1 and "Press Test, then Save." in notes[0]["text"]
    third = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside", cw_steps=changed))
    assert third.result("ConnectWise ticket")["ticket_action"] == "none"
    closed = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside", cw_steps=[]))
    assert closed.result("ConnectWise ticket")["ticket_action"] == "closed"


def test_steps_are_checked_and_a_bad_tenant_sends_nothing(sandbox, view, tmp_path):
    bad_key = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside",
                                                   at_steps=[dict(STEPS[0], secret="x")]))
    assert bad_key.rc != 0 and "steps.secret" in bad_key.result("Autotask ticket")["msg"]
    no_title = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="lakeside", cw_steps=[{"system": "x"}]))
    assert no_title.rc != 0 and "title" in no_title.result("ConnectWise ticket")["msg"]
    bad_name = run_playbook(TICKETS, tmp_path, dict(base(sandbox), tenant="../other", at_steps=STEPS))
    assert bad_name.rc != 0 and "'..'" in bad_name.result("Autotask ticket")["msg"]
    assert view.requests() == [], "nothing reaches the PSA for bad steps or a bad tenant name"
