"""State of the Autotask side of the sandbox: databases, their records, API credentials, limits."""
import collections
import secrets
import string
import threading
import time

from .entities import API_USER_LICENSE, ENTITIES, STATIC_PICKLISTS

ACCESS_LEVELS = ("None", "Restricted", "All")
ACTIONS = ("query", "create", "update", "delete")
# Characters the UI refuses in a username (seed 001: "@ ( ) ; : [ ] | \ are not allowed").
USERNAME_FORBIDDEN = set("@();:[]|\\")


def generate_secret(length=25):
    """What the UI's Generate button produces: letters and digits, 25 characters by default."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isalpha() for c in value) and any(c.isdigit() for c in value):
            return value


def generate_tracking_identifier():
    """A Custom (Internal Integration) tracking identifier: 27 upper-case letters and digits."""
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(27))


class SecurityLevel:
    """A security level. ``permissions`` maps an entity path (lower case) to {action: level}."""

    def __init__(self, level_id, name, api_only=False, permissions=None, default="None",
                 web_services_login=None, is_system=False):
        self.id = level_id
        self.name = name
        self.api_only = api_only
        self.is_system = is_system
        self.default = default
        self.permissions = {k.lower(): dict(v) for k, v in (permissions or {}).items()}
        # "Web Services API > Can login to Web Services API" (seed 004): API-only levels have it.
        self.web_services_login = api_only if web_services_login is None else web_services_login

    def access(self, entity_path, action):
        entry = self.permissions.get(entity_path.lower(), self.permissions.get("*", {}))
        return entry.get(action, entry.get("*", self.default))

    def to_dict(self):
        return {"id": self.id, "name": self.name, "apiOnly": self.api_only, "isSystem": self.is_system,
                "default": self.default, "permissions": self.permissions,
                "webServicesLogin": self.web_services_login}


def system_security_levels():
    """The system levels every database has (names as the Autotask UI shows them)."""
    full = {"*": {"query": "All", "create": "All", "update": "All", "delete": "All"}}
    return [
        ("Administrator (system)", False, full, "All"),
        ("Full Access (system)", False, full, "All"),
        ("Minimal Access (system)", False, {"*": {"query": "Restricted"}}, "None"),
        ("API User (system)", True, full, "All"),
        ("API User (system) Can't Read Costs", True, full, "All"),
    ]


class ApiCredential:
    """What the UI holds for an API user and the REST API never shows: secret, tracking identifier."""

    def __init__(self, secret, tracking_kind, tracking_code, vendor=None):
        self.secret = secret
        self.tracking_kind = tracking_kind      # "vendor" | "custom"
        self.tracking_code = tracking_code
        self.vendor = vendor                    # integration vendor label for kind "vendor"
        self.locked = False
        self.failed_logins = 0

    def public(self):
        return {"trackingKind": self.tracking_kind, "vendor": self.vendor, "locked": self.locked,
                "failedLogins": self.failed_logins}


class Database:
    """One Autotask database (one MSP tenant) in one zone."""

    def __init__(self, name, zone, ci, domain):
        self.name = name
        self.zone = zone
        self.ci = ci
        self.domain = domain
        self.lock = threading.RLock()
        self.records = {path: {} for path in ENTITIES}
        self._next_id = {}
        self.security_levels = {}
        self.credentials = {}                   # resource id -> ApiCredential
        self.request_times = collections.deque()
        self.password_min_length = 8
        self.extra = {}                         # UI-only facts per resource id (timesheets flag)

    # -- ids and records ------------------------------------------------------------------------
    def new_id(self, path):
        with self.lock:
            base = 29682000 + (self.ci % 97) * 10000 + sorted(ENTITIES).index(path) * 100000
            self._next_id[path] = max(self._next_id.get(path, base), base) + 1
            return self._next_id[path]

    def insert(self, path, record):
        with self.lock:
            if record.get("id") is None:
                record["id"] = self.new_id(path)
            else:
                self._next_id[path] = max(self._next_id.get(path, 0), record["id"])
            entity = ENTITIES[path]
            full = {name: None for name in entity.fields}
            full.update(record)
            self.records[path][full["id"]] = full
            return full

    def get(self, path, record_id):
        with self.lock:
            rec = self.records[path].get(record_id)
            return dict(rec) if rec else None

    def snapshot(self, path):
        with self.lock:
            return [dict(r) for _, r in sorted(self.records[path].items())]

    # -- picklists ------------------------------------------------------------------------------
    def add_security_level(self, name, api_only=False, permissions=None, default="None",
                           is_system=False, web_services_login=None):
        with self.lock:
            # Ids differ per database, as in real instances: never hard-code them.
            level_id = 10 + (self.ci % 13) + len(self.security_levels) * 3
            level = SecurityLevel(level_id, name, api_only, permissions, default, web_services_login, is_system)
            self.security_levels[level_id] = level
            return level

    def security_level_by_name(self, name):
        for level in self.security_levels.values():
            if level.name.lower() == str(name).lower():
                return level
        return None

    def picklist(self, path, field_name):
        if (path, field_name) == ("resources", "userType"):
            return {lvl.id: lvl.name for lvl in self.security_levels.values()}
        return STATIC_PICKLISTS.get((path, field_name))

    # -- users ----------------------------------------------------------------------------------
    def resource_by_username(self, username):
        with self.lock:
            for rec in self.records["resources"].values():
                if (rec.get("userName") or "").lower() == username.lower():
                    return dict(rec)
        return None

    def is_api_user(self, resource):
        level = self.security_levels.get(resource.get("userType"))
        return resource.get("licenseType") == API_USER_LICENSE and bool(level and level.api_only)

    # -- limits ---------------------------------------------------------------------------------
    def count_request(self, limit, now=None):
        """Record one request in the rolling hour. Returns (count, retry_after_seconds or None)."""
        now = time.time() if now is None else now
        with self.lock:
            while self.request_times and self.request_times[0] <= now - 3600:
                self.request_times.popleft()
            if len(self.request_times) >= limit:
                return len(self.request_times), max(1, int(self.request_times[0] + 3600 - now) + 1)
            self.request_times.append(now)
            return len(self.request_times), None

    def requests_this_hour(self, now=None):
        now = time.time() if now is None else now
        with self.lock:
            return sum(1 for t in self.request_times if t > now - 3600)
