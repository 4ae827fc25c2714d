"""drift_report's HTML fleet report (drift-report.html next to the JSON): self-contained, every value escaped,
never a secret; and merging the reports of slices gives the report of the unsliced run."""
import json
import re

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.msp.psa.plugins.modules import drift_report

SECRETS = ("Sup3rSecretValue-AT-0001", "PrivKeyValue-CW-0002", "VaultTokenValue-0003", "PendingSecret-0004")


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            drift_report.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def user(profile, state="ok", drift=(), **extra):
    return dict(dict(username=profile + "01@t.example", profile=profile, state=state, drift=list(drift),
                     manual_steps=[], unverifiable=[]), **extra)


def fleet():
    """Three tenants - drift (with secrets seeded wherever a careless report might copy them from), in sync,
    could not check - as msp.psa.tenant_results builds them."""
    leaky_step = {"system": "Autotask", "title": "Create the API user sync365api01", "ui_path": "Admin > Resources",
                  "instructions": ["Secret: %s" % SECRETS[0]], "values": {"secret": SECRETS[0]},
                  "secret_refs": {"secret": "secret/msp/north/autotask/sync365#secret"}}
    drifted = user("wise_sync", "drift", [
        {"field": "last_name", "want": "API User", "have": "<script>alert(1)</script>", "fix": "api"},
        {"field": "security_level", "want": "API User (system)", "have": "Administrator", "fix": "ui",
         "ui_path": "Admin > Features & Settings > Resources/Users"},
        {"field": "credential_age", "want": "at most 90 days", "have": "120 days", "fix": "store",
         "detail": "Rotation overdue", "step_elsewhere": True},
        {"field": "registration:wise_sync", "want": "confirmed", "have": "pending", "fix": "vendor"}],
        record={"secret": SECRETS[0], "id": 7}, secret=SECRETS[0], pending_secret=SECRETS[3],
        manual_steps=[leaky_step])
    missing = user("sync365", "missing", manual_steps=[leaky_step])
    members = [user("sync365", identifier="S365", record={"privateKey": SECRETS[1]}, private_key=SECRETS[1])]
    return {
        "north": {"psa": "autotask", "result": {"users": [drifted, missing], "orphans": [
            {"username": "old@t.example", "active": True, "secret": SECRETS[0]}], "summary": {"ok": 0},
            "manual_steps": [leaky_step]}},
        "lake": {"psa": "connectwise", "result": {"members": members, "orphans": [], "shared": []}},
        "east": {"psa": "autotask", "error": "Vault refused the token %s" % "(redacted)", "error_kind": "credentials",
                 "vault_token": SECRETS[2]},
    }


def test_html_report_next_to_the_json(tmp_path, capsys):
    rc, result = run(dict(tenants=fleet(), output_dir=str(tmp_path), fail_on_drift=False,
                          fail_on_could_not_check=False), capsys)
    assert rc == 0, result
    html_file = tmp_path / "drift-report.html"
    assert str(html_file) in result["files"]
    html = html_file.read_text(encoding="utf-8")
    # at a glance, per tenant its outcome, findings with their fixes, credential and registration findings, steps
    for expected in ("<b>3</b><span>tenants</span>", "<b>1</b><span>in sync</span>", "<b>1</b><span>drift</span>",
                     "<b>1</b><span>could not check</span>", "<b>1</b><span>hand-offs waiting (1 manual steps)</span>",
                     "security_level", "ui: Admin &gt; Features &amp; Settings &gt; Resources/Users", "120 days",
                     "credential_age: 120 days", "<td>wise_sync</td><td>pending</td>",
                     "Create the API user sync365api01", "Vault refused the token", "could not check (credentials)",
                     "old@t.example", 'id="tenant-north"', "Fleet: could not check (ansible-playbook exit 4)"):
        assert expected in html, expected
    # escaped, never executed; self-contained: no script, no link, nothing fetched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|src=|https?://", html, re.I), \
        re.findall(r".{40}(?:<script|<link|<img|@import|url\(|src=|https?://).{40}", html, re.I)
    # fits 1280 px: fixed table layout, long values wrap
    assert "table-layout:fixed" in html and "overflow-wrap:anywhere" in html
    # no secret in any report file
    for name in ("drift-report.html", "drift-report.json", "drift-report.junit.xml", "drift-summary.txt"):
        written = (tmp_path / name).read_text(encoding="utf-8")
        assert not [s for s in SECRETS if s in written], name


