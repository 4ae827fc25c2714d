"""Adopt, never overwrite: an API user that exists in the PSA without a stored credential is
``unknown_secret`` (nothing generated); the admin stores the secret it has (adopted) or rotates (the new
value stays pending until verified). And the lockout guard's record: a failed login is kept with the
credential's fingerprint in the data version and the same credential is not tried again."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils import _autotask_user
from ansible_collections.msp.psa.plugins.module_utils._credential import assess, current_fingerprint, ensure
from ansible_collections.msp.psa.plugins.module_utils._secret_store import fingerprint

from .test_credential_state import CW_PATH, PATH, FakeKV, make_store, params


def run(fake, check_mode=False, **over):
    return ensure(params(**over), make_store(fake, check_mode))


def text(result):
    return repr(result["manual_steps"])


def test_an_existing_user_without_a_stored_secret_gets_none_generated():
    fake = FakeKV()
    result = run(fake, user_exists=True)
    assert result["state"] == "unknown_secret" and result["fields"] == []
    data = fake.data(PATH)
    assert "secret" not in data and "pending_secret" not in data, "nothing invented"
    assert data["_secret_state"] == "unknown_secret" and fake.meta(PATH)["secret_state"] == "unknown_secret"
    steps = text(result)
    assert "(a) Store the secret the vendor tool uses today at secret/%s" % PATH in steps
    assert "(b) Or rotate it: run with rotate=true" in steps and "Do not press Generate" in steps
    assert "paste" not in steps.lower()
    fake.writes = []
    again = run(fake, user_exists=True)
    assert again["state"] == "unknown_secret" and again["changed"] is False and fake.writes == []


def test_unknown_secret_is_remembered_by_a_run_that_does_not_say_whether_the_user_exists():
    fake = FakeKV()
    run(fake, user_exists=True)
    later = run(fake)  # user_exists not given (an older playbook)
    assert later["state"] == "unknown_secret" and "secret" not in fake.data(PATH)


def test_a_missing_user_still_gets_its_secret_generated():
    fake = FakeKV()
    assert run(fake, user_exists=False)["state"] == "generated" and fake.data(PATH)["secret"]
    other = FakeKV()
    run(other, user_exists=True)
    moved = run(other, user_exists=False)  # the user is gone from the PSA: created anew with a stored secret
    assert moved["state"] == "generated" and "_secret_state" not in other.data(PATH)


def test_path_a_the_admin_stores_the_secret_it_has():
    fake = FakeKV()
    run(fake, user_exists=True)
    data = fake.data(PATH)
    data["secret"] = "TheWorkingSecret000000001"  # `kv patch`
    fake.put(PATH, data)
    result = run(fake, user_exists=True)
    assert result["state"] == "adopted" and fake.data(PATH)["secret"] == "TheWorkingSecret000000001"
    assert fake.meta(PATH)["secret_state"] == "adopted" and result["manual_steps"] == []
    assert run(fake, user_exists=True)["state"] == "current"


def test_path_a_with_a_plain_kv_put_that_drops_the_state_keys():
    fake = FakeKV()
    run(fake, user_exists=True)
    fake.put(PATH, {"secret": "TheWorkingSecret000000001"})
    assert run(fake, user_exists=True)["state"] == "adopted"
    assert fake.data(PATH)["secret"] == "TheWorkingSecret000000001"


def test_path_b_rotate_keeps_the_new_value_pending_until_verified():
    fake = FakeKV()
    run(fake, user_exists=True)
    started = run(fake, user_exists=True, rotate=True)
    assert started["state"] == "rotation_started" and started["phase"] == "pending"
    data = fake.data(PATH)
    assert data["pending_secret"] and "secret" not in data, "the generated value is pending, not current"
    assert "pending_secret" in text(started) and "vendor tool's old secret stops working" in text(started)
    waiting = run(fake, user_exists=True, rotate=True)
    assert waiting["phase"] == "pending" and fake.data(PATH)["pending_secret"] == data["pending_secret"]
    assert assess("autotask", fake.data(PATH), fake.meta(PATH))[0]["have"] == "unknown_secret"
    promoted = run(fake, user_exists=True, rotation_verified=True)
    assert promoted["state"] == "rotation_promoted" and fake.data(PATH)["secret"] == data["pending_secret"]
    assert "_secret_state" not in fake.data(PATH) and "previous_secret" not in fake.data(PATH)
    done = run(fake, user_exists=True, registration_updated=True)
    assert done["state"] == "rotation_completed" and done["phase"] == "none"


def test_connectwise_existing_member_without_keys():
    fake = FakeKV()
    result = run(fake, kind="connectwise", user_exists=True, metadata={"identifier": "S365"})
    assert result["state"] == "unknown_secret" and "public_key and private_key" in text(result)
    assert "verifies it with one login" in text(result)


def test_check_mode_records_nothing():
    fake = FakeKV()
    result = run(fake, check_mode=True, user_exists=True)
    assert result["state"] == "unknown_secret" and fake.paths == {}


# -- the lockout guard -------------------------------------------------------------------------------

CUSTOM = {"username": "custom01@t1.example", "tracking_kind": "custom"}
LOGIN = {"zone_url": "https://webservices1.autotask.invalid/ATServicesRest/", "timeout": 5, "validate_certs": True}


@pytest.fixture()
def logins(monkeypatch):
    """Replaces the one login (``credential_check``) and counts calls; ``answer[0]`` is what it returns."""
    calls = []
    answer = [("invalid", "The secret is not valid.")]

    def fake_check(http_factory, item, zone_url):
        calls.append((item["username"], fingerprint(item["api_user_secret"])))
        return answer[0]
    monkeypatch.setattr(_autotask_user, "credential_check", fake_check)
    return calls, answer


def stored_custom(fake, secret="WrongSecret00000000000001"):
    fake.put(PATH, {"secret": secret, "integration_code": "CODE0001", "_phase": "none",
                    "_created_at": "2026-01-01T00:00:00Z"}, dict(CUSTOM))


def test_a_failed_login_is_recorded_and_not_repeated(logins):
    calls, answer = logins
    fake = FakeKV()
    stored_custom(fake)
    first = run(fake, metadata=CUSTOM, login=LOGIN)
    assert first["login"]["attempted"] is True and first["login"]["outcome"] == "invalid" and first["changed"]
    fp = current_fingerprint("autotask", fake.data(PATH))
    assert fake.data(PATH)["_login_failed_fingerprint"] == fp and fake.meta(PATH)["login_failed_fingerprint"] == fp
    assert "Fix the secret of custom01@t1.example" in text(first)
    for dummy in range(2):
        fake.writes = []
        later = run(fake, metadata=CUSTOM, login=LOGIN)
        assert later["login"]["attempted"] is False and later["login"]["outcome"] == "not_retried"
        assert later["login"]["detail"].startswith("last login failed at ") and later["login"]["detail"].endswith(", not retried")
        assert fake.writes == [] and later["changed"] is False
    assert len(calls) == 1, "one login across three runs"
    assert [f["field"] for f in assess("autotask", fake.data(PATH), fake.meta(PATH))] == ["login"]


def test_a_changed_secret_is_tried_once_and_a_success_clears_the_record(logins):
    calls, answer = logins
    fake = FakeKV()
    stored_custom(fake)
    run(fake, metadata=CUSTOM, login=LOGIN)
    data = fake.data(PATH)
    data["secret"] = "RightSecret00000000000001"
    fake.put(PATH, data)
    answer[0] = ("valid", None, object())
    fixed = run(fake, metadata=CUSTOM, login=LOGIN)
    assert fixed["login"]["outcome"] == "valid" and len(calls) == 2
    assert "_login_failed_fingerprint" not in fake.data(PATH)
    assert fake.data(PATH)["_login_ok_fingerprint"] == current_fingerprint("autotask", fake.data(PATH))
    fake.writes = []
    steady = run(fake, metadata=CUSTOM, login=LOGIN)
    assert steady["login"]["outcome"] == "valid" and fake.writes == [] and steady["changed"] is False


def test_retry_failed_login_tries_the_same_secret_once_more(logins):
    calls, answer = logins
    fake = FakeKV()
    stored_custom(fake)
    run(fake, metadata=CUSTOM, login=LOGIN)
    run(fake, metadata=CUSTOM, login=LOGIN, retry_failed_login=True)
    assert len(calls) == 2


def test_no_login_in_check_mode_and_none_for_a_vendor_user(logins):
    calls, answer = logins
    fake = FakeKV()
    stored_custom(fake)
    assert run(fake, check_mode=True, metadata=CUSTOM, login=LOGIN)["login"]["outcome"] == "not_checked"
    fake.put(PATH, {"secret": "VendorUserSecret000000001", "_phase": "none"}, {"username": "v01@t1.example"})
    assert run(fake, login=LOGIN)["login"]["outcome"] == "not_possible"
    assert calls == []


def test_the_pending_value_is_verified_by_one_login_and_promoted(logins):
    calls, answer = logins
    fake = FakeKV()
    stored_custom(fake, secret="CurrentSecret000000000001")
    run(fake, metadata=CUSTOM, rotate=True)
    pending = fake.data(PATH)["pending_secret"]
    not_yet = run(fake, metadata=CUSTOM, login=LOGIN)
    assert not_yet["phase"] == "pending" and calls[-1][1] == fingerprint(pending)
    assert run(fake, metadata=CUSTOM, login=LOGIN)["login"]["outcome"] == "not_retried" and len(calls) == 1
    answer[0] = ("valid", None, object())
    promoted = run(fake, metadata=CUSTOM, login=LOGIN, retry_failed_login=True)
    assert promoted["state"] == "rotation_promoted" and fake.data(PATH)["secret"] == pending and len(calls) == 2


def test_a_login_made_by_another_task_is_recorded_by_fingerprint():
    fake = FakeKV()
    fake.put(CW_PATH, {"public_key": "PUB1", "private_key": "PRIV1", "_phase": "none"}, {"identifier": "S365", "psa": "connectwise", "rotation_phase": "none"})
    fp = current_fingerprint("connectwise", fake.data(CW_PATH))
    stale = run(fake, kind="connectwise", metadata=None, record_login={"fingerprint": "0000000000000000", "outcome": "invalid"})
    assert stale["login"]["outcome"] == "ignored" and stale["changed"] is False
    failed = run(fake, kind="connectwise", metadata=None, record_login={"fingerprint": fp, "outcome": "invalid"})
    assert failed["changed"] and fake.data(CW_PATH)["_login_failed_fingerprint"] == fp
    later = run(fake, kind="connectwise", metadata=None)
    assert later["login"]["current_failed"] is True and later["login"]["outcome"] == "not_retried"
    ok = run(fake, kind="connectwise", metadata=None, record_login={"fingerprint": fp, "outcome": "valid"})
    assert ok["changed"] and "_login_failed_fingerprint" not in fake.data(CW_PATH)
    assert ok["login"]["current_verified"] is True


def test_an_adopted_credential_rotated_is_ours_and_goes_to_the_vendor():
    fake = FakeKV()
    run(fake, user_exists=True)
    fake.put(PATH, {"secret": "TheWorkingSecret000000001"})
    run(fake, user_exists=True)
    run(fake, user_exists=True, rotate=True)
    promoted = run(fake, user_exists=True, rotation_verified=True)
    assert promoted["secret_state"] == "known" and "_secret_state" not in fake.data(PATH)


def test_an_empty_metadata_value_is_left_out():
    """KV v2 refuses custom metadata values of length 0; the role passes vendor: '' for custom integrations."""
    fake = FakeKV()
    run(fake, metadata={"username": "c01@t1.example", "vendor": "", "tracking_kind": "custom"})
    assert "vendor" not in fake.meta(PATH) and fake.meta(PATH)["tracking_kind"] == "custom"


# -- registration: never a step for a credential not known to be the PSA's -------------------------------

from ansible_collections.msp.psa.plugins.module_utils._credential import registration  # noqa: E402


def reg_params(**over):
    out = {"path": PATH, "kind": "autotask", "vendor": "sync365", "vendor_name": "Sync 365", "driver": "manual",
           "values": {"username": "s365@t1.example"}, "steps": ["Secret: the value at {secret_ref}."],
           "ui_path": None, "confirm": False}
    out.update(over)
    return out


def test_no_registration_step_for_an_unknown_secret_or_a_pending_value():
    fake = FakeKV()
    run(fake, user_exists=True)
    assert registration(reg_params(), make_store(fake))["registration"] == "waiting_for_credential"
    run(fake, user_exists=True, rotate=True)
    out = registration(reg_params(), make_store(fake))
    assert out["registration"] == "waiting_for_credential" and out["manual_steps"] == []
    current = FakeKV()
    run(current)
    run(current, rotate=True)
    pending = registration(reg_params(), make_store(current))
    assert pending["registration"] == "waiting_for_rotation" and pending["manual_steps"] == []
    run(current, rotation_verified=True)
    promoted = registration(reg_params(), make_store(current))
    assert promoted["registration"] == "pending" and promoted["manual_steps"][0]["title"] == "Register the credential with Sync 365"


def test_an_adopted_credential_gets_a_confirm_step_that_cites_nothing_to_enter():
    fake = FakeKV()
    run(fake, user_exists=True)
    fake.put(PATH, {"secret": "TheWorkingSecret000000001"})
    run(fake, user_exists=True)
    out = registration(reg_params(), make_store(fake))
    step = out["manual_steps"][0]
    assert step["title"] == "Confirm that Sync 365 already uses the adopted credential"
    assert "secret_refs" not in step and "no login could verify it" in step["instructions"][0]
    assert registration(reg_params(confirm=True), make_store(fake))["registration"] == "confirmed"


class FakeVendor:
    """The http driver's vendor client: counts creates; ``during_create`` runs inside the create (another run)."""

    def __init__(self):
        self.created = []
        self.during_create = None

    @staticmethod
    def body(kind, data, values):
        return {"username": values.get("username"), "secret": data["secret"]}

    def register(self, kind, integration_id, body, check_mode=False):
        if integration_id:
            return {"ok": True, "action": "update", "id": integration_id}
        if self.during_create:
            hook, self.during_create = self.during_create, None
            hook()
        self.created.append(body["username"])
        return {"ok": True, "action": "create", "id": "int-%d" % len(self.created)}


