# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The fleet report people open: one self-contained HTML page (inline CSS, no script, no font, no image,
nothing fetched) for a drift check (msp.psa.drift_report) or a converge (msp.psa.converge_report).

Two steps, both pure:

* :func:`tenant_facts` picks from one tenant's module result the facts the page shows - the findings with
  their fixes, the credentials, the registrations, the manual steps, the orphans - by name, field by field.
  Nothing else of the result is copied, so a value the modules never return redacted (a record, a step's
  ``values``) cannot reach the page, and what is copied is already what the modules return.
* :func:`render` turns a fleet report (``tenants``: per tenant its ``psa``, ``outcome``, ``reason`` and
  those facts; ``counts``; ``outcome``) into the page. Every value goes through :func:`html.escape`.

The page fits 1280 px without scrolling sideways: tables have a fixed layout and long values wrap anywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
from html import escape

IN_SYNC, DRIFT, COULD_NOT_CHECK = "in_sync", "drift", "could_not_check"
OUTCOME_LABELS = {IN_SYNC: "in sync", DRIFT: "drift", COULD_NOT_CHECK: "could not check"}
# a converge's tenant drifts when something is left the converge could not fix, and could not be checked when it
# did not converge
LABELS = {"drift_check": OUTCOME_LABELS,
          "converge": {IN_SYNC: "in sync", DRIFT: "drift left", COULD_NOT_CHECK: "not converged"}}
TITLES = {"drift_check": "msp.psa drift check", "converge": "msp.psa converge"}
CREDENTIAL_FIELDS = ("credential", "rotation", "credential_age", "login", "api_key")
STEP_KEYS = ("system", "title", "ui_path")

CSS = """
*{box-sizing:border-box}
body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#1d2733;background:#f4f6f8}
main{max-width:1200px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
p.meta{margin:0 0 16px;color:#5b6875}
.glance{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:12px 0}
.card{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:12px 14px}
.card b{display:block;font-size:28px;line-height:1.1}
.card span{color:#5b6875}
.banner{border-radius:6px;padding:10px 14px;font-weight:600;margin:8px 0 4px;color:#fff}
table{width:100%;border-collapse:collapse;table-layout:fixed;background:#fff;margin:4px 0 8px}
th,td{border:1px solid #d8dee4;padding:6px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere;word-break:break-word}
th{background:#eef1f4;font-weight:600}
section.tenant{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:4px 16px 12px;margin:16px 0}
section.tenant table{background:#fafbfc}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.in_sync{background:#2e7d32}.drift{background:#c62828}.could_not_check{background:#6a1b9a}.handoff{background:#ef6c00}
.none{color:#5b6875;font-style:italic}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-word}
ul{margin:4px 0 8px;padding-left:20px}li{overflow-wrap:anywhere;word-break:break-word}
"""


def text(value):
    """A value as the page shows it: strings as they are, everything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _profile_of(result):
    """The profile a registered loop result is about: its own ``profile`` or its loop item's (nested loops)."""
    seen = 0
    while isinstance(result, dict) and seen < 5:
        if isinstance(result.get("profile"), str):
            return result["profile"]
        result, seen = result.get("item"), seen + 1
    return None


def _step(step):
    step = step if isinstance(step, dict) else {"title": text(step)}
    return {k: text(step.get(k)) for k in STEP_KEYS if step.get(k)}


def _who(item):
    return item.get("username") or item.get("identifier") or item.get("name")


