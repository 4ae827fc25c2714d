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
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.msp.psa.plugins.module_utils._cache import DiskCache
from ansible_collections.msp.psa.plugins.module_utils._http import (
    RETRY_STATUSES, HTTPClient, PSAError, Redactor, header_value)

DISCOVERY_URL = "https://webservices.autotask.net/atservicesrest/"
API_USER_LICENSE = 7
UI_RESOURCES = "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users"
# what a zone that is not (or no longer) the database's answers: 401, or a redirect to another zone
ZONE_REFUSED = (301, 302, 307, 308, 401)
# Error texts the real service is known to use; they only refine what status and structure decide.
TRACKING_TEXTS = ("integrationcode", "integration code", "tracking identifier")  # python-atws#64, autotask-php#174
PERMISSION_TEXT = "adequate permissions"  # django-autotask FORBIDDEN_ERROR_MESSAGE (403, or 500 since 2021)

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
        self.headers = {"UserName": header_value("autotask_username", username),
                        "Secret": header_value("autotask_secret", secret),
                        "ApiIntegrationCode": header_value("autotask_integration_code", integration_code)}
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
        self.authenticated = False  # a request with these credentials succeeded (see classify)

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
        """One request; a thread-limit rejection the HTTP layer did not already retry is retried here with
        bounded back-off, for idempotent requests only (a create is never sent twice)."""
        url = path if path.startswith("http") else self.base_url + path
        waited = 0
        while True:
            try:
                resp = self.http.request(method, url, headers=self.headers, body=body, idempotent=idempotent)
            except PSAError as exc:  # a zone host that is gone or redirects elsewhere
                if exc.kind == "connection" and not path.startswith("http") and self.zone_refused():
                    return self.call(method, path, body, idempotent)
                raise
            if 200 <= resp.status < 300:
                self._zone_checked = True  # the zone answered: a later refusal is not the zone's
                self.authenticated = True
                return resp.json
            if resp.status in ZONE_REFUSED and not path.startswith("http") and self.zone_refused():
                return self.call(method, path, body, idempotent)
            error = self.classify(resp, method, path)
            if error.kind == "auth_or_input":
                error = self.confirm_auth(error)
            # an auth failure in its 500 form, from a zone that was declared or cached
            if error.kind in ("credentials", "unknown_username", "tracking_identifier") and not path.startswith("http") \
                    and self.zone_refused():
                return self.call(method, path, body, idempotent)
            if error.kind != "thread_limit" or not idempotent or resp.status in RETRY_STATUSES \
                    or waited >= self.http.retries:
                raise error
            time.sleep(self.thread_limit_wait(resp, waited))
            waited += 1

    def thread_limit_wait(self, resp, attempt):
        """Seconds before retrying a thread-limit rejection: its Retry-After if it sent one (within the HTTP
        layer's cap), else exponential back-off from the HTTP layer's factor, at most 10 s."""
        after = (resp.headers or {}).get("Retry-After")
        if after and str(after).strip().isdigit():
            return min(float(after), self.http.max_wait)
        return min(self.http.backoff * (2 ** attempt), 10.0)

    def confirm_auth(self, error):
        """A query or write refused with HTTP 500 before anything succeeded: the credentials (an unknown
        username or a wrong tracking identifier) or the request's content? One read without content
        (ThresholdInformation) tells: refused as well, it is the credentials."""
        probe = self.http.request("GET", self.base_url + "ThresholdInformation", headers=self.headers)
        if 200 <= probe.status < 300:
            self.authenticated = True
            return PSAError(error.details["api_message"], kind="api", status=error.status,
                            details=dict((k, v) for k, v in error.details.items() if k != "api_message"))
        again = self.classify(probe, "GET", "ThresholdInformation")
        if again.kind not in ("credentials", "tracking_identifier", "locked"):
            return again
        return PSAError("%s A request without content (GET ThresholdInformation) was refused as well (HTTP %s), so "
                        "the credentials are what Autotask refuses." % (error.message, probe.status), kind=again.kind,
                        status=error.status, details=again.details, fix=again.fix)

    def classify(self, resp, method, path):
        """A PSAError for an answer that is not a success, by status and structure; the PSA's own text is
        always quoted. Real Autotask answers (autotask-api.md 2.2 and its sources):

        * a bad secret for a valid user (and a locked account, which answers the same): 401, empty body;
        * an unknown username or a wrong tracking identifier: 401 on some tenants, 500 ``{"errors": [...]}``
          on others; the texts are not documented, so a 500 counts as an authentication failure when nothing
          has succeeded yet with these credentials and the request carried no input that could be wrong;
        * missing permission: 403, or 500 saying the resource "does not have the adequate permissions";
        * thread limit: ``Itgenatr005`` / "thread threshold ... exceeded", with 429 or another status, with or
          without Retry-After; the hourly request threshold: 429;
        * validation and query mistakes: 500 (sometimes 400/404) ``{"errors": [...]}``; 405 ``{"Message": ...}``.
        """
        body = resp.json if isinstance(resp.json, dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        said = [str(e) for e in errors] or ([str(body["Message"])] if body.get("Message") else [])
        text = self.http.redact("; ".join(said) or resp.text[:300]).strip()
        quoted = ("Autotask said: %s" % text) if text else "Autotask sent no error text"
        low = text.lower()
        entity = path.split("?")[0].split("/")[0] if not path.startswith("http") else path.split("/V1.0/")[-1].split("/")[0]
        where = "%s %s" % (method, entity)
        status = resp.status
        user = self.username
        details = {"entity": entity, "psa_errors": said}
        if "itgenatr005" in low or ("thread" in low and ("threshold" in low or "limit" in low)):
            after = (resp.headers or {}).get("Retry-After")
            return PSAError(
                "Autotask refused %s: too many requests at once for this endpoint and API tracking identifier "
                "(thread limit; HTTP %s%s). %s" % (where, status, ", Retry-After %s s" % after if after else "", quoted),
                kind="thread_limit", status=status, details=dict(details, retry_after=after),
                fix="Reads are retried with back-off and a create is never sent twice; run again, with fewer "
                    "concurrent runs against this tenant (throttle) if it keeps happening.")
        if any(m in low for m in TRACKING_TEXTS) and (status in (401, 500) or not self.authenticated):
            return PSAError("Autotask refused the API tracking identifier (integration code) sent for %s on %s "
                            "(HTTP %s). %s" % (user, where, status, quoted),
                            kind="tracking_identifier", status=status, details=details,
                            fix="Use the integration code shown in the API Tracking Identifier section of "
                                "%s > %s (Custom (Internal Integration)), or re-enable that vendor." % (UI_RESOURCES, user))
        if status == 401:
            if "locked" in low:
                return PSAError("The Autotask account %s is locked (HTTP 401). %s" % (user, quoted), kind="locked",
                                status=status, details=details,
                                fix="Unlock it in %s > %s > Security, then correct the stored secret." % (UI_RESOURCES, user))
            return PSAError(
                "Autotask refused the credentials of %s on %s (HTTP 401). %s. The secret, the username, the API "
                "tracking identifier (integration code) or the zone is wrong, or the account is locked or inactive "
                "(Autotask answers a locked account like a wrong secret)." % (user, where, quoted),
                kind="credentials", status=status, details=details,
                fix="Check the secret (%s > %s > Security > Generate Secret), the username and the integration "
                    "code, and whether the account is locked; Autotask locks an account after repeated failures, so "
                    "this module did not retry." % (UI_RESOURCES, user))
        if status == 403 or PERMISSION_TEXT in low:
            action = {"GET": "query", "POST": "create" if "/query" not in path else "query", "PATCH": "update",
                      "PUT": "update", "DELETE": "delete"}.get(method, method.lower())
            return PSAError("The API user %s may not %s %s (HTTP %s). %s" % (user, action, entity, status, quoted),
                            kind="permission", status=status, details=dict(details, action=action),
                            fix="Give its security level %s access to %s (Admin > Account Settings & Users > "
                                "Resources/Users (HR) > Security > Security Levels)." % (action, entity))
        if status == 429:
            if "threshold" in low:
                return PSAError("The Autotask database has used its hourly request budget (HTTP 429). %s" % quoted,
                                kind="budget", status=status, details=details,
                                fix="Wait for the rolling hour to free requests; check autotask_threshold_info first.")
            return PSAError("Autotask is throttling %s (HTTP 429). %s" % (where, quoted), kind="rate_limited",
                            status=status, details=details,
                            fix="Lower the run's concurrency for this tenant (throttle) and retry later.")
        if status == 500 and said and not self.authenticated:
            guess = ("Autotask refused the first request of %s (%s) with HTTP 500. %s. On some tenants this is how "
                     "Autotask answers an unknown username or a wrong API tracking identifier (integration code)."
                     % (user, where, quoted))
            fix = ("Check autotask_username (it includes the database's domain) and autotask_integration_code (%s > "
                   "%s > API Tracking Identifier)." % (UI_RESOURCES, user))
            if method == "GET":  # nothing sent could be invalid: the credentials are what is refused
                return PSAError(guess, kind="credentials", status=status, details=details, fix=fix)
            # a write or query: its content may be what is refused; call() asks once more without content
            return PSAError(guess, kind="auth_or_input", status=status, fix=fix,
                            details=dict(details, api_message="Autotask answered HTTP %s to %s. %s" % (
                                status, where, quoted)))
        return PSAError("Autotask answered HTTP %s to %s. %s" % (status, where, quoted), kind="api", status=status,
                        details=details)

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
        if refresh or entity not in self._fields:
            key = "%s|%s|%s" % (self.base_url.lower(), self.username.lower(), entity.lower())
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
