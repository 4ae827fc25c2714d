"""Credentials end to end: real OpenBao, real ansible-playbook, the sandbox's PSA, UI and vendor API."""
import os

import hvac
import pytest
import requests

from psa_sandbox.openbao import OpenBao

from .harness import run_playbook
from .seed import ADMIN, JCLOUD, READER
from .test_autotask_api_user import PLAYBOOK as USER_PLAYBOOK

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "credential.yml")
SYNC365_STEPS = ["Log in to Sync 365 License and open Tools > Integration Settings.",
                 "Click + next to PSA Tools and select Autotask as the PSA Type.",
                 "Zone: {zone}. Username: {username}. Secret: the value stored at {secret_ref}.",
                 "Click Test and Save Credentials."]


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


@pytest.fixture()
def store(bao):
    client = hvac.Client(url=bao.url, token=bao.token)
    yield client
    for path in client.secrets.kv.v2.list_secrets(path="msp/tenant1/autotask", mount_point="secret")["data"]["keys"] \
            if _exists(client) else []:
        client.secrets.kv.v2.delete_metadata_and_all_versions(path="msp/tenant1/autotask/" + path, mount_point="secret")


def _exists(client):
    try:
        client.secrets.kv.v2.list_secrets(path="msp/tenant1/autotask", mount_point="secret")
        return True
    except hvac.exceptions.InvalidPath:
        return False


def read(client, path):
    resp = client.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)
    return resp["data"]["data"], resp["data"]["metadata"]["custom_metadata"]


