import pytest
import requests

from psa_sandbox.server import SandboxServer

from .seed import seed


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed()) as srv:
        yield srv


@pytest.fixture()
def sandbox(server):
    server.sandbox.reset()
    return server


class SandboxView:
    """What the tests read back from the sandbox: its request log and admin state."""

    def __init__(self, server):
        self.url = server.url
        self.mark = requests.get(self.url + "/_sandbox/requests", timeout=5).json()["last"]

    def requests(self):
        return requests.get(self.url + "/_sandbox/requests", params={"since": self.mark}, timeout=5).json()["requests"]

    def writes(self):
        return [r for r in self.requests() if r["method"] in ("PATCH", "PUT", "DELETE")
                or (r["method"] == "POST" and "/query" not in r["path"])]


@pytest.fixture()
def view(sandbox):
    return SandboxView(sandbox)