def test_long_values_wrap_instead_of_widening_the_page(tmp_path, capsys):
    long_value = "x" * 400
    tenants = {"north": {"psa": "autotask", "result": {"users": [user("wise_sync", "drift", [
        {"field": "last_name", "want": long_value, "have": "y", "fix": "api"}])], "orphans": []}}}
    run(dict(tenants=tenants, output_dir=str(tmp_path), fail_on_drift=False), capsys)
    html = (tmp_path / "drift-report.html").read_text(encoding="utf-8")
    assert "<td>%s</td>" % long_value in html and '<col style="width:' in html


def without_run_times(folder):
    """The report files of a folder without what names the run's time: drift-report.json's generated_at, and
    the page's 'generated ...' line."""
    data = json.loads((folder / "drift-report.json").read_text())
    data.pop("generated_at")
    html = re.sub(r"generated [0-9TZ:-]+", "generated -", (folder / "drift-report.html").read_text())
    return (data, (folder / "drift-report.junit.xml").read_text(), (folder / "drift-summary.txt").read_text(), html)


def test_merging_slices_gives_the_unsliced_report(tmp_path, capsys):
    tenants = fleet()
    whole = run(dict(tenants=tenants, output_dir=str(tmp_path / "whole"), fail_on_drift=False,
                     fail_on_could_not_check=False), capsys)[1]
    slices = [["north"], ["lake", "east"]]
    for i, names in enumerate(slices):
        run(dict(tenants={n: tenants[n] for n in names}, output_dir=str(tmp_path / ("slice%d" % i)),
                 fail_on_drift=False, fail_on_could_not_check=False), capsys)
    rc, merged = run(dict(merge_from=[str(tmp_path / "slice0"), str(tmp_path / "slice1")],
                          output_dir=str(tmp_path / "merged"), fail_on_drift=False, fail_on_could_not_check=False), capsys)
    assert rc == 0, merged
    assert without_run_times(tmp_path / "merged") == without_run_times(tmp_path / "whole")
    for key in ("outcome", "exit_code", "tenants", "not_in_sync", "drift", "summary", "counts"):
        assert merged[key] == whole[key], key
    # the same failure semantics as the unsliced run
    rc, failed = run(dict(merge_from=[str(tmp_path / "slice0"), str(tmp_path / "slice1")],
                          output_dir=str(tmp_path / "merged2")), capsys)
    assert rc == 1 and failed["error_kind"] == "could_not_check" and failed["exit_code"] == 4


def test_a_tenant_in_two_slices_or_a_missing_slice_report_is_refused(tmp_path, capsys):
    tenants = fleet()
    for i in range(2):
        run(dict(tenants={"north": tenants["north"]}, output_dir=str(tmp_path / ("s%d" % i)), fail_on_drift=False),
            capsys)
    rc, result = run(dict(merge_from=[str(tmp_path / "s0"), str(tmp_path / "s1")], output_dir=str(tmp_path / "m")),
                     capsys)
    assert rc == 1 and "tenant north is in two slices" in result["msg"] and not (tmp_path / "m").exists()
    rc, result = run(dict(merge_from=[str(tmp_path / "s0"), str(tmp_path / "nothing")], output_dir=str(tmp_path / "m")),
                     capsys)
    assert rc == 1 and "cannot read the slice report" in result["msg"] and "nothing" in result["msg"]
    rc, result = run(dict(output_dir=str(tmp_path / "m")), capsys)
    assert rc == 1 and "tenants" in result["msg"] and "merge_from" in result["msg"]
