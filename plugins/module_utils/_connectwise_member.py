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
from ansible_collections.msp.psa.plugins.module_utils._engine import (
    Field, Provider, casefold_equal, check_choice, invalid, step)
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
    secret_store_path=dict(type="str", no_log=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
NAME_LENGTHS = {"identifier": 15, "name": 30, "email": 250}  # ConnectWise Member fields (2025.8 schema)
ROLE_NAME_LENGTH = 30
PERMISSION_SPEC = dict(type="list", elements="dict", options=dict(
    module=dict(type="str", required=True),
    function=dict(type="str", required=True),
    add=dict(type="str", choices=list(LEVELS)),
    edit=dict(type="str", choices=list(LEVELS)),
    delete=dict(type="str", choices=list(LEVELS)),
    inquire=dict(type="str", choices=list(LEVELS)),
    custom_items=dict(type="list", elements="str"),
))
ROLE_SPEC = dict(type="list", elements="dict", options=dict(name=dict(type="str", required=True),
                                                            permissions=PERMISSION_SPEC))


def check_input(params):
    """Findings from the declaration alone (before any request)."""
    out = []
    ident = params["identifier"]
    if not ident or len(ident) > NAME_LENGTHS["identifier"] or not ident.replace("_", "").replace("-", "").isalnum():
        out.append(invalid("identifier", "%r must be 1 to 15 letters or digits (ConnectWise Member ID)." % ident,
                           "For Sync 365 the seed uses S365."))
    for option in ("name", "email"):
        value = params.get(option)
        if value is not None and not str(value).strip():
            out.append(invalid(option, "is empty.", "Set a value or leave the option out."))
        elif value and len(value) > NAME_LENGTHS[option]:
            out.append(invalid(option, "must be at most %d characters (it has %d)." % (NAME_LENGTHS[option], len(value)),
                               "Shorten it."))
    if params.get("email") and "@" not in params["email"]:
        out.append(invalid("email", "%r is not an e-mail address." % params["email"], "Use name@domain."))
    return out


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


class ConnectWiseProvider(Provider):
    """ConnectWise API members for the engine: one list reads them all; the API creates members and
    security roles (by name; their levels are UI-only, so gaps become UI steps)."""

    psa = "connectwise"
    psa_label = "ConnectWise"
    key = "identifier"
    can_create = True

    def __init__(self, client, own_identifier=None, security_roles=None, ignore_identifiers=()):
        self.client = client
        self.own = (own_identifier or "").lower()
        self.ignore = set(i.lower() for i in ignore_identifiers or ())
        self.security_roles = security_roles or []
        self._tables = {}
        self._role_ids = {}      # role name (lower) -> id, filled as roles are found or created
        self._shared = []        # this run's security-role plans

    # -- reads ----------------------------------------------------------------------------------
    def table(self, path):
        if path not in self._tables:
            self._tables[path] = self.client.list(path)
        return self._tables[path]

    def check_input(self, item):
        return check_input(item)

    def read_all(self, declared):
        return dict((r["identifier"].lower(), r) for r in self.client.list("system/apiMembers"))

    def reread(self, name):
        rows = self.client.list("system/apiMembers", condition("identifier", "=", name))
        return rows[0] if rows else None

    def find_role(self, name):
        rows = self.client.list("system/securityroles", condition("name", "=", name))
        if rows:
            self._role_ids[name.lower()] = rows[0]["id"]
        return rows[0] if rows else None

    # -- shared objects: the security roles --------------------------------------------------------
    def plan_shared(self, declared, records):
        plans = []
        for role in self.security_roles:
            validate_role_name(role["name"])
            plans.append(plan_role(self, role["name"], role.get("permissions"), referenced_role(records, role["name"])))
        self._shared = plans
        return plans

    def apply_shared(self, shared, check_mode):
        return apply_role(self, shared, check_mode)

    def findings(self, item, record):
        """The member's security role lacks levels the vendor needs: the integration cannot work."""
        for shared in self._shared:
            if casefold_equal(shared["name"], item.get("security_role")) and shared["permissions_missing"]:
                gaps = shared["permissions_missing"]
                return [{"field": "role_permissions", "want": "the %s levels" % len(gaps) + " the vendor needs",
                         "have": "%d missing or different: %s" % (len(gaps), ", ".join(
                             "%s > %s %s" % (g["module"], g["function"], g["level"] or "") for g in gaps)),
                         "fix": "ui", "ui_path": "System > Security Roles > %s" % shared["name"],
                         "step_elsewhere": True}]
        return []

    def verify_key_pair(self, identifier, public_key, private_key):
        from ansible_collections.msp.psa.plugins.module_utils._credential_check import verify_key_pair
        return verify_key_pair(self.client, identifier, public_key, private_key)

    def planned_role(self, name):
        return any(casefold_equal(s["name"], name) for s in self.security_roles)

    # -- validation -------------------------------------------------------------------------------
    def candidates(self, option):
        if option == "security_role":
            return [r.get("name") for r in self.table("system/securityroles")]
        if option == "default_department":
            return [d.get("identifier") for d in self.table("system/departments")] + \
                [d.get("name") for d in self.table("system/departments")]
        return [d.get("name") for d in self.table("system/locations")]

    def validate(self, item, record):
        """References are checked where a write needs them (a create, or a value that differs); one that
        already matches the record exists by definition, so a steady-state check costs no lookup."""
        out = []
        have = member_view(record) if record is not None else {}
        for option in ("security_role", "default_department", "default_location", "security_location"):
            value = item.get(option)
            if value is None or item.get("state") == "absent":
                continue
            if record is not None and (casefold_equal(value, have.get(option)) or (
                    option == "default_department" and casefold_equal(value, have.get("default_department_identifier")))):
                continue
            if option == "security_role" and self.planned_role(value):
                continue
            out += check_choice(option, value, self.candidates(option), option.replace("_", " "))
        return out

    # -- compare ----------------------------------------------------------------------------------
    def want(self, item):
        want = dict((k, item.get(k)) for k in ("name", "email", "notes") + tuple(MEMBER_REFS))
        want["active"] = True
        return want

    def view(self, record, want):
        return member_view(record)

    def predict(self, item):
        out = dict((k, v) for k, v in self.want(item).items() if v is not None)
        out.update(identifier=item["identifier"], name=item.get("name") or item["identifier"])
        return out

    def fields(self, item):
        out = [Field("name"), Field("email", compare=casefold_equal), Field("notes"), Field("active"),
               Field("default_department", compare=casefold_equal, aliases=("default_department_identifier",))]
        out += [Field(o, compare=casefold_equal) for o in MEMBER_REFS if o != "default_department"]
        return out

    def reference(self, option, value):
        """Name -> reference object; a role this run creates is resolved when the write happens."""
        if option == "security_role":
            if value.lower() not in self._role_ids:
                rows = [r for r in self.table("system/securityroles") if casefold_equal(r.get("name"), value)]
                if rows:
                    self._role_ids[value.lower()] = rows[0]["id"]
                elif self.planned_role(value):
                    return {"_role": value}
            return {"id": self._role_ids[value.lower()]}
        if option == "default_department":
            rows = [d for d in self.table("system/departments")
                    if casefold_equal(d.get("identifier"), value) or casefold_equal(d.get("name"), value)]
        elif option in ("default_location", "security_location"):
            rows = [d for d in self.table("system/locations") if casefold_equal(d.get("name"), value)]
        else:  # structure level and time zone: by id when numeric, else by name
            return {"id": int(value)} if str(value).isdigit() else {"name": value}
        return {"id": rows[0]["id"]}

    def _resolve(self, body):
        """Fill in the id of a role created earlier in this run (a name in check mode)."""
        for key, value in list(body.items()):
            if isinstance(value, dict) and "_role" in value:
                rid = self._role_ids.get(value["_role"].lower())
                body[key] = {"id": rid} if rid is not None else {"name": value["_role"]}
        return body

    def to_api(self, drift, item):
        changes = {}
        for d in drift:
            name = d["field"]
            if name in MEMBER_REFS:
                changes[MEMBER_REFS[name]] = self.reference(name, d["want"])
            elif name == "active":
                changes["inactiveFlag"] = not d["want"]
            else:
                changes[{"email": "emailAddress"}.get(name, name)] = d["want"]
        return changes

    def create_body(self, item):
        body = {"identifier": item["identifier"], "name": item.get("name") or item["identifier"]}
        if item.get("email"):
            body["emailAddress"] = item["email"]
        if item.get("notes") is not None:
            body["notes"] = item["notes"]
        for option, key in MEMBER_REFS.items():
            if item.get(option):
                body[key] = self.reference(option, item[option])
        return body

    # -- writes -----------------------------------------------------------------------------------
    def create(self, body):
        return self.client.create("system/apiMembers", self._resolve(dict(body)))

    def update(self, record, changes):
        return self.client.patch("system/apiMembers/%d" % record["id"], record, self._resolve(dict(changes)))

    def orphans(self, records, declared):
        names = set(d["identifier"].lower() for d in declared)
        out = []
        for name, r in sorted(records.items()):
            if name in names or name == self.own or name in self.ignore:
                continue
            out.append((r, {"name": r["identifier"], "identifier": r["identifier"], "active": not r.get("inactiveFlag"),
                            "security_role": ref_name(r.get("securityRole"))}))
        return out

    def deactivate(self, record):
        self.client.patch("system/apiMembers/%d" % record["id"], record, {"inactiveFlag": True})


# -- security roles ------------------------------------------------------------------------------
def referenced_role(records, name):
    """The role ``{id, name}`` as the members just read reference it (a member's ``securityRole`` is the
    role's id with its current name), or None when no member does, or when members disagree on the id of
    that name (then only the by-name lookup can say which role is the one)."""
    found = set((ref["id"], ref.get("name")) for ref in (
        (r.get("securityRole") or {}) for r in (records or {}).values())
        if ref.get("id") is not None and casefold_equal(ref.get("name"), name))
    if len(set(i for i, dummy in found)) != 1:
        return None
    role_id, role_name = found.pop()
    return {"id": role_id, "name": role_name}


def role_settings(provider, name, referenced=None):
    """(role, its settings): by the id the members reference when there is one, one request; a role that
    is gone by that id (deleted, or replaced by a role of the same name with a new id) is looked up by name
    like a role no member references, so an id is never trusted beyond the answer it gets."""
    if referenced is not None:
        try:
            settings = provider.client.list("system/securityRoles/%d/settings" % referenced["id"])
        except PSAError as error:
            if error.kind != "not_found":
                raise
        else:
            provider._role_ids[name.lower()] = referenced["id"]
            return referenced, settings
    role = provider.find_role(name)
    return role, (provider.client.list("system/securityRoles/%d/settings" % role["id"]) if role else [])


def plan_role(provider, name, permissions, referenced=None):
    """The role (by the id its members reference, else by name) and its levels compared; nothing is written
    here. ``referenced``: ``{id, name}`` from the member records (``referenced_role``)."""
    role, settings = role_settings(provider, name, referenced)
    if role is None:  # every wanted level is a gap until the admin sets it
        gaps = [{"module": p["module"], "function": p["function"], "level": short, "want": p[short], "have": "None",
                 "problem": "missing"} for p in permissions or [] for short, dummy in LEVEL_KEYS
                if p.get(short) not in (None, "None")]
        gaps += [{"module": p["module"], "function": p["function"], "level": "customize", "want": p["custom_items"],
                  "have": [], "problem": "missing"} for p in permissions or [] if p.get("custom_items")]
        unverifiable = []
    else:
        gaps, unverifiable = compare_permissions(settings, permissions)
    return {"kind": "security_role", "name": name, "action": "none" if role else "create",
            "role": {"id": role.get("id"), "name": role.get("name", name)} if role else {"id": None, "name": name},
            "permissions": permissions, "permissions_missing": gaps, "unverifiable": unverifiable,
            "manual_steps": permission_steps(name, gaps)}


def apply_role(provider, shared, check_mode):
    result = dict(shared, changed=False)
    result.pop("permissions", None)
    if shared["action"] == "create":
        fresh = None if check_mode else provider.find_role(shared["name"])
        if fresh is None:  # not created meanwhile by another run
            role = provider.client.create("system/securityroles", {"name": shared["name"]})
            if role.get("id") is not None:
                provider._role_ids[shared["name"].lower()] = role["id"]
            result.update(changed=True, role={"id": role.get("id"), "name": shared["name"]})
        else:
            result.update(adopted=True, role={"id": fresh["id"], "name": fresh.get("name")})
    gaps = result["permissions_missing"]
    result["state"] = "drift" if gaps else ("created" if result["changed"] else "ok")
    return result


def validate_role_name(name):
    if not name or len(name) > ROLE_NAME_LENGTH:
        raise PSAError("security role name %r must be 1 to %d characters." % (name, ROLE_NAME_LENGTH),
                       kind="invalid_input", fix="Shorten the name.")


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


def provider_for(params, client):
    return ConnectWiseProvider(client, params.get("own_identifier"), params.get("security_roles"),
                               params.get("ignore_identifiers"))