def tenant_facts(result, manual_steps=None):
    """From one tenant's result (``users``/``members``, ``shared``, ``orphans``, ``manual_steps``): its
    ``findings`` (profile, user, field, want, have, fix, ui_path, detail), ``credentials`` and
    ``registrations`` (each user's stored credential - state, age, rotation due date - and vendor registrations
    when the check read the secret store, else the credential findings) and ``manual_steps`` (system, title,
    ui_path)."""
    result = result if isinstance(result, dict) else {}
    findings, credentials, registrations, standings, standing_regs = [], [], [], [], []
    for item in result.get("users") or result.get("members") or []:
        profile, who = item.get("profile"), _who(item)
        drift = list(item.get("drift") or [])
        if item.get("state") == "missing" and not any(d.get("field") == "exists" for d in drift):
            drift.insert(0, {"field": "exists", "want": "exists", "have": "missing", "fix": "ui"})
        for d in drift:
            entry = {"profile": profile, "user": who, "field": text(d.get("field")), "want": d.get("want"),
                     "have": d.get("have"), "fix": d.get("fix") or "api", "ui_path": d.get("ui_path"),
                     "detail": d.get("detail")}
            findings.append(entry)
            field = entry["field"]
            if field.startswith("registration:"):
                registrations.append({"profile": profile, "vendor": field.split(":", 1)[1], "state": text(d.get("have")),
                                      "detail": d.get("detail")})
            elif field in CREDENTIAL_FIELDS:
                credentials.append({"profile": profile, "user": who, "state": "%s: %s" % (field, text(d.get("have"))),
                                    "detail": d.get("detail")})
        for p in item.get("permissions_missing") or []:
            findings.append(_permission_finding(profile, who, p))
        standing = item.get("credential")
        if isinstance(standing, dict):  # the stored credential's standing (a drift check with the secret store)
            standings.append({"profile": profile, "state": text(standing.get("state")),
                              "phase": text(standing.get("phase")), "path": text(standing.get("path")),
                              "age_days": standing.get("age_days"), "rotation_due": standing.get("rotation_due"),
                              "login": None})
            standing_regs.extend({"profile": profile, "vendor": vendor, "state": text(state), "detail": None}
                                 for vendor, state in sorted((standing.get("registrations") or {}).items()))
    # a member's role_permissions finding already names its role's missing levels: not listed twice
    shared = [] if any(f["field"] == "role_permissions" for f in findings) else result.get("shared") or []
    for role in shared:
        name = role.get("name") or (role.get("role") or {}).get("name") or "?"
        for p in role.get("permissions_missing") or []:
            findings.append(_permission_finding(role.get("profile"), "security role %s" % name, p))
    steps = manual_steps if manual_steps is not None else result.get("manual_steps")
    # every stored credential's standing when the check read the store, else the credential findings alone
    # (which the findings table lists as well)
    return {"findings": findings, "credentials": standings or credentials,
            "registrations": standing_regs or registrations, "manual_steps": [_step(s) for s in steps or []]}


def _permission_finding(profile, who, p):
    what = p.get("entity") or " ".join(str(p[k]) for k in ("module", "function") if p.get(k)) or "?"
    return {"profile": profile, "user": who, "field": "permission %s" % what,
            "want": p.get("want") if p.get("want") is not None else p.get("action") or p.get("level"),
            "have": p.get("have"), "fix": "ui", "ui_path": p.get("ui_path"), "detail": None}


