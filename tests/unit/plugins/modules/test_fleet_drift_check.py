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
    def leaky_check(tenant, declared=None):  # a check whose messages carried every secret it saw (none does; the guard holds)
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


def test_users_and_members_built_from_the_profiles_given_once_as_the_filters_build_them(monkeypatch):
    """The fleet's options are a few fields per tenant: the module builds each tenant's users or members and
    roles from the profiles given once, exactly as the filters do, each distinct profile validated once."""
    import os
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.msp.psa.plugins.filter.declarations import (
        autotask_users, connectwise_members, connectwise_security_roles)
    from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    profiles = load_profiles([os.path.join(root, "bench", "profiles")])
    validations = []
    real = fleet_drift_check.ArgumentSpecValidator

    def counted(*args, **kwargs):
        validations.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fleet_drift_check, "ArgumentSpecValidator", counted)
    declared = fleet_drift_check.DeclaredEntries(profiles)
    names = ["wise_sync", "datto_workplace", "autoelevate", "sync365"]
    for i in range(20):
        tenant = {"name": "t%d" % i, "vendor_profiles": names, "autotask_domain": "t%d.example" % i,
                  "profile_overrides": {"wise_sync": {"last_name": "Sync"}}, "users": [], "members": []}
        users = declared.users(tenant)
        members, roles = declared.members(tenant)
    want = autotask_users(profiles, {"name": "t19", "profiles": names, "domain": "t19.example",
                                     "overrides": {"wise_sync": {"last_name": "Sync"}}})
    spec = dict(fleet_drift_check.USER_ENTRY_SPEC)
    assert users == [real(spec).validate(u).validated_parameters for u in want]
    assert users[0]["last_name"] == "Sync" and users[0]["state"] == "present"
    cw = connectwise_members(profiles, {"name": "t19", "profiles": names, "overrides": {}})
    assert [m["identifier"] for m in members] == [m["identifier"] for m in cw]
    assert [m["secret_store_path"] for m in members] == [m["secret_store_path"] for m in cw]
    assert [r["name"] for r in roles] == [r["name"] for r in connectwise_security_roles(profiles, cw)]
    assert len(roles[0]["permissions"]) == len(profiles["sync365"]["connectwise"]["role_permissions"])
    assert len(validations) == 4 + 4 + len(roles)  # per distinct profile (and role), not per tenant


def test_a_profile_the_module_refuses_is_that_tenant_could_not_check():
    declared = fleet_drift_check.DeclaredEntries({"bad": {"autotask": {"username": "x", "internal_cost": "lots"}}})
    entry, sent = fleet_drift_check.check({"name": "t1", "psa": "autotask", "vendor_profiles": ["bad"],
                                           "autotask_domain": "t1.example", "users": []}, declared)
    assert sent == 0 and entry["error_kind"] == "invalid_declaration"
    assert "bad" in entry["error"] and "internal_cost" in entry["error"]
    entry, sent = fleet_drift_check.check({"name": "t1", "psa": "autotask", "vendor_profiles": ["nosuch"],
                                           "autotask_domain": "t1.example", "users": []}, declared)
    assert "nosuch" in entry["error"]


def test_the_fleet_result_leaves_out_each_psa_record():
    """At 10,000 tenants the PSA record of every user was a third of the result the controller parses, templates
    into the report's options and holds; the report never reads it."""
    result = {"users": [{"username": "ws01@t1.example", "state": "ok", "drift": [], "record": {"id": 7, "notes": "x"}}],
              "orphans": [{"username": "old@t1.example", "active": True}], "summary": {"ok": 1}, "changed": False}
    entry = fleet_drift_check.report_entry(result)
    assert entry == {"users": [{"username": "ws01@t1.example", "state": "ok", "drift": []}],
                     "orphans": result["orphans"], "summary": {"ok": 1}}


