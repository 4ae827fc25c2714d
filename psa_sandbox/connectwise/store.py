"""State of the ConnectWise side of the sandbox: companies, members, keys, security roles."""
import datetime
import secrets
import string
import threading

# The module functions a security role holds levels for (UI labels; identifiers are the sandbox's
# own: no public sample of the real moduleFunctionIdentifier strings exists, see
# shared/notes/connectwise-api.md 5.3). (moduleName, moduleFunctionName, customizable)
MODULE_FUNCTIONS = [
    ("Companies", "Company Maintenance", False),
    ("Companies", "Contacts", False),
    ("Companies", "Configurations", False),
    ("Finance", "Agreement Invoicing", False),
    ("Finance", "Agreements", False),
    ("Finance", "Invoicing", False),
    ("Procurement", "Product Catalog", False),
    ("Procurement", "Products", False),
    ("Service Desk", "Service Tickets", False),
    ("System", "Member Maintenance", False),
    ("System", "Security Roles", False),
    ("System", "Table Setup", True),
    ("System", "API Reports", False),
    ("Time & Expense", "Time Entry", False),
]
LEVEL_FIELDS = ("addLevel", "editLevel", "deleteLevel", "inquireLevel")
LEVELS = ("None", "My", "All")
# Table Setup tables a role may be allowed to customise (Quoter's category names, notes 5.2/5.3).
TABLE_SETUP_ITEMS = ["Agreements / Agreement Type", "Agreements / Batch", "Companies / Company Type",
                     "Procurement / Product Type", "Service / Board", "System / Department"]


def ident(text):
    return "".join(part.capitalize() for part in text.replace("&", "And").replace("/", " ").split())


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# What a board without seeded statuses offers (a new ConnectWise board's defaults differ per version and are
# renamed by most MSPs: the collection resolves statuses by name, per company).
DEFAULT_BOARD_STATUSES = ("New", "In Progress", "Waiting Customer", "Closed (resolved)")


def generate_key(length=16):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