def run(sandbox, bao, tmp_path, playbook=PLAYBOOK, **extra):
    check, verbosity = extra.pop("check", False), extra.pop("verbosity", 0)
    base = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"],
            "sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token}
    result = run_playbook(playbook, tmp_path, dict(base, **extra), check=check, verbosity=verbosity)
    assert result.data, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_generate_store_manual_step_then_verify(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/sync365"
    cred = {"path": path, "metadata": {"username": "sync365a1@tenant1.example", "zone": "webservices14",
                                       "tracking_kind": "vendor", "vendor": "Sync 365 License", "tenant": "tenant1"}}
    first = run(sandbox, bao, tmp_path, cred=cred).result("Store")
    assert first["changed"] and first["state"] == "generated" and first["fields"] == ["secret"]
    data, meta = read(store, path)
    secret = data["secret"]
    assert len(secret) == 25 and secret.isalnum() and any(c.isdigit() for c in secret)
    assert meta["username"] == "sync365a1@tenant1.example" and meta["created_at"] and meta["rotation_phase"] == "none"
    user = {"username": "sync365a1@tenant1.example", "first_name": "Sync 365", "last_name": "License",
            "email": "s365@tenant1.example", "integration_vendor": "Sync 365 License", "secret_store_path": first["path"]}
    missing = run(sandbox, bao, tmp_path, USER_PLAYBOOK, user=user).result("API user")
    assert missing["state"] == "missing"
    text = " ".join(missing["manual_steps"][0]["instructions"])
    assert "paste the secret stored at secret/msp/tenant1/autotask/sync365" in text and secret not in text
    # the admin follows the steps, pasting the stored secret into the (sandbox's) Autotask UI
    r = requests.post(sandbox.url + "/_sandbox/autotask/tenant1/api-users", json={
        "firstName": "Sync 365", "lastName": "License", "email": "s365@tenant1.example", "userName": "sync365a1",
        "secret": secret, "securityLevel": "API User (system)", "integrationVendor": "Sync 365 License"}, timeout=5)
    assert r.status_code == 201
    verified = run(sandbox, bao, tmp_path, USER_PLAYBOOK, user=user).result("API user")
    assert verified["state"] == "ok"
    again = run(sandbox, bao, tmp_path, cred=cred).result("Store")
    assert again["changed"] is False and again["state"] == "current" and read(store, path)[0]["secret"] == secret


def test_rotation_end_to_end_with_a_killed_run_resumed(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/reporting"
    store.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={
        "secret": READER["secret"], "integration_code": READER["code"]})
    cred = {"path": path, "generate": False, "custom": True,
            "metadata": {"username": READER["username"], "tracking_kind": "custom"}}
    reg = {"vendor": "reporting", "vendor_name": "Reporting tool", "steps": ["Paste {secret_ref} into the tool."]}
    killed = run(sandbox, bao, tmp_path, cred=cred, reg=reg, rotate=True, kill_after_store=True)
    assert killed.rc != 0 and killed.result("Store")["state"] == "rotation_started"
    data, meta = read(store, path)
    pending = data["pending_secret"]
    assert data["secret"] == READER["secret"] and meta["rotation_phase"] == "pending"
    resumed = run(sandbox, bao, tmp_path, cred=cred, reg=reg, rotate=True)
    assert resumed.result("Store")["phase"] == "pending" and read(store, path)[0]["pending_secret"] == pending, \
        "the interrupted rotation resumes; no second pending secret"
    assert resumed.result("Verify the pending secret by logging in")["credentials"] == "invalid", "not yet set in the UI"
    assert "pending_secret" in str(resumed.result("Store")["manual_steps"]) and pending not in resumed.stdout
    rid = requests.get(sandbox.url + "/_sandbox/autotask/tenant1", timeout=5).json()
    rid = next(u["id"] for u in rid["resources"] if u["userName"] == READER["username"])
    requests.post(sandbox.url + "/_sandbox/autotask/tenant1/resources/%d/reset-secret" % rid,
                  json={"secret": pending}, timeout=5).raise_for_status()
    promoted = run(sandbox, bao, tmp_path, cred=cred, reg=reg)
    assert promoted.result("Promote")["state"] == "rotation_promoted"
    assert promoted.result("Register").get("registration") == "pending", promoted.result("Register").get("msg")
    data, meta = read(store, path)
    assert data["secret"] == pending and data["previous_secret"] == READER["secret"] and meta["rotation_phase"] == "promoted"
    done = run(sandbox, bao, tmp_path, cred=cred, reg=reg, registration_confirmed=True)
    assert done.result("Register")["registration"] == "confirmed"
    assert done.result("Retire the previous credential")["state"] == "rotation_completed"
    data, meta = read(store, path)
    assert "previous_secret" not in data and meta["rotation_phase"] == "none" and meta["rotated_at"]
    assert meta["registration_reporting"] == "confirmed"


def test_http_driver_create_noop_update_and_failed_test(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/jumpcloud"
    store.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={"secret": JCLOUD["secret"]})
    cred = {"path": path, "generate": False}
    reg = {"vendor": "jumpcloud", "driver": "http", "values": {"username": JCLOUD["username"]},
           "http": {"base_url": sandbox.url + "/vendor/api/v2", "provider_id": "p-123", "token": "sandbox-vendor-token"}}
    created = run(sandbox, bao, tmp_path, cred=cred, reg=reg).result("Register")
    assert created["registration"] == "registered" and created["vendor_action"] == "create"
    integration_id = read(store, path)[1]["registration_jumpcloud_id"]
    vendor_view = requests.get(sandbox.url + "/vendor/api/v2/integrations/autotask/" + integration_id,
                               headers={"x-api-key": "sandbox-vendor-token"}, timeout=5).json()
    assert vendor_view["username"] == JCLOUD["username"] and "secret" not in vendor_view
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]
    noop = run(sandbox, bao, tmp_path, cred=cred, reg=reg).result("Register")
    assert noop["changed"] is False and noop["registration"] == "registered"
    vendor_calls = [r for r in requests.get(sandbox.url + "/_sandbox/requests", params={"since": mark}, timeout=5)
                    .json()["requests"] if r["path"].startswith("/vendor/")]
    assert vendor_calls == []
    # the secret changes (reset in the UI, stored): the vendor is updated, after its own test passes
    rid = next(u["id"] for u in requests.get(sandbox.url + "/_sandbox/autotask/tenant1", timeout=5).json()["resources"]
               if u["userName"] == JCLOUD["username"])
    requests.post(sandbox.url + "/_sandbox/autotask/tenant1/resources/%d/reset-secret" % rid,
                  json={"secret": "JumpCloudRotated2026abcd"}, timeout=5).raise_for_status()
    store.secrets.kv.v2.patch(path=path, mount_point="secret", secret={"secret": "JumpCloudRotated2026abcd"})
    updated = run(sandbox, bao, tmp_path, cred=cred, reg=reg).result("Register")
    assert updated["registration"] == "registered" and updated["vendor_action"] == "update"
    store.secrets.kv.v2.patch(path=path, mount_point="secret", secret={"secret": "WrongWrongWrong2026abcd"})
    failed = run(sandbox, bao, tmp_path, cred=cred, reg=reg)
    result = failed.result("Register")
    assert result["registration"] == "failed" and "failed to validate with Autotask" in result["detail"]
    assert read(store, path)[1]["registration_jumpcloud"] == "failed"


