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
from ansible_collections.msp.psa.plugins.module_utils._engine import (
    Field, Provider, casefold_equal, check_choice, check_length, invalid, step)
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

SECURITY_TAB = UI_RESOURCES + " > {user} > Security"
USER_OPTIONS = ("first_name", "last_name", "email", "active", "security_level", "location", "internal_cost",
                "default_department", "default_role", "integration_vendor", "custom_integration")
# friendly option -> Resource field; whether the API may write it comes from the database's field metadata
API_FIELDS = {"first_name": "firstName", "last_name": "lastName", "email": "email", "active": "isActive",
              "internal_cost": "internalCost", "location": "locationID", "security_level": "userType"}
LENGTH_CHECKED = {"username": "userName", "first_name": "firstName", "last_name": "lastName", "email": "email"}
NAMED = {"location": "InternalLocations", "default_role": "Roles", "default_department": "Departments"}
REFUSED_ASSOCIATION = ("This database refuses role/department associations for API-only users, and the New API User "
                       "form has none: drop default_role and default_department from this user's declaration.")

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


def check_input(params):
    """Findings from the declaration alone (before any request): name the field and the fix."""
    out = []
    username = params["username"]
    local = username.split("@")[0]
    bad = sorted(set(local) & set("@();:[]|\\"))
    if bad:
        out.append(invalid("username", "%r: the part before the domain may not contain %s." % (username, " ".join(bad)),
                           "Choose a username of letters, digits and . _ - only."))
    elif not (any(c.isalpha() for c in local) and any(c.isdigit() for c in local)):
        out.append(invalid("username", "%r must contain letters and numbers (an Autotask UI rule)." % username,
                           "Add a digit, for example %s01@..." % local))
    for option in ("first_name", "last_name", "email"):
        if params.get(option) is not None and not str(params[option]).strip():
            out.append(invalid(option, "is empty; Autotask requires it.", "Set a value or leave the option out."))
    if params.get("email") and "@" not in params["email"]:
        out.append(invalid("email", "%r is not an e-mail address." % params["email"], "Use name@domain."))
    if params.get("internal_cost") is not None and params["internal_cost"] < 0:
        out.append(invalid("internal_cost", "must be zero or more.", None))
    if params.get("custom_integration") is False:
        out.append(invalid("custom_integration", "false is not a tracking identifier.",
                           "Set it to true, or set integration_vendor instead."))
    if params.get("check_credentials") and params.get("custom_integration") and not (
            params.get("api_user_secret") and params.get("api_user_integration_code")):
        out.append(invalid("check_credentials", "a login as a custom integration needs api_user_secret and "
                           "api_user_integration_code.", "Pass them from the secret store (no_log)."))
    return out


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
    """One login as the API user, only where Autotask makes that possible (custom integrations).

    One attempt at most: the request is never re-sent after a dropped answer (Autotask counts every refused
    secret toward the user's lockout, and a re-sent request may count twice); a 429 (not processed) is retried.
    Callers that keep a store (``_credential``) record a refusal and do not try the same secret again."""
    if params.get("integration_vendor") or not params.get("custom_integration"):
        return "not_possible", ("Autotask requires the user's own tracking identifier on every call; for an "
                                "integration-vendor user only the vendor holds it, so only the vendor tool's own "
                                "'Test' can log in. Its existence and security level were verified instead.")
    client = AutotaskClient(http_factory(), params["username"], params["api_user_secret"],
                            params["api_user_integration_code"], zone_url=zone_url)
    try:
        client.call("GET", "ThresholdInformation", idempotent=False)
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


