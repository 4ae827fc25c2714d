"""Ownership: a per-vendor role converges its own profile, but orphans are computed against everything the
tenant declares, so retiring orphans never deactivates another profile's integration user."""
import json
import os

import pytest

from psa_sandbox.openbao import OpenBao

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient

from .harness import run_playbook
from .seed import ADMIN, CW

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def active(sandbox, username):
    client = AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                            discovery_url=sandbox.url + "/atservicesrest/")
    return client.query("Resources", [{"op": "eq", "field": "userName", "value": username}])[0]["isActive"]


def test_a_per_vendor_role_leaves_the_other_profiles_users_active(sandbox, bao, tmp_path):
    # the tenant declares Wise-Sync and Datto Workplace (whose user here is jcloud01); report01 is declared nowhere
    host = {"psa": "autotask", "autotask_domain": "tenant1.example", "vendor_profiles": ["wise_sync", "datto_workplace"],
            "profile_overrides": {"datto_workplace": {"username": "jcloud01"}}}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": {"acme": host}}}))
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
             "sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token,
             "converge_role": "msp.psa.wise_sync", "api_user_inactivate_orphans": True}
    run = run_playbook(PLAYBOOK, tmp_path, extra, inventory=str(inventory))
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    result = run.results("msp.psa.api_user : Converge all API users in one call")["acme"]
    assert [u["profile"] for u in result["users"]] == ["wise_sync"]
    assert [o["name"] for o in result["orphans"]] == ["report01@tenant1.example"]
    assert active(sandbox, "jcloud01@tenant1.example") is True, "another declaration's user must stay active"
    assert active(sandbox, "report01@tenant1.example") is False, "a real orphan is retired when asked"