def test_manual_registration_steps_cite_the_store_path(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/sync365b"
    cred = {"path": path}
    reg = {"vendor": "sync365", "vendor_name": "Sync 365 License", "steps": SYNC365_STEPS,
           "values": {"username": "s365b1@tenant1.example", "zone": "webservices14"}}
    out = run(sandbox, bao, tmp_path, cred=cred, reg=reg)
    steps = out.result("Register")["manual_steps"][0]
    assert "Zone: webservices14. Username: s365b1@tenant1.example. Secret: the value stored at " \
           "secret/msp/tenant1/autotask/sync365b." in steps["instructions"]
    assert read(store, path)[0]["secret"] not in out.stdout


def test_handoff_ticket_created_once_updated_and_completed(sandbox, bao, store, tmp_path):
    steps = [{"system": "Autotask", "title": "Create the API user x", "instructions": ["do it"]}]
    first = run(sandbox, bao, tmp_path, cred={"path": "msp/tenant1/autotask/t"}, ticket_steps=steps).result("Hand-off ticket")
    assert "ticket_action" in first, first.get("msg")
    assert first["ticket_action"] == "created" and first["ticket"]["ticket_number"]
    again = run(sandbox, bao, tmp_path, cred={"path": "msp/tenant1/autotask/t"}, ticket_steps=steps).result("Hand-off ticket")
    assert again["changed"] is False and again["ticket"]["id"] == first["ticket"]["id"], "not duplicated"
    more = run(sandbox, bao, tmp_path, cred={"path": "msp/tenant1/autotask/t"},
               ticket_steps=steps + [{"system": "Vendor", "title": "Register", "instructions": []}]).result("Hand-off ticket")
    assert more["ticket_action"] == "updated" and more["ticket"]["id"] == first["ticket"]["id"]
    closed = run(sandbox, bao, tmp_path, cred={"path": "msp/tenant1/autotask/t"}, ticket_steps=[]).result("Hand-off ticket")
    assert closed["ticket_action"] == "completed" and closed["ticket"]["status"] == 5


def test_check_mode_writes_nothing_anywhere(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/checkmode"
    reg = {"vendor": "jumpcloud", "driver": "http", "values": {"username": JCLOUD["username"]},
           "http": {"base_url": sandbox.url + "/vendor/api/v2", "provider_id": "p-1", "token": "sandbox-vendor-token"}}
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]
    out = run(sandbox, bao, tmp_path, cred={"path": path}, reg=reg, check=True,
              ticket_steps=[{"system": "Autotask", "title": "x", "instructions": []}])
    assert out.rc == 0, out.result("Hand-off ticket")
    assert out.result("Store")["changed"] is True and out.result("Hand-off ticket")["ticket_action"] == "created"
    with pytest.raises(hvac.exceptions.InvalidPath):
        read(store, path)
    requests_made = requests.get(sandbox.url + "/_sandbox/requests", params={"since": mark}, timeout=5).json()["requests"]
    assert [r for r in requests_made if r["method"] in ("POST", "PATCH", "PUT", "DELETE") and "/query" not in r["path"]] == []


def test_no_secret_value_in_any_output_at_vvvv(sandbox, bao, store, tmp_path):
    path = "msp/tenant1/autotask/reporting2"
    store.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={
        "secret": READER["secret"], "integration_code": READER["code"]})
    cred = {"path": path, "generate": False, "custom": True,
            "metadata": {"username": READER["username"], "tracking_kind": "custom"}}
    reg = {"vendor": "reporting", "steps": ["Paste {secret_ref}."]}
    out = run(sandbox, bao, tmp_path, cred=cred, reg=reg, rotate=True, verbosity=4)
    pending = read(store, path)[0]["pending_secret"]
    out2 = run(sandbox, bao, tmp_path, cred=dict(cred, path="msp/tenant1/autotask/fresh", generate=True, custom=False),
               reg=reg, verbosity=4)
    fresh = read(store, "msp/tenant1/autotask/fresh")[0]["secret"]
    for text in (out.stdout, out.stderr, out2.stdout, out2.stderr):
        for secret in (READER["secret"], READER["code"], pending, fresh, ADMIN["secret"], ADMIN["code"], bao.token):
            assert secret not in text


