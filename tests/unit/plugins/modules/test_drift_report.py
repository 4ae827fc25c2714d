"""drift_report: three outcomes per tenant (in sync, drift, could not check), kept apart in the JSON,
the JUnit XML (failure vs error) and the summary; a tenant that could not be checked is never in sync."""
import json
import xml.etree.ElementTree as ET

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.msp.psa.plugins.modules import drift_report


def report(tmp_path, tenants, capsys, **options):
    """Run the module; returns (exit code, module result, JSON report, JUnit root, summary text)."""
    args = dict(tenants=tenants, output_dir=str(tmp_path / "drift"), **options)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    result = json.loads(capsys.readouterr().out)
    folder = tmp_path / "drift"
    data = json.loads((folder / "drift-report.json").read_text()) if (folder / "drift-report.json").exists() else None
    junit = ET.parse(str(folder / "drift-report.junit.xml")).getroot() if data else None
    summary = (folder / "drift-summary.txt").read_text() if data else None
    return exited.value.code, result, data, junit, summary


def user(profile, state="ok", drift=(), **extra):
    return dict(dict(name=profile + "01@t.example", username=profile + "01@t.example", profile=profile, state=state,
                     drift=list(drift), manual_steps=[], unverifiable=[]), **extra)


IN_SYNC = {"psa": "autotask", "result": {"users": [user("wise_sync")], "orphans": [], "summary": {"ok": 1}}}
DRIFT = {"psa": "autotask", "result": {"users": [user("wise_sync", "drift", [
    {"field": "last_name", "want": "API User", "have": "Sync Account", "fix": "api"}])], "orphans": []}}
UNREACHABLE = {"psa": "connectwise", "error": "Could not connect to the PSA at https://psa.example: refused",
               "error_kind": "connection"}


def suite(junit, tenant):
    return next(s for s in junit.iter("testsuite") if s.get("name") == tenant)


def test_three_outcomes_are_kept_apart(tmp_path, capsys):
    rc, result, data, junit, summary = report(
        tmp_path, {"north": IN_SYNC, "south": DRIFT, "east": UNREACHABLE}, capsys,
        fail_on_drift=False, fail_on_could_not_check=False)
    assert rc == 0, result
    outcomes = {t: v["outcome"] for t, v in data["tenants"].items()}
    assert outcomes == {"north": "in_sync", "south": "drift", "east": "could_not_check"}
    assert data["tenants"]["east"]["reason"].startswith("Could not connect") and data["tenants"]["east"]["error_kind"] == "connection"
    assert data["tenants"]["north"]["reason"] is None and "last_name" in data["tenants"]["south"]["reason"]
    assert data["outcome"] == result["outcome"] == "could_not_check" and result["exit_code"] == 4
    assert result["tenants"]["south"]["outcome"] == "drift" and result["could_not_check"] == ["east"]
    assert result["not_in_sync"] == ["east", "south"]
    # JUnit: drift is a failure, could not check an error, in sync neither
    assert [e.tag for e in suite(junit, "east").iter() if e.tag in ("failure", "error")] == ["error"]
    assert [e.tag for e in suite(junit, "south").iter() if e.tag in ("failure", "error")] == ["failure"]
    assert not [e for e in suite(junit, "north").iter() if e.tag in ("failure", "error")]
    assert (junit.get("failures"), junit.get("errors")) == ("1", "1")
    lines = summary.splitlines()
    assert "east (connectwise): COULD NOT CHECK (connection) - Could not connect to the PSA at https://psa.example: refused" in lines
    assert "north (autotask): in sync" in lines
    assert any(line.startswith("south (autotask): DRIFT - wise_sync fields: last_name") for line in lines)
    assert not any("DRIFT" in line for line in lines if line.startswith("east"))
    assert lines[-1] == "outcome: could_not_check (exit 4): 1 in sync, 1 drift, 1 could not check"


def test_outcome_and_exit_code_of_the_fleet(tmp_path, capsys):
    _rc, result, data, _junit, summary = report(tmp_path, {"north": IN_SYNC}, capsys)
    assert (result["outcome"], result["exit_code"], result["drift"]) == ("in_sync", 0, False)
    assert summary.splitlines()[-1] == "outcome: in_sync (exit 0): 1 in sync, 0 drift, 0 could not check"
    _rc, result, data, _junit, _summary = report(tmp_path, {"north": IN_SYNC, "south": DRIFT}, capsys, fail_on_drift=False)
    assert (result["outcome"], result["exit_code"], result["drift"], data["drift"]) == ("drift", 2, True, True)


