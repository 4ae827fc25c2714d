"""Drift = everything that makes an integration work. On the demo fleet brought in sync (as `make demo` does):
a ConnectWise tenant whose role lost levels and whose member has no working key is red, not ok; an Autotask
integration user deactivated in the PSA is red and converge reactivates it."""
import json

import requests

from .test_drift_outcomes import DRIFT, IN_SYNC, fleet, playbook, reports  # noqa: F401  pylint: disable=unused-import

LAKESIDE_ROLE_LOSS = [  # the admin "tidies up" the Sync 365 role: 8 levels back to None
    {"moduleName": "Finance", "moduleFunctionName": "Agreements", "addLevel": "None", "editLevel": "None",
     "inquireLevel": "None"},
    {"moduleName": "Finance", "moduleFunctionName": "Invoicing", "inquireLevel": "None"},
    {"moduleName": "Finance", "moduleFunctionName": "Agreement Invoicing", "inquireLevel": "None"},
    {"moduleName": "Procurement", "moduleFunctionName": "Products", "inquireLevel": "None"},
    {"moduleName": "Procurement", "moduleFunctionName": "Product Catalog", "inquireLevel": "None"},
    {"moduleName": "Companies", "moduleFunctionName": "Company Maintenance", "inquireLevel": "None"},
]


def lakeside(fleet):  # noqa: F811
    return requests.get(fleet.sandbox.url + "/_sandbox/connectwise/lakeside", timeout=10).json()


def test_a_connectwise_role_missing_levels_and_a_member_without_a_key_are_red(fleet, tmp_path):  # noqa: F811
    before = fleet.run(playbook("drift_check.yml"), tmp_path, "-l", "lakeside")
    assert before.returncode == IN_SYNC, before.output[-3000:]
    url = fleet.sandbox.url + "/_sandbox/connectwise/lakeside"
    requests.put(url + "/security-roles/Sync 365/settings", json=LAKESIDE_ROLE_LOSS, timeout=10).raise_for_status()
    for key in [k for k in lakeside(fleet)["keys"] if k["member"] == "S365"]:
        requests.delete(url + "/api-keys/" + key["publicKey"], timeout=10).raise_for_status()

    run = fleet.run(playbook("drift_check.yml"), tmp_path, "-l", "lakeside")
    assert run.returncode == DRIFT, run.output[-3000:]
    data, junit, summary = reports(tmp_path / "reports")
    entry = data["tenants"]["lakeside"]
    assert entry["outcome"] == "drift"
    text = json.dumps(entry)
    assert "role_permissions" in text and "8 missing or different" in text, text[:2000]
    assert "api_key" in text and "invalid" in text, "the stored pair no longer authenticates"

    fleet_run = fleet.run(playbook("drift_check_fleet.yml"), tmp_path, "-l", "lakeside")
    assert fleet_run.returncode == DRIFT, fleet_run.output[-3000:]


def test_a_deactivated_autotask_user_is_red_and_converge_reactivates_it(fleet, tmp_path):  # noqa: F811
    state = requests.get(fleet.sandbox.url + "/_sandbox/autotask/contoso", timeout=10).json()
    user = next(u for u in state["resources"] if u["userName"].startswith("dattowp01@"))
    requests.patch("%s/_sandbox/autotask/contoso/resources/%d" % (fleet.sandbox.url, user["id"]),
                   json={"isActive": False}, timeout=10).raise_for_status()

    run = fleet.run(playbook("drift_check.yml"), tmp_path, "-l", "contoso")
    assert run.returncode == DRIFT, run.output[-3000:]
    data = reports(tmp_path / "reports")[0]
    assert data["tenants"]["contoso"]["outcome"] == "drift"
    assert "active" in json.dumps(data["tenants"]["contoso"])

    converge = fleet.run(playbook("converge.yml"), tmp_path, "-l", "contoso")
    assert converge.returncode == 0, converge.output[-3000:]
    state = requests.get(fleet.sandbox.url + "/_sandbox/autotask/contoso", timeout=10).json()
    assert next(u for u in state["resources"] if u["userName"].startswith("dattowp01@"))["isActive"] is True
    again = fleet.run(playbook("drift_check.yml"), tmp_path, "-l", "contoso")
    assert again.returncode == IN_SYNC, again.output[-3000:]
