"""autotask_api_user end to end: real ansible-playbook against the running sandbox."""
import os

import pytest
import requests

from .harness import run_playbook
from .seed import ADMIN, READER

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "autotask_api_user.yml")
WISE_SYNC = {"username": "wisesync01@tenant1.example", "first_name": "Wise-Sync", "last_name": "API User",
             "email": "ws@tenant1.example", "security_level": "API User (system)", "internal_cost": 0.0,
             "location": "HQ", "integration_vendor": "Wise-Sync", "default_department": "Administration",
             "default_role": "Integration", "secret_store_path": "secret/msp/tenant1/autotask/wise_sync"}


def converge(sandbox, tmp_path, user, **kw):
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"],
             "sandbox_url": sandbox.url, "user": user}
    run = run_playbook(PLAYBOOK, tmp_path, extra, **kw)
    assert run.data, run.stdout + run.stderr
    return run, run.result("API user")


# The sandbox's Resource switches (docs/sandbox.md) at their default (strict: internalCost and locationID read-only,
# RoleDepartments of an API-only user refused) and at their alternative: the collection must work under both.
RESOURCE_RULES = {"strict": {"resource_writable_fields": [], "api_user_role_departments": "refused"},
                  "alternative": {"resource_writable_fields": ["internalCost", "locationID", "userType"],
                                  "api_user_role_departments": "allowed"}}


@pytest.fixture(params=sorted(RESOURCE_RULES))
def resource_rules(request, sandbox):
    sandbox.sandbox.settings.update({"autotask": RESOURCE_RULES[request.param]})
    yield request.param
    sandbox.sandbox.settings.update({"autotask": RESOURCE_RULES["strict"]})


def test_adopt_fix_drift_then_idempotent(sandbox, view, tmp_path, resource_rules):
    run, result = converge(sandbox, tmp_path, WISE_SYNC, diff=True)
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["diff"]["before"]["last_name"] == "Integration" and result["diff"]["after"]["last_name"] == "API User"
    assert result["unverifiable"][0]["field"] == "integration_vendor"
    writes = [(r["method"], r["path"].split("V1.0/")[1]) for r in view.writes()]
    assert sorted(writes) == [("PATCH", "Resources"), ("POST", "Resources/%d/RoleDepartments" % result["record"]["id"])]
    if resource_rules == "strict":  # read-only fields become UI steps; the refused association is reported
        assert result["state"] == "drift" and {f["field"] for f in result["fixed"]} == {"last_name"}
        assert {d["field"]: d["fix"] for d in result["drift"]} == {
            "internal_cost": "ui", "location": "ui", "default_role_department": "refused"}
        assert {s["values"].get("internal_cost") for s in result["manual_steps"]} >= {0.0}
    else:
        assert result["state"] == "updated" and result["drift"] == []
        assert {f["field"] for f in result["fixed"]} == {"last_name", "internal_cost", "location",
                                                         "default_role_department"}
    view2 = type(view)(sandbox)
    run, again = converge(sandbox, tmp_path, WISE_SYNC)
    assert again["changed"] is False
    if resource_rules == "strict":  # nothing PATCHed again; the association is asked for again and refused
        assert again["state"] == "drift" and [r["method"] for r in view2.writes()] == ["POST"]
    else:
        assert again["state"] == "ok" and again["drift"] == [] and view2.writes() == []


def test_check_mode_writes_nothing_and_predicts_the_diff(sandbox, view, tmp_path, resource_rules):
    run, result = converge(sandbox, tmp_path, WISE_SYNC, check=True, diff=True)
    assert run.rc == 0 and result["changed"] is True
    assert {d["field"] for d in result["drift"]} == {"last_name", "internal_cost", "location", "default_role_department"}
    api = {"last_name", "default_role_department"} | (
        {"internal_cost", "location"} if resource_rules == "alternative" else set())
    assert {d["field"] for d in result["drift"] if d["fix"] == "api"} == api
    assert result["diff"]["after"]["last_name"] == "API User"
    assert view.writes() == []
    assert all(r["method"] in ("GET", "POST") for r in view.requests())


def test_security_level_drift_is_reported_with_the_ui_path(sandbox, view, tmp_path):
    user = {"username": READER["username"], "security_level": "API User (system)", "custom_integration": True}
    run, result = converge(sandbox, tmp_path, user)
    assert result["changed"] is False and result["state"] == "drift"
    assert result["drift"] == [{"field": "security_level", "want": "API User (system)", "have": "API User - Reporting",
                                "fix": "ui", "ui_path": "Admin > Account Settings & Users > Resources/Users (HR) > "
                                "Resources/Users > report01@tenant1.example > Security > Security Level"}]
    assert result["manual_steps"][0]["ui_path"].endswith("Security Level")
    assert view.writes() == []


