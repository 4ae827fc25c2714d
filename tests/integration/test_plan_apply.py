"""Plan, then apply: a declaration error writes nothing anywhere (PSA or secret store), and --check on a
new ConnectWise tenant predicts what a real run creates. Real ansible-playbook, the sandbox, real OpenBao."""
import json
import os

import pytest

from psa_sandbox.openbao import OpenBao

from .harness import run_playbook, stored_paths
from .seed import ADMIN, CW

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")
MEMBERS_TASK = "msp.psa.api_user : Converge the security roles and all API members in one call"
USERS_TASK = "msp.psa.api_user : Converge all API users in one call"


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def converge(sandbox, bao, tmp_path, hosts, check=False, diff=False):
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": hosts}}))
    extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
             "sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token}
    return run_playbook(PLAYBOOK, tmp_path, extra, inventory=str(inventory), check=check, diff=diff)


def autotask_tenant(overrides):
    return {"psa": "autotask", "autotask_domain": "tenant1.example", "vendor_profiles": ["wise_sync", "sync365"],
            "profile_overrides": overrides}


@pytest.mark.parametrize("overrides,field,words", [
    ({"sync365": {"security_level": "API User (sytem)"}}, "security_level", "Did you mean 'API User (system)'?"),
    ({"wise_sync": {"last_name": ""}}, "last_name", "is empty"),
    ({"sync365": {"first_name": "S" * 51}}, "first_name", "at most 50"),
])
def test_an_autotask_declaration_error_writes_nothing(sandbox, view, bao, tmp_path, overrides, field, words):
    """wise_sync exists with drift (a PATCH would follow) and sync365 is missing (a secret would be
    generated): one bad option anywhere stops the tenant before any write, in the PSA and in the store."""
    run = converge(sandbox, bao, tmp_path, {"acme": autotask_tenant(overrides)})
    assert run.rc != 0
    failed = run.results(USERS_TASK)["acme"]
    assert failed.get("failed") and "nothing was written" in failed["msg"]
    assert "tenant acme" in failed["msg"] and ": %s: " % field in failed["msg"] and words in failed["msg"]
    assert "profile " in failed["msg"] and "Fix: " in failed["msg"]
    assert view.writes() == [], "no PSA write for an invalid declaration"
    assert stored_paths(bao) == [], "no secret stored for an invalid declaration"


def test_a_connectwise_declaration_error_creates_neither_role_nor_member(sandbox, view, bao, tmp_path):
    host = {"psa": "connectwise", "vendor_profiles": ["sync365"],
            "profile_overrides": {"sync365": {"default_department": "Finance"}}}
    run = converge(sandbox, bao, tmp_path, {"lakeside": host})
    assert run.rc != 0
    failed = run.results(MEMBERS_TASK)["lakeside"]
    assert "default_department: 'Finance' is not a default department" in failed["msg"], failed["msg"]
    assert view.writes() == [], "the role must not be created before the member's error is found"
    assert stored_paths(bao) == []


def test_check_on_a_new_connectwise_tenant_predicts_role_and_member(sandbox, view, bao, tmp_path):
    host = {"psa": "connectwise", "vendor_profiles": ["sync365"]}
    run = converge(sandbox, bao, tmp_path, {"lakeside": host}, check=True, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    result = run.results(MEMBERS_TASK)["lakeside"]
    assert {"action": "create", "object": "security_role", "name": "Sync 365"} in result["plan"]
    assert {"action": "create", "object": "user", "name": "S365"} in result["plan"]
    member = result["users"][0]
    assert member["state"] == "created" and member["record"]["security_role"] == "Sync 365"
    assert result["shared"][0]["state"] == "drift" and len(result["shared"][0]["permissions_missing"]) == 14
    assert view.writes() == [], "check mode writes nothing"
    assert stored_paths(bao) == []
    # the real run does what the check predicted
    real = converge(sandbox, bao, tmp_path, {"lakeside": host})
    assert real.rc == 0, real.stdout[-3000:]
    done = real.results(MEMBERS_TASK)["lakeside"]
    assert done["plan"] == result["plan"] and done["users"][0]["state"] == "created"
    posts = sorted(r["path"].split("?")[0].rsplit("/", 2)[-1] for r in view.writes() if r["method"] == "POST")
    assert posts.count("apiMembers") == 1 and posts.count("securityroles") == 1
