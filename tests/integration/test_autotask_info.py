import os

from .harness import run_playbook
from .seed import ADMIN

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "autotask_info.yml")


def test_zone_users_and_budget(sandbox, view, tmp_path):
    run = run_playbook(PLAYBOOK, tmp_path, {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"],
                                            "at_code": ADMIN["code"], "sandbox_url": sandbox.url})
    assert run.rc == 0, run.stdout[-2000:]
    zone = run.result("Zone")["zone"]
    assert zone["url"] == sandbox.url + "/webservices14/ATServicesRest/" and zone["ui_zone"] == "webservices14"
    assert zone["cached"] is False and run.result("Zone again (cached)")["zone"]["cached"] is True
    users = run.result("API users")
    assert users["count"] == 4
    assert [(u["username"], u["security_level"]) for u in users["api_users"]] == [
        ("jcloud01@tenant1.example", "API User (system)"),
        ("msppsa01@tenant1.example", "API User (system)"), ("report01@tenant1.example", "API User - Reporting"),
        ("wisesync01@tenant1.example", "API User (system)")]
    budget = run.result("Budget")
    assert budget["threshold"]["limit"] == 10000 and budget["threshold"]["used"] >= 1 and budget["near_limit"] is True
    zone_calls = [r for r in view.requests() if r["path"].lower().endswith("zoneinformation")]
    assert len(zone_calls) == 2, "one for wisesync01, one for the collection's own user; the repeat hit the cache"
