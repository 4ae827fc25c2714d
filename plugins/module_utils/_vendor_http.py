# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The generic JSON registration driver, shaped on the one documented example of a vendor API that
takes PSA credentials (JumpCloud: ``POST /providers/{id}/integrations/autotask`` ``{username, secret}``,
``.../connectwise`` ``{companyId, publicKey, privateKey, url}``, PATCH and DELETE by id, 422 when the
vendor's own test of the PSA credentials fails)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError


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

    def register(self, kind, integration_id, body, check_mode=False):
        for value in body.values():
            self.http.redact.add(value if isinstance(value, str) and len(value) > 12 else None)
        if check_mode:
            return {"ok": True, "action": "update" if integration_id else "create", "id": integration_id}
        if integration_id:
            resp = self.http.request("PATCH", "%s/integrations/%s/%s" % (self.base, kind, integration_id),
                                     headers=self.headers, body=body)
            if resp.status in (200, 204):
                return {"ok": True, "action": "update", "id": integration_id}
            if resp.status != 404:
                return self._failed(resp)
        resp = self.http.request("POST", "%s/providers/%s/integrations/%s" % (self.base, self.provider_id, kind),
                                 headers=self.headers, body=body, idempotent=False)
        if resp.status in (200, 201):
            return {"ok": True, "action": "create", "id": (resp.json or {}).get("id")}
        return self._failed(resp)

    def _failed(self, resp):
        message = self.http.redact((resp.json or {}).get("message") if isinstance(resp.json, dict) else resp.text[:200])
        if resp.status == 422:
            return {"ok": False, "message": "The vendor tested the PSA credentials and they failed: %s" % message}
        if resp.status in (401, 403):
            raise PSAError("The vendor API refused our token (HTTP %s)." % resp.status, kind="vendor_credentials",
                           fix="Check registration_http.token.")
        raise PSAError("The vendor API answered HTTP %s: %s" % (resp.status, message), kind="vendor_api")