def test_missing_user_gives_manual_steps_then_the_ui_step_then_verified(sandbox, view, tmp_path):
    user = {"username": "sync365a1@tenant1.example", "first_name": "Sync 365", "last_name": "License",
            "email": "s365@tenant1.example", "security_level": "API User (system)",
            "integration_vendor": "Sync 365 License", "secret_store_path": "secret/msp/tenant1/autotask/sync365"}
    run, result = converge(sandbox, tmp_path, user)
    assert run.rc == 0 and result["changed"] is False and result["state"] == "missing"
    steps = result["manual_steps"][0]
    assert steps["ui_path"].endswith("New > New API User")
    assert steps["secret_refs"] == {"secret": "secret/msp/tenant1/autotask/sync365"}
    text = " ".join(steps["instructions"])
    assert "Integration Vendor, then Sync 365 License" in text and "sync365a1" in text
    run, failed = converge(sandbox, tmp_path, dict(user, when_missing="fail"))
    assert run.rc != 0 and failed["failed"] and failed["manual_steps"]
    # the admin does what the steps say, in the (sandbox's) Autotask UI
    r = requests.post(sandbox.url + "/_sandbox/autotask/tenant1/api-users", json={
        "firstName": "Sync 365", "lastName": "License", "email": "s365@tenant1.example", "userName": "sync365a1",
        "secret": "Sync365Tenant1Secret2026x", "securityLevel": "API User (system)",
        "integrationVendor": "Sync 365 License"}, timeout=5)
    assert r.status_code == 201, r.text
    run, verified = converge(sandbox, tmp_path, user)
    assert verified["state"] == "ok" and verified["changed"] is False and verified["manual_steps"] == []


def test_credentials_valid_invalid_without_a_second_attempt_and_permissions(sandbox, view, tmp_path):
    base = {"username": READER["username"], "custom_integration": True, "check_credentials": True,
            "api_user_integration_code": READER["code"],
            "required_permissions": [{"entity": "Companies", "action": "query"}, {"entity": "Contracts", "action": "query"},
                                     {"entity": "Companies", "action": "update"}]}
    run, result = converge(sandbox, tmp_path, dict(base, api_user_secret=READER["secret"]))
    assert result["credentials"] == "valid"
    assert result["permissions_missing"] == [{"entity": "Contracts", "action": "query", "have": "None"},
                                             {"entity": "Companies", "action": "update", "have": "None"}]
    assert result["state"] == "drift"
    mark = type(view)(sandbox)
    run, result = converge(sandbox, tmp_path, dict(base, api_user_secret="WrongSecretForReporter1"))
    assert result["credentials"] == "invalid" and "permissions_missing" not in result
    attempts = [r for r in mark.requests() if r.get("who") == READER["username"]]
    assert [r["status"] for r in attempts] == [401], "one attempt only: failures count towards the lockout"
    vendor = {"username": WISE_SYNC["username"], "integration_vendor": "Wise-Sync", "check_credentials": True}
    run, result = converge(sandbox, tmp_path, vendor)
    assert result["credentials"] == "not_possible" and "only the vendor holds it" in result["credentials_detail"]


def test_absent_deactivates_and_bad_input_fails_before_any_request(sandbox, view, tmp_path):
    run, result = converge(sandbox, tmp_path, {"username": WISE_SYNC["username"], "state": "absent"})
    assert result["changed"] is True and result["record"]["active"] is False
    run, result = converge(sandbox, tmp_path, {"username": WISE_SYNC["username"], "state": "absent"})
    assert result["changed"] is False
    mark = type(view)(sandbox)
    run, result = converge(sandbox, tmp_path, {"username": "bad:name1@tenant1.example"})
    assert run.rc != 0 and "may not contain :" in result["msg"]
    assert mark.requests() == []


def test_secrets_never_appear_in_output(sandbox, tmp_path):
    user = {"username": READER["username"], "custom_integration": True, "check_credentials": True,
            "api_user_secret": READER["secret"], "api_user_integration_code": READER["code"]}
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"],
             "sandbox_url": sandbox.url, "user": user}
    run = run_playbook(PLAYBOOK, tmp_path, extra, diff=True, verbosity=4)
    assert run.rc == 0
    for secret in (ADMIN["secret"], ADMIN["code"], READER["secret"], READER["code"]):
        assert secret not in run.stdout and secret not in run.stderr