def test_http_registration_commits_its_id_in_the_data_before_success_and_releases_the_claim():
    fake = FakeKV()
    run(fake)
    vendor = FakeVendor()
    out = registration(reg_params(driver="http"), make_store(fake), vendor, owner="run-a")
    data = fake.data(PATH)
    assert out["registration"] == "registered" and out["vendor_id"] == "int-1"
    assert data["_registration_sync365_id"] == "int-1" and "_registration_sync365_claim" not in data
    assert data["_registration_sync365_fingerprint"] == current_fingerprint("autotask", data)
    assert fake.meta(PATH)["registration_sync365_id"] == "int-1"
    fake.writes = []
    again = registration(reg_params(driver="http"), make_store(fake), vendor, owner="run-b")
    assert again["registration"] == "registered" and fake.writes == [] and vendor.created == ["s365@t1.example"]


def test_http_registration_waits_for_a_live_claim_and_finds_the_other_runs_registration(monkeypatch):
    from ansible_collections.msp.psa.plugins.module_utils import _credential
    monkeypatch.setattr(_credential, "REG_POLL", 0.01)
    fake = FakeKV()
    run(fake)
    vendor = FakeVendor()
    seen = []

    def run_b_meanwhile():
        """While run a creates, run b starts: it must wait for a's claim, then find a's registration."""
        import threading
        t = threading.Thread(target=lambda: seen.append(
            registration(reg_params(driver="http"), make_store(fake), vendor, owner="run-b")))
        t.start()
        t.join(0.3)  # b is waiting on the claim now
        assert t.is_alive(), "run b waits while run a holds the claim"
        seen.append(t)
    vendor.during_create = run_b_meanwhile
    a = registration(reg_params(driver="http"), make_store(fake), vendor, owner="run-a")
    seen[0].join(5)
    b = seen[1]
    assert a["vendor_action"] == "create" and b["registration"] == "registered" and "vendor_action" not in b
    assert vendor.created == ["s365@t1.example"], "one registration"


