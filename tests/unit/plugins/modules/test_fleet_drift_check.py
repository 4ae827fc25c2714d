"""msp.psa.fleet_drift_check clears each tenant's result of that tenant's secrets itself (linear in the fleet),
so exit_json checks only the fleet's own secrets, and echoes a summary of the invocation, not every tenant."""
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.msp.psa.plugins.modules import fleet_drift_check

SECRETS = ["at-secret-1", "at-code-1", "user-secret-1", "cw-private-1", "vault-t0ken-1"]
TENANTS = [{"name": "t1", "psa": "autotask", "autotask_username": "me@t1.example", "autotask_secret": SECRETS[0],
            "autotask_integration_code": SECRETS[1],
            "users": [{"username": "ws01@t1.example", "profile": "wise_sync", "api_user_secret": SECRETS[2]}]},
           {"name": "t2", "psa": "connectwise", "connectwise_company": "t2", "connectwise_public_key": "pub",
            "connectwise_private_key": SECRETS[3], "connectwise_client_id": "cid",
            "members": [{"identifier": "S365", "profile": "sync365"}]}]


def test_each_tenant_result_is_cleared_of_its_secrets_and_the_invocation_is_a_summary(monkeypatch, capsys):
    def leaky_check(tenant):  # a check whose messages carried every secret it saw (none does; the guard holds)
        seen = [tenant.get(k) for k in ("autotask_secret", "autotask_integration_code", "connectwise_private_key")]
        seen += [u.get("api_user_secret") for u in tenant.get("users") or []]
        seen.append((tenant.get("secret_store") or {}).get("vault_token"))
        return {"psa": tenant["psa"], "error": "saw %s" % " ".join(str(s) for s in seen if s)}, 1

    monkeypatch.setattr(fleet_drift_check, "check", leaky_check)
    args = {"tenants": TENANTS, "secret_store": {"vault_url": "http://vault.example", "vault_token": SECRETS[4]}}
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            fleet_drift_check.main()
    text = capsys.readouterr().out
    out = json.loads(text)
    assert exited.value.code == 0 and out["requests"] == 2
    assert not [s for s in SECRETS if s in text], text
    assert out["tenants"]["t1"]["error"].count("********") == 4 and out["tenants"]["t2"]["error"].count("********") == 2
    assert out["invocation"]["module_args"]["tenants"] == "2 tenants"
    assert "secret_store" not in out["invocation"]["module_args"]
