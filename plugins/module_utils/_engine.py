# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The vendor-neutral engine: plan, then apply.

``plan(provider, declared)`` does every read, validates the whole declaration against the PSA's own
metadata (picklists, references, lengths) and lists the intended writes; it never writes. Any
validation error ends the plan with ``errors`` (tenant, profile, field, fix) and no writes at all.
``apply(plan, provider, check_mode, diff_mode)`` carries the plan out: shared objects first (a
ConnectWise security role), then each user, re-reading by natural key right before a create and
adopting what appeared meanwhile. In check mode the clients predict instead of writing, so the
result is the plan.

A provider (``_autotask_user.AutotaskProvider``, ``_connectwise_member.ConnectWiseProvider``) knows
its wire and its field metadata; the engine knows neither. Both return the same result keys."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError


class Field:
    """One managed field: its friendly name, whether the API can write it, and the UI path if not."""

    def __init__(self, name, fix="api", ui_path=None, compare=None, aliases=()):
        self.name = name
        self.fix = fix            # "api" | "ui"
        self.ui_path = ui_path
        self.compare = compare or _equal
        self.aliases = aliases    # other keys of the view that also name the same value (an identifier)

    def differs(self, want, have, actual=None):
        return not any(self.compare(want, h) for h in [have] + [(actual or {}).get(a) for a in self.aliases])


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
        if field.differs(want, have, actual):
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


def invalid(field, message, fix=None):
    """One validation finding of a provider: the field (option name), what is wrong, how to fix it."""
    return {"field": field, "message": message, "fix": fix}


def nearest(value, choices):
    """'Did you mean' for a mistyped label, or None."""
    found = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return found[0] if found else None


def check_length(option, value, limit):
    """A finding when ``value`` is longer than the PSA field allows (``limit`` from its metadata)."""
    if value is None or not limit or len(str(value)) <= limit:
        return []
    return [invalid(option, "%r has %d characters; the PSA field holds at most %d." % (value, len(str(value)), limit),
                    "Shorten it to %d characters." % limit)]


def check_choice(option, value, choices, what):
    """A finding when ``value`` is not one of ``choices`` (case-insensitive), with the nearest name."""
    if value is None or any(casefold_equal(value, c) for c in choices):
        return []
    guess = nearest(value, choices)
    return [invalid(option, "%r is not a %s of this PSA (it has: %s)." % (value, what, ", ".join(sorted(str(c) for c in choices)) or "none"),
                    ("Did you mean %r?" % guess) if guess else "Use one of the listed names, or create it in the PSA first.")]


class Provider(object):
    """What the engine needs of one PSA. Subclasses are thin: the wire is in the PSA client.

    ``key``: the natural key option (``username`` / ``identifier``); ``can_create``: whether the API can
    create a missing user."""

    psa = None
    psa_label = None
    key = None
    can_create = False
    inspector = None   # optional ``f(provider, item, record) -> [finding]``: the stored credential (drift check);
    #                    with a ``standing(item)`` method, its result is the user's ``credential`` (ages, due dates)

    def check_input(self, item):
        """Findings from the declaration alone (no request)."""
        return []

    def read_all(self, declared):
        """Every read the plan needs: ``{natural key lowercased: record}`` of the users it may touch."""
        raise NotImplementedError

    def reread(self, name):
        """The record by natural key right now (before a create), or None."""
        raise NotImplementedError

    def validate(self, item, record):
        """Findings against the PSA's metadata, picklists and references (reads done by ``read_all``)."""
        return []

    def plan_shared(self, declared, records):
        """Objects several users depend on (a ConnectWise security role): a list of shared plans. ``records``:
        what ``read_all`` returned (the users' records may already name a shared object's id)."""
        return []

    def apply_shared(self, shared, check_mode):
        """Carry out one shared plan; returns its result."""
        return shared

    def want(self, item):
        raise NotImplementedError

    def view(self, record, want):
        raise NotImplementedError

    def fields(self, item):
        raise NotImplementedError

    def to_api(self, drift, item):
        raise NotImplementedError

    def create_body(self, item):
        raise NotImplementedError

    def predict(self, item):
        """The view of a user the plan would create."""
        return dict((k, v) for k, v in self.want(item).items() if v is not None)

    def create(self, body):
        raise NotImplementedError

    def update(self, record, changes):
        raise NotImplementedError

    def missing_steps(self, item):
        """The UI steps for a user the API cannot create."""
        return []

    def extra(self, item, record, before):
        """Further findings and writes for an existing user: ``(drift, writes, unverifiable, facts)``."""
        return [], [], [], {}

    def findings(self, item, record):
        """Drift that is not a field of the user (a role's missing levels, say), for existing and new users."""
        return []

    def write(self, write, record):
        """Carry out one extra write (re-reading before any create)."""
        raise NotImplementedError

    def orphans(self, records, declared):
        """Records of API users declared nowhere: ``[(record, view)]``."""
        return []

    def deactivate(self, record):
        raise NotImplementedError