def test_a_stale_claim_is_taken_over():
    fake = FakeKV()
    run(fake)
    data = fake.data(PATH)
    data["_registration_sync365_claim"] = "dead-run|1000"  # expired long ago
    fake.put(PATH, data)
    out = registration(reg_params(driver="http"), make_store(fake), FakeVendor(), owner="run-c")
    assert out["registration"] == "registered" and "_registration_sync365_claim" not in fake.data(PATH)


def test_no_registration_step_for_a_credential_the_psa_refused():
    fake = FakeKV()
    fake.put(PATH, {"secret": "WrongSecret00000000000001", "_phase": "none"})
    fp = current_fingerprint("autotask", fake.data(PATH))
    run(fake, metadata=None, record_login={"fingerprint": fp, "outcome": "invalid"})
    out = registration(reg_params(), make_store(fake))
    assert out["registration"] == "waiting_for_credential" and out["manual_steps"] == [] and "refused" in out["detail"]
    assert registration(reg_params(driver="http"), make_store(fake), FakeVendor())["manual_steps"] == []


def test_a_release_after_another_writer_keeps_its_change_and_commits_the_id():
    fake = FakeKV()
    run(fake)
    vendor = FakeVendor()
    vendor.during_create = lambda: run(fake, rotate=True)  # a rotation starts while we register
    out = registration(reg_params(driver="http"), make_store(fake), vendor, owner="run-a")
    data = fake.data(PATH)
    assert out["registration"] == "registered" and data["_registration_sync365_id"] == "int-1"
    assert data["_phase"] == "pending" and data["pending_secret"], "the other writer's change is kept"
    assert "_registration_sync365_claim" not in data


def test_a_member_the_collection_created_keeps_waiting_for_its_key_pair_on_later_runs():
    """Created in run 1 (user_exists false), existing from run 2 on: still awaiting its pair, not unknown,
    and no write after the first (the molecule idempotence check)."""
    fake = FakeKV()
    first = run(fake, kind="connectwise", path=CW_PATH, user_exists=False)
    assert first["state"] == "awaiting_secret" and first["changed"] is True
    second = run(fake, kind="connectwise", path=CW_PATH, user_exists=True)
    assert second["state"] == "awaiting_secret" and second["changed"] is False
    fake.writes = []
    third = run(fake, kind="connectwise", path=CW_PATH, user_exists=True)
    assert third["changed"] is False and fake.writes == [] and "unknown" not in text(third)