class AutotaskProvider(Provider):
    """Autotask API users (Resources with license type API User) for the engine: one query reads them
    all; Resources can be updated, never created, so a missing user becomes the New API User steps."""

    psa = "autotask"
    psa_label = "Autotask"
    key = "username"
    can_create = False

    def __init__(self, client, http_factory=None, own_username=None, ignore_usernames=()):
        self.client = client
        self.http_factory = http_factory
        self.own = (own_username or "").lower()
        self.ignore = set(u.lower() for u in ignore_usernames or ())
        self._names = {}
        self._field_index = (None, {})  # (the Resources field list, its fields by lower-case name)

    # -- reads ----------------------------------------------------------------------------------
    def names(self, entity):
        """id -> name for Roles, Departments, InternalLocations (one query per entity per run)."""
        if entity not in self._names:
            rows = self.client.query(entity, [{"op": "gte", "field": "id", "value": 0}], include_fields=["id", "name"])
            self._names[entity] = dict((r["id"], r.get("name")) for r in rows)
        return self._names[entity]

    def id_of(self, entity, name):
        for rid, rname in self.names(entity).items():
            if casefold_equal(rname, name):
                return rid
        return None

    def metadata(self, option):
        name = API_FIELDS.get(option) or LENGTH_CHECKED.get(option)
        fields = self.client.fields("Resources")
        if self._field_index[0] is not fields:  # indexed once per field list (a metadata refresh replaces the list)
            self._field_index = (fields, dict((f["name"].lower(), f) for f in fields))
        return self._field_index[1].get((name or "").lower(), {})

    def check_input(self, item):
        return check_input(item)

    def read_all(self, declared):
        rows = self.client.query("Resources", [{"op": "eq", "field": "licenseType", "value": API_USER_LICENSE}])
        found = dict(((r.get("userName") or "").lower(), r) for r in rows)
        unknown = [d["username"] for d in declared if d["username"].lower() not in found]
        if unknown:  # maybe not (or no longer) an API user: one more query tells
            for r in self.client.query("Resources", [{"op": "in", "field": "userName", "value": unknown}]):
                found[(r.get("userName") or "").lower()] = r
        return found

    def reread(self, name):
        rows = self.client.query("Resources", [{"op": "eq", "field": "userName", "value": name}])
        return rows[0] if rows else None

    # -- validation against the database's own metadata -------------------------------------------
    def validate(self, item, record):
        out = []
        for option, field in LENGTH_CHECKED.items():
            out += check_length(option, item.get(option), self.metadata(option).get("length"))
        if item.get("security_level") is not None:
            levels = self.client.picklist("Resources", "userType", knows=item["security_level"]).labels()
            out += check_choice("security_level", item["security_level"], levels, "security level")
        for option, entity in NAMED.items():
            if item.get(option) is not None:
                out += check_choice(option, item[option], list(self.names(entity).values()),
                                    {"location": "internal location", "default_role": "role",
                                     "default_department": "department"}[option])
        if record is None and item.get("state") != "absent":
            for option in ("first_name", "last_name", "email"):
                if not item.get(option):
                    out.append(invalid(option, "is needed to create the user (New API User form).", "Declare it."))
        return out

    # -- compare ----------------------------------------------------------------------------------
    def want(self, item):
        """A declared, present user is an active API-only user unless the declaration says otherwise."""
        want = dict((k, item.get(k)) for k in USER_OPTIONS)
        want["api_user"] = True
        if want["active"] is None:
            want["active"] = True
        return want

    def view(self, record, want):
        """The friendly view of a Resource (labels, not ids); only what ``want`` needs is looked up."""
        out = {"id": record["id"], "username": record.get("userName"), "first_name": record.get("firstName"),
               "last_name": record.get("lastName"), "email": record.get("email"), "active": record.get("isActive"),
               "internal_cost": record.get("internalCost"), "api_user": record.get("licenseType") == API_USER_LICENSE}
        if want.get("security_level") is not None:
            out["security_level"] = self.client.label("Resources", "userType", record.get("userType"))
        if want.get("location") is not None:
            out["location"] = self.names("InternalLocations").get(record.get("locationID"))
        return out

    def fields(self, item):
        """Writable or not is decided per field from the database's field metadata, at run time."""
        ui = SECURITY_TAB.format(user=item["username"])
        out = []
        for option in ("first_name", "last_name", "email", "active", "internal_cost", "location", "security_level"):
            if item.get(option) is None and option != "active":
                continue
            writable = not self.metadata(option).get("isReadOnly", True)
            path = ui + (" > Security Level" if option == "security_level" else "")
            out.append(Field(option, fix="api" if writable else "ui", ui_path=None if writable else path,
                             compare=casefold_equal if option in ("email", "location", "security_level") else None))
        out.append(Field("api_user", fix="ui",
                         ui_path=ui + " (License type: API User; create a New API User instead of a resource)"))
        return out

    def to_api(self, drift, item):
        changes = {}
        for d in drift:
            option = d["field"]
            if option == "location":
                changes["locationID"] = self.id_of("InternalLocations", d["want"])
            elif option == "security_level":
                changes["userType"] = self.client.picklist("Resources", "userType").value(d["want"])
            else:
                changes[API_FIELDS[option]] = d["want"]
        return changes

    def missing_steps(self, item):
        return creation_steps(item, self.client.zone_info or {"web_url": None})

    def extra(self, item, record, before):
        """Role/department association (the API can create it), what the API cannot read, and the
        optional login and permission checks (reads only)."""
        drift, writes, unverifiable, facts = [], [], [], {}
        username = item["username"]
        if item.get("default_role"):
            role_id = self.id_of("Roles", item["default_role"])
            dep_id = self.id_of("Departments", item["default_department"])
            assoc = self.client.children("Resources", record["id"], "RoleDepartments")
            have = _assoc_label(self, assoc)
            wanted = "%s / %s" % (item["default_role"], item["default_department"])
            before["default_role_department"] = have
            if not any(a.get("roleID") == role_id and a.get("departmentID") == dep_id and a.get("isActive") for a in assoc):
                finding = {"field": "default_role_department", "want": wanted, "have": have, "fix": "api"}
                drift.append(finding)
                writes.append({"action": "create", "object": "role_department", "field": "default_role_department",
                               "label": wanted, "role_id": role_id, "department_id": dep_id,
                               "is_default": not any(a.get("isDefault") for a in assoc), "finding": finding})
        if item.get("integration_vendor") or item.get("custom_integration"):
            unverifiable.append({
                "field": "integration_vendor" if item.get("integration_vendor") else "custom_integration",
                "want": item.get("integration_vendor") or True,
                "why": "Autotask's REST API does not expose an API user's tracking identifier; only the Autotask UI "
                       "shows it (%s > API Tracking Identifier)." % SECURITY_TAB.format(user=username)})
        if item.get("timesheets_not_required") is not None:
            unverifiable.append({"field": "timesheets_not_required", "want": item["timesheets_not_required"],
                                 "why": "Not exposed by the REST API; set it in %s." % SECURITY_TAB.format(user=username)})
        if item.get("check_credentials"):
            outcome = credential_check(self.http_factory, item, self.client.base_url.rsplit("V1.0/", 1)[0])
            facts["credentials"] = outcome[0]
            if outcome[1]:
                facts["credentials_detail"] = outcome[1]
            if outcome[0] == "valid" and item.get("required_permissions"):
                facts["permissions_missing"] = permission_check(outcome[2], item["required_permissions"])
        elif item.get("required_permissions"):
            facts["permissions_missing_unchecked"] = ("required_permissions are checked as the API user itself, which "
                                                      "needs check_credentials and a custom integration.")
        if facts.get("permissions_missing"):
            facts["manual_steps"] = [step(
                "Autotask", "Grant the missing permissions to the security level of %s" % username,
                "Admin > Account Settings & Users > Resources/Users (HR) > Security > Security Levels",
                values={"missing": ["%s: %s" % (p["entity"], p["action"]) for p in facts["permissions_missing"]]})]
        return drift, writes, unverifiable, facts

    # -- writes -----------------------------------------------------------------------------------
    def update(self, record, changes):
        return self.client.update("Resources", record, changes)

    def write(self, write, record):
        """The role/department association, re-read right before the create (another run may have made it)."""
        if record.get("id") is not None and not self.client.check_mode:
            assoc = self.client.children("Resources", record["id"], "RoleDepartments")
            if any(a.get("roleID") == write["role_id"] and a.get("departmentID") == write["department_id"]
                   and a.get("isActive") for a in assoc):
                return False
            write["is_default"] = not any(a.get("isDefault") for a in assoc)
        try:
            self.client.create_child("Resources", record["id"], "RoleDepartments", {
                "roleID": write["role_id"], "departmentID": write["department_id"], "isActive": True,
                "isDefault": write["is_default"], "isDepartmentLead": False})
        except PSAError as exc:
            if exc.kind != "api" or record.get("licenseType") != API_USER_LICENSE:
                raise
            # Autotask may refuse any association of an API-only resource (Define API User: API-only resources
            # "cannot own or be associated with" entities; the New API User form has no role/department): the
            # finding stays, as a refusal with Autotask's text, instead of failing the run
            write["finding"].update(fix="refused", detail="%s %s" % (exc.message, REFUSED_ASSOCIATION))
            return False
        return True

    def orphans(self, records, declared):
        names = set(d["username"].lower() for d in declared)
        out = []
        for name, r in sorted(records.items()):
            if name in names or name == self.own or name in self.ignore or r.get("licenseType") != API_USER_LICENSE:
                continue
            out.append((r, {"name": r.get("userName"), "username": r.get("userName"), "active": r.get("isActive"),
                            "security_level": self.client.label("Resources", "userType", r.get("userType")),
                            "first_name": r.get("firstName"), "last_name": r.get("lastName")}))
        return out

    def deactivate(self, record):
        self.client.update("Resources", record, {"isActive": False})


def _assoc_label(provider, assoc):
    default = [a for a in assoc if a.get("isDefault")] or assoc
    if not default:
        return None
    a = default[0]
    return "%s / %s" % (provider.names("Roles").get(a.get("roleID")), provider.names("Departments").get(a.get("departmentID")))


def http_factory_for(params):
    def factory():
        return HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"],
                          redactor=Redactor([params.get("api_user_secret"), params.get("api_user_integration_code"),
                                             params.get("autotask_secret"), params.get("autotask_integration_code")]))
    return factory


def provider_for(params, client):
    return AutotaskProvider(client, http_factory_for(params), params.get("autotask_username"),
                            params.get("ignore_usernames"))