class ItemPlan:
    def __init__(self, item, name):
        self.item = item
        self.name = name
        self.record = None
        self.before = None
        self.action = "none"       # none | create | update | missing | absent
        self.body = None
        self.changes = {}
        self.drift = []
        self.writes = []
        self.manual_steps = []
        self.unverifiable = []
        self.facts = {}


class Plan:
    def __init__(self, psa, tenant=None):
        self.psa = psa
        self.tenant = tenant
        self.errors = []
        self.items = []
        self.shared = []
        self.orphans = []

    def intended_writes(self):
        """What apply would write, for --check and for the operator: one line per write."""
        out = []
        for s in self.shared:
            if s.get("action") == "create":
                out.append({"action": "create", "object": s["kind"], "name": s["name"]})
        for it in self.items:
            if it.action == "create":
                out.append({"action": "create", "object": "user", "name": it.name})
            if it.changes:
                out.append({"action": "update", "object": "user", "name": it.name, "fields": sorted(
                    d["field"] for d in it.drift if d["fix"] == "api")})
            for w in it.writes:
                out.append({"action": w["action"], "object": w["object"], "name": it.name, "value": w.get("label")})
        for record, view in self.orphans:
            if view.get("inactivate"):
                out.append({"action": "deactivate", "object": "user", "name": view["name"]})
        return out

    def raise_errors(self):
        if not self.errors:
            return
        lines = []
        for e in self.errors:
            parts = [("tenant %s" % self.tenant) if self.tenant else "",
                     ("profile %s" % e["profile"]) if e.get("profile") else "",
                     ("user %s" % e["name"]) if e.get("name") else ""]
            where = " ".join(p for p in parts if p) or "declaration"
            fix = (" Fix: " + e["fix"]) if e.get("fix") else ""
            lines.append("%s: %s: %s%s" % (where, e["field"], e["message"], fix))
        raise PSAError("The declaration has %d error(s); nothing was written:\n- %s" % (len(lines), "\n- ".join(lines)),
                       kind="invalid_input", details={"errors": self.errors})


def _err(provider, item, finding):
    return dict(finding, profile=item.get("profile"), name=item.get(provider.key))


def plan(provider, declared, tenant=None, inactivate_orphans=False, report_orphans=True):
    """Read, validate, decide. Never writes. Errors stop the plan before any per-user decision."""
    p = Plan(provider.psa, tenant)
    seen = set()
    for item in declared:
        for finding in provider.check_input(item):
            p.errors.append(_err(provider, item, finding))
        name = (item.get(provider.key) or "").lower()
        if name in seen:
            p.errors.append(_err(provider, item, invalid(provider.key, "declared twice.",
                                                         "Declare each API user once per tenant.")))
        seen.add(name)
    if p.errors:
        return p
    records = provider.read_all(declared)
    p.shared = provider.plan_shared(declared, records)
    for item in declared:
        for finding in provider.validate(item, records.get(item[provider.key].lower())):
            p.errors.append(_err(provider, item, finding))
    if p.errors:
        return p
    for item in declared:
        p.items.append(plan_item(provider, item, records.get(item[provider.key].lower())))
    if report_orphans:
        for record, view in provider.orphans(records, declared):
            view["inactivate"] = bool(inactivate_orphans and view.get("active"))
            p.orphans.append((record, view))
    return p


def findings(provider, item, record):
    """What keeps an integration from working besides the user's own fields: the provider's (a role's
    missing levels) and, when the caller asked, the stored credential's."""
    out = provider.findings(item, record)
    if provider.inspector is not None:
        out = out + provider.inspector(provider, item, record)
    return out


def credential_standing(provider, it):
    """The user's ``credential`` (state, age, rotation due date, registrations) when the inspector that read the
    stored credential tells it: what the fleet report shows besides the findings."""
    standing = getattr(provider.inspector, "standing", None)
    found = standing(it.item) if standing is not None else None
    if found:
        it.facts["credential"] = found


def plan_item(provider, item, record):
    it = ItemPlan(item, item[provider.key])
    it.record = record
    absent = item.get("state") == "absent"
    if record is None:
        if absent:
            it.action = "absent"
        elif provider.can_create:
            it.action = "create"
            it.body = provider.create_body(item)
            it.drift.append({"field": "exists", "want": True, "have": False, "fix": "api"})
        else:
            it.action = "missing"
            it.manual_steps = provider.missing_steps(item)
            it.drift.append({"field": "exists", "want": True, "have": False, "fix": "ui"})
        if not absent:
            it.drift.extend(findings(provider, item, record))
            credential_standing(provider, it)
        return it
    want = {"active": False} if absent else provider.want(item)
    it.before = provider.view(record, want)
    it.drift = compare(provider.fields(item), want, it.before)
    api = [d for d in it.drift if d["fix"] == "api"]
    if api:
        it.changes = provider.to_api(api, item)
        it.action = "update"
    if not absent:
        drift, writes, unverifiable, facts = provider.extra(item, record, it.before)
        it.drift.extend(drift)
        it.writes = writes
        it.unverifiable = unverifiable
        it.facts = facts
    it.drift.extend(findings(provider, item, record) if not absent else [])
    if not absent:
        credential_standing(provider, it)
    for d in it.drift:
        if d["fix"] == "ui" and not d.get("step_elsewhere"):
            it.manual_steps.append(step(provider.psa_label, "Set %s of %s to %s" % (d["field"], it.name, d["want"]),
                                        d.get("ui_path"), values={d["field"]: d["want"]}))
    it.manual_steps.extend(it.facts.pop("manual_steps", []))
    return it


