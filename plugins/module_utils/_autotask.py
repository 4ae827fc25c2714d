# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A small Datto Autotask PSA REST (V1.0) client: zone discovery with an on-disk cache, the three auth
headers, queries with paging, get/PATCH/POST, picklists (label <-> id per database), thresholds,
and errors classified for humans."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.msp.psa.plugins.module_utils._cache import DiskCache
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

DISCOVERY_URL = "https://webservices.autotask.net/atservicesrest/"
API_USER_LICENSE = 7
UI_RESOURCES = "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users"
# what a zone that is not (or no longer) the database's answers: 401, or a redirect to another zone
ZONE_REFUSED = (301, 302, 307, 308, 401)

AUTH_SPEC = dict(
    autotask_username=dict(type="str", required=True, fallback=(env_fallback, ["AUTOTASK_USERNAME"])),
    autotask_secret=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["AUTOTASK_SECRET"])),
    autotask_integration_code=dict(type="str", required=True, no_log=True,
                                   fallback=(env_fallback, ["AUTOTASK_INTEGRATION_CODE"])),
    autotask_zone_url=dict(type="str", fallback=(env_fallback, ["AUTOTASK_ZONE_URL"])),
    autotask_discovery_url=dict(type="str", default=DISCOVERY_URL, fallback=(env_fallback, ["AUTOTASK_DISCOVERY_URL"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=30),
    zone_cache_ttl=dict(type="int", default=2592000),
    metadata_cache_ttl=dict(type="int", default=604800),
)


def web_url_for(zone_url):
    """webservicesN <-> wwN: the UI host of an API zone URL (and the Sync 365 'zone' field)."""
    m = re.search(r"webservices(\d+)", zone_url or "")
    return ("https://ww%s.autotask.net/" % m.group(1)) if m else None


def zone_name_for_ui(web_url):
    """The value vendor tools ask for as 'zone': ``wwN`` in the UI URL becomes ``webservicesN``."""
    m = re.search(r"ww(\d+)", web_url or "")
    return ("webservices%s" % m.group(1)) if m else None


def ZoneCache(ttl=86400, path=None):  # pylint: disable=invalid-name
    """Zone lookups per (discovery URL, username), on disk with a TTL."""
    return DiskCache("autotask-zones", ttl, path)


def lookup_zone(http, username, discovery_url=DISCOVERY_URL, cache=None, refresh=False):
    """GET {discovery}v1.0/zoneInformation?user= (pinned to V1.0, no auth); ``refresh`` asks even when
    the cache has an answer (the cached zone was refused) and replaces it."""
    key = "%s|%s" % (discovery_url.rstrip("/").lower(), username.lower())
    cached = cache.get(key) if (cache and not refresh) else None
    if cached:
        return dict(cached, cached=True)
    url = "%s/v1.0/zoneInformation?user=%s" % (discovery_url.rstrip("/"), _quote(username))
    resp = http.request("GET", url)
    body = resp.json or {}
    if resp.status != 200 or not body.get("url"):
        raise PSAError("Autotask does not know the username %s (zoneInformation answered HTTP %s: %s)." % (
            username, resp.status, "; ".join(body.get("errors") or []) or resp.text[:200]),
            kind="unknown_username", status=resp.status,
            fix="Check the username (API users' usernames include the database's domain, e.g. "
                "name@yourdomain.com) and that the user exists: %s." % UI_RESOURCES)
    zone = {"zone_name": body.get("zoneName"), "url": body["url"], "web_url": body.get("webUrl"), "ci": body.get("ci")}
    if cache:
        cache.put(key, zone)
    return dict(zone, cached=False)


def _quote(text):
    try:
        from urllib.parse import quote
    except ImportError:  # pragma: no cover
        from urllib import quote
    return quote(text, safe="")


class Picklist:
    """Label <-> id for one picklist field of one database."""

    def __init__(self, field, values):
        self.field = field
        self.by_value = dict((str(v["value"]), v["label"]) for v in values or [])

    def label(self, value):
        return None if value is None else self.by_value.get(str(value))

    def value(self, label):
        for value, name in self.by_value.items():
            if name.lower() == str(label).lower():
                return int(value) if value.lstrip("-").isdigit() else value
        return None

    def labels(self):
        return sorted(self.by_value.values())


class AutotaskClient:
    def __init__(self, http, username, secret, integration_code, zone_url=None, discovery_url=DISCOVERY_URL,
                 zone_cache=None, check_mode=False, metadata_cache=None):
        self.http = http
        self.username = username
        self.http.redact.add(secret)
        self.http.redact.add(integration_code)
        self.headers = {"UserName": username, "Secret": secret, "ApiIntegrationCode": integration_code}
        self._zone_url = zone_url
        # where the zone came from: "declared" (autotask_zone_url), "cache" or "discovery"; a declared or
        # cached zone the PSA refuses is asked for again once (see zone_refused)
        self.zone_source = "declared" if zone_url else None
        self._zone_checked = False
        self.zone_moved = None
        self.discovery_url = discovery_url
        self.zone_cache = zone_cache
        self.check_mode = check_mode
        self._fields = {}
        self._fresh = set()  # entities whose metadata was read from the PSA in this run (not the cache)
        self.metadata_cache = metadata_cache
        self.zone_info = None

    @classmethod
    def from_params(cls, params, check_mode=False):
        http = HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"],
                          redactor=Redactor([params.get("autotask_secret"), params.get("autotask_integration_code")]))
        return cls(http, params["autotask_username"], params["autotask_secret"], params["autotask_integration_code"],
                   params.get("autotask_zone_url"), params["autotask_discovery_url"],
                   ZoneCache(params["zone_cache_ttl"]), check_mode,
                   DiskCache("autotask-fields", params.get("metadata_cache_ttl", 604800)))

    # -- zone -----------------------------------------------------------------------------------
    @property
    def base_url(self):
        if not self._zone_url:
            self.zone_info = lookup_zone(self.http, self.username, self.discovery_url, self.zone_cache)
            self._zone_url = self.zone_info["url"]
            self.zone_source = "cache" if self.zone_info.get("cached") else "discovery"
        return self._zone_url.rstrip("/") + "/V1.0/"

    @property
    def zone(self):
        """The zone this run talks to: API URL, UI URL and what vendor tools call the zone (webservicesN)."""
        info = dict(self.zone_info or {}, url=self.base_url.rsplit("V1.0/", 1)[0])
        info["web_url"] = info.get("web_url") or web_url_for(info["url"])
        info["ui_zone"] = zone_name_for_ui(info["web_url"]) or zone_name_for_ui(info["url"].replace("webservices", "ww"))
        info["source"] = self.zone_source
        return info

    def zone_refused(self):
        """The PSA refused (401, redirect, no connection) a zone that was declared or cached, not just
        discovered: ask zoneInformation once more, bypassing the cache. True when it names another zone;
        the caller then retries there (the cache now holds the new zone). Asked at most once per run, so a
        wrong secret is never tried twice in the same zone."""
        if self._zone_checked or self.zone_source not in ("declared", "cache"):
            return False
        used, source = self._zone_url, self.zone_source
        self._zone_checked = True
        try:
            info = lookup_zone(self.http, self.username, self.discovery_url, self.zone_cache, refresh=True)
        except PSAError:
            return False
        if info["url"].rstrip("/").lower() == used.rstrip("/").lower():
            return False
        self.zone_info, self._zone_url, self.zone_source = info, info["url"], "discovery"
        self.zone_moved = {"source": source, "was": used, "now": info["url"]}
        return True

    def zone_warning(self):
        """What to correct when a declared or cached zone turned out wrong, or None."""
        moved = self.zone_moved
        if not moved:
            return None
        if moved["source"] == "declared":
            return ("autotask_zone_url %s is not the zone of %s; Autotask's zoneInformation says %s, which this run "
                    "used. Correct autotask_zone_url in the inventory (or remove it to discover the zone)." % (
                        moved["was"], self.username, moved["now"]))
        return ("The cached zone of %s (%s) was refused; the database moved to %s, and the cache now says so." % (
            self.username, moved["was"], moved["now"]))

    # -- transport ------------------------------------------------------------------------------
    def call(self, method, path, body=None, idempotent=True):
        url = path if path.startswith("http") else self.base_url + path
        try:
            resp = self.http.request(method, url, headers=self.headers, body=body, idempotent=idempotent)
        except PSAError as exc:  # a zone host that is gone or redirects elsewhere
            if exc.kind == "connection" and not path.startswith("http") and self.zone_refused():
                return self.call(method, path, body, idempotent)
            raise
        if 200 <= resp.status < 300:
            self._zone_checked = True  # the zone answered: a later refusal is not the zone's
            return resp.json
        if resp.status in ZONE_REFUSED and not path.startswith("http") and self.zone_refused():
            return self.call(method, path, body, idempotent)
        raise self.classify(resp, method, path)

    def classify(self, resp, method, path):
        body = resp.json if isinstance(resp.json, dict) else {}
        errors = body.get("errors") or ([body["Message"]] if body.get("Message") else [])
        text = self.http.redact("; ".join(str(e) for e in errors) or resp.text[:300])
        low = text.lower()
        entity = path.split("?")[0].split("/")[0] if not path.startswith("http") else path.split("/V1.0/")[-1].split("/")[0]
        where = "%s %s" % (method, entity)
        status = resp.status
        user = self.username
        if status == 401 or (status == 500 and ("integrationcode" in low or "user name is not valid" in low)):
            if "integrationcode" in low or "tracking" in low:
                return PSAError("Autotask refused the API tracking identifier sent for %s (%s)." % (user, text),
                                kind="tracking_identifier", status=status,
                                fix="Use the integration code shown in the API Tracking Identifier section of "
                                    "%s > %s (Custom (Internal Integration)), or re-enable that vendor." % (UI_RESOURCES, user))
            if "locked" in low:
                return PSAError("The Autotask account %s is locked." % user, kind="locked", status=status,
                                fix="Unlock it in %s > %s > Security, then correct the stored secret." % (UI_RESOURCES, user))
            if "user name is not valid" in low:
                return PSAError("Autotask does not know the API user %s." % user, kind="unknown_username",
                                status=status, fix="Check autotask_username.")
            return PSAError(
                "Autotask refused the credentials of %s on %s (HTTP 401%s). The secret, the API tracking identifier "
                "(integration code) or the zone is wrong, or the account is locked or inactive." % (
                    user, where, (": " + text) if text else ""),
                kind="credentials", status=status,
                fix="Check the secret (%s > %s > Security > Generate Secret) and the integration code; Autotask "
                    "locks an account after repeated failures, so this module did not retry." % (UI_RESOURCES, user))
        if status == 403 or "adequate permissions" in low:
            action = {"GET": "query", "POST": "create" if "/query" not in path else "query", "PATCH": "update",
                      "PUT": "update", "DELETE": "delete"}[method]
            return PSAError("The API user %s may not %s %s: %s" % (user, action, entity, text), kind="permission",
                            status=status, details={"entity": entity, "action": action},
                            fix="Give its security level %s access to %s (Admin > Account Settings & Users > "
                                "Resources/Users (HR) > Security > Security Levels)." % (action, entity))
        if status == 429:
            if "threshold" in low and "thread" not in low:
                return PSAError("The Autotask database has used its hourly request budget: %s" % text,
                                kind="budget", status=status,
                                fix="Wait for the rolling hour to free requests; check autotask_threshold_info first.")
            return PSAError("Autotask is throttling %s: %s" % (where, text), kind="rate_limited", status=status,
                            fix="Lower the run's concurrency for this tenant (throttle) and retry later.")
        return PSAError("Autotask answered HTTP %s to %s: %s" % (status, where, text), kind="api", status=status)

    # -- entities -------------------------------------------------------------------------------
    def query(self, entity, filters, include_fields=None, max_records=500):
        body = {"filter": filters, "maxRecords": max_records}
        if include_fields:
            body["includeFields"] = list(include_fields)
        page = self.call("POST", entity + "/query", body)
        items = list(page.get("items") or [])
        while (page.get("pageDetails") or {}).get("nextPageUrl"):
            page = self.call("POST", page["pageDetails"]["nextPageUrl"], body)
            items.extend(page.get("items") or [])
        return items

    def get(self, entity, record_id):
        return (self.call("GET", "%s/%s" % (entity, record_id)) or {}).get("item")

    def update(self, entity, record, changes):
        """PATCH only the changed fields; in check mode, predict the record instead of writing."""
        if self.check_mode:
            return dict(record, **changes)
        self.call("PATCH", entity, dict(changes, id=record["id"]))
        return dict(record, **changes)

    def create_child(self, parent, parent_id, child, body):
        if self.check_mode:
            return dict(body, id=None)
        result = self.call("POST", "%s/%s/%s" % (parent, parent_id, child), body, idempotent=False)
        return dict(body, id=result.get("itemId"))

    def create(self, entity, body):
        if self.check_mode:
            return dict(body, id=None)
        result = self.call("POST", entity, body, idempotent=False)
        return dict(body, id=result.get("itemId"))

    def children(self, parent, parent_id, child):
        return (self.call("GET", "%s/%s/%s" % (parent, parent_id, child)) or {}).get("items") or []

    def fields(self, entity, refresh=False):
        """Field metadata, once per run, and from the on-disk cache (per database, with a TTL) across runs."""
        # per database: a zone holds many databases whose picklist ids differ; the collection's own
        # username belongs to exactly one database
        key = "%s|%s|%s" % (self.base_url.lower(), self.username.lower(), entity.lower())
        if refresh or entity not in self._fields:
            cached = None if (refresh or not self.metadata_cache) else self.metadata_cache.get(key)
            if cached is None:
                cached = (self.call("GET", entity + "/entityInformation/fields") or {}).get("fields") or []
                self._fresh.add(entity)
                if self.metadata_cache:
                    self.metadata_cache.put(key, cached)
            self._fields[entity] = cached
        return self._fields[entity]

    def label(self, entity, field, value):
        """The picklist label of a value; refreshes cached metadata once if the value is new to it."""
        if value is None:
            return None
        return self.picklist(entity, field, knows=value).label(value)

    def picklist(self, entity, field, knows=None):
        """One picklist field. ``knows``: a value or label the database uses or the declaration names; when
        metadata from the cache does not know it, the picklist changed since: it is read again (once per run)."""
        found = self._picklist(entity, field)
        if knows is not None and entity not in self._fresh and found.label(knows) is None and found.value(knows) is None:
            self.fields(entity, refresh=True)
            found = self._picklist(entity, field)
        return found

    def _picklist(self, entity, field):
        for f in self.fields(entity):
            if f["name"].lower() == field.lower():
                return Picklist(f["name"], f.get("picklistValues"))
        raise PSAError("The %s entity has no field %s." % (entity, field))

    def field_is_read_only(self, entity, field):
        for f in self.fields(entity):
            if f["name"].lower() == field.lower():
                return bool(f.get("isReadOnly"))
        return True

    def entity_information(self, entity):
        return (self.call("GET", entity + "/entityInformation") or {}).get("info") or {}

    def threshold(self):
        data = self.call("GET", "ThresholdInformation") or {}
        limit = data.get("externalRequestThreshold") or 0
        used = data.get("currentTimeframeRequestCount") or 0
        return {"limit": limit, "timeframe_minutes": data.get("requestThresholdTimeframe"), "used": used,
                "remaining": max(0, limit - used), "used_percent": round(100.0 * used / limit, 1) if limit else None}
