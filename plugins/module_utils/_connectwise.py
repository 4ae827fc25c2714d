# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A small ConnectWise PSA (Manage) REST 3.0 client, built like the Autotask one: site and codebase
discovery (cached), Basic ``company+public:private`` with the ``clientId`` header and a versioned
Accept, a ``conditions`` builder that quotes values, Link-header paging, JSON-Patch updates, and
errors classified for humans."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.msp.psa.plugins.module_utils._cache import DiskCache
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor, header_value

CLOUD_SITES = ("na", "eu", "au", "aus", "za")
# The ConnectWise model version this collection is written against: the one place it is pinned (the doc
# fragment repeats it as the option's default; sanity checks they agree). connectwise_api_version overrides it.
API_VERSION = "2025.8"
UI_API_MEMBERS = "System > Members > API Members"

AUTH_SPEC = dict(
    connectwise_company=dict(type="str", required=True, fallback=(env_fallback, ["CONNECTWISE_COMPANY"])),
    connectwise_public_key=dict(type="str", required=True, no_log=False,
                                fallback=(env_fallback, ["CONNECTWISE_PUBLIC_KEY"])),
    connectwise_private_key=dict(type="str", required=True, no_log=True,
                                 fallback=(env_fallback, ["CONNECTWISE_PRIVATE_KEY"])),
    connectwise_client_id=dict(type="str", required=True, fallback=(env_fallback, ["CONNECTWISE_CLIENT_ID"])),
    connectwise_site=dict(type="str", default="na", fallback=(env_fallback, ["CONNECTWISE_SITE"])),
    connectwise_base_url=dict(type="str", fallback=(env_fallback, ["CONNECTWISE_BASE_URL"])),
    connectwise_codebase=dict(type="str", fallback=(env_fallback, ["CONNECTWISE_CODEBASE"])),
    connectwise_api_version=dict(type="str", default=API_VERSION, fallback=(env_fallback, ["CONNECTWISE_API_VERSION"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=30),
    codebase_cache_ttl=dict(type="int", default=2592000),
)


def accept(api_version):
    """The Accept header that selects a ConnectWise API (model) version."""
    return "application/vnd.connectwise.com+json; version=%s" % api_version


def quote(value):
    """A conditions literal: strings in double quotes with \\ and " escaped; booleans, numbers, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')


def condition(field, op, value):
    if not re.match(r"^[A-Za-z_][\w/]*$", field):
        raise PSAError("Invalid field name %r for conditions." % field, kind="invalid_input")
    if op.lower() in ("in", "not in"):
        return "%s %s (%s)" % (field, op, ",".join(quote(v) for v in value))
    return "%s %s %s" % (field, op, quote(value))


def all_of(*parts):
    return " and ".join("(%s)" % p if " or " in p else p for p in parts if p)


def site_hosts(site, base_url=None):
    """(companyinfo host URL, API host URL) for a cloud region, a self-hosted server or an override."""
    if base_url:
        return base_url.rstrip("/"), base_url.rstrip("/")
    site = site.strip().lower().replace("https://", "").rstrip("/")
    short = site.split(".")[0]
    if short in CLOUD_SITES or site in ("%s.myconnectwise.net" % s for s in CLOUD_SITES):
        return "https://%s.myconnectwise.net" % short, "https://api-%s.myconnectwise.net" % short
    if short == "staging":
        return "https://staging.connectwisedev.com", "https://api-staging.connectwisedev.com"
    return "https://%s" % site, "https://%s" % site


def api_url_for(site):
    """What vendor tools ask for as the ConnectWise URL (seed 003: api- in front of the site)."""
    return site_hosts(site)[1].replace("https://", "")


class ConnectWiseClient:
    def __init__(self, http, company, public_key, private_key, client_id, site="na", base_url=None,
                 api_version=API_VERSION, cache=None, check_mode=False, codebase=None):
        if not client_id:
            raise PSAError("connectwise_client_id is empty: ConnectWise requires a clientId on every request.",
                           kind="invalid_input", fix="Register the integration at developer.connectwise.com and "
                                                     "set connectwise_client_id (or CONNECTWISE_CLIENT_ID).")
        self.http = http
        self.http.redact.add(private_key)
        self.company = company
        self.public_key = public_key
        self.site = site
        self.info_host, self.api_host = site_hosts(site, base_url)
        self.cache = cache
        self.check_mode = check_mode
        token = base64.b64encode(("%s+%s:%s" % (company, public_key, private_key)).encode("utf-8")).decode("ascii")
        self.http.redact.add(token)
        self.api_version = api_version or API_VERSION
        self.headers = {"Authorization": "Basic " + token, "clientId": header_value("connectwise_client_id", client_id), "Accept": accept(self.api_version)}
        self._base = None
        self.company_info = None
        # where the codebase came from: "declared" (connectwise_codebase), "cache" or "discovery"; a declared or
        # cached codebase the API does not answer on is asked for again once (see codebase_refused)
        self.codebase = codebase
        self.codebase_source = None
        self.codebase_moved = None
        self._codebase_checked = False

    @classmethod
    def from_params(cls, params, check_mode=False, prefix="connectwise_"):
        http = HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"],
                          redactor=Redactor([params.get(prefix + "private_key")]))
        return cls(http, params["connectwise_company"], params["connectwise_public_key"],
                   params["connectwise_private_key"], params["connectwise_client_id"], params["connectwise_site"],
                   params.get("connectwise_base_url"), params["connectwise_api_version"],
                   DiskCache("connectwise-codebases", params["codebase_cache_ttl"]), check_mode,
                   params.get("connectwise_codebase"))

    def as_member(self, public_key, private_key):
        """A client that authenticates with another member's key pair (same HTTP pool and redaction, company,
        site, version and codebase; no second companyinfo lookup), to verify that pair."""
        other = ConnectWiseClient(self.http, self.company, public_key, private_key, self.headers["clientId"], self.site,
                                  api_version=self.api_version, cache=self.cache, check_mode=self.check_mode)
        other.info_host, other.api_host = self.info_host, self.api_host
        other._base = self.base_url
        other.codebase, other.codebase_source, other._codebase_checked = self.codebase, self.codebase_source, True
        return other

    # -- discovery ------------------------------------------------------------------------------
    @property
    def base_url(self):
        if self._base is None:
            if self.codebase:
                self.codebase_source = "declared"
            else:
                info, self.codebase_source = self.company_information()
                self.codebase = info.get("Codebase") or "v4_6_release/"
            self._base = "%s/%sapis/3.0/" % (self.api_host, self.codebase.strip("/") + "/")
        return self._base

    def company_information(self, refresh=False):
        """(companyinfo, "cache" or "discovery"): GET /login/companyinfo/{company}, unauthenticated, cached on
        disk per (host, company); ``refresh`` asks even when the cache has an answer, and replaces it."""
        key = "%s|%s" % (self.info_host.lower(), self.company.lower())
        info = self.cache.get(key) if (self.cache and not refresh) else None
        source = "cache"
        if info is None:
            source = "discovery"
            resp = self.http.request("GET", "%s/login/companyinfo/%s" % (self.info_host, self.company))
            info = resp.json if resp.status == 200 else None
            if not info:
                raise PSAError("ConnectWise does not know the company %r on %s." % (self.company, self.info_host),
                               kind="unknown_company", fix="Check connectwise_company (the company id you log in "
                                                           "with) and connectwise_site.")
            if self.cache:
                self.cache.put(key, info)
        self.company_info = info
        return info, source

    def codebase_refused(self):
        """The API answered 404 or 401 on a codebase that was declared or cached, not just discovered (a
        company moves to a new codebase on upgrades): ask companyinfo once more, bypassing the cache. True when
        it names another codebase; the caller then retries there. At most once per run."""
        if self._codebase_checked or self.codebase_source not in ("declared", "cache"):
            return False
        used, source = self.codebase, self.codebase_source
        self._codebase_checked = True
        try:
            now = self.company_information(refresh=True)[0].get("Codebase") or "v4_6_release/"
        except PSAError:
            return False
        if now.strip("/").lower() == used.strip("/").lower():
            return False
        self.codebase, self._base, self.codebase_source = now, None, "discovery"
        self.codebase_moved = {"source": source, "was": used, "now": now}
        return True

    def codebase_warning(self):
        """What to correct when a declared or cached codebase turned out wrong, or None."""
        moved = self.codebase_moved
        if not moved:
            return None
        if moved["source"] == "declared":
            return ("connectwise_codebase %s is not the codebase of %s; its companyinfo says %s, which this run used. "
                    "Correct connectwise_codebase in the inventory (or remove it to discover the codebase)." % (
                        moved["was"], self.company, moved["now"]))
        return ("The cached codebase of %s (%s) was refused; the company moved to %s, and the cache now says so." % (
            self.company, moved["was"], moved["now"]))

    # -- transport ------------------------------------------------------------------------------
    def call(self, method, path, body=None, params=None, idempotent=True):
        url = path if path.startswith("http") else self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + _urlencode(params)
        resp = self.http.request(method, url, headers=self.headers, body=body, idempotent=idempotent)
        if 200 <= resp.status < 300:
            self._codebase_checked = True  # the API answered on it: a later 404 is a real one
            return resp
        if resp.status in (401, 404) and not path.startswith("http") and self.codebase_refused():
            return self.call(method, path, body, params, idempotent)
        raise self.classify(resp, method, path, body)

    def classify(self, resp, method, path, sent=None):
        """A PSAError for an answer that is not a success, by status and the ``ErrorResponseMessage`` envelope
        (``{code, message, errors: [{code, message, resource, field}]}``; a 429 may say ``error`` instead of
        ``code``), always quoting what ConnectWise said and, where the model version could be the cause, the
        version this client asked for."""
        body = resp.json if isinstance(resp.json, dict) else {}
        errors = [e for e in (body.get("errors") or []) if isinstance(e, dict)]
        code = str(body.get("code") or body.get("error") or "")
        message = self.http.redact(body.get("message") or ("" if body else resp.text[:300])).strip()
        head = ("%s: %s" % (code, message)) if code and message else (message or code)
        parts = ([head] if head else []) + ["%s: %s" % (e.get("field") or e.get("resource") or e.get("code"),
                                                        self.http.redact(e.get("message") or e.get("code") or ""))
                                            for e in errors]
        said = "; ".join(parts)
        quoted = ("ConnectWise said: %s" % said) if said else "ConnectWise sent no error text"
        where = "%s %s" % (method, path.split("?")[0])
        status = resp.status
        details = {"code": code or None, "psa_message": message or None}
        server = (resp.headers or {}).get("api-current-version")
        version = "API version %s was asked for (Accept header)%s; connectwise_api_version overrides it." % (
            self.api_version, (", the server's current version is %s" % server) if server else "")
        if status == 401:
            if "clientid" in said.lower():
                return PSAError("ConnectWise refused the request without a valid clientId (HTTP 401). %s" % quoted,
                                kind="client_id", status=401, details=details, fix="Set connectwise_client_id.")
            return PSAError("ConnectWise refused the API keys of %s+%s on %s (HTTP 401). %s" % (
                self.company, self.public_key, where, quoted), kind="credentials", status=401, details=details,
                fix="Check the public/private key pair (%s > member > API Keys) and that the member is active; "
                    "authentication failures are not retried." % UI_API_MEMBERS)
        if status == 403:
            return PSAError("The security role of the collection's API member does not allow %s (HTTP 403). %s" % (
                where, quoted), kind="permission", status=403, details=details,
                fix="Give its role the level named above in System > Security Roles.")
        if any(e.get("code") == "ObjectExists" for e in errors):
            e = [x for x in errors if x.get("code") == "ObjectExists"][0]
            return duplicate_error(e, where, status, sent if isinstance(sent, dict) else {})
        if status in (406, 415) or (not errors and "version" in said.lower()):
            return PSAError("ConnectWise refused %s for its API version (HTTP %s). %s. %s" % (
                where, status, quoted, version), kind="api_version", status=status,
                details=dict(details, api_version=self.api_version, server_version=server),
                fix="Set connectwise_api_version to a version this server serves%s." % (
                    (" (for example %s)" % server) if server else ""))
        if status == 400 and errors:
            fields = [e.get("field") for e in errors if e.get("field")]
            return PSAError("ConnectWise rejected %s (HTTP 400%s). %s. Field rules follow the API model: %s" % (
                where, (", fields: %s" % ", ".join(fields)) if fields else "", quoted, version),
                kind="invalid_input", status=400,
                details=dict(details, fields=[e.get("field") for e in errors], api_version=self.api_version))
        if status == 400:
            return PSAError("ConnectWise refused %s as malformed (HTTP 400). %s. %s" % (where, quoted, version),
                            kind="invalid_input", status=400, details=dict(details, api_version=self.api_version))
        if status == 404:
            return PSAError("ConnectWise has no %s (HTTP 404; on cloud a 404 can also mean bad authentication, and a "
                            "path can be missing from an older model). %s. %s" % (where, quoted, version),
                            kind="not_found", status=404, details=dict(details, api_version=self.api_version))
        if status == 409:
            return PSAError("ConnectWise refused %s with a conflict (HTTP 409: the record is in use or changed "
                            "meanwhile). %s" % (where, quoted), kind="conflict", status=409, details=details,
                            fix="Run again: the next run reads the record afresh.")
        if status == 429:
            after = (resp.headers or {}).get("Retry-After")
            return PSAError("ConnectWise is rate limiting this company (HTTP 429%s). %s" % (
                ", Retry-After %s s" % after if after else "", quoted), kind="rate_limited", status=429,
                details=details, fix="Lower the run's concurrency against this company and run again later.")
        return PSAError("ConnectWise answered HTTP %s to %s. %s" % (status, where, quoted), kind="api",
                        status=status, details=details)

    # -- operations -----------------------------------------------------------------------------
    def list(self, path, conditions=None, fields=None, page_size=1000):
        params = {"pageSize": page_size}
        if conditions:
            params["conditions"] = conditions
        if fields:
            params["fields"] = ",".join(fields)
        resp = self.call("GET", path, params=params)
        items = list(resp.json or [])
        nxt = _next_link(resp.headers.get("Link"))
        while nxt:
            resp = self.call("GET", nxt)
            items.extend(resp.json or [])
            nxt = _next_link(resp.headers.get("Link"))
        return items

    def get(self, path):
        return self.call("GET", path).json

    def create(self, path, body):
        if self.check_mode:
            return dict(body, id=None)
        return self.call("POST", path, body=body, idempotent=False).json

    def patch(self, path, record, changes):
        """JSON-Patch replace of the changed top-level fields (references as {"id": n})."""
        if self.check_mode:
            return dict(record, **changes)
        ops = [{"op": "replace", "path": k, "value": v} for k, v in sorted(changes.items())]
        return self.call("PATCH", path, body=ops).json


def duplicate_error(error, where, status, sent):
    """A ConnectWise ``ObjectExists`` said for what was being created: what exists, why, and what to do."""
    field = error.get("field") or ""
    resource = (error.get("resource") or "").lower()
    value = sent.get(field) if field else None
    named = (" %r" % value) if isinstance(value, str) else ""
    details = {"field": field, "resource": error.get("resource")}
    said = error.get("message") or ""
    if resource == "securityrole" or "securityroles" in where.lower():
        return PSAError("A ConnectWise security role named%s already exists (%s: %s). Another run or an admin "
                        "created it after this run looked for it." % (named, where, said), kind="duplicate",
                        status=status, details=details,
                        fix="Run again: the next run finds the role by name and adopts it (and compares its levels); "
                            "nothing needs renaming. If that role is not meant for this integration, give the "
                            "profile another security_role name.")
    if resource in ("apimember", "member") or field == "identifier":
        return PSAError("A ConnectWise member with the identifier%s already exists (%s: %s). Identifiers are unique "
                        "across API members and regular (licensed) members." % (named, where, said), kind="duplicate",
                        status=status, details=details,
                        fix="If it is an API member (System > Members > API Members), run again: the next run finds it "
                            "by identifier and it is adopted. If it is a regular member (System > Members), this "
                            "integration needs another identifier: set one in the tenant's profile_overrides.")
    return PSAError("ConnectWise says a %s with this %s already exists (%s): %s" % (
        error.get("resource") or "record", field or "value", where, said), kind="duplicate", status=status,
        details=details, fix="Run again if another run created it meanwhile (it is looked up and adopted); otherwise "
                             "choose another %s." % (field or "value"))


def _next_link(header):
    for url, rel in re.findall(r'<([^>]+)>;\s*rel="(\w+)"', header or ""):
        if rel == "next":
            return url
    return None


def _urlencode(params):
    try:
        from urllib.parse import urlencode
    except ImportError:  # pragma: no cover
        from urllib import urlencode
    return urlencode(params)