def apply(p, provider, check_mode, diff_mode):
    """Carry the plan out (the clients predict in check mode). Returns the module result."""
    p.raise_errors()
    shared = [provider.apply_shared(s, check_mode) for s in p.shared]
    results = [apply_item(provider, it, check_mode, diff_mode) for it in p.items]
    orphans = []
    for record, view in p.orphans:
        view = dict(view)
        if view.pop("inactivate", False):
            provider.deactivate(record)
            view.update(active=False, inactivated=True)
        orphans.append(view)
    summary = {}
    for r in results:
        summary[r["state"]] = summary.get(r["state"], 0) + 1
    out = {"changed": any(r["changed"] for r in results) or any(o.get("inactivated") for o in orphans)
           or any(s.get("changed") for s in shared),
           "users": results, "orphans": orphans, "summary": summary, "plan": p.intended_writes(),
           "manual_steps": [dict(s, profile=sh.get("profile")) for sh in shared for s in sh.get("manual_steps", [])]
           + [dict(s, **{provider.key: r["name"], "profile": r.get("profile")}) for r in results for s in r["manual_steps"]]}
    if shared:
        out["shared"] = shared
    if diff_mode:
        out["diff"] = [dict(r["diff"], before_header=r["name"], after_header=r["name"]) for r in results if r.get("diff")]
    for r in results:
        r.pop("diff", None)
    return out


def apply_item(provider, it, check_mode, diff_mode):
    item = it.item
    result = {"name": it.name, provider.key: it.name, "profile": item.get("profile"), "changed": False,
              "drift": [], "fixed": [], "manual_steps": list(it.manual_steps), "unverifiable": list(it.unverifiable)}
    result.update(it.facts)
    if it.action == "absent":
        result.update(state="absent", record=None)
        return result
    if it.action == "missing":
        result.update(state="missing", record=None, drift=list(it.drift))
        return result
    if it.action == "create":
        fresh = None if check_mode else provider.reread(it.name)
        if fresh is None:
            record = provider.create(it.body)
            after = provider.view(record, provider.want(item)) if not check_mode else dict(
                provider.predict(item), id=None, **{provider.key: it.name})
            result.update(changed=True, state="created", record=after)
            result["drift" if check_mode else "fixed"] = [d for d in it.drift if d["fix"] == "api"]
            if not check_mode:
                result["drift"] = [d for d in it.drift if d["fix"] != "api"]
            if diff_mode:
                result["diff"] = {"before": {}, "after": after}
            return result
        it = plan_item(provider, item, fresh)  # another run created it meanwhile: adopt it
        result["adopted"] = True
        result["manual_steps"] = list(it.manual_steps)
    record = it.record
    after = it.before
    if it.changes:
        record = provider.update(record, it.changes)
        after = provider.view(record, {"active": False} if item.get("state") == "absent" else provider.want(item))
        if check_mode:
            after.update(dict((d["field"], d["want"]) for d in it.drift if d["fix"] == "api"))
        result["changed"] = True
    for w in it.writes:
        if provider.write(w, record):
            result["changed"] = True
            after = dict(after, **{w["field"]: w["label"]})
    api = [d for d in it.drift if d["fix"] == "api"]
    remaining = [d for d in it.drift if d["fix"] != "api"]
    result["drift"] = it.drift if check_mode else remaining
    result["fixed"] = [] if check_mode else api
    result["record"] = after
    if item.get("state") == "absent":
        result["state"] = "absent"
    elif remaining or result.get("permissions_missing") or result.get("credentials") in ("invalid", "locked"):
        result["state"] = "drift"
    else:
        result["state"] = "updated" if result["changed"] else "ok"
    if diff_mode:
        want = provider.want(item) if item.get("state") != "absent" else {"active": False}
        keys = [k for k in want if want[k] is not None] + [w["field"] for w in it.writes] + [
            d["field"] for d in it.drift if d["field"] not in want]
        result["diff"] = diff(it.before, after, [k for k in set(keys) if k in it.before or k in after])
    return result


def converge(provider, declared, check_mode, diff_mode, tenant=None, inactivate_orphans=False, report_orphans=True):
    """plan + apply: what every module that converges API users calls."""
    return apply(plan(provider, declared, tenant, inactivate_orphans, report_orphans), provider, check_mode, diff_mode)


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


def converge_one(provider, item, check_mode, diff_mode, tenant=None):
    """A singular module: the same plan and apply over a declaration of one (no orphans)."""
    out = converge(provider, [item], check_mode, diff_mode, tenant, report_orphans=False)
    result = out["users"][0]
    result.update(changed=out["changed"], plan=out["plan"])
    if out.get("diff"):
        result["diff"] = {"before": out["diff"][0]["before"], "after": out["diff"][0]["after"]}
    return result