def test_results_file_holds_each_tenant_line_by_line_without_secrets_and_nothing_is_returned(monkeypatch, capsys, tmp_path):
    """With results_file the tenants' results never pass through the controller's variables (at 10,000 tenants
    templating them into drift_report's options took minutes and the run's largest process): one JSON line per
    tenant, cleared of its secrets, and the result names the file instead of holding every tenant."""
    def leaky_check(tenant, declared=None):
        return {"psa": tenant["psa"], "error": "saw %s" % tenant.get("autotask_secret") or "", "error_kind": "credentials"}, 1

    monkeypatch.setattr(fleet_drift_check, "check", leaky_check)
    path = tmp_path / "drift" / "fleet-results.jsonl"
    with patch_module_args({"tenants": TENANTS, "results_file": str(path)}):
        with pytest.raises(SystemExit) as exited:
            fleet_drift_check.main()
    out = json.loads(capsys.readouterr().out)
    assert exited.value.code == 0 and "tenants" not in out
    assert out["results_file"] == str(path) and out["checked"] == 2 and out["requests"] == 2
    text = path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["tenant"] for line in lines] == ["t1", "t2"]
    assert lines[0] == {"tenant": "t1", "psa": "autotask", "error": "saw ********", "error_kind": "credentials"}
    assert not [s for s in SECRETS if s in text]
    assert sorted(p.name for p in path.parent.iterdir()) == ["fleet-results.jsonl"]  # no partial file left


def test_a_run_that_ends_early_leaves_no_results_file(monkeypatch, capsys, tmp_path):
    """drift_report must never read a partial (or a previous run's half-replaced) file as the fleet's results."""
    def broken_check(tenant, declared=None):
        raise RuntimeError("a bug in one tenant's check")

    monkeypatch.setattr(fleet_drift_check, "check", broken_check)
    path = tmp_path / "fleet-results.jsonl"
    with patch_module_args({"tenants": TENANTS, "results_file": str(path)}):
        with pytest.raises(RuntimeError):
            fleet_drift_check.main()
    assert list(tmp_path.iterdir()) == []


def test_a_tenant_that_could_not_be_checked_keeps_its_error_kind(capsys, tmp_path, monkeypatch):
    """The bulk path reports why a tenant could not be checked as the per-tenant path does (connection,
    credentials, ...), not a generic could_not_check."""
    monkeypatch.setenv("MSP_PSA_CACHE_DIR", str(tmp_path))
    tenant = dict(TENANTS[0], autotask_zone_url="http://127.0.0.1:9/atservicesrest/")  # nothing listens on port 9
    with patch_module_args({"tenants": [tenant], "timeout": 2}):
        with pytest.raises(SystemExit):
            fleet_drift_check.main()
    entry = json.loads(capsys.readouterr().out)["tenants"]["t1"]
    assert entry["error_kind"] == "connection", entry


def test_a_previous_runs_results_file_is_gone_once_a_check_starts(monkeypatch, tmp_path):
    """A run that fails leaves no results file: not a partial one, and not the previous run's complete one."""
    def broken_check(tenant, declared=None):
        raise RuntimeError("a bug in one tenant's check")

    monkeypatch.setattr(fleet_drift_check, "check", broken_check)
    path = tmp_path / "fleet-results.jsonl"
    path.write_text('{"tenant": "t1", "psa": "autotask", "result": {"users": []}}\n')  # yesterday's, all in sync
    with patch_module_args({"tenants": TENANTS, "results_file": str(path)}):
        with pytest.raises(RuntimeError):
            fleet_drift_check.main()
    assert list(tmp_path.iterdir()) == []


def test_a_results_file_that_cannot_be_written_fails_naming_the_option(capsys, tmp_path):
    """Before any tenant is checked, with the option and the fix in the message (not a module traceback)."""
    (tmp_path / "reports").write_text("a file where the folder should be")
    with patch_module_args({"tenants": TENANTS, "results_file": str(tmp_path / "reports" / "fleet-results.jsonl")}):
        with pytest.raises(SystemExit) as exited:
            fleet_drift_check.main()
    out = json.loads(capsys.readouterr().out)
    assert exited.value.code == 1 and out["msg"].startswith("results_file: cannot write"), out
    assert "folder this user can write" in out["msg"] and out["error_kind"] == "invalid_input"
