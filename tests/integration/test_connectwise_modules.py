"""ConnectWise modules end to end: real ansible-playbook against the running sandbox."""
import os

import requests

from .harness import run_playbook
from .seed import CW, SYNC365_ROLE

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "connectwise.yml")
S365 = {"identifier": "S365", "name": "Sync 365", "security_role": "Admin", "default_department": "Admin",
        "default_location": "Head Office", "notes": "Managed by msp.psa"}


def play(sandbox, tmp_path, **kw):
    check, diff = kw.pop("check", False), kw.pop("diff", False)
    return run_playbook(PLAYBOOK, tmp_path, dict(kw, cw=CW, sandbox_url=sandbox.url), check=check, diff=diff)


def test_member_check_mode_create_idempotent_drift_and_inactivate(sandbox, view, tmp_path):
    run = play(sandbox, tmp_path, member=S365, check=True, diff=True)
    predicted = run.result("Member")
    assert run.rc == 0 and predicted["changed"] and predicted["state"] == "created"
    assert predicted["record"]["security_role"] == "Admin"
    assert view.writes() == [], "check mode writes nothing"
    created = play(sandbox, tmp_path, member=S365).result("Member")
    assert created["changed"] and created["record"]["default_department"] == "Administration"
    mark = type(view)(sandbox)
    again = play(sandbox, tmp_path, member=S365).result("Member")
    assert again["changed"] is False and again["state"] == "ok"
    assert [(r["method"], r["path"].split("3.0/")[-1]) for r in mark.requests()] == [("GET", "system/apiMembers")], \
        "a verified, unchanged member costs one request (companyinfo is cached)"
    drifted = play(sandbox, tmp_path, member=dict(S365, security_role="Technician", notes="changed"), diff=True)
    result = drifted.result("Member")
    assert result["changed"] and {f["field"] for f in result["fixed"]} == {"security_role", "notes"}
    assert result["diff"]["before"]["security_role"] == "Admin" and result["diff"]["after"]["security_role"] == "Technician"
    gone = play(sandbox, tmp_path, member={"identifier": "S365", "state": "absent"}).result("Member")
    assert gone["changed"] and gone["record"]["active"] is False
    assert play(sandbox, tmp_path, member={"identifier": "S365", "state": "absent"}).result("Member")["changed"] is False


def test_member_bad_input_and_duplicates(sandbox, view, tmp_path):
    run = play(sandbox, tmp_path, member={"identifier": "waytoolongidentifier"})
    assert run.rc != 0 and "1 to 15" in run.result("Member")["msg"]
    assert view.requests() == []
    run = play(sandbox, tmp_path, member={"identifier": "jdoe", "name": "clash"})
    assert run.rc != 0 and run.result("Member")["error_kind"] == "duplicate"
    run = play(sandbox, tmp_path, member={"identifier": "S365", "security_role": "Nope"})
    assert run.rc != 0 and "'Nope' is not a security role" in run.result("Member")["msg"] and "nothing was written" in run.result("Member")["msg"]


def test_role_gaps_reported_then_set_in_the_ui_then_verified(sandbox, tmp_path):
    first = play(sandbox, tmp_path, role={"name": "Sync 365", "permissions": SYNC365_ROLE}).result("Role")
    assert first["changed"] and first["state"] == "drift"
    assert len(first["permissions_missing"]) == 14
    assert {(g["module"], g["function"]) for g in first["permissions_missing"]} >= {("Finance", "Agreements")}
    paths = [s["ui_path"] for s in first["manual_steps"]]
    assert "System > Security Roles > Sync 365 > Finance > Agreements" in paths
    table = [s for s in first["manual_steps"] if s["ui_path"].endswith("Table Setup")][0]
    assert "Customize: allow Agreements / Batch, Agreements / Agreement Type." in table["instructions"]
    levels = [{"moduleName": p["module"], "moduleFunctionName": p["function"],
               **{k + "Level": v for k, v in p.items() if k in ("add", "edit", "delete", "inquire")},
               **({"customItems": p["custom_items"]} if "custom_items" in p else {})} for p in SYNC365_ROLE]
    r = requests.put(sandbox.url + "/_sandbox/connectwise/tenant2/security-roles/Sync 365/settings", json=levels, timeout=5)
    assert r.status_code == 200, r.text
    second = play(sandbox, tmp_path, role={"name": "Sync 365", "permissions": SYNC365_ROLE}).result("Role")
    assert second["changed"] is False and second["state"] == "ok" and second["permissions_missing"] == []
    assert second["unverifiable"][0]["function"] == "Table Setup"


