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


# The sandbox's per-database switch (docs/sandbox.md): off (the default) and a database that requires both.
TICKET_SWITCH = {"off": [], "queue-and-billing-code-required": ["queueID", "billingCodeID"]}


@pytest.fixture(params=sorted(TICKET_SWITCH))
def ticket_switch(request, sandbox):
    sandbox.sandbox.settings.update({"autotask": {"ticket_required_fields": {"*": TICKET_SWITCH[request.param]}}})
    yield request.param
    sandbox.sandbox.settings.update({"autotask": {"ticket_required_fields": {"*": []}}})


def test_a_60_character_tenant_converges_twice_with_one_ticket_in_each_psa(sandbox, ticket_switch, bao, tmp_path):
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
    created = at_tickets[0]
    assert created["dueDateTime"] and created["queueID"] and created["billingCodeID"], created


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


# -- the modules' run() against the strict sandbox: declared fields, defaults, errors -----------------------
AT_PARAMS = dict(tenant="lakeside", steps=STEPS, company_id=0, priority=2, due_in_hours=72, queue=None,
                 ticket_category=None, billing_code=None, issue_type=None, assigned_resource_id=None,
                 assigned_resource_role_id=None)
CW_PARAMS = dict(tenant="lakeside", steps=STEPS, company=CW["company"], board="Help Desk", new_status=None,
                 closed_status="Closed (resolved)", note_display="internal_analysis", connectwise_company=CW["company"])


def autotask_client(sandbox):
    return AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                          discovery_url=sandbox.url + "/atservicesrest/")


def test_autotask_ticket_sends_due_date_and_the_picklist_defaults(sandbox, ticket_switch):
    from ansible_collections.msp.psa.plugins.modules import autotask_handoff_ticket as module
    changed, action, ticket = module.run(dict(AT_PARAMS, due_in_hours=24), autotask_client(sandbox))
    assert changed and action == "created"
    stored = [t for t in autotask_tickets(sandbox) if t["id"] == ticket["id"]][0]
    assert stored["dueDateTime"].startswith(module.due_date_time(24)[:13])
    assert (stored["queueID"], stored["billingCodeID"], stored["ticketCategory"]) == (29683354, 29682802, 2)
    assert stored["assignedResourceID"] is None and stored["issueType"] is None


def test_autotask_ticket_fields_declared_by_label_or_id(sandbox):
    from ansible_collections.msp.psa.plugins.modules import autotask_handoff_ticket as module
    params = dict(AT_PARAMS, queue="client portal", billing_code="29682803", issue_type="Integration",
                  ticket_category="Scheduled Maintenance")
    _, _, ticket = module.run(params, autotask_client(sandbox))
    stored = [t for t in autotask_tickets(sandbox) if t["id"] == ticket["id"]][0]
    assert (stored["queueID"], stored["billingCodeID"], stored["issueType"], stored["ticketCategory"]) == (
        29682833, 29682803, 12, 4)


def test_autotask_unknown_queue_fails_listing_what_the_database_has(sandbox, view):
    from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
    from ansible_collections.msp.psa.plugins.modules import autotask_handoff_ticket as module
    with pytest.raises(PSAError) as exc:
        module.run(dict(AT_PARAMS, queue="Tier 9"), autotask_client(sandbox))
    assert "'Tier 9'" in exc.value.message and "Level I Support (29683354)" in exc.value.message
    assert [r for r in view.writes()] == []


def test_autotask_psa_error_text_is_shown(sandbox):
    from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
    from ansible_collections.msp.psa.plugins.modules import autotask_handoff_ticket as module
    client = autotask_client(sandbox)
    with pytest.raises(PSAError) as exc:  # a resource the database does not have
        module.run(dict(AT_PARAMS, assigned_resource_id=1, assigned_resource_role_id=1), client)
    assert exc.value.status == 500 and "assignedResourceID" in exc.value.message


def test_resource_without_role_is_refused_before_any_request(sandbox, view, tmp_path):
    playbook = tmp_path / "resource.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "Autotask ticket", "msp.psa.autotask_handoff_ticket": {
            "tenant": "lakeside", "steps": STEPS, "assigned_resource_id": 5, "autotask_username": "{{ at_username }}",
            "autotask_secret": "{{ at_secret }}", "autotask_integration_code": "{{ at_code }}",
            "autotask_discovery_url": "{{ sandbox_url }}/atservicesrest/"}}]}]))
    out = run_playbook(str(playbook), tmp_path, base(sandbox))
    assert out.rc != 0 and "assigned_resource_role_id" in out.result("Autotask ticket")["msg"]
    assert view.requests() == []


def test_connectwise_notes_carry_the_configured_display_flag(sandbox):
    from ansible_collections.msp.psa.plugins.modules import connectwise_handoff_ticket as module
    client, _ = connectwise_tickets(sandbox)
    module.run(CW_PARAMS, client)
    changed = [STEPS[0], dict(STEPS[1], instructions=["Other."])]
    module.run(dict(CW_PARAMS, steps=changed, note_display="resolution"), client)
    _, tickets = connectwise_tickets(sandbox)
    notes = client.list("service/tickets/%d/notes" % tickets[0]["id"])
    assert notes[0]["resolutionFlag"] is True and notes[0]["internalAnalysisFlag"] is False
    module.run(dict(CW_PARAMS, steps=[STEPS[0]]), client)
    notes = client.list("service/tickets/%d/notes" % tickets[0]["id"])
    assert notes[-1]["internalAnalysisFlag"] is True


def test_connectwise_board_and_status_by_name_with_clear_errors(sandbox, view):
    from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
    from ansible_collections.msp.psa.plugins.modules import connectwise_handoff_ticket as module
    client, _ = connectwise_tickets(sandbox)
    with pytest.raises(PSAError) as exc:
        module.run(dict(CW_PARAMS, board="Service Desk"), client)
    assert "'Service Desk'" in exc.value.message and "its boards: Help Desk" in exc.value.message
    with pytest.raises(PSAError) as exc:
        module.run(dict(CW_PARAMS, new_status="Open"), client)
    assert "'Open'" in exc.value.message and "its statuses: New, In Progress" in exc.value.message
    assert view.writes() == []  # names are resolved before anything is written
    _, action, ticket = module.run(dict(CW_PARAMS, new_status="In Progress"), client)
    assert action == "created" and ticket["status"]["name"] == "In Progress"
    with pytest.raises(PSAError) as exc:
        module.run(dict(CW_PARAMS, steps=[], closed_status="Done"), client)
    assert "'Done'" in exc.value.message and "Closed (resolved)" in exc.value.message
    assert module.run(dict(CW_PARAMS, steps=[]), client)[1] == "closed"
