# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.psa.drift_gate: ends a tenant's drift check with its outcome (ok, failed on drift, unreachable when it
could not be checked), so that ansible-playbook exits 0, 2 or 4. Documented in plugins/modules/drift_gate.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

SPEC = dict(report=dict(type="dict", required=True), tenant=dict(type="str"),
            fail_on_drift=dict(type="bool", default=True))


def outcome_of(report, tenant):
    """(outcome, reason, error_kind) of ``tenant`` in a registered msp.psa.drift_report result."""
    tenants = report.get("tenants")
    if report.get("failed") or not isinstance(tenants, dict):
        return ("could_not_check", "the drift report was not written: %s" % (report.get("msg") or "no result"),
                "report_failed")
    entry = tenants.get(tenant)
    if not isinstance(entry, dict) or entry.get("outcome") not in ("in_sync", "drift", "could_not_check"):
        return "could_not_check", "the drift report has no outcome for this tenant", "not_checked"
    return entry["outcome"], entry.get("reason"), entry.get("error_kind")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=SPEC)
        del validation
        tenant = args["tenant"] or (task_vars or {}).get("inventory_hostname")
        outcome, reason, kind = outcome_of(args["report"], tenant)
        result.update(changed=False, outcome=outcome, reason=reason)
        if outcome == "in_sync":
            result["msg"] = "%s: in sync" % tenant
        elif outcome == "drift":
            result["msg"] = "%s: DRIFT - %s" % (tenant, reason)
            if args["fail_on_drift"]:
                result.update(failed=True, error_kind="drift")
            else:
                result["msg"] += " (not failing: fail_on_drift is false)"
        else:
            # ansible-playbook exits 4 when a host was unreachable, and that wins over failed hosts (2)
            result.update(unreachable=True, error_kind=kind or "could_not_check",
                          msg="%s: COULD NOT CHECK (%s) - %s" % (tenant, kind or "could_not_check", reason))
        return result
