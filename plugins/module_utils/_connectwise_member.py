# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""ConnectWise API members, security roles and API keys: create what the API allows, verify the
rest, and hand out the UI steps for what only the UI can do (role levels, key pairs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._connectwise import UI_API_MEMBERS, condition
from ansible_collections.msp.psa.plugins.module_utils._engine import Field, casefold_equal, compare, diff, step
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError

LEVELS = ("None", "My", "All")
LEVEL_KEYS = (("add", "addLevel"), ("edit", "editLevel"), ("delete", "deleteLevel"), ("inquire", "inquireLevel"))
MEMBER_REFS = {"security_role": "securityRole", "default_department": "defaultDepartment",
               "default_location": "defaultLocation", "security_location": "securityLocation",
               "structure_level": "structureLevel", "time_zone": "timeZone"}
MEMBER_SPEC = dict(
    identifier=dict(type="str", required=True),
    name=dict(type="str"),
    email=dict(type="str"),
    security_role=dict(type="str"),
    default_department=dict(type="str"),
    default_location=dict(type="str"),
    security_location=dict(type="str"),
    structure_level=dict(type="str"),
    time_zone=dict(type="str"),
    notes=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
PERMISSION_SPEC = dict(type="list", elements="dict", options=dict(
    module=dict(type="str", required=True),
    function=dict(type="str", required=True),
    add=dict(type="str", choices=list(LEVELS)),
    edit=dict(type="str", choices=list(LEVELS)),
    delete=dict(type="str", choices=list(LEVELS)),
    inquire=dict(type="str", choices=list(LEVELS)),
    custom_items=dict(type="list", elements="str"),
))


def validate_member(params):
    ident = params["identifier"]
    if not ident or len(ident) > 15 or not ident.replace("_", "").replace("-", "").isalnum():
        raise PSAError("identifier %r must be 1 to 15 letters or digits (ConnectWise Member ID)." % ident,
                       kind="invalid_input", fix="For Sync 365 the seed uses S365.")
    if params.get("name") and len(params["name"]) > 30:
        raise PSAError("name must be at most 30 characters (it has %d)." % len(params["name"]), kind="invalid_input")
    if params.get("email") and len(params["email"]) > 250:
        raise PSAError("email must be at most 250 characters.", kind="invalid_input")


def ref_name(ref):
    if not ref:
        return None
    return ref.get("name") or ref.get("identifier")


def member_view(record):
    if record is None:
        return None
    out = {"id": record.get("id"), "identifier": record.get("identifier"), "name": record.get("name"),
           "email": record.get("emailAddress"), "notes": record.get("notes"),
           "active": not record.get("inactiveFlag")}
    for option, key in MEMBER_REFS.items():
        out[option] = ref_name(record.get(key))
    dep = record.get("defaultDepartment") or {}
    out["default_department_identifier"] = dep.get("identifier")
    return out


def _department_equal(want, have_pair):
    return any(casefold_equal(want, h) for h in have_pair if h)


class References:
    """Name -> reference object, one list request per table per run, only when a write needs it."""

    def __init__(self, client):
        self.client = client
        self._tables = {}

    def _table(self, path):
        if path not in self._tables:
            self._tables[path] = self.client.list(path)
        return self._tables[path]

    def resolve(self, option, value):
        if value is None:
            return None
        if option == "security_role":
            rows = self.client.list("system/securityroles", condition("name", "=", value))
        elif option == "default_department":
            rows = [d for d in self._table("system/departments")
                    if casefold_equal(d.get("identifier"), value) or casefold_equal(d.get("name"), value)]
        elif option in ("default_location", "security_location"):
            rows = [d for d in self._table("system/locations") if casefold_equal(d.get("name"), value)]
        else:  # structure level and time zone: by id when numeric, else by name
            return {"id": int(value)} if str(value).isdigit() else {"name": value}
        if not rows:
            raise PSAError("%s: ConnectWise has no %s named %r." % (option, option.replace("_", " "), value),
                           kind="invalid_input", fix="Use an existing name, or create it in ConnectWise first.")
        return {"id": rows[0]["id"]}


def ensure_member(params, client, check_mode, diff_mode, preloaded=None, refs=None):
    validate_member(params)
    ident = params["identifier"]
    rows = preloaded if preloaded is not None else client.list("system/apiMembers", condition("identifier", "=", ident))
    record = rows[0] if rows else None
    refs = refs or References(client)
    result = {"changed": False, "identifier": ident, "drift": [], "manual_steps": []}
    before = member_view(record)
    if record is None:
        if params["state"] == "absent":
            result.update(state="absent", api_member=None)
            return result
        body = {"identifier": ident, "name": params.get("name") or ident}
        if params.get("email"):
            body["emailAddress"] = params["email"]
        if params.get("notes") is not None:
            body["notes"] = params["notes"]
        for option, key in MEMBER_REFS.items():
            if params.get(option):
                body[key] = refs.resolve(option, params[option])
        created = client.create("system/apiMembers", body)
        after = member_view(created)
        if check_mode:
            after.update(dict((o, params.get(o)) for o in MEMBER_REFS if params.get(o)))
        result.update(changed=True, state="created", api_member=after)
        if diff_mode:
            result["diff"] = {"before": {}, "after": after}
        return result
    want = dict((k, params.get(k)) for k in ("name", "email", "notes") + tuple(MEMBER_REFS))
    want["active"] = False if params["state"] == "absent" else True
    if params["state"] == "absent":
        want = {"active": False}
    fields = [Field("name"), Field("email", compare=casefold_equal), Field("notes"), Field("active"),
              Field("default_department", compare=lambda w, h: _department_equal(w, (h, before.get("default_department_identifier"))))]
    fields += [Field(o, compare=casefold_equal) for o in MEMBER_REFS if o != "default_department"]
    drift = compare(fields, want, before)
    changes = {}
    for item in drift:
        name = item["field"]
        if name in MEMBER_REFS:
            changes[MEMBER_REFS[name]] = refs.resolve(name, item["want"])
        elif name == "active":
            changes["inactiveFlag"] = not item["want"]
        else:
            changes[{"email": "emailAddress"}.get(name, name)] = item["want"]
    after = before
    if changes:
        updated = client.patch("system/apiMembers/%d" % record["id"], record, changes)
        after = member_view(updated)
        if check_mode:
            after.update(dict((d["field"], d["want"]) for d in drift))
        result["changed"] = True
    result["api_member"] = after
    result["drift"] = drift if check_mode else []
    result["fixed"] = [] if check_mode else drift
    result["state"] = "absent" if params["state"] == "absent" else ("updated" if changes else "ok")
    if diff_mode:
        keys = [k for k, v in want.items() if v is not None]
        result["diff"] = diff(before, after, keys)
    return result


# -- security roles ------------------------------------------------------------------------------
def compare_permissions(settings, wanted):
    """Each wanted level that the role's settings do not have: (missing|excess) with the UI path."""
    index = dict(((s.get("moduleName", "").lower(), s.get("moduleFunctionName", "").lower()), s) for s in settings)
    gaps, unverifiable = [], []
    for perm in wanted or []:
        setting = index.get((perm["module"].lower(), perm["function"].lower()))
        if setting is None:
            gaps.append({"module": perm["module"], "function": perm["function"], "level": None, "want": None,
                         "have": None, "problem": "unknown module function"})
            continue
        for short, key in LEVEL_KEYS:
            want = perm.get(short)
            if want is None:
                continue
            have = setting.get(key) or "None"
            if have != want:
                gaps.append({"module": perm["module"], "function": perm["function"], "level": short, "want": want,
                             "have": have, "problem": "missing" if LEVELS.index(have) < LEVELS.index(want) else "excess"})
        if perm.get("custom_items"):
            if not setting.get("customFlag"):
                gaps.append({"module": perm["module"], "function": perm["function"], "level": "customize",
                             "want": perm["custom_items"], "have": [], "problem": "missing"})
            else:
                unverifiable.append({"module": perm["module"], "function": perm["function"], "want": perm["custom_items"],
                                     "why": "role settings show only that the function is customised; which tables "
                                            "are allowed is visible only to a member of the role (system/mySecurity/customizeItems)."})
    return gaps, unverifiable


def permission_steps(role_name, gaps):
    steps = []
    by_function = {}
    for g in gaps:
        by_function.setdefault((g["module"], g["function"]), []).append(g)
    for (module, function), items in sorted(by_function.items()):
        lines, values = [], {}
        for g in items:
            if g["level"] == "customize":
                lines.append("Customize: allow %s." % ", ".join(g["want"]))
                values["Customize"] = g["want"]
            elif g["level"]:
                lines.append("%s Level: %s (now %s)." % (g["level"].capitalize(), g["want"], g["have"]))
                values["%s Level" % g["level"].capitalize()] = g["want"]
            else:
                lines.append("ConnectWise has no module function %s > %s; check the spelling." % (module, function))
        steps.append(step("ConnectWise", "Set %s > %s in security role %s" % (module, function, role_name),
                          "System > Security Roles > %s > %s > %s" % (role_name, module, function),
                          values=values, instructions=lines + ["Save. The next run verifies the levels."]))
    return steps


def ensure_role(params, client, check_mode):
    name = params["name"]
    if len(name) > 30:
        raise PSAError("name must be at most 30 characters.", kind="invalid_input")
    rows = client.list("system/securityroles", condition("name", "=", name))
    role = rows[0] if rows else None
    result = {"changed": False, "name": name, "manual_steps": [], "permissions_missing": [], "unverifiable": []}
    if params["state"] == "absent":
        if role is not None:
            if not check_mode:
                client.call("DELETE", "system/securityroles/%d" % role["id"])
            result["changed"] = True
        result.update(state="absent", role=None)
        return result
    settings = []
    if role is None:
        role = client.create("system/securityroles", {"name": name})
        result["changed"] = True
    if role.get("id") is not None:
        settings = client.list("system/securityRoles/%d/settings" % role["id"])
    gaps, unverifiable = compare_permissions(settings, params.get("permissions"))
    if role.get("id") is None:  # check mode, role not created: every wanted level is a gap
        gaps, unverifiable = compare_permissions([], [])[0], []
        for perm in params.get("permissions") or []:
            for short, dummy in LEVEL_KEYS:
                if perm.get(short) not in (None, "None"):
                    gaps.append({"module": perm["module"], "function": perm["function"], "level": short,
                                 "want": perm[short], "have": "None", "problem": "missing"})
    result["role"] = {"id": role.get("id"), "name": role.get("name", name)}
    result["permissions_missing"] = gaps
    result["unverifiable"] = unverifiable
    result["manual_steps"] = permission_steps(name, gaps)
    result["state"] = "drift" if gaps else ("created" if result["changed"] else "ok")
    return result


# -- API keys ------------------------------------------------------------------------------------
def key_steps(identifier, description, store_path):
    lines = ["In ConnectWise PSA, go to %s, open %s." % (UI_API_MEMBERS, identifier),
             "Open the API Keys tab and click +.",
             "Description: %s; Save." % description,
             "The public and private keys display once: the private key cannot be seen again."]
    if store_path:
        lines.append("Store them at %s (fields public_key and private_key) before closing the dialog." % store_path)
    else:
        lines.append("Store both in your password manager before closing the dialog.")
    lines.append("The next run verifies that the pair authenticates as %s." % identifier)
    return [step("ConnectWise", "Create an API key pair for %s" % identifier,
                 "%s > %s > API Keys > +" % (UI_API_MEMBERS, identifier), values={"Description": description},
                 instructions=lines, secret_refs={"api_key": store_path} if store_path else None)]


def ensure_members(params, client, check_mode, diff_mode):
    """All declared API members of one company in one call: one list request, then the per-member logic."""
    declared = [dict(m) for m in params["members"]]
    for m in declared:
        validate_member(m)
    rows = client.list("system/apiMembers")
    by_ident = dict((r["identifier"].lower(), r) for r in rows)
    refs = References(client)
    results = []
    for member in declared:
        preloaded = [by_ident[member["identifier"].lower()]] if member["identifier"].lower() in by_ident else []
        result = ensure_member(member, client, check_mode, diff_mode, preloaded=preloaded, refs=refs)
        result["profile"] = member.get("profile")
        results.append(result)
    declared_ids = set(m["identifier"].lower() for m in declared)
    own = (params.get("own_identifier") or "").lower()
    orphans = []
    for r in sorted(rows, key=lambda x: x["identifier"].lower()):
        if r["identifier"].lower() in declared_ids or r["identifier"].lower() == own:
            continue
        orphan = {"identifier": r["identifier"], "active": not r.get("inactiveFlag"),
                  "security_role": ref_name(r.get("securityRole"))}
        if params.get("inactivate_orphans") and orphan["active"]:
            client.patch("system/apiMembers/%d" % r["id"], r, {"inactiveFlag": True})
            orphan.update(active=False, inactivated=True)
        orphans.append(orphan)
    summary = {}
    for r in results:
        summary[r["state"]] = summary.get(r["state"], 0) + 1
    out = {"changed": any(r["changed"] for r in results) or any(o.get("inactivated") for o in orphans),
           "members": results, "orphans": orphans, "summary": summary}
    if diff_mode:
        out["diff"] = [dict(r["diff"], before_header=r["identifier"], after_header=r["identifier"])
                       for r in results if r.get("diff")]
    for r in results:
        r.pop("diff", None)
    return out
