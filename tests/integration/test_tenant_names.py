"""Tenant names validated up front: a bad name is refused by the role before any request reaches the PSA."""
import json
import os

import pytest

from .harness import run_playbook
from .seed import ADMIN, CW

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")


def inventory(tmp_path, hosts):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"tenants": {"hosts": hosts}}))
    return str(path)


def converge(sandbox, tmp_path, hosts, **extra):
    base = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
            "sandbox_url": sandbox.url}
    return run_playbook(PLAYBOOK, tmp_path, dict(base, **extra), inventory=inventory(tmp_path, hosts))


@pytest.mark.parametrize("name,psa", [("../other", "autotask"), ("../other", "connectwise"),
                                      ("a" * 64, "autotask"), (".hidden", "connectwise")])
def test_a_bad_tenant_name_is_refused_before_any_request(sandbox, view, tmp_path, name, psa):
    profile = "wise_sync" if psa == "autotask" else "sync365"
    host = {"psa": psa, "autotask_domain": "tenant1.example", "vendor_profiles": [profile],
            "api_user_handoff_ticket": True}
    run = converge(sandbox, tmp_path, {name: host})
    assert run.rc != 0
    assert view.requests() == [], "no request may reach the PSA for an invalid tenant name"
    failed = run.results("msp.psa.api_user : Describe the tenant")[name]
    assert failed.get("failed"), failed
    assert repr(name) in failed["msg"] and "letters, digits" in failed["msg"] and "'..'" in failed["msg"]