def test_keys_missing_then_created_in_the_ui_then_verified_and_wrong_keys_invalid(sandbox, view, tmp_path):
    play(sandbox, tmp_path, member=dict(S365, security_role="Technician"))
    missing = play(sandbox, tmp_path, key={"identifier": "S365", "store": "secret/msp/tenant2/connectwise/sync365"})
    result = missing.result("Key")
    assert result["key_state"] == "missing" and result["changed"] is False
    assert result["manual_steps"][0]["ui_path"] == "System > Members > API Members > S365 > API Keys > +"
    assert "secret/msp/tenant2/connectwise/sync365" in " ".join(result["manual_steps"][0]["instructions"])
    keys = requests.post(sandbox.url + "/_sandbox/connectwise/tenant2/members/S365/api-keys",
                         json={"description": "s365"}, timeout=5).json()
    need = [{"module": "Finance", "function": "Agreements", "add": "All", "inquire": "All"}]
    valid = play(sandbox, tmp_path, key={"identifier": "S365", "public": keys["publicKey"], "private": keys["privateKey"],
                                         "permissions": need})
    result = valid.result("Key")
    assert result["key_state"] == "valid" and result["member"] == "S365"
    assert {(g["level"], g["want"]) for g in result["permissions_missing"]} == {("add", "All"), ("inquire", "All")}
    assert keys["privateKey"] not in valid.stdout
    wrong = play(sandbox, tmp_path, key={"identifier": "S365", "public": keys["publicKey"], "private": "not-the-key"})
    assert wrong.result("Key")["key_state"] == "invalid" and wrong.result("Key")["manual_steps"]
    other = play(sandbox, tmp_path, key={"identifier": "S365", "public": CW["public"], "private": CW["private"]})
    assert other.result("Key")["key_state"] == "wrong_member"


def test_member_info_lists_api_members_only(sandbox, tmp_path):
    play(sandbox, tmp_path, member=S365)
    info = play(sandbox, tmp_path, info=True).result("Members")
    assert [m["identifier"] for m in info["api_members"]] == ["msppsa", "S365"]
    assert info["api_members"][1]["security_role"] == "Admin"


def test_handoff_ticket_created_once_updated_and_closed(sandbox, view, tmp_path):
    steps = [{"system": "ConnectWise", "title": "Create an API key pair for S365", "instructions": ["do it"]}]
    checked = play(sandbox, tmp_path, ticket_steps=steps, check=True).result("Ticket")
    assert checked["ticket_action"] == "created" and view.writes() == []
    first = play(sandbox, tmp_path, ticket_steps=steps).result("Ticket")
    assert first["ticket_action"] == "created" and first["ticket"]["id"]
    again = play(sandbox, tmp_path, ticket_steps=steps).result("Ticket")
    assert again["changed"] is False and again["ticket"]["id"] == first["ticket"]["id"], "not duplicated"
    more = play(sandbox, tmp_path, ticket_steps=steps + [{"system": "Vendor", "title": "Register"}]).result("Ticket")
    assert more["ticket_action"] == "updated" and more["ticket"]["id"] == first["ticket"]["id"]
    notes = requests.get(sandbox.url + "/_sandbox/connectwise/tenant2", timeout=5)
    assert notes.status_code == 200
    closed = play(sandbox, tmp_path, ticket_steps=[]).result("Ticket")
    assert closed["ticket_action"] == "closed" and closed["ticket"]["closed"] is True
    assert play(sandbox, tmp_path, ticket_steps=[]).result("Ticket")["ticket_action"] == "none"
