"""A vendor tool that does publish an API for PSA credentials (shaped on JumpCloud's documented
``/providers/{id}/integrations/{autotask|connectwise}``), for the http registration driver.

Before saving, it really tests the credentials against the sandbox's own Autotask or ConnectWise API over
HTTP, with the vendor's own tracking identifier or clientId, and answers 422 when that test fails.

The lookups such an API has (JumpCloud's "list a provider's integrations" and "get an integration by id"):
``GET /providers/{id}/integrations?limit=&skip=`` answers ``{"records": [{id, type, ...}], "totalCount"}``
with each record's non-secret settings (``username``; ``companyId``, ``publicKey``, ``url``), and
``GET /integrations/{type}/{id}``. Like a real API of this kind it does not refuse a second integration for
the same PSA account, so a client that creates twice gets two.

Test surface (``/_sandbox/vendor``, not logged): ``GET`` every integration (no secrets); ``PATCH``
``{"create_delay_ms": N}`` (the vendor's credential test takes that long before saving: overlapping runs
overlap) and ``{"lose_responses": N}`` (the next N creates are saved, then the connection is closed
before the answer: a lost response).
"""
import base64
import json
import socket
import threading
import time
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
        self.faults = {"create_delay_ms": 0, "lose_responses": 0}
        self.in_flight = 0  # creates being processed right now (tests wait for one to overlap it)

    def reset(self):
        with self.lock:
            self.integrations = {}
            self.faults = {"create_delay_ms": 0, "lose_responses": 0}
            self.in_flight = 0

    @staticmethod
    def public(record):
        safe = {k: v for k, v in record["body"].items() if k in ("username", "companyId", "publicKey", "url")}
        return {"id": record["id"], "type": record["kind"], "provider": record["provider"],
                "created": record["created"], **safe}

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
        with self.lock:
            self.in_flight += 1
        try:
            problem = self.test(kind, body)
            if problem:
                return jresp({"message": problem}, 422)
            delay = self.faults.get("create_delay_ms") or 0
            if delay:
                time.sleep(delay / 1000.0)
        finally:
            with self.lock:
                self.in_flight -= 1
        ident = str(uuid.uuid4())
        with self.lock:
            self.integrations[ident] = {"id": ident, "provider": provider, "kind": kind, "body": body,
                                        "created": time.time()}
            lose = self.faults.get("lose_responses") or 0
            if lose:
                self.faults["lose_responses"] = lose - 1
        if lose:
            note(fault="response lost")
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return jresp({"id": ident}, 201)

    def list(self, provider):
        denied = self._auth()
        if denied:
            return denied
        try:
            limit = max(1, min(int(request.args.get("limit", 10)), 100))
            skip = max(0, int(request.args.get("skip", 0)))
        except ValueError:
            return jresp({"message": "limit and skip must be integers"}, 400)
        with self.lock:
            mine = sorted((r for r in self.integrations.values() if r["provider"] == provider),
                          key=lambda r: r["created"])
            records = [self.public(r) for r in mine]
        return jresp({"records": records[skip:skip + limit], "totalCount": len(records)})

    def update(self, kind, ident):
        denied = self._auth()
        if denied:
            return denied
        with self.lock:
            record = self.integrations.get(ident)
        if record is None or record["kind"] != kind:
            return jresp({"message": "not found"}, 404)
        if request.method == "GET":
            return jresp(dict(self.public(record), kind=kind))
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
    app.add_url_rule("/vendor/api/v2/providers/<provider>/integrations", "vendor_list", api.list, methods=["GET"])

    def sandbox_view():
        if request.method == "PATCH":
            body = request.get_json(silent=True) or {}
            unknown = sorted(set(body) - set(api.faults))
            if unknown:
                return jresp({"error": "unknown vendor fault(s): %s" % ", ".join(unknown)}, 400)
            with api.lock:
                api.faults.update((k, int(v)) for k, v in body.items())
        with api.lock:
            return jresp({"faults": dict(api.faults), "in_flight": api.in_flight,
                          "integrations": [api.public(r) for r in sorted(api.integrations.values(),
                                                                         key=lambda r: r["created"])]})
    app.add_url_rule("/_sandbox/vendor", "vendor_sandbox", sandbox_view, methods=["GET", "PATCH"])
    sandbox.vendor_api = api
    return api
