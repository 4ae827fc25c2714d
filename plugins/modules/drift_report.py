#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drift_report
short_description: Write the fleet's drift report (JSON, JUnit XML, summary) and gate a pipeline on it
version_added: 0.1.0
description:
  - Takes every tenant's result of M(msp.psa.autotask_api_users) or M(msp.psa.connectwise_api_members) (run in
    check mode for a drift check) and writes C(drift-report.json), C(drift-report.junit.xml) (one test case per
    tenant, profile and aspect) and C(drift-summary.txt) into O(output_dir).
  - Aspects are C(exists), C(fields) (each differing field with want, have and the fix, API or UI path),
    C(credentials), C(permissions), and C(orphans) per tenant (active API users declared nowhere).
  - Fails when anything differs and O(fail_on_drift) is true, after writing the reports, so
    C(ansible-playbook) exits non-zero and a CI pipeline can gate on it.
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
        registered result), or C(error) when the tenant could not be checked.
    type: dict
    required: true
  output_dir:
    description: Where to write the reports (created if missing).
    type: path
    required: true
  fail_on_drift:
    description: Fail when any tenant differs from its declaration.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Drift report for the pipeline
  msp.psa.drift_report:
    tenants: "{{ dict(groups['tenants'] | zip(groups['tenants'] | map('extract', hostvars, 'msp_psa_check'))) }}"
    output_dir: "{{ playbook_dir }}/../reports/drift"
"""

RETURN = r"""
drift:
  description: Whether anything differs.
  returned: always
  type: bool
  sample: true
summary:
  description: The human summary, one line per tenant.
  returned: always
  type: list
  elements: str
  sample: ["northwind (autotask): DRIFT - wise_sync fields: last_name want 'API User' have 'Integration' (fix: api)"]
counts:
  description: Test cases, failures and errors.
  returned: always
  type: dict
  sample: {"tests": 12, "failures": 1, "errors": 0}
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
            fail_on_drift=dict(type="bool", default=True))


def fix_text(d):
    return "UI: %s" % d["ui_path"] if d.get("fix") == "ui" and d.get("ui_path") else d.get("fix", "api")


def cases_for(tenant, entry):
    """(profile, aspect, failure message or None, details) for one tenant."""
    if entry.get("error"):
        return [("-", "reachable", None, entry["error"])]
    result = entry.get("result") or {}
    items = result.get("users") or result.get("members") or []
    cases = []
    for item in items:
        profile = item.get("profile") or item.get("username") or item.get("identifier")
        who = item.get("username") or item.get("identifier")
        if item.get("state") == "missing":
            steps = "; ".join(s.get("title", "") for s in item.get("manual_steps") or [])
            cases.append((profile, "exists", "%s does not exist. Manual steps: %s" % (who, steps), None))
            continue
        cases.append((profile, "exists", None, None))
        drift = [d for d in item.get("drift") or [] if d.get("field") != "exists"]
        msg = "; ".join("%s: want %r, have %r (fix: %s)" % (d["field"], d.get("want"), d.get("have"), fix_text(d))
                        for d in drift)
        cases.append((profile, "fields", msg or None, None))
        if item.get("credentials") in ("invalid", "locked"):
            detail = "credentials %s: %s" % (item["credentials"], item.get("credentials_detail", ""))
            cases.append((profile, "credentials", detail, None))
        elif item.get("credentials"):
            cases.append((profile, "credentials", None, None))
        if item.get("permissions_missing") is not None and "permissions_missing" in item:
            missing = item.get("permissions_missing") or []
            cases.append((profile, "permissions", ("missing: " + ", ".join(
                "%s %s" % (p.get("entity") or p.get("function"), p.get("action") or p.get("level")) for p in missing))
                if missing else None, None))
    active = [o for o in result.get("orphans") or [] if o.get("active")]
    cases.append(("-", "orphans", ("declared nowhere: " + ", ".join(o.get("username") or o.get("identifier") for o in active))
                  if active else None, None))
    return cases


def run(module, client=None):
    tenants = module.params["tenants"]
    out_dir = module.params["output_dir"]
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    suites = ET.Element("testsuites", name="msp.psa drift check")
    report = {"tenants": {}, "drift": False}
    summary = []
    tests = failures = errors = 0
    for tenant in sorted(tenants):
        entry = tenants[tenant] or {}
        cases = cases_for(tenant, entry)
        suite = ET.SubElement(suites, "testsuite", name=tenant)
        bad = []
        for profile, aspect, failure, error in cases:
            tests += 1
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (tenant, profile), name=aspect)
            if error:
                errors += 1
                ET.SubElement(case, "error", message=error).text = error
                bad.append("%s %s: %s" % (profile, aspect, error))
            elif failure:
                failures += 1
                ET.SubElement(case, "failure", message=failure).text = failure
                bad.append("%s %s: %s" % (profile, aspect, failure))
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c[2])))
        suite.set("errors", str(sum(1 for c in cases if c[3])))
        psa = entry.get("psa", "?")
        summary.append("%s (%s): %s" % (tenant, psa, ("DRIFT - " + " | ".join(bad)) if bad else "ok"))
        report["tenants"][tenant] = {"psa": psa, "ok": not bad, "problems": bad,
                                     "cases": [{"profile": p, "aspect": a, "failure": f, "error": e} for p, a, f, e in cases],
                                     "orphans": ((entry.get("result") or {}).get("orphans") or [])}
    suites.set("tests", str(tests))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    report["drift"] = bool(failures or errors)
    report["counts"] = {"tests": tests, "failures": failures, "errors": errors}
    files = [os.path.join(out_dir, n) for n in ("drift-report.json", "drift-report.junit.xml", "drift-summary.txt")]
    with open(files[0], "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    ET.ElementTree(suites).write(files[1], encoding="utf-8", xml_declaration=True)
    with open(files[2], "w") as handle:
        handle.write("\n".join(summary) + "\n")
    result = dict(changed=False, drift=report["drift"], summary=summary, counts=report["counts"], files=files)
    if report["drift"] and module.params["fail_on_drift"]:
        raise PSAError("Drift in %d of %d checks; see %s" % (failures + errors, tests, files[2]), kind="drift",
                       result=result)
    return result


def main():
    run_module([SPEC], run, requires=())


if __name__ == "__main__":
    main()