class Company:
    def __init__(self, company_id, name, site="na", codebase="v2025_1/", version="v2025.1.12345",
                 is_cloud=True):
        self.id = company_id
        self.name = name
        self.site = site
        self.codebase = codebase if codebase.endswith("/") else codebase + "/"
        self.version = version
        self.is_cloud = is_cloud
        self.lock = threading.RLock()
        self.members = {}
        self.keys = {}            # publicKey -> {memberId, privateKey, description, expiration, kind}
        self.roles = {}           # id -> SecurityRole record
        self.role_settings = {}   # role id -> {(moduleName, functionName): {levels..., customItems}}
        self.departments = {}
        self.locations = {}
        self.structure_levels = {}
        self.time_zones = {}
        self.boards = {}
        self.tickets = {}
        self.ticket_notes = {}
        # Client companies tickets are filed under: the MSP's own company, whose identifier is the company id
        # the API is logged in to (the hand-off files its tickets there).
        self.client_companies = {250: {"id": 250, "identifier": company_id, "name": name}}
        self._ids = {}

    # -- service boards and their statuses (tickets) --------------------------------------------
    def board_statuses(self, board):
        """The statuses of a board record: seeded ``statuses`` (names or {name, closedStatus}) or the defaults."""
        out = []
        for n, status in enumerate(board.get("statuses") or DEFAULT_BOARD_STATUSES, 1):
            status = {"name": status} if isinstance(status, str) else dict(status)
            status.setdefault("closedStatus", status["name"].lower().startswith("closed"))
            out.append(dict(status, id=board["id"] * 100 + n))
        return out

    def find_board(self, value):
        return self._find(self.boards.values(), value, ("name",))

    def find_client_company(self, value):
        return self._find(self.client_companies.values(), value, ("identifier", "name"))

    @staticmethod
    def _find(records, value, keys):
        if not isinstance(value, dict):
            return None
        for rec in records:
            if value.get("id") is not None:
                if rec["id"] == value.get("id"):
                    return rec
            elif any(value.get(k) and str(rec.get(k, "")).lower() == str(value[k]).lower() for k in keys):
                return rec
        return None

    def new_id(self, kind, floor=1):
        with self.lock:
            self._ids[kind] = max(self._ids.get(kind, 0), floor - 1) + 1
            return self._ids[kind]

    def bump(self, kind, value):
        with self.lock:
            self._ids[kind] = max(self._ids.get(kind, 0), value)

    # -- reference objects ------------------------------------------------------------------
    def ref(self, table, value, kind):
        """Resolve {"id": n} or {"name": "x"} (or identifier) to a full reference, or None."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueError("must be an object with an id")
        items = getattr(self, table)
        rec = None
        if value.get("id") is not None:
            rec = items.get(value.get("id"))
        else:
            for cand in items.values():
                for key in ("name", "identifier"):
                    if value.get(key) and str(cand.get(key, "")).lower() == str(value[key]).lower():
                        rec = cand
        if rec is None:
            raise LookupError(kind)
        out = {"id": rec["id"]}
        for key in ("identifier", "name"):
            if key in rec:
                out[key] = rec[key]
        out["_info"] = {kind + "_href": "%s/%d" % (kind, rec["id"])}
        return out

    # -- security roles -----------------------------------------------------------------------
    def add_role(self, name, levels=None, role_id=None, admin=False, role_type=""):
        with self.lock:
            rid = role_id or self.new_id("role", 20)
            self.bump("role", rid)
            self.roles[rid] = {"id": rid, "name": name, "roleType": role_type, "adminFlag": admin,
                               "inactiveFlag": False}
            grid = {}
            for module, function, customizable in MODULE_FUNCTIONS:
                default = "All" if admin else "None"
                grid[(module, function)] = {f: default for f in LEVEL_FIELDS}
                grid[(module, function)]["customItems"] = list(TABLE_SETUP_ITEMS) if (admin and customizable) else []
            self.role_settings[rid] = grid
            if levels:
                self.set_levels(rid, levels)
            return self.roles[rid]

    def set_levels(self, role_id, levels):
        """The UI step: levels = [{moduleName, moduleFunctionName, addLevel.., customItems}]."""
        grid = self.role_settings[role_id]
        for item in levels:
            key = next((k for k in grid if k[0].lower() == str(item.get("moduleName", "")).lower()
                        and k[1].lower() == str(item.get("moduleFunctionName", "")).lower()), None)
            if key is None:
                raise KeyError("%s > %s" % (item.get("moduleName"), item.get("moduleFunctionName")))
            for f in LEVEL_FIELDS:
                if f in item:
                    if item[f] not in LEVELS:
                        raise ValueError("%s must be one of %s" % (f, ", ".join(LEVELS)))
                    grid[key][f] = item[f]
            if "customItems" in item:
                unknown = [i for i in item["customItems"] if i not in TABLE_SETUP_ITEMS]
                if unknown:
                    raise ValueError("unknown Table Setup item(s): %s" % ", ".join(unknown))
                grid[key]["customItems"] = list(item["customItems"])

    def settings_records(self, role_id):
        out = []
        for n, (module, function, customizable) in enumerate(MODULE_FUNCTIONS, 1):
            levels = self.role_settings[role_id][(module, function)]
            out.append({
                "id": role_id * 1000 + n,
                "addLevel": levels["addLevel"], "editLevel": levels["editLevel"],
                "deleteLevel": levels["deleteLevel"], "inquireLevel": levels["inquireLevel"],
                "moduleFunctionName": function, "moduleFunctionDescription": function,
                "myAllFlag": True, "moduleFunctionIdentifier": ident(function),
                "reportFlag": False, "restrictFlag": False,
                "customFlag": bool(customizable and levels["customItems"]),
                "moduleDescription": module, "moduleIdentifier": ident(module), "moduleName": module,
                "sortOrder": n,
                "_info": {"securityRole_href": "system/securityroles/%d" % role_id},
            })
        return out

    def allowed(self, member, module, function, field):
        role = (member.get("securityRole") or {}).get("id")
        if role not in self.role_settings:
            return False
        return self.role_settings[role][(module, function)][field] in ("My", "All")

    # -- members and keys -------------------------------------------------------------------
    def member_by_identifier(self, identifier):
        for m in self.members.values():
            if m["identifier"].lower() == str(identifier).lower():
                return m
        return None

    def add_key(self, member_id, description="", kind="apikey", ttl_hours=None, public=None, private=None):
        with self.lock:
            public = public or generate_key()
            private = private or generate_key()
            expiration = None
            if ttl_hours:
                expiration = (datetime.datetime.now(datetime.timezone.utc)
                              + datetime.timedelta(hours=ttl_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.keys[public] = {"memberId": member_id, "privateKey": private, "description": description,
                                 "expiration": expiration, "kind": kind, "created": now_iso()}
            return public, private, expiration
