#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drift_report
short_description: Write the fleet's drift report (JSON, JUnit XML, summary) with one of three outcomes per tenant
version_added: 0.1.0
description:
  - Takes every tenant's result of M(msp.psa.autotask_api_users) or M(msp.psa.connectwise_api_members) (run in
    check mode for a drift check, or M(msp.psa.fleet_drift_check) for the whole fleet) and writes
    C(drift-report.json), C(drift-report.junit.xml) (one test suite per tenant, one test case per profile and
    aspect), C(drift-summary.txt) and C(drift-report.html) into O(output_dir).
  - C(drift-report.html) is the fleet report people open - one self-contained page (inline CSS, no script,
    nothing fetched) that fits 1280 px - the fleet at a glance (in sync, drift, could not check, hand-offs
    waiting), then per tenant its findings with their fixes, its credential and registration findings and its
    manual steps. It shows only what the JSON report holds, every value escaped; it never holds a secret.
  - With O(merge_from) instead of O(tenants), combines the reports of a sliced drift check (C(--limit) slices,
    AWX/AAP job slices; each slice wrote its own O(output_dir)) into one report, the same as one run over all
    of their tenants would have written (only C(generated_at) differs), with the same outcome and exit code.
    See C(playbooks/merge_reports.yml).
  - Every tenant gets one of three outcomes. C(in_sync) - checked, and everything matches the declaration.
    C(drift) - checked, and something differs. C(could_not_check) - the tenant could not be checked (an error
    of the check, such as a wrong secret, a missing Vault token, a PSA that does not answer, an invalid
    declaration, or no result at all); such a tenant is never reported in sync, and never as drift.
  - Aspects are C(exists), C(fields) (every drift entry - field, want, have and the fix C(api), C(ui) with the
    UI path, C(store) or C(vendor)), C(credentials), C(permissions), C(role) (a ConnectWise security role's
    missing permission levels) and C(orphans) per tenant (active API users declared nowhere).
  - In the JUnit XML a drift is a C(<failure>) and a tenant that could not be checked an C(<error>).
  - The fleet's outcome is C(could_not_check) when any tenant could not be checked, else C(drift) when any
    tenant drifted, else C(in_sync); RV(exit_code) is what the collection's drift check playbooks make
    C(ansible-playbook) exit with (0, 2 and 4), see C(docs/fleet.md).
  - Fails after writing the reports when a tenant could not be checked (O(fail_on_could_not_check)) or drifted
    (O(fail_on_drift)). The collection's playbooks set both to false and end each tenant with
    M(msp.psa.drift_gate) instead, so the exit code tells the outcomes apart.
  - Runs on the controller; it only writes the report files.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.attributes
