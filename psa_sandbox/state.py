"""The whole sandbox: settings, logs, Autotask databases and ConnectWise companies, seeding."""
import copy
import threading

import yaml

from .autotask import ui as at_ui
from .autotask.store import Database, system_security_levels
from .connectwise.store import Company
from .core import ConcurrencyCounters, RateWindow, RequestLog, Settings


class SeedError(ValueError):
    pass


class Sandbox:
    def __init__(self, settings=None, seed=None):
        self.settings = Settings(settings)
        self.log = RequestLog()
        self.counters = ConcurrencyCounters()
        self.cw_rate = RateWindow()
        self._lock = threading.RLock()
        self.seed_data = seed or {}
        self.load(self.seed_data)

    # -- lookup ---------------------------------------------------------------------------------
    def find_user(self, username):
        return self._users.get(str(username).lower())

    def index_user(self, username, db):
        with self._lock:
            self._users[username.lower()] = db

    def database(self, name):
        return self.databases.get(str(name).lower())

    def company(self, company_id):
        return self.companies.get(str(company_id).lower())

    # -- seeding --------------------------------------------------------------------------------
    def reset(self):
        if getattr(self, "vendor_api", None):
            self.vendor_api.reset()
        self.log.clear()
        self.counters.clear()
        self.cw_rate = RateWindow()
        self.load(self.seed_data)

    def load(self, seed, merge=False):
        with self._lock:
            if not merge:
                self.databases, self.companies, self._users = {}, {}, {}
                self.vendors = {name: at_ui.vendor_code(name) for name in at_ui.DEFAULT_VENDORS}
            at = (seed or {}).get("autotask") or {}
            for vendor in at.get("vendors") or []:
                name = vendor["name"] if isinstance(vendor, dict) else vendor
                self.vendors[name] = (vendor.get("code") if isinstance(vendor, dict) else None) or at_ui.vendor_code(name)
            for spec in at.get("databases") or []:
                self._load_database(spec)
            for spec in ((seed or {}).get("connectwise") or {}).get("companies") or []:
                self._load_company(spec)

    def _load_database(self, spec):
        try:
            name = spec["name"]
            db = Database(name, spec.get("zone", "webservices2"), int(spec.get("ci", 100000 + len(self.databases))),
                          spec.get("domain", "%s.example" % name))
        except KeyError as exc:
            raise SeedError("autotask database needs %s" % exc)
        if db.name.lower() in self.databases:
            raise SeedError("autotask database %s is seeded twice" % name)
        for level_name, api_only, perms, default in system_security_levels():
            db.add_security_level(level_name, api_only, perms, default, is_system=True)
        for lvl in spec.get("security_levels") or []:
            db.add_security_level(lvl["name"], lvl.get("api_only", True), lvl.get("permissions"),
                                  lvl.get("default", "None"), web_services_login=lvl.get("web_services_login"))
        for loc in spec.get("locations") or [{"name": "Head Office", "isDefault": True, "timeZone": "UTC"}]:
            db.insert("internallocations", dict(loc))
        for path in ("departments", "roles", "companies", "contracts", "products", "tickets"):
            for rec in spec.get(path) or []:
                rec = dict(rec)
                if path == "departments" and "primaryLocationID" not in rec:
                    rec["primaryLocationID"] = db.snapshot("internallocations")[0]["id"]
                if path == "roles":
                    rec.setdefault("isActive", True)
                    rec.setdefault("isSystemRole", False)
                db.insert(path, rec)
        for contact in spec.get("contacts") or []:
            db.insert("contacts", dict(contact))
        self.databases[db.name.lower()] = db
        for user in spec.get("resources") or []:
            self._load_resource(db, dict(user))
        return db

    def _load_resource(self, db, user):
        username = user.get("userName")
        if not username:
            raise SeedError("a resource in %s has no userName" % db.name)
        full = username if "@" in username else "%s@%s" % (username, db.domain)
        if user.get("api", True) is False or user.get("kind") == "employee":
            at_ui.create_employee(self, db, dict(user, userName=full))
            return
        form = dict(user)
        form.setdefault("securityLevel", "API User (system)")
        form.setdefault("email", "%s@%s" % (full.split("@")[0], db.domain))
        try:
            resource, _, _ = at_ui.create_api_user(self, db, form, full_username=full)
        except at_ui.UIError as exc:
            raise SeedError("resource %s in %s: %s" % (full, db.name, exc))
        cred = db.credentials[resource["id"]]
        cred.locked = bool(user.get("locked", False))
        # Seeds may describe drift the UI would never show on creation (e.g. a changed level).
        for key in ("licenseType", "userType"):
            if key in user:
                with db.lock:
                    db.records["resources"][resource["id"]][key] = user[key]
        for assoc in user.get("roleDepartments") or []:
            r = next(x for x in db.snapshot("roles") if x["name"] == assoc["role"])
            d = next(x for x in db.snapshot("departments") if x["name"] == assoc["department"])
            db.insert("resourceroledepartments", {"resourceID": resource["id"], "roleID": r["id"],
                                                  "departmentID": d["id"], "isActive": True,
                                                  "isDefault": assoc.get("default", False),
                                                  "isDepartmentLead": False})

    def _load_company(self, spec):
        company = Company(spec["id"], spec.get("name", spec["id"]), spec.get("site", "na"),
                          spec.get("codebase", "v2025_1/"), spec.get("version", "v2025.1.12345"),
                          spec.get("is_cloud", True))
        for n, dep in enumerate(spec.get("departments") or [{"identifier": "Admin", "name": "Admin"}], 1):
            company.departments[n] = dict({"id": n}, **dep)
        for n, loc in enumerate(spec.get("locations") or [{"name": "Head Office"}], 1):
            company.locations[n] = dict({"id": n}, **loc)
        for n, lvl in enumerate(spec.get("structure_levels") or [{"name": "Corporate"}], 1):
            company.structure_levels[n] = dict({"id": n}, **lvl)
        for n, tz in enumerate(spec.get("time_zones") or [{"name": "GMT Standard Time"},
                                                          {"name": "Eastern Standard Time"}], 1):
            company.time_zones[n] = dict({"id": n}, **tz)
        for n, board in enumerate(spec.get("boards") or [{"name": "Help Desk"}], 1):
            company.boards[n] = dict({"id": n}, **board)
        for role in spec.get("security_roles") or [{"name": "Admin", "admin": True}]:
            company.add_role(role["name"], role.get("levels"), admin=role.get("admin", False),
                             role_type=role.get("roleType", ""))
        self.companies[company.id.lower()] = company
        from .connectwise.api import create_member  # one place for member rules
        for member in spec.get("members") or []:
            member = copy.deepcopy(member)
            keys = member.pop("keys", [])
            record = create_member(company, member, api_member=member.pop("licenseClass", "A") == "A", seeding=True)
            for key in keys:
                company.add_key(record["id"], key.get("description", ""), public=key.get("public"),
                                private=key.get("private"))
        return company


def load_seed_file(path):
    with open(path, encoding="utf-8") as handle:
        # libyaml's loader when PyYAML has it: a 10,000-tenant bench seed loads in 12 s instead of 60
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(data, dict):
        raise SeedError("%s: a seed is a mapping with autotask: and/or connectwise:" % path)
    return data
