"""A vendor tool that does publish an API for PSA credentials (shaped on JumpCloud's documented
``/providers/{id}/integrations/{autotask|connectwise}``), for the http registration driver.

Before saving, it really tests the credentials against the sandbox's own Autotask or ConnectWise API over
HTTP, with the vendor's own tracking identifier or clientId, and answers 422 when that test fails.
"""
import base64
import json
import threading
import urllib.error
import urllib.request
import uuid

from flask import request

from .autotask.ui import vendor_code
from .web import jresp, note

VENDOR = "JumpCloud"
TOKEN = "sandbox-vendor-token"


class VendorAPI:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.lock = threading.Lock()
        self.integrations = {}

    def reset(self):
        with self.lock:
            self.integrations = {}

    def _auth(self):
        note(surface="vendor")
        if request.headers.get("x-api-key") != TOKEN:
            return jresp({"message": "Unauthorized"}, 401)
        return None

    def _get(self, url, headers):
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def test(self, kind, body):
        base = request.host_url.rstrip("/")
        if kind == "autotask":
            status, zone = self._get("%s/atservicesrest/v1.0/zoneInformation?user=%s" % (
                base, urllib.request.quote(body.get("username") or "")), {})
            if status != 200:
                return "failed to validate with Autotask: unknown username"
            status, _ = self._get(zone["url"] + "V1.0/ThresholdInformation", {
                "UserName": body.get("username", ""), "Secret": body.get("secret", ""),
                "ApiIntegrationCode": vendor_code(VENDOR)})
            return None if status == 200 else "failed to validate with Autotask (HTTP %s)" % status
        status, info = self._get("%s/login/companyinfo/%s" % (base, body.get("companyId")), {})
        if status != 200 or not info:
            return "failed to validate with ConnectWise: unknown company"
        token = base64.b64encode(("%s+%s:%s" % (body.get("companyId"), body.get("publicKey"),
                                                body.get("privateKey"))).encode()).decode()
        status, _ = self._get("%s/%sapis/3.0/system/info" % (base, info["Codebase"]),
                              {"Authorization": "Basic " + token, "clientId": "jumpcloud-sandbox"})
        return None if status == 200 else "failed to validate with ConnectWise (HTTP %s)" % status

    def create(self, provider, kind):
        denied = self._auth()
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        required = ("username", "secret") if kind == "autotask" else ("companyId", "publicKey", "privateKey", "url")
        missing = [k for k in required if not body.get(k)]
        if missing:
            return jresp({"message": "missing: %s" % ", ".join(missing)}, 400)
        problem = self.test(kind, body)
        if problem:
            return jresp({"message": problem}, 422)
        ident = str(uuid.uuid4())
        with self.lock:
            self.integrations[ident] = {"id": ident, "provider": provider, "kind": kind, "body": body}
        return jresp({"id": ident}, 201)

    def update(self, kind, ident):
        denied = self._auth()
        if denied:
            return denied
        with self.lock:
            record = self.integrations.get(ident)
        if record is None or record["kind"] != kind:
            return jresp({"message": "not found"}, 404)
        if request.method == "GET":
            safe = {k: v for k, v in record["body"].items() if k in ("username", "companyId", "publicKey", "url")}
            return jresp({"id": ident, "kind": kind, **safe})
        if request.method == "DELETE":
            with self.lock:
                self.integrations.pop(ident, None)
            return jresp(None, 204)
        body = dict(record["body"], **(request.get_json(silent=True) or {}))
        problem = self.test(kind, body)
        if problem:
            return jresp({"message": problem}, 422)
        with self.lock:
            record["body"] = body
        return jresp({"id": ident}, 200)


def register(app, sandbox):
    api = VendorAPI(sandbox)
    app.add_url_rule("/vendor/api/v2/providers/<provider>/integrations/<kind>", "vendor_create", api.create,
                     methods=["POST"])
    app.add_url_rule("/vendor/api/v2/integrations/<kind>/<ident>", "vendor_update", api.update,
                     methods=["GET", "PATCH", "DELETE"])
    sandbox.vendor_api = api
    return api