def credential_facts(results, max_age_days=0, today=None):
    """Per declared user, the state of its stored credential from msp.psa.api_credential's registered loop
    results: profile, state, rotation phase, store path, age and the rotation due date (when
    ``max_age_days`` is set). Names and dates only, never a value or a fingerprint."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    out = []
    for r in results or []:
        if not isinstance(r, dict) or r.get("skipped"):
            continue
        age = r.get("age_days")
        due = None
        if max_age_days and isinstance(age, (int, float)):
            due = (today - datetime.timedelta(days=float(age)) + datetime.timedelta(days=int(max_age_days))).isoformat()
        state = "failed: %s" % text(r.get("msg")) if r.get("failed") else text(r.get("state"))
        out.append({"profile": _profile_of(r), "state": state, "phase": text(r.get("phase")),
                    "path": text(r.get("path")), "age_days": None if age is None else round(float(age), 1),
                    "rotation_due": due, "login": text((r.get("login") or {}).get("outcome"))})
    return out


def registration_facts(results):
    """Per vendor, the registration's state from msp.psa.vendor_registration's registered loop results."""
    return [{"profile": _profile_of(r), "vendor": _profile_of(r), "state": text(r.get("registration")),
             "detail": r.get("detail")}
            for r in results or [] if isinstance(r, dict) and r.get("registration")]


# ---------------------------------------------------------------------------------------------------- page


def _cell(value, empty=""):
    value = text(value)
    return "<td>%s</td>" % (escape(value) if value else '<span class="none">%s</span>' % escape(empty) if empty else "")


def _table(headers, widths, rows):
    cols = "".join('<col style="width:%d%%">' % w for w in widths)
    head = "".join("<th>%s</th>" % escape(h) for h in headers)
    body = "".join("<tr>%s</tr>" % "".join(row) for row in rows)
    return "<table><colgroup>%s</colgroup><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (cols, head, body)


def _badge(outcome, labels=None):
    labels = labels or OUTCOME_LABELS
    return '<span class="badge %s">%s</span>' % (escape(outcome), escape(labels.get(outcome, outcome)))


def fix_text(finding):
    fix = text(finding.get("fix")) or "api"
    return "ui: %s" % text(finding["ui_path"]) if fix == "ui" and finding.get("ui_path") else fix


def glance(report):
    """The counts at a glance: tenants per outcome and the hand-offs (tenants with manual steps) waiting."""
    tenants = report.get("tenants") or {}
    counts = {k: sum(1 for t in tenants.values() if t.get("outcome") == k) for k in OUTCOME_LABELS}
    waiting = [t for t in tenants.values() if t.get("manual_steps")]
    counts["handoffs"] = len(waiting)
    counts["manual_steps"] = sum(len(t["manual_steps"]) for t in waiting)
    return counts


def _could_not_check(t, labels):
    kind = text(t.get("error_kind"))
    return escape(labels[COULD_NOT_CHECK] + (" (%s)" % kind if kind and kind != COULD_NOT_CHECK else ""))


def _tenant_section(name, t, labels):
    out = ['<section class="tenant" id="tenant-%s">' % escape(name, quote=True),
           "<h2>%s %s</h2>" % (escape(name), _badge(t.get("outcome"), labels)),
           '<p class="meta">PSA: %s%s</p>' % (escape(text(t.get("psa"))), (
               " &middot; %s: %s" % (_could_not_check(t, labels) if t.get("outcome") == COULD_NOT_CHECK else "reason",
                                     escape(text(t.get("reason")))))
               if t.get("reason") else "")]
    findings = t.get("findings") or []
    creds = t.get("credentials") or []
    regs = t.get("registrations") or []
    steps = t.get("manual_steps") or []
    if not (findings or creds or regs or steps):
        out.append('<p class="none">%s</p>' % (
            "Not checked: no findings, credentials or manual steps to show." if t.get("outcome") == COULD_NOT_CHECK else
            "Everything matches the declaration; no credential or registration findings; no manual steps waiting."))
    if findings:
        out.append("<h3>Findings (%d)</h3>" % len(findings))
        out.append(_table(["profile", "user", "field", "want", "have", "fix"], [11, 17, 14, 20, 20, 18], [
            [_cell(f.get("profile")), _cell(f.get("user")), _cell(f.get("field")), _cell(f.get("want")),
             _cell(f.get("have")), _cell(fix_text(f) + (" - %s" % text(f["detail"]) if f.get("detail") else ""))]
            for f in findings]))
    if creds:
        out.append("<h3>Credentials (%d)</h3>" % len(creds))
    if creds and "path" in creds[0]:
        out.append(_table(["profile", "state", "rotation phase", "store path", "age (days)", "rotation due", "login"],
                          [12, 14, 11, 27, 9, 13, 14], [
                              [_cell(c.get("profile")), _cell(c.get("state")), _cell(c.get("phase")), _cell(c.get("path")),
                               _cell(c.get("age_days"), "-"), _cell(c.get("rotation_due"), "no schedule"),
                               _cell(c.get("login"))] for c in creds]))
    elif creds:
        out.append(_table(["profile", "user", "state", "detail"], [12, 20, 18, 50], [
            [_cell(c.get("profile")), _cell(c.get("user")), _cell(c.get("state")), _cell(c.get("detail"))] for c in creds]))
    if regs:
        out.append("<h3>Registrations (%d)</h3>" % len(regs))
        out.append(_table(["vendor", "state", "detail"], [20, 20, 60], [
            [_cell(r.get("vendor")), _cell(r.get("state")), _cell(r.get("detail"))] for r in regs]))
    if steps:
        out.append("<h3>Manual steps waiting (%d)</h3>" % len(steps))
        out.append(_table(["system", "step", "where"], [14, 56, 30], [
            [_cell(s.get("system")), _cell(s.get("title")), _cell(s.get("ui_path"))] for s in steps]))
    orphans = [o for o in t.get("orphans") or [] if isinstance(o, dict) and (o.get("active") or o.get("inactivated"))]
    if orphans:
        out.append("<h3>API users declared nowhere (%d)</h3><ul>%s</ul>" % (len(orphans), "".join(
            "<li>%s%s</li>" % (escape(text(o.get("username") or o.get("identifier"))),
                               " (deactivated by this run)" if o.get("inactivated") else "") for o in orphans)))
    out.append("</section>")
    return "".join(out)


def render(report, kind="drift_check"):
    """The whole page for a fleet report (the dict drift-report.json holds), as a string."""
    tenants = report.get("tenants") or {}
    counts = glance(report)
    outcome = report.get("outcome") or IN_SYNC
    title = TITLES.get(kind, TITLES["drift_check"])
    labels = LABELS.get(kind, OUTCOME_LABELS)
    exit_line = " (ansible-playbook exit %s)" % escape(text(report.get("exit_code"))) \
        if report.get("exit_code") is not None else ""
    cards = "".join('<div class="card"><b>%d</b><span>%s</span></div>' % (n, escape(label)) for n, label in (
        (len(tenants), "tenants"), (counts[IN_SYNC], labels[IN_SYNC]), (counts[DRIFT], labels[DRIFT]),
        (counts[COULD_NOT_CHECK], labels[COULD_NOT_CHECK]),
        (counts["handoffs"], "hand-offs waiting (%d manual steps)" % counts["manual_steps"])))
    overview = _table(["tenant", "PSA", "outcome", "findings", "manual steps", "reason"], [16, 10, 12, 8, 9, 45], [
        ['<td><a href="#tenant-%s">%s</a></td>' % (escape(n, quote=True), escape(n)), _cell(t.get("psa")),
         "<td>%s</td>" % _badge(t.get("outcome"), labels), _cell(len(t.get("findings") or [])),
         _cell(len(t.get("manual_steps") or [])), _cell(t.get("reason"))]
        for n, t in sorted(tenants.items())])
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>%s report</title><style>%s</style></head><body><main>" % (escape(title), CSS),
             "<h1>%s report</h1>" % escape(title),
             '<p class="meta">%s</p>' % " &middot; ".join(escape(x) for x in (
                 "generated %s" % text(report["generated_at"]) if report.get("generated_at") else "",
                 "%d tenants" % len(tenants)) if x),
             '<div class="banner %s">Fleet: %s%s</div>' % (escape(outcome), escape(labels.get(outcome, outcome)),
                                                           exit_line),
             '<h2>At a glance</h2><div class="glance">%s</div>' % cards,
             "<h2>Tenants</h2>%s" % overview]
    parts += [_tenant_section(n, t, labels) for n, t in sorted(tenants.items())]
    parts.append("</main></body></html>\n")
    return "".join(parts)
