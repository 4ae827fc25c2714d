"""The WSGI application: one Flask app with the Autotask, ConnectWise and /_sandbox/ surfaces."""
import json
import socket
import time

from flask import Flask

from . import admin, vendor
from .autotask import api as autotask_api
from .connectwise import api as connectwise_api


class SandboxMiddleware:
    """Case-insensitive paths (as the real IIS-hosted services), faults, and the request log."""

    def __init__(self, app, sandbox):
        self.app = app
        self.sandbox = sandbox

    def __call__(self, environ, start_response):
        original = environ.get("PATH_INFO", "")
        environ["PATH_INFO"] = original.lower()
        environ["psa.path"] = original
        entry = environ["psa.log"] = {}
        api = not original.startswith("/_sandbox")
        started = time.time()
        result = {"status": 0}

        def capture(status, headers, exc_info=None):
            result["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            if api:
                fault = self.fault(environ, capture)
                if fault is not None:
                    return fault
            return self.app(environ, capture)
        finally:
            if api:
                entry.update(time=round(started, 3), method=environ.get("REQUEST_METHOD"), path=original,
                             query=environ.get("QUERY_STRING", ""), status=result["status"],
                             ms=round((time.time() - started) * 1000, 1))
                self.sandbox.log.add(entry)

    def fault(self, environ, start_response):
        settings = self.sandbox.settings
        faults = settings.section("faults")
        cw = "/apis/3.0/" in environ["PATH_INFO"] or environ["PATH_INFO"].startswith("/login/")
        if settings.roll(faults["drop_rate"]):
            environ["psa.log"]["fault"] = "dropped"
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            start_response("500 Dropped", [("Content-Length", "0")])
            return [b""]
        for share, status, label in ((faults["rate_5xx"], "503 Service Unavailable", "5xx"),
                                     (faults["rate_429"], "429 Too Many Requests", "429")):
            if settings.roll(share):
                environ["psa.log"]["fault"] = label
                if cw:
                    body = {"code": "ConnectWiseApi", "message": "Injected fault: %s" % status}
                else:
                    body = {"errors": ["Injected fault: %s" % status]}
                data = json.dumps(body).encode()
                headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
                if label == "429":
                    headers.append(("Retry-After", str(faults["retry_after"])))
                start_response(status, headers)
                return [data]
        return None


def create_app(sandbox):
    app = Flask("psa_sandbox")
    app.json.sort_keys = False
    app.sandbox = sandbox
    autotask_api.register(app, sandbox)
    connectwise_api.register(app, sandbox)
    vendor.register(app, sandbox)
    admin.register(app, sandbox)
    app.wsgi_app = SandboxMiddleware(app.wsgi_app, sandbox)
    return app