def test_could_not_check_alone_fails_as_could_not_check_not_as_drift(tmp_path, capsys):
    rc, result, data, _junit, _summary = report(tmp_path, {"north": IN_SYNC, "east": UNREACHABLE}, capsys)
    assert rc == 1 and result["failed"]
    assert result["error_kind"] == "could_not_check", result
    assert "could not be checked" in result["msg"] and "east" in result["msg"] and "Drift" not in result["msg"]
    assert data["drift"] is False  # nothing was found to differ: it could not be looked at


def test_drift_fails_as_drift(tmp_path, capsys):
    rc, result, _data, _junit, _summary = report(tmp_path, {"north": IN_SYNC, "south": DRIFT}, capsys)
    assert rc == 1 and result["error_kind"] == "drift" and "south" in result["msg"]


@pytest.mark.parametrize("entry", [None, {}, {"psa": "autotask"}, {"psa": "autotask", "result": None}],
                         ids=["none", "empty", "no-result", "null-result"])
def test_a_tenant_without_a_result_is_never_in_sync(tmp_path, capsys, entry):
    _rc, result, data, junit, _summary = report(tmp_path, {"north": entry}, capsys, fail_on_drift=False)
    assert data["tenants"]["north"]["ok"] is False, data["tenants"]["north"]
    assert data["tenants"]["north"]["outcome"] == "could_not_check", data["tenants"]["north"]
    assert data["tenants"]["north"]["reason"]
    assert [e.tag for e in suite(junit, "north").iter() if e.tag in ("failure", "error")] == ["error"]


def test_a_member_the_check_would_create_is_drift(tmp_path, capsys):
    """In check mode a ConnectWise member that does not exist comes back as state created with an exists
    drift entry: it is missing from the PSA, not in sync."""
    created = user("sync365", "created", [{"field": "exists", "want": True, "have": False, "fix": "api"}],
                   identifier="S365", changed=True)
    _rc, _result, data, junit, _summary = report(tmp_path, {"lake": {"psa": "connectwise", "result": {
        "users": [created], "orphans": []}}}, capsys, fail_on_drift=False)
    assert data["tenants"]["lake"]["ok"] is False, data["tenants"]["lake"]
    assert data["tenants"]["lake"]["outcome"] == "drift"
    failed = [c for c in data["tenants"]["lake"]["cases"] if c["failure"]]
    assert [(c["profile"], c["aspect"]) for c in failed] == [("sync365", "exists")]


def test_every_drift_entry_counts_whatever_its_fix(tmp_path, capsys):
    entries = [{"field": "stored_credential", "want": "present", "have": "missing", "fix": "store"},
               {"field": "registration", "want": "confirmed", "have": "pending", "fix": "vendor"},
               {"field": "security_level", "want": "API User (system)", "have": "?", "fix": "ui", "ui_path": "Admin > X"}]
    _rc, _result, data, _junit, summary = report(tmp_path, {"north": {"psa": "autotask", "result": {
        "users": [user("wise_sync", "drift", entries)], "orphans": []}}}, capsys, fail_on_drift=False)
    assert data["tenants"]["north"]["outcome"] == "drift"
    for text in ("stored_credential", "registration", "fix: store", "fix: vendor", "fix: UI: Admin > X"):
        assert text in summary


def test_a_user_in_state_drift_without_entries_is_drift(tmp_path, capsys):
    _rc, _result, data, _junit, _summary = report(tmp_path, {"north": {"psa": "autotask", "result": {
        "users": [user("wise_sync", "drift")], "orphans": []}}}, capsys, fail_on_drift=False)
    assert data["tenants"]["north"]["ok"] is False, data["tenants"]["north"]
    assert data["tenants"]["north"]["outcome"] == "drift"


def test_a_shared_role_missing_permission_levels_is_drift(tmp_path, capsys):
    role = {"name": "Sync 365", "state": "drift", "manual_steps": [], "permissions_missing": [
        {"module": "Finance", "function": "Agreements", "level": "add", "want": "All", "have": "None"}]}
    _rc, _result, data, junit, summary = report(tmp_path, {"lake": {"psa": "connectwise", "result": {
        "users": [user("sync365", identifier="S365")], "orphans": [], "shared": [role]}}}, capsys,
        fail_on_drift=False)
    assert data["tenants"]["lake"]["ok"] is False, data["tenants"]["lake"]
    assert data["tenants"]["lake"]["outcome"] == "drift"
    assert "Sync 365" in summary and "Agreements" in summary
    assert [e.tag for e in suite(junit, "lake").iter() if e.tag in ("failure", "error")] == ["failure"]


