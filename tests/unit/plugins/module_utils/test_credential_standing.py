"""``_credential.standing`` and the fleet report: every stored credential's state, age, rotation due date and
vendor registrations are shown by a drift check, not only the ones with a finding (issue 15: "credential ages and
rotation due dates, registration states"). Pure: no store, no HTTP."""
import datetime

from ansible_collections.msp.psa.plugins.module_utils._credential import current_fingerprint, standing
from ansible_collections.msp.psa.plugins.module_utils._credential_check import CredentialCheck
from ansible_collections.msp.psa.plugins.module_utils._engine import plan_item
from ansible_collections.msp.psa.plugins.module_utils._html_report import render, tenant_facts

SECRET = "Current1secret00000000000"
FP = current_fingerprint("autotask", {"secret": SECRET})
TEN_DAYS_AGO = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10, hours=1)).strftime(
    "%Y-%m-%dT%H:%M:%SZ")


def test_a_healthy_credential_has_its_age_due_date_and_registrations():
    data = {"secret": SECRET, "_phase": "none", "_created_at": TEN_DAYS_AGO}
    meta = {"registration_wise_sync": "confirmed", "registration_wise_sync_fingerprint": FP,
            "registration_old_tool": "registered", "registration_old_tool_fingerprint": "other"}
    out = standing("autotask", data, meta, 180, ["wise_sync", "old_tool", "sync365"])
    due = (datetime.datetime.strptime(TEN_DAYS_AGO, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=180)).date()
    assert out == {"state": "stored", "phase": "none", "age_days": 10, "rotation_due": due.isoformat(),
                   "registrations": {"wise_sync": "confirmed", "old_tool": "registered for an earlier credential",
                                     "sync365": "none"}}
    assert SECRET not in repr(out) and FP not in repr(out)


def test_nothing_stored_has_no_age_and_no_due_date():
    assert standing("autotask", None, {}, 180, ["wise_sync"]) == {
        "state": "missing", "phase": "none", "age_days": None, "rotation_due": None,
        "registrations": {"wise_sync": "none"}}
    assert standing("connectwise", {"public_key": "P"}, {}, None)["state"] == "missing"


class Store:
    mount = "secret"

    def __init__(self, data, meta):
        self.record = type("Record", (), {"data": data, "metadata": meta})()

    def read_record(self, path):
        return self.record


class Provider:
    key, psa_label, can_create = "username", "Autotask", False

    def __init__(self, inspector):
        self.inspector = inspector

    def findings(self, item, record):
        return []

    def missing_steps(self, item):
        return []


def test_the_drift_check_result_and_the_report_carry_every_standing():
    """A user without any credential finding still gets ``credential`` in its result, and the report's
    Credentials table lists its store path, age and due date (no secret)."""
    check = CredentialCheck(Store({"secret": SECRET, "_phase": "none", "_created_at": TEN_DAYS_AGO},
                                  {"registration_wise_sync": "confirmed", "registration_wise_sync_fingerprint": FP}),
                            "autotask", max_age_days=90)
    item = {"username": "wise@x.example", "profile": "wise_sync",
            "secret_store_path": "secret/msp/north/autotask/wise_sync"}
    it = plan_item(Provider(check), item, None)
    assert it.facts["credential"]["path"] == "msp/north/autotask/wise_sync"
    assert it.facts["credential"]["age_days"] == 10 and it.facts["credential"]["rotation_due"]
    facts = tenant_facts({"users": [dict(item, name=item["username"], state="missing", drift=it.drift,
                                         credential=it.facts["credential"])]})
    assert facts["credentials"] == [{"profile": "wise_sync", "state": "stored", "phase": "none",
                                     "path": "msp/north/autotask/wise_sync", "age_days": 10,
                                     "rotation_due": it.facts["credential"]["rotation_due"], "login": None}]
    assert facts["registrations"] == [{"profile": "wise_sync", "vendor": "wise_sync", "state": "confirmed",
                                       "detail": None}]
    page = render({"tenants": {"north": dict(facts, psa="autotask", outcome="drift", reason="x")}})
    assert "msp/north/autotask/wise_sync" in page and it.facts["credential"]["rotation_due"] in page
    assert SECRET not in page and FP not in page
