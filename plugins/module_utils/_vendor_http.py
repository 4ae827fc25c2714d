# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The generic JSON registration driver, shaped on the one documented example of a vendor API that
takes PSA credentials (JumpCloud: ``POST /providers/{id}/integrations/autotask`` ``{username, secret}``,
``.../connectwise`` ``{companyId, publicKey, privateKey, url}``, GET, PATCH and DELETE by id, 422 when the
vendor's own test of the PSA credentials fails, and ``GET /providers/{id}/integrations`` to list a provider's
integrations).

Idempotent: :meth:`VendorHTTP.find` looks a registration up by its natural key (the Autotask username, the
ConnectWise company id) so that a create whose answer was lost, or one made by another run, is adopted
instead of made twice; :mod:`._credential` serialises overlapping runs and records the id."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError

PAGE = 100
NATURAL_KEY = {"autotask": "username", "connectwise": "companyId"}


class VendorHTTP:
    def __init__(self, http, base_url, provider_id, token, token_header="x-api-key"):
        self.http = http
        self.base = base_url.rstrip("/")
        self.provider_id = provider_id
        self.headers = {token_header: token}
        http.redact.add(token)

    @staticmethod
    def body(kind, data, values):
        if kind == "autotask":
            return {"username": values.get("username"), "secret": data["secret"]}
        return {"companyId": values.get("company_id"), "publicKey": data["public_key"],
                "privateKey": data["private_key"], "url": values.get("url")}

    @staticmethod
    def natural_key(kind, body):
        return str(body.get(NATURAL_KEY[kind]) or "").lower()

    def _protect(self, body):
        for value in body.values():
            self.http.redact.add(value if isinstance(value, str) and len(value) > 12 else None)

    def get(self, kind, integration_id):
        """The registration with this id, or None when the vendor does not have it (any more)."""
        resp = self.http.request("GET", "%s/integrations/%s/%s" % (self.base, kind, integration_id), headers=self.headers)
        if resp.status == 200 and isinstance(resp.json, dict):
            return resp.json
        if resp.status == 404:
            return None
        raise self._error(resp)

    def find(self, kind, key):
        """Ids of the provider's registrations of this PSA kind whose natural key is ``key``, oldest first
        (the list's order). A list record without the key is read by id."""
        found, skip = [], 0
        while True:
            resp = self.http.request("GET", "%s/providers/%s/integrations?limit=%d&skip=%d" % (
                self.base, self.provider_id, PAGE, skip), headers=self.headers)
            if resp.status != 200:
                raise self._error(resp)
            page = resp.json or {}
            records = page.get("records") if isinstance(page, dict) else page
            for rec in records or []:
                if (rec.get("type") or kind) != kind:
                    continue
                value = rec.get(NATURAL_KEY[kind])
                if value is None:
                    value = (self.get(kind, rec["id"]) or {}).get(NATURAL_KEY[kind])
                if str(value or "").lower() == key:
                    found.append(rec["id"])
            skip += PAGE
            if not records or len(records) < PAGE or (isinstance(page, dict) and skip >= (page.get("totalCount") or 0)):
                return found

    def update(self, kind, integration_id, body):
        self._protect(body)
        resp = self.http.request("PATCH", "%s/integrations/%s/%s" % (self.base, kind, integration_id),
                                 headers=self.headers, body=body)
        if resp.status in (200, 204):
            return {"ok": True, "action": "update", "id": integration_id}
        if resp.status == 404:
            return {"ok": False, "gone": True, "message": "not found"}
        return self._failed(resp)

    def create(self, kind, body):
        """POST once (never re-sent). A lost answer is resolved by looking the registration up by its
        natural key: found, it is ours (adopted); not found, it was not made and the error stands."""
        self._protect(body)
        try:
            resp = self.http.request("POST", "%s/providers/%s/integrations/%s" % (self.base, self.provider_id, kind),
                                     headers=self.headers, body=body, idempotent=False)
        except PSAError as exc:
            if exc.kind != "outcome_unknown":
                raise
            found = self.find(kind, self.natural_key(kind, body))
            if not found:
                raise
            return {"ok": True, "action": "create", "id": found[0], "lost_answer": True}
        if resp.status in (200, 201):
            return {"ok": True, "action": "create", "id": (resp.json or {}).get("id")}
        return self._failed(resp)

    def register(self, kind, integration_id, body, check_mode=False):
        """Update the registration ``integration_id`` (recorded) or the one found by the natural key, else
        create it. The caller serialises runs (see ``_credential.registration``)."""
        self._protect(body)
        if check_mode:
            return {"ok": True, "action": "update" if integration_id else "create", "id": integration_id}
        if integration_id and self.get(kind, integration_id) is None:
            integration_id = None  # deleted at the vendor: look it up, or create it anew
        if not integration_id:
            found = self.find(kind, self.natural_key(kind, body))
            if found:
                outcome = self.update(kind, found[0], body)
                outcome.update(adopted=True, duplicates=found[1:])
                return outcome
            return self.create(kind, body)
        outcome = self.update(kind, integration_id, body)
        if outcome.get("gone"):
            return self.create(kind, body)
        return outcome

    def _message(self, resp):
        return self.http.redact((resp.json or {}).get("message") if isinstance(resp.json, dict) else resp.text[:200])

    def _error(self, resp):
        if resp.status in (401, 403):
            return PSAError("The vendor API refused our token (HTTP %s)." % resp.status, kind="vendor_credentials",
                            fix="Check registration_http.token.")
        return PSAError("The vendor API answered HTTP %s: %s" % (resp.status, self._message(resp)), kind="vendor_api")

    def _failed(self, resp):
        if resp.status == 422:
            return {"ok": False, "message": "The vendor tested the PSA credentials and they failed: %s" % self._message(resp)}
        raise self._error(resp)
