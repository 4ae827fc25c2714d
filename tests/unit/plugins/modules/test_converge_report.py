"""converge_report: the converge's HTML fleet report - what the converge could not fix, credentials with age and
rotation due date, registrations, manual steps; a tenant without a report is not converged; never a secret."""
import datetime
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.msp.psa.plugins.module_utils._html_report import credential_facts
from ansible_collections.msp.psa.plugins.modules import converge_report

SECRET = "GeneratedSecretValue-0001"


def run(tmp_path, capsys, **args):
    with patch_module_args(dict(args, output_dir=str(tmp_path / "reports"))):
        with pytest.raises(SystemExit) as exited:
            converge_report.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def test_converge_report(tmp_path, capsys):
    step = {"system": "Autotask", "title": "Create the API user sync365api01@t.example", "ui_path": "Admin > New API User",
            "values": {"Secret": SECRET}, "secret_refs": {"secret": "secret/msp/north/autotask/sync365#secret"}}
    north = {"psa": "autotask", "manual_steps": [step], "registrations": ["pending"], "result": {
        "users": [{"profile": "wise_sync", "username": "wisesync01@t.example", "state": "ok", "drift": [], "fixed": [],
                   "record": {"secret": SECRET}},
                  {"profile": "sync365", "username": "sync365api01@t.example", "state": "missing", "drift": [],
                   "manual_steps": [step]}], "orphans": []}}
    credentials = [{"item": {"profile": "wise_sync"}, "state": "current", "phase": "none", "age_days": 30.0,
                    "path": "secret/msp/north/autotask/wise_sync", "fingerprint": "abc123", "login": {"outcome": "valid"}},
                   {"item": {"profile": "sync365"}, "state": "generated", "phase": "none", "age_days": 0.0,
                    "path": "secret/msp/north/autotask/sync365", "secret": SECRET}]
    registrations = [{"item": {"item": {"profile": "wise_sync"}}, "registration": "pending", "manual_steps": [step]}]
    rc, result = run(tmp_path, capsys, tenants={"north": north, "south": None}, credentials={"north": credentials},
                     registrations={"north": registrations}, max_credential_age_days=90)
    assert rc == 0, result
    assert result["tenants"]["north"]["outcome"] == "drift" and "sync365 exists" in result["tenants"]["north"]["reason"]
    assert result["tenants"]["south"]["outcome"] == "could_not_check"
    assert result["counts"] == {"in_sync": 0, "drift": 1, "could_not_check": 1, "handoffs": 1, "manual_steps": 1}
    html = (tmp_path / "reports" / "converge-report.html").read_text()
    due = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=60)).isoformat()
    for expected in ("msp.psa converge report", "not converged", "drift left", "secret/msp/north/autotask/wise_sync",
                     "<td>30.0</td><td>%s</td>" % due, "<td>wise_sync</td><td>pending</td>",
                     "Create the API user sync365api01@t.example", "Admin &gt; New API User"):
        assert expected in html, expected
    for name in ("converge-report.html", "converge-report.json"):
        text = (tmp_path / "reports" / name).read_text()
        assert SECRET not in text and "abc123" not in text, name


def test_rotation_due_date():
    today = datetime.date(2026, 11, 30)
    facts = credential_facts([{"item": {"profile": "p"}, "state": "current", "age_days": 100.0}], 90, today)
    assert facts[0]["rotation_due"] == "2026-11-20"  # overdue: created 100 days ago, due after 90
    assert credential_facts([{"item": {"profile": "p"}, "age_days": 1.0}], 0, today)[0]["rotation_due"] is None


def test_check_mode_writes_nothing(tmp_path, capsys):
    rc, result = run(tmp_path, capsys, tenants={"south": None}, _ansible_check_mode=True)
    assert rc == 0 and result["files"] == [] and result["outcome"] == "could_not_check"
    assert not (tmp_path / "reports").exists()