def test_connectwise_key_rotation_end_to_end(sandbox, bao, store, tmp_path):
    from .seed import CW
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "cw_rotation.yml")
    member = {"identifier": "S365", "name": "Sync 365", "securityRole": {"name": "Technician"}}
    created = requests.post(sandbox.url + "/v2025_1/apis/3.0/system/apiMembers", json=member,
                            auth=("tenant2+" + CW["public"], CW["private"]), headers={"clientId": "x"}, timeout=5)
    assert created.status_code == 201
    old = requests.post(sandbox.url + "/_sandbox/connectwise/tenant2/members/S365/api-keys", json={}, timeout=5).json()
    path = "msp/tenant2/connectwise/sync365"
    store.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={
        "public_key": old["publicKey"], "private_key": old["privateKey"]})

    def go(**extra):
        out = run(sandbox, bao, tmp_path, playbook, cw=CW, **extra)
        assert out.rc == 0, out.stdout[-3000:]
        return out
    go(registration_confirmed=True)                       # registered with the current pair
    started = go(rotate=True)
    assert started.result("Store")["state"] == "rotation_started"
    assert "pending_public_key" in str(started.result("Store")["manual_steps"])
    waiting = go()
    assert waiting.result("Store")["phase"] == "pending", "no pending pair stored yet: nothing moves"
    new = requests.post(sandbox.url + "/_sandbox/connectwise/tenant2/members/S365/api-keys", json={}, timeout=5).json()
    store.secrets.kv.v2.patch(path=path, mount_point="secret", secret={
        "pending_public_key": new["publicKey"], "pending_private_key": new["privateKey"]})
    promoted = go()
    assert promoted.result("Verify the pending pair by logging in")["key_state"] == "valid"
    assert promoted.result("Promote")["state"] == "rotation_promoted"
    assert promoted.result("Register")["registration"] == "pending", "the vendor must get the new pair"
    assert old["publicKey"] in str(promoted.result("Retire")["manual_steps"]), "step: delete the old key in the UI"
    done = go(registration_confirmed=True)
    assert done.result("Retire")["state"] == "rotation_completed"
    data, meta = read(store, path)
    assert data["private_key"] == new["privateKey"] and "previous_private_key" not in data
    assert meta["rotation_phase"] == "none" and meta["registration_sync365"] == "confirmed"
    assert new["privateKey"] not in done.stdout and old["privateKey"] not in done.stdout
