"""Writability of each Resource field is decided at run time from ``Resources/entityInformation/fields``
(``isReadOnly``), under both settings of the sandbox switch ``autotask.resource_writable_fields`` (docs/sandbox.md):
read-only (the default: internalCost, locationID, userType, licenseType) gives UI steps with their path and leaves
those fields as they are; writable PATCHes them. (The refused role/department association: test_autotask_api_user.)"""
import os

import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient

from .harness import run_playbook
from .seed import ADMIN

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "autotask_api_user.yml")
UI = "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users > wisesync01@tenant1.example > Security"
# The seeded Wise-Sync user differs from this declaration in lastName (always writable), internalCost and location.
WISE_SYNC = {"username": "wisesync01@tenant1.example", "first_name": "Wise-Sync", "last_name": "API User",
             "email": "ws@tenant1.example", "security_level": "API User (system)", "internal_cost": 0.0,
             "location": "HQ", "integration_vendor": "Wise-Sync"}
SWITCHABLE = ["internalCost", "locationID", "userType"]


@pytest.fixture(params=["read-only", "writable"])
def writability(request, sandbox):
    sandbox.sandbox.settings.update({"autotask": {
        "resource_writable_fields": SWITCHABLE if request.param == "writable" else []}})
    yield request.param
    sandbox.sandbox.settings.update({"autotask": {"resource_writable_fields": []}})


def converge(sandbox, tmp_path, user, **kw):
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"],
             "sandbox_url": sandbox.url, "user": user}
    run = run_playbook(PLAYBOOK, tmp_path, extra, **kw)
    assert run.data, run.stdout + run.stderr
    return run, run.result("API user")


def resource(sandbox, username):
    client = AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                            discovery_url=sandbox.url + "/atservicesrest/")
    return client.query("Resources", [{"op": "eq", "field": "userName", "value": username}])[0]


def test_read_only_fields_become_ui_steps_and_writable_ones_are_patched(sandbox, view, tmp_path, writability):
    before = resource(sandbox, WISE_SYNC["username"])
    run, result = converge(sandbox, tmp_path, WISE_SYNC)
    assert run.rc == 0, result
    after = resource(sandbox, WISE_SYNC["username"])
    assert [r["method"] for r in view.writes()] == ["PATCH"]
    assert after["lastName"] == "API User"
    if writability == "read-only":
        assert (after["internalCost"], after["locationID"]) == (before["internalCost"], before["locationID"])
        assert {f["field"] for f in result["fixed"]} == {"last_name"}
        assert {d["field"]: (d["fix"], d.get("ui_path")) for d in result["drift"]} == {
            "internal_cost": ("ui", UI), "location": ("ui", UI)}
        steps = dict((s["title"], s["ui_path"]) for s in result["manual_steps"])
        assert steps["Set internal_cost of wisesync01@tenant1.example to 0.0"] == UI
        assert steps["Set location of wisesync01@tenant1.example to HQ"] == UI
        assert result["state"] == "drift"
    else:
        assert after["internalCost"] == 0.0 and after["locationID"] != before["locationID"]
        assert {f["field"] for f in result["fixed"]} == {"last_name", "internal_cost", "location"}
        assert result["drift"] == [] and result["state"] == "updated"
