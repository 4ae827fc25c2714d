"""``_credential.assess``: the stored credential's findings for the drift check, from one read of the store
(data and custom metadata as ``SecretStore.read_record`` returns them). Pure: no store, no HTTP."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._credential import assess, current_fingerprint
from ansible_collections.msp.psa.plugins.module_utils._secret_store import fingerprint

SECRET = "Current1secret00000000000"
PENDING = "Pending1secret00000000000"
CW = {"public_key": "PUB1", "private_key": "PRIV-secret-1"}
FP = current_fingerprint("autotask", {"secret": SECRET})
RECENT = "2099-01-01T00:00:00Z"  # in the future: age < 0


def current(**state):
    data = {"secret": SECRET, "_phase": "none", "_created_at": RECENT}
    data.update(state)
    return data


def fields(findings):
    return [f["field"] for f in findings]


def no_secret_anywhere(findings):
    text = repr(findings)
    for value in (SECRET, PENDING, CW["private_key"], FP):
        assert value not in text


def test_a_healthy_credential_has_no_findings():
    meta = {"registration_wise_sync": "confirmed", "registration_wise_sync_fingerprint": FP}
    assert assess("autotask", current(), meta, max_age_days=180, vendors=["wise_sync"]) == []


def test_nothing_stored_is_a_store_finding():
    out = assess("autotask", None, {}, vendors=["wise_sync"])
    assert out == [{"field": "credential", "want": "stored", "have": "missing", "fix": "store",
                    "detail": "No secret is stored."}], "no registration finding without a credential"
    cw = assess("connectwise", {"public_key": "PUB1"}, {})
    assert fields(cw) == ["credential"] and cw[0]["have"] == "missing" and "API key pair" in cw[0]["detail"]


def test_unknown_secret_of_an_existing_user():
    data = {"_phase": "none", "_secret_state": "unknown_secret", "_adopted_at": RECENT}
    out = assess("autotask", data, {"secret_state": "unknown_secret"}, vendors=["wise_sync"])
    assert fields(out) == ["credential"] and out[0]["have"] == "unknown_secret" and out[0]["fix"] == "store"
    assert "rotate" in out[0]["detail"] and "nothing was generated" in out[0]["detail"]


def test_unknown_secret_from_the_metadata_mirror_of_a_record_replaced_by_hand():
    """A plain ``kv put`` of something else drops the data's state keys; the mirror still tells."""
    out = assess("autotask", {"note": "x"}, {"secret_state": "unknown_secret"})
    assert out[0]["have"] == "unknown_secret"


def test_unknown_secret_with_a_rotation_pending():
    data = {"_phase": "pending", "_secret_state": "unknown_secret", "_rotation_started_at": "2026-01-02T00:00:00Z",
            "pending_secret": PENDING}
    out = assess("autotask", data, {})
    assert fields(out) == ["credential", "rotation"] and out[1]["have"] == "pending" and out[1]["fix"] == "ui"
    assert "2026-01-02T00:00:00Z" in out[1]["detail"]
    no_secret_anywhere(out)


def test_rotation_pending_and_promoted():
    pending = assess("autotask", current(_phase="pending", pending_secret=PENDING), {})
    assert fields(pending) == ["rotation"] and pending[0]["have"] == "pending" and pending[0]["fix"] == "ui"
    cw_waiting = assess("connectwise", dict(CW, _phase="pending"), {})
    assert "pending_public_key" in cw_waiting[0]["detail"]
    promoted = assess("autotask", current(_phase="promoted", previous_secret=PENDING, _promoted_at="2026-02-01T00:00:00Z"),
                      {}, vendors=[])
    assert fields(promoted) == ["rotation"] and promoted[0]["have"] == "promoted" and promoted[0]["fix"] == "vendor"
    no_secret_anywhere(pending + promoted + cw_waiting)


def test_rotation_overdue():
    old = current(_created_at="2020-01-01T00:00:00Z")
    out = assess("autotask", old, {}, max_age_days=180)
    assert fields(out) == ["credential_age"] and out[0]["want"] == "at most 180 days" and out[0]["fix"] == "store"
    assert assess("autotask", old, {}) == [], "no max_age_days, no age finding"
    rotated = current(_created_at="2020-01-01T00:00:00Z", _rotated_at=RECENT)
    assert assess("autotask", rotated, {}, max_age_days=180) == [], "age counts from the last rotation"
    legacy = {"secret": SECRET}
    assert fields(assess("autotask", legacy, {"created_at": "2020-01-01T00:00:00Z"}, max_age_days=30)) == ["credential_age"]


def test_registrations_per_vendor_for_the_current_fingerprint():
    meta = {"registration_a": "confirmed", "registration_a_fingerprint": FP,
            "registration_b": "registered", "registration_b_fingerprint": "0123456789abcdef",
            "registration_c": "pending", "registration_d": "failed"}
    out = assess("autotask", current(), meta, vendors=["a", "b", "c", "d", "e"])
    assert [(f["field"], f["have"], f["fix"]) for f in out] == [
        ("registration:b", "registered for an earlier credential", "vendor"),
        ("registration:c", "pending", "vendor"),
        ("registration:d", "failed", "vendor"),
        ("registration:e", "none", "vendor")]
    no_secret_anywhere(out)


def test_last_login_failed_with_this_credential():
    data = current(_login_failed_at="2026-03-01T10:00:00Z", _login_failed_fingerprint=FP, _login_failed_reason="invalid")
    out = assess("autotask", data, {})
    assert fields(out) == ["login"] and out[0]["have"] == "failed" and out[0]["fix"] == "store"
    assert "2026-03-01T10:00:00Z" in out[0]["detail"] and "not retried" in out[0]["detail"]
    locked = assess("autotask", dict(data, _login_failed_reason="locked"), {})
    assert locked[0]["fix"] == "ui" and "locked" in locked[0]["detail"]
    no_secret_anywhere(out + locked)


def test_a_failed_login_of_an_earlier_credential_is_not_a_finding():
    data = current(_login_failed_at="2026-03-01T10:00:00Z", _login_failed_fingerprint="0123456789abcdef")
    assert assess("autotask", data, {}) == []


def test_a_failed_login_of_the_pending_value_is_fixed_in_the_ui():
    pfp = fingerprint(PENDING)
    data = current(_phase="pending", pending_secret=PENDING, _login_failed_at="2026-03-01T10:00:00Z",
                   _login_failed_fingerprint=pfp)
    out = assess("autotask", data, {})
    assert fields(out) == ["rotation", "login"] and out[1]["fix"] == "ui" and "pending" in out[1]["detail"]


def test_connectwise_key_pair_login_failure_and_registration():
    fp = current_fingerprint("connectwise", CW)
    data = dict(CW, _phase="none", _created_at=RECENT, _login_failed_at="2026-03-01T10:00:00Z",
                _login_failed_fingerprint=fp)
    out = assess("connectwise", data, {}, vendors=["sync365"])
    assert fields(out) == ["login", "registration:sync365"]
    no_secret_anywhere(out)


@pytest.mark.parametrize("data", [None, {}, current(), {"secret": SECRET, "pending_secret": PENDING}])
def test_every_finding_has_the_five_keys(data):
    for f in assess("autotask", data, {"rotation_phase": "pending"}, max_age_days=1, vendors=["x"]):
        assert set(f) == {"field", "want", "have", "fix", "detail"} and f["fix"] in ("store", "vendor", "ui")
