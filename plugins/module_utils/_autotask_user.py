# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The Autotask API-user resource model: find and adopt, compare, PATCH what Autotask lets the API
write, create role/department associations, and hand the rest to the admin as UI steps."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._autotask import (
    API_USER_LICENSE, UI_RESOURCES, AutotaskClient)
from ansible_collections.msp.psa.plugins.module_utils._engine import Field, casefold_equal, compare, diff, step
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

SECURITY_TAB = UI_RESOURCES + " > {user} > Security"
USER_OPTIONS = ("first_name", "last_name", "email", "active", "security_level", "location", "internal_cost",
                "default_department", "default_role", "integration_vendor", "custom_integration")
API_FIELDS = {"first_name": "firstName", "last_name": "lastName", "email": "email", "active": "isActive",
              "internal_cost": "internalCost"}

USER_SPEC = dict(
    username=dict(type="str", required=True),
    first_name=dict(type="str"),
    last_name=dict(type="str"),
    email=dict(type="str"),
    active=dict(type="bool"),
    security_level=dict(type="str"),
    location=dict(type="str"),
    internal_cost=dict(type="float"),
    default_department=dict(type="str"),
    default_role=dict(type="str"),
    integration_vendor=dict(type="str"),
    custom_integration=dict(type="bool"),
    timesheets_not_required=dict(type="bool"),
    secret_store_path=dict(type="str", no_log=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    when_missing=dict(type="str", default="report", choices=["report", "fail"]),
    check_credentials=dict(type="bool", default=False),
    api_user_secret=dict(type="str", no_log=True),
    api_user_integration_code=dict(type="str", no_log=True),
    required_permissions=dict(type="list", elements="dict", options=dict(
        entity=dict(type="str", required=True),
        action=dict(type="str", required=True, choices=["query", "create", "update", "delete"]),
    )),
)
USER_MUTUALLY_EXCLUSIVE = [("integration_vendor", "custom_integration")]
USER_REQUIRED_TOGETHER = [("default_department", "default_role")]


def validate_desired(params):
    """Bad input fails before anything is sent: name the field and the fix."""
    username = params["username"]
    local = username.split("@")[0]
    bad = sorted(set(local) & set("@();:[]|\\"))
    if bad:
        raise PSAError("username %r: the part before the domain may not contain %s." % (username, " ".join(bad)),
                       kind="invalid_input", fix="Choose a username of letters, digits and . _ - only.")
    if not (any(c.isalpha() for c in local) and any(c.isdigit() for c in local)):
        raise PSAError("username %r must contain letters and numbers (an Autotask UI rule)." % username,
                       kind="invalid_input", fix="Add a digit, for example %s01@..." % local)
    if params.get("internal_cost") is not None and params["internal_cost"] < 0:
        raise PSAError("internal_cost must be zero or more.", kind="invalid_input")
    if params.get("custom_integration") is False:
        raise PSAError("custom_integration: set it to true, or set integration_vendor instead.", kind="invalid_input")
    if params.get("check_credentials") and params.get("custom_integration") and not (
            params.get("api_user_secret") and params.get("api_user_integration_code")):
        raise PSAError("check_credentials for a custom integration needs api_user_secret and api_user_integration_code.",
                       kind="invalid_input", fix="Pass them from the secret store (no_log).")


class AutotaskUsers:
    """Reads and writes API users of one database through one client; caches lookups per run."""

    def __init__(self, client):
        self.client = client
        self._names = {}

    def find(self, username):
        rows = self.client.query("Resources", [{"op": "eq", "field": "userName", "value": username}])
        return rows[0] if rows else None

    def names(self, entity):
        """id -> name for Roles, Departments, InternalLocations (one query per entity per run)."""
        if entity not in self._names:
            rows = self.client.query(entity, [{"op": "gte", "field": "id", "value": 0}], include_fields=["id", "name"])
            self._names[entity] = dict((r["id"], r.get("name")) for r in rows)
        return self._names[entity]

    def id_of(self, entity, name, option):
        for rid, rname in self.names(entity).items():
            if casefold_equal(rname, name):
                return rid
        raise PSAError("%s: no %s named %r in this database (it has: %s)." % (
            option, entity[:-1] if not entity.endswith("Locations") else "internal location", name,
            ", ".join(sorted(str(n) for n in self.names(entity).values())) or "none"),
            kind="invalid_input", fix="Use one of the listed names, or create it in Autotask first.")

    def to_ansible(self, record, want):
        """The friendly view of a Resource (labels, not ids); only what ``want`` needs is looked up."""
        out = {"id": record["id"], "username": record.get("userName"), "first_name": record.get("firstName"),
               "last_name": record.get("lastName"), "email": record.get("email"), "active": record.get("isActive"),
               "internal_cost": record.get("internalCost"), "api_user": record.get("licenseType") == API_USER_LICENSE}
        if want.get("security_level") is not None or want.get("_all"):
            out["security_level"] = self.client.label("Resources", "userType", record.get("userType"))
        if want.get("location") is not None or want.get("_all"):
            out["location"] = self.names("InternalLocations").get(record.get("locationID"))
        return out


def fields_for(username, level_writable):
    ui = SECURITY_TAB.format(user=username)
    return [
        Field("first_name"), Field("last_name"), Field("email", compare=casefold_equal), Field("active"),
        Field("internal_cost"), Field("location", compare=casefold_equal),
        Field("security_level", fix="api" if level_writable else "ui", ui_path=ui + " > Security Level",
              compare=casefold_equal),
        Field("api_user", fix="ui", ui_path=ui + " (License type: API User; create a New API User instead of a resource)"),
    ]


def creation_steps(params, zone):
    """The seeds' New API User form, filled in with this user's values."""
    username = params["username"]
    local, dummy, domain = username.partition("@")
    values = {"First Name": params.get("first_name"), "Last Name": params.get("last_name"),
              "Email Address": params.get("email"), "Security Level": params.get("security_level") or "API User (system)",
              "Username": local, "Primary Internal Location": params.get("location"),
              "Internal Cost": params.get("internal_cost"),
              "Default Department": params.get("default_department"), "Default Role": params.get("default_role"),
              "Integration Vendor": params.get("integration_vendor"),
              "Custom (Internal Integration)": True if params.get("custom_integration") else None}
    values = dict((k, v) for k, v in values.items() if v is not None)
    store = params.get("secret_store_path")
    lines = [
        "In Autotask, go to %s > New > New API User." % UI_RESOURCES,
        "General: First Name %s, Last Name %s, Email Address %s." % (
            params.get("first_name") or "(required)", params.get("last_name") or "(required)",
            params.get("email") or "(required)"),
        "Security Level: %s." % values["Security Level"],
        "Credentials: type the username %s%s." % (local, (" (Autotask adds @%s; the full username must be %s)" % (
            domain, username)) if domain else ""),
    ]
    if store:
        lines.append("Secret: paste the secret stored at %s (do not press Generate; the collection already "
                     "generated and stored a compliant one)." % store)
    else:
        lines.append("Secret: press Generate and store the secret in your password manager right away.")
    if params.get("integration_vendor"):
        lines.append("API Tracking Identifier: select Integration Vendor, then %s." % params["integration_vendor"])
    elif params.get("custom_integration"):
        lines.append("API Tracking Identifier: select Custom (Internal Integration) and copy the generated tracking "
                     "identifier%s." % ((" to %s (integration_code)" % store) if store else ""))
    if params.get("timesheets_not_required"):
        lines.append("Check 'Resource is not required to submit timesheets'.")
    for label in ("Primary Internal Location", "Internal Cost", "Default Department", "Default Role"):
        if label in values:
            lines.append("%s: %s." % (label, values[label]))
    lines.append("Save & Close. The next run finds the user and verifies it.")
    web = (zone or {}).get("web_url")
    return [step("Autotask", "Create the API user %s" % username, UI_RESOURCES + " > New > New API User",
                 values=dict(values, **{"Autotask UI": web} if web else {}), instructions=lines,
                 secret_refs={"secret": store} if store else None)]


def credential_check(http_factory, params, zone_url):
    """One login as the API user, only where Autotask makes that possible (custom integrations)."""
    if params.get("integration_vendor") or not params.get("custom_integration"):
        return "not_possible", ("Autotask requires the user's own tracking identifier on every call; for an "
                                "integration-vendor user only the vendor holds it, so only the vendor tool's own "
                                "'Test' can log in. Its existence and security level were verified instead.")
    client = AutotaskClient(http_factory(), params["username"], params["api_user_secret"],
                            params["api_user_integration_code"], zone_url=zone_url)
    try:
        client.call("GET", "ThresholdInformation")
    except PSAError as exc:
        if exc.kind == "locked":
            return "locked", exc.message
        if exc.kind in ("credentials", "tracking_identifier", "unknown_username"):
            return "invalid", exc.message
        raise
    return "valid", None, client


def permission_check(client, required):
    missing = []
    for item in required or []:
        info = client.entity_information(item["entity"])
        key = "userAccessFor" + item["action"].capitalize()
        if info.get(key, "None") == "None":
            missing.append({"entity": item["entity"], "action": item["action"], "have": info.get(key)})
    return missing


NOT_LOADED = object()


def run(params, client, check_mode, diff_mode, http_factory, record=NOT_LOADED, users=None):
    """Converge or check one user. A bulk caller passes the ``record`` it already fetched (or None)."""
    validate_desired(params)
    users = users or AutotaskUsers(client)
    want = dict((k, params.get(k)) for k in USER_OPTIONS)
    username = params["username"]
    if record is NOT_LOADED:
        record = users.find(username)
    result = {"changed": False, "username": username, "drift": [], "manual_steps": [], "unverifiable": []}
    if record is None:
        if params["state"] == "absent":
            result.update(state="absent", api_user=None)
            return result
        result.update(state="missing", api_user=None,
                      manual_steps=creation_steps(params, client.zone_info or {"web_url": None}))
        result["drift"].append({"field": "exists", "want": True, "have": False, "fix": "ui",
                                "ui_path": UI_RESOURCES + " > New > New API User"})
        return result
    if params["state"] == "absent":
        want = {"active": False}
    before = users.to_ansible(record, want)
    level_writable = want.get("security_level") is not None and not client.field_is_read_only("Resources", "userType")
    desired = dict(want, api_user=True if params["state"] == "present" else None)
    drift = compare(fields_for(username, level_writable), desired, before)
    changes = {}
    for item in [d for d in drift if d["fix"] == "api"]:
        name = item["field"]
        if name in API_FIELDS:
            changes[API_FIELDS[name]] = item["want"]
        elif name == "location":
            changes["locationID"] = users.id_of("InternalLocations", item["want"], "location")
        elif name == "security_level":
            level = client.picklist("Resources", "userType").value(item["want"])
            if level is None:
                raise PSAError("security_level %r is not a security level of this database (it has: %s)." % (
                    item["want"], ", ".join(client.picklist("Resources", "userType").labels())), kind="invalid_input")
            changes["userType"] = level
    after = before
    if changes:
        record = client.update("Resources", record, changes)
        after = users.to_ansible(record, want)
        result["changed"] = True
    # role / department association: the API can create it
    if params["state"] == "present" and params.get("default_role"):
        role_id = users.id_of("Roles", params["default_role"], "default_role")
        dep_id = users.id_of("Departments", params["default_department"], "default_department")
        assoc = client.children("Resources", record["id"], "RoleDepartments")
        match = [a for a in assoc if a.get("roleID") == role_id and a.get("departmentID") == dep_id and a.get("isActive")]
        before["default_role_department"] = _assoc_label(users, assoc)
        if not match:
            client.create_child("Resources", record["id"], "RoleDepartments", {
                "roleID": role_id, "departmentID": dep_id, "isActive": True,
                "isDefault": not any(a.get("isDefault") for a in assoc), "isDepartmentLead": False})
            result["changed"] = True
            wanted = "%s / %s" % (params["default_role"], params["default_department"])
            drift.append({"field": "default_role_department", "want": wanted,
                          "have": before["default_role_department"], "fix": "api"})
        after = dict(after, default_role_department="%s / %s" % (params["default_role"], params["default_department"]))
    # what the API cannot see
    if params.get("integration_vendor") or params.get("custom_integration"):
        result["unverifiable"].append({
            "field": "integration_vendor" if params.get("integration_vendor") else "custom_integration",
            "want": params.get("integration_vendor") or True,
            "why": "Autotask's REST API does not expose an API user's tracking identifier; only the Autotask UI "
                   "shows it (%s > API Tracking Identifier)." % SECURITY_TAB.format(user=username)})
    if params.get("timesheets_not_required") is not None:
        result["unverifiable"].append({"field": "timesheets_not_required", "want": params["timesheets_not_required"],
                                       "why": "Not exposed by the REST API; set it in %s." % SECURITY_TAB.format(user=username)})
    # credentials and permissions
    if params.get("check_credentials"):
        outcome = credential_check(http_factory, params, client.base_url.rsplit("V1.0/", 1)[0])
        result["credentials"] = outcome[0]
        if outcome[1]:
            result["credentials_detail"] = outcome[1]
        if outcome[0] == "valid" and params.get("required_permissions"):
            result["permissions_missing"] = permission_check(outcome[2], params["required_permissions"])
    elif params.get("required_permissions"):
        result["permissions_missing_unchecked"] = ("required_permissions are checked as the API user itself, which "
                                                   "needs check_credentials and a custom integration.")
    remaining = [d for d in drift if d["fix"] == "ui"]
    fixed = [d for d in drift if d["fix"] == "api"]
    result["drift"] = drift if check_mode else remaining
    result["fixed"] = [] if check_mode else fixed
    for d in remaining:
        result["manual_steps"].append(step("Autotask", "Set %s of %s to %s" % (d["field"], username, d["want"]),
                                           d.get("ui_path"), values={d["field"]: d["want"]}))
    if result.get("permissions_missing"):
        result["manual_steps"].append(step(
            "Autotask", "Grant the missing permissions to the security level of %s" % username,
            "Admin > Account Settings & Users > Resources/Users (HR) > Security > Security Levels",
            values={"missing": ["%s: %s" % (p["entity"], p["action"]) for p in result["permissions_missing"]]}))
    result["api_user"] = after
    result["state"] = "drift" if (remaining or result.get("permissions_missing") or
                                  result.get("credentials") in ("invalid", "locked")) else (
        "updated" if result["changed"] else "ok")
    if params["state"] == "absent":
        result["state"] = "absent"
    if diff_mode:
        keys = [k for k in want if want[k] is not None] + (["default_role_department"] if params.get("default_role") else [])
        result["diff"] = diff(before, after, [k for k in keys if k in before or k in after])
    return result


def _assoc_label(users, assoc):
    default = [a for a in assoc if a.get("isDefault")] or assoc
    if not default:
        return None
    a = default[0]
    return "%s / %s" % (users.names("Roles").get(a.get("roleID")), users.names("Departments").get(a.get("departmentID")))


def http_factory_for(params):
    def factory():
        return HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"],
                          redactor=Redactor([params.get("api_user_secret"), params.get("api_user_integration_code"),
                                             params.get("autotask_secret"), params.get("autotask_integration_code")]))
    return factory


