"""Sandbox-wide machinery: settings (switches and faults), the request log, concurrency counters."""
import copy
import random
import threading
import time

DEFAULT_SETTINGS = {
    # Fault injection on the API surfaces (never on /_sandbox/): settable at start and at run time.
    "faults": {
        "latency_ms": 0,        # added to every API request, inside the concurrency window
        "rate_429": 0.0,        # share of API requests answered 429 with Retry-After
        "rate_5xx": 0.0,        # share answered 503
        "drop_rate": 0.0,       # share whose connection is closed without an answer
        "retry_after": 1,       # seconds announced in Retry-After for injected 429s
        "seed": None,           # random seed, for repeatable fault sequences
    },
    "autotask": {
        "hourly_limit": 10000,           # requests per rolling 60 minutes per database
        "thread_limit": 3,               # concurrent requests per endpoint per tracking identifier
        # Thread-limit rejection: "429" (429, Retry-After, errors body) | "500-no-retry-after" (500 errors body,
        # no Retry-After: msoukhomlinov/n8n-nodes-autotask retryHandler "may arrive with a non-429 status").
        "thread_limit_response": "429",
        "lockout_threshold": 5,          # consecutive bad secrets before the account locks
        # Unknown username / wrong integration code: "401-empty" (every auth failure 401, empty body) |
        # "500-json" (those two 500 {"errors": [...]}, a bad secret still 401 empty). docs/sandbox.md.
        "auth_failure": "401-empty",
        "permission_denied_status": 403, # 403 per Swagger; 500 as observed by django-autotask
        "not_found": "null-item",        # GET {id} of a missing record: "null-item" (200) | "404"
        "strict_operators": False,       # unknown filter operator: ignored (observed) | error
        # Resource fields of RESOURCE_SWITCHABLE this tenant's metadata reports writable (default: none).
        "resource_writable_fields": [],
        # RoleDepartments for an API-only resource: "refused" (500 errors body) | "allowed".
        "api_user_role_departments": "refused",
        "advertise_v2": False,           # versioninformation lists V2.0 too (since ~Sept 2026)
    },
    "connectwise": {
        "per_minute_limit": 1000,        # requests per minute per company before 429
        "require_client_id": True,
        "is_cloud_as_string": False,     # companyinfo IsCloud: boolean | "True"
        "api_version": "2025.8",         # the current version (api-current-version; no Accept version)
        "oldest_api_version": "2019.1",  # the oldest Accept version still served; older/newer: 400
    },
}


# Every switch where the sources disagree, at its alternative (docs/sandbox.md lists each with its evidence).
# The fleet_alternative molecule scenario starts the sandbox with exactly these settings; tests/sandbox/
# test_switches.py keeps the three in step.
ALTERNATIVES = {
    "autotask": {
        "ticket_required_fields": {"*": ["queueID", "billingCodeID"]},
        "resource_writable_fields": ["internalCost", "locationID", "userType", "dateFormat", "timeFormat"],
        "api_user_role_departments": "allowed",
        "auth_failure": "500-json",
        "thread_limit_response": "500-no-retry-after",
        "permission_denied_status": 500,
        "not_found": "404",
        "strict_operators": True,
        "advertise_v2": True,
    },
    "connectwise": {"is_cloud_as_string": True, "require_client_id": False},
}


def deep_merge(base, update):
    for key, value in (update or {}).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = value
    return base


class Settings:
    def __init__(self, overrides=None):
        self._lock = threading.Lock()
        self._data = deep_merge(copy.deepcopy(DEFAULT_SETTINGS), overrides)
        self._rng = random.Random(self._data["faults"]["seed"])

    def get(self, section, key):
        return self._data[section][key]

    def section(self, section):
        with self._lock:
            return copy.deepcopy(self._data[section])

    def as_dict(self):
        with self._lock:
            return copy.deepcopy(self._data)

    def update(self, values):
        unknown = [f"{s}.{k}" for s, kv in values.items() for k in (kv or {})
                   if s not in DEFAULT_SETTINGS or k not in DEFAULT_SETTINGS[s]]
        if unknown:
            raise ValueError("unknown setting(s): %s" % ", ".join(sorted(unknown)))
        with self._lock:
            deep_merge(self._data, values)
            if "seed" in values.get("faults", {}):
                self._rng = random.Random(self._data["faults"]["seed"])

    def roll(self, share):
        if not share:
            return False
        with self._lock:
            return self._rng.random() < share


class RequestLog:
    """Every request: method, path, status, who. Never secrets."""

    def __init__(self, limit=200000):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = 0
        self._limit = limit

    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]

    def entries(self, since=0):
        with self._lock:
            return [e for e in self._entries if e["seq"] > since]

    def last_seq(self):
        with self._lock:
            return self._seq

    def clear(self):
        with self._lock:
            self._entries = []


class ConcurrencyCounters:
    """In-flight requests per key, the highest seen, and how many were refused."""

    def __init__(self):
        self._lock = threading.Lock()
        self._data = {}

    def enter(self, key, limit):
        with self._lock:
            c = self._data.setdefault(key, {"in_flight": 0, "max_in_flight": 0, "rejected": 0, "total": 0})
            if limit and c["in_flight"] >= limit:
                c["rejected"] += 1
                return False
            c["in_flight"] += 1
            c["total"] += 1
            c["max_in_flight"] = max(c["max_in_flight"], c["in_flight"])
            return True

    def leave(self, key):
        with self._lock:
            self._data[key]["in_flight"] -= 1

    def snapshot(self):
        with self._lock:
            return [dict(key=list(k), **v) for k, v in sorted(self._data.items())]

    def clear(self):
        with self._lock:
            self._data = {}


class RateWindow:
    """Requests per rolling window for one key (ConnectWise per-minute limit)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._times = {}

    def hit(self, key, limit, window=60.0, now=None):
        now = time.time() if now is None else now
        with self._lock:
            times = [t for t in self._times.get(key, []) if t > now - window]
            if len(times) >= limit:
                self._times[key] = times
                return max(1, int(times[0] + window - now) + 1)
            times.append(now)
            self._times[key] = times
            return None
