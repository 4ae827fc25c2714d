"""The http registration driver is idempotent (issue 13): it looks an existing registration up (by the id it
recorded, else by the vendor's natural key, the Autotask username) before creating one, records the id in the
store before it reports success, and overlapping runs are serialised by a claim in the credential's data
version, so two overlapping runs, a lost response or a registration made elsewhere leave exactly one."""
import os
import threading
import time

import hvac
import pytest
import requests

from psa_sandbox.openbao import OpenBao

from .harness import run_playbook
from .seed import JCLOUD

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "vendor_registration.yml")
TOKEN = {"x-api-key": "sandbox-vendor-token"}


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


@pytest.fixture()
def stored(bao):
    client = hvac.Client(url=bao.url, token=bao.token)
    path = "msp/tenant1/autotask/jumpcloud%d" % int(time.time() * 1000)
    client.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={"secret": JCLOUD["secret"]})
    return client, path


def vendor(sandbox, **faults):
    if faults:
        requests.patch(sandbox.url + "/_sandbox/vendor", json=faults, timeout=5).raise_for_status()
    return requests.get(sandbox.url + "/_sandbox/vendor", timeout=5).json()


def register(sandbox, bao, tmp_path, path, tag):
    work = tmp_path / tag
    work.mkdir()
    run = run_playbook(PLAYBOOK, work, {"sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token,
                                        "path": path, "username": JCLOUD["username"]})
    assert run.data, run.stdout[-3000:] + run.stderr[-2000:]
    return run


def metadata(client, path):
    return client.secrets.kv.v2.read_secret_metadata(path=path, mount_point="secret")["data"]["custom_metadata"]


def test_two_overlapping_registrations_leave_one(sandbox, bao, stored, tmp_path):
    client, path = stored
    vendor(sandbox, create_delay_ms=8000)  # the vendor tests the PSA credentials slowly: the runs overlap
    runs = {}

    def go(tag):
        runs[tag] = register(sandbox, bao, tmp_path, path, tag)
    first = threading.Thread(target=go, args=("a",))
    first.start()
    deadline = time.time() + 60
    while vendor(sandbox)["in_flight"] == 0 and first.is_alive() and time.time() < deadline:
        time.sleep(0.2)
    assert vendor(sandbox)["in_flight"] == 1, "run a is creating the registration"
    second = threading.Thread(target=go, args=("b",))
    second.start()  # run b starts while run a's create is in flight
    first.join(120)
    second.join(120)
    results = [runs[t].result("Register") for t in ("a", "b")]
    assert all(r.get("registration") == "registered" for r in results), [r.get("msg") for r in results]
    integrations = vendor(sandbox)["integrations"]
    assert len(integrations) == 1, integrations
    assert metadata(client, path)["registration_jumpcloud_id"] == integrations[0]["id"]
    assert sorted(r.get("vendor_action", "none") for r in results) == ["create", "none"], results
    actions = tuple(r.get("vendor_action", "waited, found it") for r in results)
    print("overlap: run a %s, run b %s; 1 registration" % actions)


def test_a_lost_response_is_found_by_its_natural_key(sandbox, bao, stored, tmp_path):
    client, path = stored
    vendor(sandbox, lose_responses=1)
    first = register(sandbox, bao, tmp_path, path, "lost").result("Register")
    integrations = vendor(sandbox)["integrations"]
    assert first.get("registration") == "registered", first.get("msg")
    assert len(integrations) == 1 and first["vendor_id"] == integrations[0]["id"]
    assert "answer to the create was lost" in first["detail"]
    assert metadata(client, path)["registration_jumpcloud_id"] == integrations[0]["id"], "recorded before success"
    again = register(sandbox, bao, tmp_path, path, "again").result("Register")
    assert again["changed"] is False and again["registration"] == "registered"
    assert len(vendor(sandbox)["integrations"]) == 1


def test_a_registration_made_elsewhere_is_adopted_and_a_deleted_one_made_once(sandbox, bao, stored, tmp_path):
    client, path = stored
    made = requests.post(sandbox.url + "/vendor/api/v2/providers/p-idem/integrations/autotask", headers=TOKEN,
                         json={"username": JCLOUD["username"], "secret": JCLOUD["secret"]}, timeout=30)
    assert made.status_code == 201
    adopted = register(sandbox, bao, tmp_path, path, "adopt").result("Register")
    assert adopted["registration"] == "registered" and adopted["vendor_action"] == "update"
    assert adopted["vendor_id"] == made.json()["id"] and len(vendor(sandbox)["integrations"]) == 1
    requests.delete(sandbox.url + "/vendor/api/v2/integrations/autotask/" + made.json()["id"], headers=TOKEN,
                    timeout=10).raise_for_status()
    client.secrets.kv.v2.patch(path=path, mount_point="secret", secret={"secret": JCLOUD["secret"]})
    meta = metadata(client, path)
    meta["registration_jumpcloud_fingerprint"] = "0" * 16  # the credential changed since: the driver looks again
    client.secrets.kv.v2.update_metadata(path=path, mount_point="secret", custom_metadata=meta)
    data = client.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)
    data = data["data"]["data"]
    data["_registration_jumpcloud_fingerprint"] = "0" * 16
    client.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret=data)
    remade = register(sandbox, bao, tmp_path, path, "remade").result("Register")
    assert remade["registration"] == "registered" and remade["vendor_action"] == "create"
    assert len(vendor(sandbox)["integrations"]) == 1