def run_bulk(params, client, check_mode, diff_mode, http_factory):
    """All declared API users of one database in one call: one query for every API user (which also
    finds orphans), metadata from the per-database cache, then the per-user logic on preloaded records."""
    declared = []
    for user in params["users"]:
        user = dict(user)
        validate_desired(user)
        declared.append(user)
    by_name = dict((d["username"].lower(), d) for d in declared)
    if len(by_name) != len(declared):
        raise PSAError("users: a username is declared twice.", kind="invalid_input")
    rows = client.query("Resources", [{"op": "eq", "field": "licenseType", "value": API_USER_LICENSE}])
    found = dict(((r.get("userName") or "").lower(), r) for r in rows)
    unknown = [d["username"] for d in declared if d["username"].lower() not in found]
    if unknown:  # maybe not (or no longer) an API user: one more query tells
        for r in client.query("Resources", [{"op": "in", "field": "userName", "value": unknown}]):
            found[(r.get("userName") or "").lower()] = r
    helper = AutotaskUsers(client)
    results = []
    for user in declared:
        result = run(user, client, check_mode, diff_mode, http_factory, record=found.get(user["username"].lower()),
                     users=helper)
        result["profile"] = user.get("profile")
        results.append(result)
    own = (params.get("autotask_username") or "").lower()
    ignore = set(u.lower() for u in params.get("ignore_usernames") or [])
    orphans = []
    if params.get("report_orphans", True):
        for name, r in sorted(found.items()):
            if name in by_name or name == own or name in ignore or r.get("licenseType") != API_USER_LICENSE:
                continue
            orphan = {"username": r.get("userName"), "active": r.get("isActive"),
                      "security_level": client.label("Resources", "userType", r.get("userType")),
                      "first_name": r.get("firstName"), "last_name": r.get("lastName")}
            if params.get("inactivate_orphans") and r.get("isActive"):
                client.update("Resources", r, {"isActive": False})
                orphan.update(active=False, inactivated=True)
            orphans.append(orphan)
    summary = {}
    for r in results:
        summary[r["state"]] = summary.get(r["state"], 0) + 1
    out = {"changed": any(r["changed"] for r in results) or any(o.get("inactivated") for o in orphans),
           "users": results, "orphans": orphans, "summary": summary,
           "manual_steps": [dict(s, username=r["username"], profile=r.get("profile"))
                            for r in results for s in r["manual_steps"]]}
    if diff_mode:
        out["diff"] = [dict(r["diff"], before_header=r["username"], after_header=r["username"])
                       for r in results if r.get("diff")]
    for r in results:
        r.pop("diff", None)
    return out