def test_a_role_whose_levels_a_member_reports_is_reported_once(tmp_path, capsys):
    role = {"name": "Sync 365", "state": "drift", "manual_steps": [], "permissions_missing": [
        {"module": "Finance", "function": "Agreements", "level": "add", "want": "All", "have": "None"}]}
    member = user("sync365", "drift", [{"field": "role_permissions", "want": "the 1 levels the vendor needs",
                                        "have": "1 missing", "fix": "ui", "ui_path": "System > Security Roles"}],
                  identifier="S365")
    _rc, _result, data, _junit, _summary = report(tmp_path, {"lake": {"psa": "connectwise", "result": {
        "users": [member], "orphans": [], "shared": [role]}}}, capsys, fail_on_drift=False)
    failed = [(c["profile"], c["aspect"]) for c in data["tenants"]["lake"]["cases"] if c["failure"]]
    assert failed == [("sync365", "fields")]


def test_active_orphans_are_drift(tmp_path, capsys):
    _rc, _result, data, _junit, _summary = report(tmp_path, {"north": {"psa": "autotask", "result": {
        "users": [user("wise_sync")], "orphans": [{"username": "old@t.example", "active": True}]}}}, capsys,
        fail_on_drift=False)
    assert data["tenants"]["north"]["outcome"] == "drift"


def test_a_results_file_gives_the_same_report_as_the_tenants_option(tmp_path, capsys):
    """msp.psa.fleet_drift_check's results file (one JSON line per tenant) is read one tenant at a time into the
    same report as the same results given in ``tenants``."""
    tenants = {"north": IN_SYNC, "south": DRIFT, "east": UNREACHABLE}
    by_option = report(tmp_path / "a", tenants, capsys, fail_on_drift=False, fail_on_could_not_check=False)
    path = tmp_path / "fleet-results.jsonl"
    path.write_text("".join(json.dumps(dict(entry, tenant=name)) + "\n" for name, entry in tenants.items()))
    args = dict(results_file=str(path), output_dir=str(tmp_path / "b" / "drift"), fail_on_drift=False,
                fail_on_could_not_check=False)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    result = json.loads(capsys.readouterr().out)
    data = json.loads((tmp_path / "b" / "drift" / "drift-report.json").read_text())
    assert exited.value.code == 0
    for key in ("outcome", "exit_code", "tenants", "not_in_sync", "summary", "counts"):
        assert result[key] == by_option[1][key], key
    data.pop("generated_at"), by_option[2].pop("generated_at")
    assert data == by_option[2]


@pytest.mark.parametrize("content", [None, "not json\n", '{"psa": "autotask"}\n'])
def test_an_unreadable_results_file_fails_naming_the_option_before_writing(tmp_path, capsys, content):
    path = tmp_path / "fleet-results.jsonl"
    if content is not None:
        path.write_text(content)
    with patch_module_args(dict(results_file=str(path), output_dir=str(tmp_path / "drift"))):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    result = json.loads(capsys.readouterr().out)
    assert exited.value.code == 1 and result["msg"].startswith("results_file: cannot read %s" % path), result
    assert "fleet_drift_check" in result["msg"] and not (tmp_path / "drift").exists()


def test_run_tenants_make_a_results_file_answer_for_exactly_the_tenants_of_the_run(tmp_path, capsys):
    """Two runs writing to one reports folder: a file with another run's tenant is refused before anything is
    written, and a tenant of the run the file lacks could not be checked (never in sync, never missing)."""
    path = tmp_path / "fleet-results.jsonl"
    path.write_text(json.dumps(dict(IN_SYNC, tenant="north")) + "\n")
    args = dict(results_file=str(path), output_dir=str(tmp_path / "drift"), fail_on_drift=False,
                fail_on_could_not_check=False)
    with patch_module_args(dict(args, run_tenants=["north", "west"])):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    result = json.loads(capsys.readouterr().out)
    assert exited.value.code == 0 and result["tenants"]["north"]["outcome"] == "in_sync"
    assert result["tenants"]["west"]["outcome"] == "could_not_check" and result["could_not_check"] == ["west"]
    assert result["tenants"]["west"]["error_kind"] == "not_checked"
    with patch_module_args(dict(args, run_tenants=["west"], output_dir=str(tmp_path / "other"))):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    result = json.loads(capsys.readouterr().out)
    assert exited.value.code == 1 and "tenant north is not a tenant of this run" in result["msg"]
    assert not (tmp_path / "other").exists()
