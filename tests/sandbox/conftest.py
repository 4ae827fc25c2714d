import base64

import pytest
import requests

from psa_sandbox.server import SandboxServer

from .seed import AT_ADMIN, CLIENT_ID, CW_ADMIN, seed


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed()) as srv:
        yield srv


@pytest.fixture()
def sandbox(server):
    """A running sandbox, reset to the seed and default settings before each test."""
    server.sandbox.reset()
    server.sandbox.settings.update({"faults": {"latency_ms": 0, "rate_429": 0, "rate_5xx": 0, "drop_rate": 0},
                                    "autotask": {"hourly_limit": 10000, "thread_limit": 3, "lockout_threshold": 5,
                                                 "auth_failure": "401-empty", "permission_denied_status": 403,
                                                 "strict_operators": False, "resource_writable_fields": [],
                                                 "api_user_role_departments": "refused",
                                                 "thread_limit_response": "429"},
                                    "connectwise": {"per_minute_limit": 1000, "require_client_id": True}})
    return server


@pytest.fixture()
def http():
    with requests.Session() as session:
        yield session


class AT:
    """A thin Autotask caller for tests: zone base URL + auth headers."""

    def __init__(self, server, http, creds=AT_ADMIN, zone="webservices5"):
        self.base = "%s/%s/ATServicesRest/V1.0/" % (server.url, zone)
        self.http = http
        self.headers = dict(creds)

    def __call__(self, method, path, **kw):
        headers = dict(self.headers, **kw.pop("headers", {}))
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, headers=headers, timeout=10, **kw)

    def query(self, entity, filters, **extra):
        return self("POST", entity + "/query", json=dict({"filter": filters}, **extra))


class CW:
    def __init__(self, server, http, creds=CW_ADMIN, codebase="v2025_1"):
        company, public, private = creds
        token = base64.b64encode(("%s+%s:%s" % (company, public, private)).encode()).decode()
        self.base = "%s/%s/apis/3.0/" % (server.url, codebase)
        self.http = http
        self.headers = {"Authorization": "Basic " + token, "clientId": CLIENT_ID,
                        "Accept": "application/vnd.connectwise.com+json; version=2025.8"}

    def __call__(self, method, path, **kw):
        headers = dict(self.headers, **kw.pop("headers", {}))
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, headers=headers, timeout=10, **kw)


@pytest.fixture()
def at(sandbox, http):
    return AT(sandbox, http)


@pytest.fixture()
def cw(sandbox, http):
    return CW(sandbox, http)