attributes:
  check_mode:
    support: full
    details: Reports are written in check mode too; they are the purpose of a drift check and change no system.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  tenants:
    description:
      - Tenant name to a dict with C(psa) (V(autotask) or V(connectwise)) and C(result) (the bulk module's
        registered result), or C(error) (and C(error_kind)) when the tenant could not be checked, as the
        C(msp.psa.tenant_results) filter builds it. A tenant without C(result) could not be checked.
      - Exactly one of O(tenants), O(results_file) and O(merge_from) is required.
    type: dict
  results_file:
    description:
      - The results of M(msp.psa.fleet_drift_check) written with its
        O(msp.psa.fleet_drift_check#module:results_file) (one JSON object per line, with its C(tenant) name),
        read one tenant at a time - the form for fleets of thousands of tenants, whose results would otherwise
        pass through the controller's variables. A missing or unreadable file fails before anything is written.
    type: path
  run_tenants:
    description:
      - With O(results_file), the tenants of the run (C(ansible_play_hosts_all)). A tenant of the run the file has no
        result for could not be checked (C(not_checked)); a file with a tenant that is not among them (another run's,
        written to the same O(output_dir)) fails before anything is written, naming the tenant.
    type: list
    elements: str
  merge_from:
    description:
      - Folders with the C(drift-report.json) of each slice of a sliced drift check. Every tenant must be in
        exactly one slice; a missing or unreadable slice report fails before anything is written, naming it.
    type: list
    elements: path
  output_dir:
    description: Where to write the reports (created if missing).
    type: path
    required: true
  fail_on_drift:
    description: Fail (C(error_kind=drift)) when any tenant differs from its declaration.
    type: bool
    default: true
  fail_on_could_not_check:
    description: Fail (C(error_kind=could_not_check)) when any tenant could not be checked.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Drift report for the pipeline
  msp.psa.drift_report:
    tenants: "{{ hostvars | msp.psa.tenant_results(ansible_play_hosts_all) }}"
    output_dir: "{{ playbook_dir }}/reports/drift"
  run_once: true
  delegate_to: localhost

- name: One fleet report from the reports of four slices (each ran drift_check_fleet.yml with its own reports_dir)
  msp.psa.drift_report:
    merge_from:
      - reports/slice-1/drift
      - reports/slice-2/drift
      - reports/slice-3/drift
      - reports/slice-4/drift
    output_dir: reports/drift
    fail_on_drift: false
    fail_on_could_not_check: false
  delegate_to: localhost
  register: fleet_drift
"""

RETURN = r"""
outcome:
  description: The fleet's outcome.
  returned: always
  type: str
  choices: [in_sync, drift, could_not_check]
  sample: drift
exit_code:
  description: The exit code of the collection's drift check playbooks for this outcome (0, 2 or 4).
  returned: always
  type: int
  sample: 2
tenants:
  description: Per tenant its C(psa), C(outcome), C(reason) (null when in sync) and, when it could not be
    checked, C(error_kind).
  returned: always
  type: dict
  sample: {"lakeside": {"psa": "connectwise", "outcome": "could_not_check", "error_kind": "connection",
           "reason": "GET https://eu.myconnectwise.net/login/companyinfo/lakeside failed"}}
not_in_sync:
  description: The tenants whose outcome is not C(in_sync), sorted.
  returned: always
  type: list
  elements: str
  sample: ["lakeside", "northwind"]
tenants_not_in_sync:
  description:
    - The entries of RV(tenants) whose outcome is not C(in_sync) - what M(msp.psa.drift_gate) ends each of those
      tenants with. A fleet of 10,000 tenants has a few hundred, and a gate task that reads its tenant from this
      dict, not from RV(tenants), costs a tenth as much.
  returned: always
  type: dict
  sample: {"lakeside": {"psa": "connectwise", "outcome": "could_not_check", "error_kind": "connection",
           "reason": "GET https://eu.myconnectwise.net/login/companyinfo/lakeside failed"}}
could_not_check:
  description: The tenants whose outcome is C(could_not_check), sorted.
  returned: always
  type: list
  elements: str
  sample: ["lakeside"]
drift:
  description: Whether any tenant drifted (a tenant that could not be checked is not drift).
  returned: always
  type: bool
  sample: true
summary:
  description: The human summary, one line per tenant and a last line with the outcome.
  returned: always
  type: list
  elements: str
  sample: ["northwind (autotask): DRIFT - wise_sync fields: last_name: want 'API User', have 'Integration' (fix: api)",
           "outcome: drift (exit 2): 2 in sync, 1 drift, 0 could not check"]
counts:
  description: Test cases, failures (drift) and errors (could not check), and tenants per outcome.
  returned: always
  type: dict
  sample: {"tests": 12, "failures": 1, "errors": 0, "in_sync": 2, "drift": 1, "could_not_check": 0}
files:
  description: The files written (JSON, JUnit XML, summary, HTML).
  returned: always
  type: list
  elements: str
  sample: ["reports/drift/drift-report.json", "reports/drift/drift-report.junit.xml", "reports/drift/drift-summary.txt",
           "reports/drift/drift-report.html"]
"""

import datetime
import json
import os
import xml.etree.ElementTree as ET

from ansible_collections.msp.psa.plugins.module_utils._html_report import render, tenant_facts
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(tenants=dict(type="dict"), merge_from=dict(type="list", elements="path"), results_file=dict(type="path"),
            run_tenants=dict(type="list", elements="str"),
            output_dir=dict(type="path", required=True),
            fail_on_drift=dict(type="bool", default=True), fail_on_could_not_check=dict(type="bool", default=True))

IN_SYNC = "in_sync"
DRIFT = "drift"
COULD_NOT_CHECK = "could_not_check"
# ansible-playbook cannot exit 3: it exits 2 when a host failed and 4 when a host was unreachable; the
# playbooks fail a drifted tenant and mark one that could not be checked unreachable (msp.psa.drift_gate).
EXIT_CODES = {IN_SYNC: 0, DRIFT: 2, COULD_NOT_CHECK: 4}
ORPHAN_KEYS = ("username", "identifier", "name", "email", "active", "inactivate", "inactivated")
FILES = ("drift-report.json", "drift-report.junit.xml", "drift-summary.txt", "drift-report.html")


def fix_text(d):
    return "UI: %s" % d["ui_path"] if d.get("fix") == "ui" and d.get("ui_path") else d.get("fix", "api")


def permission_text(p):
    what = p.get("entity") or " ".join(str(p[k]) for k in ("module", "function") if p.get(k)) or "?"
    text = "%s %s" % (what, p.get("action") or p.get("level") or "")
    if p.get("want") is not None:
        text += " (want %s, have %s)" % (p.get("want"), p.get("have"))
    return text.strip()


def item_cases(item):
    """(profile, aspect, failure message or None) for one declared user or member."""
    profile = item.get("profile") or item.get("username") or item.get("identifier") or item.get("name")
    who = item.get("username") or item.get("identifier") or item.get("name")
    drift = item.get("drift") or []
    if item.get("state") in ("missing", "created") or any(d.get("field") == "exists" for d in drift):
        # missing (the API cannot create it) or created in check mode (it would be): not in the PSA
        steps = "; ".join(s.get("title", "") for s in item.get("manual_steps") or [])
        return [(profile, "exists", "%s does not exist.%s" % (who, (" Manual steps: " + steps) if steps else ""))]
    if item.get("state") == "absent":  # declared absent, and absent or inactive
        return [(profile, "absent", None)]
    cases = [(profile, "exists", None)]
    msg = "; ".join("%s: want %r, have %r (fix: %s)" % (d.get("field"), d.get("want"), d.get("have"), fix_text(d))
                    for d in drift)
    cases.append((profile, "fields", msg or None))
    if item.get("credentials") in ("invalid", "locked"):
        cases.append((profile, "credentials", "credentials %s: %s" % (item["credentials"], item.get("credentials_detail", ""))))
    elif item.get("credentials"):
        cases.append((profile, "credentials", None))
    if "permissions_missing" in item and item["permissions_missing"] is not None:
        missing = item["permissions_missing"] or []
        cases.append((profile, "permissions", ("missing: " + ", ".join(permission_text(p) for p in missing))
                      if missing else None))
    if item.get("state") == "drift" and not any(c[2] for c in cases):
        cases.append((profile, "state", "reported as drift by the check"))
    return cases


def role_cases(role):
    """A ConnectWise security role shared by the tenant's members: its missing permission levels."""
    name = role.get("name") or (role.get("role") or {}).get("name") or "?"
    missing = role.get("permissions_missing") or []
    drift = role.get("drift") or []
    problems = []
    if missing:
        problems.append("security role %s missing: %s" % (name, ", ".join(permission_text(p) for p in missing)))
    problems += ["security role %s %s: want %r, have %r (fix: %s)" % (name, d.get("field"), d.get("want"), d.get("have"),
                                                                      fix_text(d)) for d in drift]
    if role.get("state") in ("drift", "missing") and not problems:
        problems.append("security role %s: %s" % (name, role["state"]))
    return [(role.get("profile") or "-", "role %s" % name, "; ".join(problems) or None)]


def tenant_cases(result):
    items = result.get("users") or result.get("members") or []
    cases = []
    for item in items:
        cases += item_cases(item)
    # a member's role_permissions drift already names its role's missing levels: no second test case for them
    if not any(d.get("field") == "role_permissions" for item in items for d in item.get("drift") or []):
        for role in result.get("shared") or []:
            cases += role_cases(role)
    active = [o for o in result.get("orphans") or [] if o.get("active")]
    cases.append(("-", "orphans", ("declared nowhere: " + ", ".join(
        str(o.get("username") or o.get("identifier")) for o in active)) if active else None))
    return cases


def assess(entry):
    """(outcome, reason, error_kind, cases) of one tenant; cases are (profile, aspect, failure, error)."""
    entry = entry if isinstance(entry, dict) else {}
    result = entry.get("result")
    if entry.get("error") or not isinstance(result, dict):
        reason = entry.get("error") or "not checked: no result for this tenant"
        kind = entry.get("error_kind") or "not_checked"
        return COULD_NOT_CHECK, reason, kind, [("-", "checked", None, reason)]
    cases = [(p, a, f, None) for p, a, f in tenant_cases(result)]
    problems = ["%s %s: %s" % (c[0], c[1], c[2]) for c in cases if c[2]]
    return (DRIFT, " | ".join(problems), None, cases) if problems else (IN_SYNC, None, None, cases)


def summary_line(tenant, psa, outcome, reason, kind):
    if outcome == IN_SYNC:
        return "%s (%s): in sync" % (tenant, psa)
    if outcome == DRIFT:
        return "%s (%s): DRIFT - %s" % (tenant, psa, reason)
    return "%s (%s): COULD NOT CHECK (%s) - %s" % (tenant, psa, kind, reason)


def tenant_report(entry):
    """One tenant's entry of drift-report.json, from its msp.psa.tenant_results entry: everything the JUnit
    XML, the summary and the HTML page are written from."""
    entry = entry if isinstance(entry, dict) else {}
    outcome, reason, kind, cases = assess(entry)
    out = {"psa": entry.get("psa") or "?", "outcome": outcome, "reason": reason, "ok": outcome == IN_SYNC,
           "problems": [reason] if outcome == COULD_NOT_CHECK else ["%s %s: %s" % (c[0], c[1], c[2]) for c in cases if c[2]],
           "cases": [{"profile": p, "aspect": a, "failure": f, "error": e} for p, a, f, e in cases],
           "orphans": [{k: o[k] for k in ORPHAN_KEYS if k in o} for o in (entry.get("result") or {}).get("orphans") or []
                       if isinstance(o, dict)]}
    if kind:
        out["error_kind"] = kind
    out.update(tenant_facts(entry.get("result")))
    return out


def fleet_report(tenants):
    """drift-report.json for the tenants' entries (``tenant_report``): the fleet's outcome, exit code and counts."""
    per_outcome = {IN_SYNC: 0, DRIFT: 0, COULD_NOT_CHECK: 0}
    tests = failures = errors = 0
    for t in tenants.values():
        per_outcome[t["outcome"]] += 1
        tests += len(t["cases"])
        errors += sum(1 for c in t["cases"] if c["error"])
        failures += sum(1 for c in t["cases"] if c["failure"] and not c["error"])
    outcome = COULD_NOT_CHECK if per_outcome[COULD_NOT_CHECK] else DRIFT if per_outcome[DRIFT] else IN_SYNC
    return {"tenants": tenants, "outcome": outcome, "exit_code": EXIT_CODES[outcome], "drift": bool(per_outcome[DRIFT]),
            "counts": dict(per_outcome, tests=tests, failures=failures, errors=errors),
            "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def summary_lines(report):
    counts = report["counts"]
    lines = [summary_line(name, t["psa"], t["outcome"], t["reason"], t.get("error_kind"))
             for name, t in sorted(report["tenants"].items())]
    return lines + ["outcome: %s (exit %d): %d in sync, %d drift, %d could not check" % (
        report["outcome"], report["exit_code"], counts[IN_SYNC], counts[DRIFT], counts[COULD_NOT_CHECK])]


def junit(report):
    suites = ET.Element("testsuites", name="msp.psa drift check")
    for name, t in sorted(report["tenants"].items()):
        suite = ET.SubElement(suites, "testsuite", name=name)
        for c in t["cases"]:
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (name, c["profile"]), name=c["aspect"])
            if c["error"]:
                ET.SubElement(case, "error", message=c["error"], type=t.get("error_kind") or COULD_NOT_CHECK).text = c["error"]
            elif c["failure"]:
                ET.SubElement(case, "failure", message=c["failure"], type="drift").text = c["failure"]
        suite.set("tests", str(len(t["cases"])))
        suite.set("failures", str(sum(1 for c in t["cases"] if c["failure"] and not c["error"])))
        suite.set("errors", str(sum(1 for c in t["cases"] if c["error"])))
    for key in ("tests", "failures", "errors"):
        suites.set(key, str(report["counts"][key]))
    return ET.ElementTree(suites)


def write_reports(report, out_dir):
    """drift-report.json, drift-report.junit.xml, drift-summary.txt and drift-report.html in out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    files = [os.path.join(out_dir, n) for n in FILES]
    with open(files[0], "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    junit(report).write(files[1], encoding="utf-8", xml_declaration=True)
    with open(files[2], "w") as handle:
        handle.write("\n".join(summary_lines(report)) + "\n")
    with open(files[3], "w", encoding="utf-8") as handle:
        handle.write(render(report, "drift_check"))
    return files


def slice_reports(folders):
    """The tenants of the slices' drift-report.json files, each tenant from exactly one slice."""
    tenants, origin = {}, {}
    for folder in folders:
        path = os.path.join(folder, FILES[0])
        try:
            with open(path) as handle:
                data = json.load(handle)
        except (IOError, OSError, ValueError) as exc:
            raise PSAError("merge_from: cannot read the slice report %s (%s); run the drift check of that slice "
                           "first, or leave the folder out" % (path, exc), kind="invalid_input")
        if not isinstance(data.get("tenants"), dict):
            raise PSAError("merge_from: %s is not a drift report (no tenants)" % path, kind="invalid_input")
        for name, t in data["tenants"].items():
            if name in tenants:
                raise PSAError("merge_from: tenant %s is in two slices (%s and %s); each tenant must be checked by one "
                               "slice only" % (name, origin[name], path), kind="invalid_input")
            tenants[name], origin[name] = t, path
    return tenants


def file_results(path, run_tenants=None):
    """Each tenant's entry of drift-report.json from msp.psa.fleet_drift_check's results file, read a line at a
    time (a tenant's raw result is dropped once its entry is built); with ``run_tenants``, exactly those."""
    expected = set(run_tenants) if run_tenants is not None else None
    tenants = {}
    try:
        with open(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                entry = json.loads(line)
                if not isinstance(entry, dict) or not entry.get("tenant"):
                    raise ValueError("line %d is not a tenant's result (no tenant)" % number)
                if expected is not None and entry["tenant"] not in expected:
                    raise ValueError("tenant %s is not a tenant of this run (run_tenants): the file is another run's"
                                     % entry["tenant"])
                tenants[entry.pop("tenant")] = tenant_report(entry)
    except (IOError, OSError, ValueError) as exc:
        raise PSAError("results_file: cannot read %s (%s); give the file msp.psa.fleet_drift_check wrote with "
                       "results_file in the same run" % (path, exc), kind="invalid_input")
    for name in (expected or set()) - set(tenants):
        tenants[name] = tenant_report({"error": "not checked: the fleet check wrote no result for this tenant",
                                       "error_kind": "not_checked"})
    return tenants


def run(module, client=None):
    params = module.params
    if params["merge_from"]:
        report = fleet_report(slice_reports(params["merge_from"]))
    elif params["results_file"]:
        report = fleet_report(file_results(params["results_file"], params["run_tenants"]))
    else:
        report = fleet_report({name: tenant_report(entry) for name, entry in params["tenants"].items()})
    files = write_reports(report, params["output_dir"])
    returned = {}
    for name, t in report["tenants"].items():
        returned[name] = {"psa": t["psa"], "outcome": t["outcome"], "reason": t["reason"]}
        if t.get("error_kind"):
            returned[name]["error_kind"] = t["error_kind"]
    not_in_sync = sorted(t for t, v in returned.items() if v["outcome"] != IN_SYNC)
    unchecked = [t for t in not_in_sync if returned[t]["outcome"] == COULD_NOT_CHECK]
    result = dict(changed=False, outcome=report["outcome"], exit_code=report["exit_code"], tenants=returned,
                  not_in_sync=not_in_sync, tenants_not_in_sync=dict((t, returned[t]) for t in not_in_sync),
                  could_not_check=unchecked, drift=report["drift"],
                  summary=summary_lines(report), counts=report["counts"], files=files)
    drifted = [t for t in not_in_sync if returned[t]["outcome"] == DRIFT]
    if unchecked and params["fail_on_could_not_check"]:
        raise PSAError("%d of %d tenants could not be checked (%s); see %s" % (
            len(unchecked), len(returned), "; ".join("%s: %s" % (t, returned[t]["reason"]) for t in unchecked), files[2]),
            kind=COULD_NOT_CHECK, result=result)
    if drifted and params["fail_on_drift"]:
        raise PSAError("Drift in %d of %d tenants (%s); see %s" % (len(drifted), len(returned), ", ".join(drifted),
                                                                   files[2]), kind=DRIFT, result=result)
    return result


def main():
    run_module([SPEC], run, requires=(), required_one_of=[("tenants", "merge_from", "results_file")],
               mutually_exclusive=[("tenants", "merge_from", "results_file")])


if __name__ == "__main__":
    main()
