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
    aspect) and C(drift-summary.txt) into O(output_dir).
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
    type: dict
    required: true
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
  description: The files written.
  returned: always
  type: list
  elements: str
"""

import json
import os
import xml.etree.ElementTree as ET

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(tenants=dict(type="dict", required=True), output_dir=dict(type="path", required=True),
            fail_on_drift=dict(type="bool", default=True), fail_on_could_not_check=dict(type="bool", default=True))

IN_SYNC = "in_sync"
DRIFT = "drift"
COULD_NOT_CHECK = "could_not_check"
# ansible-playbook cannot exit 3: it exits 2 when a host failed and 4 when a host was unreachable; the
# playbooks fail a drifted tenant and mark one that could not be checked unreachable (msp.psa.drift_gate).
EXIT_CODES = {IN_SYNC: 0, DRIFT: 2, COULD_NOT_CHECK: 4}


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


def run(module, client=None):
    tenants = module.params["tenants"]
    out_dir = module.params["output_dir"]
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    suites = ET.Element("testsuites", name="msp.psa drift check")
    report = {"tenants": {}}
    returned, summary = {}, []
    tests = failures = errors = 0
    per_outcome = {IN_SYNC: 0, DRIFT: 0, COULD_NOT_CHECK: 0}
    for tenant in sorted(tenants):
        entry = tenants[tenant] if isinstance(tenants[tenant], dict) else {}
        psa = entry.get("psa") or "?"
        outcome, reason, kind, cases = assess(entry)
        per_outcome[outcome] += 1
        suite = ET.SubElement(suites, "testsuite", name=tenant)
        for profile, aspect, failure, error in cases:
            tests += 1
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (tenant, profile), name=aspect)
            if error:
                errors += 1
                ET.SubElement(case, "error", message=error, type=kind).text = error
            elif failure:
                failures += 1
                ET.SubElement(case, "failure", message=failure, type="drift").text = failure
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c[2] and not c[3])))
        suite.set("errors", str(sum(1 for c in cases if c[3])))
        summary.append(summary_line(tenant, psa, outcome, reason, kind))
        returned[tenant] = {"psa": psa, "outcome": outcome, "reason": reason}
        if kind:
            returned[tenant]["error_kind"] = kind
        report["tenants"][tenant] = dict(returned[tenant], ok=outcome == IN_SYNC,
                                         problems=[reason] if outcome == COULD_NOT_CHECK else [
                                             "%s %s: %s" % (c[0], c[1], c[2]) for c in cases if c[2]],
                                         cases=[{"profile": p, "aspect": a, "failure": f, "error": e}
                                                for p, a, f, e in cases],
                                         orphans=((entry.get("result") or {}).get("orphans") or []))
    outcome = COULD_NOT_CHECK if per_outcome[COULD_NOT_CHECK] else DRIFT if per_outcome[DRIFT] else IN_SYNC
    summary.append("outcome: %s (exit %d): %d in sync, %d drift, %d could not check" % (
        outcome, EXIT_CODES[outcome], per_outcome[IN_SYNC], per_outcome[DRIFT], per_outcome[COULD_NOT_CHECK]))
    suites.set("tests", str(tests))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    counts = dict(per_outcome, tests=tests, failures=failures, errors=errors)
    report.update(outcome=outcome, exit_code=EXIT_CODES[outcome], drift=bool(per_outcome[DRIFT]), counts=counts)
    files = [os.path.join(out_dir, n) for n in ("drift-report.json", "drift-report.junit.xml", "drift-summary.txt")]
    with open(files[0], "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    ET.ElementTree(suites).write(files[1], encoding="utf-8", xml_declaration=True)
    with open(files[2], "w") as handle:
        handle.write("\n".join(summary) + "\n")
    not_in_sync = sorted(t for t, v in returned.items() if v["outcome"] != IN_SYNC)
    result = dict(changed=False, outcome=outcome, exit_code=EXIT_CODES[outcome], tenants=returned,
                  not_in_sync=not_in_sync, drift=report["drift"], summary=summary, counts=counts, files=files)
    unchecked = [t for t in not_in_sync if returned[t]["outcome"] == COULD_NOT_CHECK]
    drifted = [t for t in not_in_sync if returned[t]["outcome"] == DRIFT]
    if unchecked and module.params["fail_on_could_not_check"]:
        raise PSAError("%d of %d tenants could not be checked (%s); see %s" % (
            len(unchecked), len(returned), "; ".join("%s: %s" % (t, returned[t]["reason"]) for t in unchecked), files[2]),
            kind=COULD_NOT_CHECK, result=result)
    if drifted and module.params["fail_on_drift"]:
        raise PSAError("Drift in %d of %d tenants (%s); see %s" % (len(drifted), len(returned), ", ".join(drifted),
                                                                   files[2]), kind=DRIFT, result=result)
    return result


def main():
    run_module([SPEC], run, requires=())


if __name__ == "__main__":
    main()
