#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: converge_report
short_description: Write the converge's HTML fleet report (what still differs, credentials, registrations, hand-offs)
version_added: 0.2.0
description:
  - Takes every tenant's C(api_user_report) of the M(msp.psa.api_user) role (its bulk result, vendor registrations
    and manual steps), the registered results of its M(msp.psa.api_credential) and M(msp.psa.vendor_registration)
    loops, and writes C(converge-report.html) and C(converge-report.json) into O(output_dir).
  - The page is the same self-contained fleet report as M(msp.psa.drift_report)'s (inline CSS, no script, nothing
    fetched, readable at 1280 px, every value escaped). At a glance - tenants in sync, with something the converge
    could not fix (C(drift) - a user the API cannot create, a field only the UI sets, missing permission
    levels), not converged (C(could_not_check) - the tenant failed, was unreachable or skipped before its report),
    and hand-offs waiting (tenants with manual steps). Per tenant - what still differs with its fix, each
    credential's state, store path, age and rotation due date, each vendor registration's state, the manual
    steps waiting and the API users declared nowhere.
  - Only named fields are copied from the results (never a record, a step's values, a fingerprint or a secret).
  - Runs on the controller; it only writes the report files, so it never reports a change.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.attributes
attributes:
  check_mode:
    support: full
    details: Writes nothing in check mode (like the converge's hand-off files); returns the outcome and counts it
      would write.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  tenants:
    description:
      - Tenant name to its C(api_user_report) (keys C(psa), C(result), C(registrations), C(manual_steps)), or null
        when the tenant did not get that far (failed, unreachable or skipped).
    type: dict
    required: true
  credentials:
    description: Tenant name to the registered results of the role's M(msp.psa.api_credential) loop.
    type: dict
    default: {}
  registrations:
    description: Tenant name to the registered results of the role's M(msp.psa.vendor_registration) loop.
    type: dict
    default: {}
  max_credential_age_days:
    description: The rotation schedule (the role's C(api_user_max_age_days)); 0 shows no rotation due date.
    type: int
    default: 0
  output_dir:
    description: Where to write the report (created if missing).
    type: path
    required: true
"""

EXAMPLES = r"""
# The last task of playbooks/converge.yml: one report for every tenant of the run (--limit included).
- name: Write the converge report (HTML) of the tenants of this run
  msp.psa.converge_report:
    tenants: "{{ dict(ansible_play_hosts_all | zip(msp_psa_hostvars | map(attribute='api_user_report', default=None))) }}"
    credentials: "{{ dict(ansible_play_hosts_all | zip(msp_psa_hostvars | map(attribute='api_user_credentials.results', default=[]))) }}"
    registrations: "{{ dict(ansible_play_hosts_all | zip(msp_psa_hostvars | map(attribute='api_user_registrations.results', default=[]))) }}"
    max_credential_age_days: "{{ api_user_max_age_days | default(0) }}"
    output_dir: reports
  vars:
    msp_psa_hostvars: "{{ ansible_play_hosts_all | map('extract', hostvars) }}"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
outcome:
  description: The fleet's outcome - C(could_not_check) when a tenant did not converge, else C(drift) when something
    still differs, else C(in_sync).
  returned: always
  type: str
  choices: [in_sync, drift, could_not_check]
  sample: drift
counts:
  description: Tenants per outcome, tenants with manual steps (C(handoffs)) and the manual steps (C(manual_steps)).
  returned: always
  type: dict
  sample: {"in_sync": 1, "drift": 2, "could_not_check": 0, "handoffs": 2, "manual_steps": 9}
tenants:
  description: Per tenant its C(psa), C(outcome) and C(reason) (null when in sync).
  returned: always
  type: dict
  sample: {"contoso": {"psa": "autotask", "outcome": "drift", "reason": "1 finding(s) remain: autoelevate exists"}}
files:
  description: The files written (none in check mode).
  returned: always
  type: list
  elements: str
  sample: ["reports/converge-report.html", "reports/converge-report.json"]
"""

import datetime
import json
import os

from ansible_collections.msp.psa.plugins.module_utils._html_report import (
    COULD_NOT_CHECK, DRIFT, IN_SYNC, credential_facts, glance, registration_facts, render, tenant_facts)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(tenants=dict(type="dict", required=True), credentials=dict(type="dict", default={}),
            registrations=dict(type="dict", default={}), max_credential_age_days=dict(type="int", default=0),
            output_dir=dict(type="path", required=True))
NOT_CONVERGED = "not converged: the tenant failed, was unreachable or was skipped before its report (see the run's log)"


def tenant_report(report, credentials, registrations, max_age_days):
    """One tenant's entry: its outcome after the converge and the facts the page shows."""
    if not isinstance(report, dict) or not isinstance(report.get("result"), dict):
        return {"psa": (report or {}).get("psa") if isinstance(report, dict) else None, "outcome": COULD_NOT_CHECK,
                "reason": NOT_CONVERGED, "error_kind": "not_converged", "findings": [], "credentials": [],
                "registrations": [], "manual_steps": [], "orphans": []}
    result = report["result"]
    out = tenant_facts(result, report.get("manual_steps") or [])
    out.update(psa=report.get("psa"), credentials=credential_facts(credentials, max_age_days),
               registrations=registration_facts(registrations),
               orphans=[{k: o[k] for k in ("username", "identifier", "active", "inactivated") if k in o}
                        for o in result.get("orphans") or [] if isinstance(o, dict)])
    remaining = ["%s %s" % (f.get("profile") or "-", f["field"]) for f in out["findings"]]
    active_orphans = [o for o in out["orphans"] if o.get("active")]
    if remaining or active_orphans:
        out.update(outcome=DRIFT, reason="; ".join(
            (["%d finding(s) remain: %s" % (len(remaining), ", ".join(remaining))] if remaining else [])
            + (["%d active API user(s) declared nowhere" % len(active_orphans)] if active_orphans else [])))
    else:
        out.update(outcome=IN_SYNC, reason=None)
    return out


def run(module, client=None):
    params = module.params
    tenants = {name: tenant_report(report, (params["credentials"] or {}).get(name),
                                   (params["registrations"] or {}).get(name), params["max_credential_age_days"])
               for name, report in params["tenants"].items()}
    outcomes = [t["outcome"] for t in tenants.values()]
    outcome = COULD_NOT_CHECK if COULD_NOT_CHECK in outcomes else DRIFT if DRIFT in outcomes else IN_SYNC
    report = {"tenants": tenants, "outcome": outcome,
              "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    report["counts"] = glance(report)
    out_dir = params["output_dir"]
    files = [os.path.join(out_dir, "converge-report.html"), os.path.join(out_dir, "converge-report.json")]
    returned = dict(changed=False, outcome=outcome, counts=report["counts"], files=[] if module.check_mode else files,
                    tenants={n: {"psa": t["psa"], "outcome": t["outcome"], "reason": t["reason"]}
                             for n, t in tenants.items()})
    if module.check_mode:
        return returned
    os.makedirs(out_dir, exist_ok=True)
    with open(files[0], "w", encoding="utf-8") as handle:
        handle.write(render(report, "converge"))
    with open(files[1], "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    return returned


def main():
    run_module([SPEC], run, requires=())


if __name__ == "__main__":
    main()
