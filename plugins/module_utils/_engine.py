# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""Vendor-neutral desired-vs-actual comparison: what differs, whether the API can fix it or only the
vendor's UI can (and where), and the before/after diff. Only options the user set are compared."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Field:
    """One managed field: its friendly name, whether the API can write it, and the UI path if not."""

    def __init__(self, name, fix="api", ui_path=None, compare=None):
        self.name = name
        self.fix = fix            # "api" | "ui"
        self.ui_path = ui_path
        self.compare = compare or _equal

    def differs(self, want, have):
        return not self.compare(want, have)


def _equal(want, have):
    if isinstance(want, str) and isinstance(have, str):
        return want == have
    if isinstance(want, float) or isinstance(have, float):
        try:
            return abs(float(want) - float(have)) < 1e-9
        except (TypeError, ValueError):
            return False
    return want == have


def casefold_equal(want, have):
    return str(want or "").lower() == str(have or "").lower()


def compare(fields, desired, actual):
    """Returns the drift items for every field set in ``desired`` (None = not managed)."""
    drift = []
    for field in fields:
        want = desired.get(field.name)
        if want is None:
            continue
        have = actual.get(field.name)
        if field.differs(want, have):
            item = {"field": field.name, "want": want, "have": have, "fix": field.fix}
            if field.fix == "ui" and field.ui_path:
                item["ui_path"] = field.ui_path
            drift.append(item)
    return drift


def diff(before, after, keys):
    """Before/after of the managed keys only, sorted, as Ansible's --diff shows it."""
    pick = sorted(k for k in keys)
    return {"before": dict((k, (before or {}).get(k)) for k in pick) if before is not None else {},
            "after": dict((k, (after or {}).get(k)) for k in pick) if after is not None else {}}


def step(system, title, ui_path=None, values=None, instructions=None, secret_refs=None):
    """One manual step for the admin. Secrets appear only as store paths in ``secret_refs``."""
    out = {"system": system, "title": title, "instructions": list(instructions or [])}
    if ui_path:
        out["ui_path"] = ui_path
    if values:
        out["values"] = values
    if secret_refs:
        out["secret_refs"] = secret_refs
    return out


def validate_items(module, option, spec, mutually_exclusive=None, required_together=None, extra=None):
    """Validate each dict of a list option against the singular module's spec, so the bulk module
    documents one thing once and still fails early, naming ``option[n].field``; nested no_log values
    are masked like top-level ones."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    full = dict(spec, **(extra or {}))
    validator = ArgumentSpecValidator(full, mutually_exclusive=mutually_exclusive, required_together=required_together)
    items = []
    for n, item in enumerate(module.params[option] or []):
        result = validator.validate(item)
        module.no_log_values.update(result._no_log_values)
        if result.error_messages:
            module.fail_json(msg="%s[%d]: %s" % (option, n, "; ".join(result.error_messages)))
        items.append(result.validated_parameters)
    return items


def handoff_title(tenant, steps):
    return "[msp.psa] %s: %d manual step(s) for integration API users" % (tenant, len(steps))


def describe_steps(steps):
    """The hand-off text of a tenant's manual steps (tickets in either PSA)."""
    lines = ["msp.psa found %d step(s) only an admin can do. The next run verifies them and closes this ticket."
             % len(steps), ""]
    for n, s in enumerate(steps, 1):
        lines.append("%d. [%s] %s" % (n, s.get("system", ""), s.get("title", "")))
        if s.get("ui_path"):
            lines.append("   Where: %s" % s["ui_path"])
        for line in s.get("instructions") or []:
            lines.append("   - %s" % line)
    return "\n".join(lines)
