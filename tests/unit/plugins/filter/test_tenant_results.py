"""tenant_results: every host of the run gets an entry for drift_report; a failed, skipped or missing
check becomes could-not-check with the module's message and error kind."""
from ansible_collections.msp.psa.plugins.filter.declarations import tenant_results

CHECKED = {"changed": False, "users": [{"name": "a", "state": "ok"}], "orphans": [], "summary": {"ok": 1},
           "shared": [{"name": "Sync 365", "state": "ok", "permissions_missing": []}]}


def test_checked_failed_skipped_and_missing():
    hostvars = {
        "north": {"psa": "autotask", "msp_psa_check": CHECKED},
        "south": {"psa": "autotask", "msp_psa_check": {
            "failed": True, "msg": "Autotask rejected the secret", "error_kind": "credentials"}},
        "east": {"psa": "connectwise", "msp_psa_check": {"skipped": True, "skip_reason": "Conditional result was False"}},
        "west": {"psa": "connectwise"},
    }
    out = tenant_results(hostvars, ["north", "south", "east", "west"])
    assert out["north"] == {"psa": "autotask", "result": {"users": CHECKED["users"], "members": None, "orphans": [],
                                                          "summary": {"ok": 1}, "shared": CHECKED["shared"]}}
    assert out["south"] == {"psa": "autotask", "error": "Autotask rejected the secret", "error_kind": "credentials"}
    assert out["east"]["error"].startswith("not checked") and out["east"]["error_kind"] == "not_checked"
    assert out["west"]["error"].startswith("not checked") and out["west"]["error_kind"] == "not_checked"


def test_a_task_error_without_error_kind():
    """A failure before the module ran (a lookup that failed: no Vault token) has no error_kind."""
    out = tenant_results({"north": {"psa": "autotask", "msp_psa_check": {"failed": True, "msg": "lookup failed"}}},
                         ["north"])
    assert out["north"] == {"psa": "autotask", "error": "lookup failed", "error_kind": "task_failed"}


def test_a_fleet_result_registered_on_every_host():
    """drift_check_fleet.yml registers one fleet_drift_check result (run_once) on every host: each host takes
    its own tenant from it; a failed fleet task makes every tenant could-not-check with its message."""
    fleet = {"changed": False, "tenants": {"north": {"psa": "autotask", "result": CHECKED},
                                           "south": {"psa": "autotask", "error": "unreachable"}}}
    hostvars = {"north": {"psa": "autotask", "msp_psa_fleet": fleet}, "south": {"psa": "autotask", "msp_psa_fleet": fleet},
                "east": {"psa": "connectwise", "msp_psa_fleet": fleet}}
    out = tenant_results(hostvars, ["north", "south", "east"], "msp_psa_fleet")
    assert out["north"] == {"psa": "autotask", "result": CHECKED}
    assert out["south"] == {"psa": "autotask", "error": "unreachable", "error_kind": "could_not_check"}
    assert out["east"]["error_kind"] == "not_checked"
    failed = {"failed": True, "msg": "tenant x: unknown vendor profile 'wise_synk'"}
    out = tenant_results({"north": {"psa": "autotask", "msp_psa_fleet": failed}}, ["north"], "msp_psa_fleet")
    assert out["north"] == {"psa": "autotask", "error": failed["msg"], "error_kind": "task_failed"}


class NoHostVars(dict):
    """hostvars a test can tell were read: reading a host's variables fails."""

    def __getitem__(self, host):
        raise AssertionError("read hostvars[%s]" % host)


def test_the_fleet_result_passed_directly_gives_the_same_entries_without_reading_hostvars():
    """drift_check_fleet.yml passes the fleet result as ``fleet``: the same entries as through hostvars, and no
    host's variables read (through hostvars each host read the whole fleet's result: quadratic at 10,000)."""
    fleet = {"changed": False, "tenants": {"north": {"psa": "autotask", "result": CHECKED},
                                           "south": {"psa": "connectwise", "error": "unreachable"}}}
    hostvars = {h: {"psa": p, "msp_psa_fleet": fleet} for h, p in (("north", "autotask"), ("south", "connectwise"))}
    direct = tenant_results(NoHostVars(), ["north", "south"], "msp_psa_fleet", fleet=fleet)
    assert direct == tenant_results(hostvars, ["north", "south"], "msp_psa_fleet")
    failed = {"failed": True, "msg": "no Vault token"}
    out = tenant_results({"north": {"psa": "autotask", "msp_psa_fleet": failed}}, ["north"], "msp_psa_fleet",
                         fleet=failed)
    assert out["north"] == {"psa": "autotask", "error": "no Vault token", "error_kind": "task_failed"}
