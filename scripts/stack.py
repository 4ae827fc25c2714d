#!/usr/bin/env python
"""Start or stop the PSA sandbox and an OpenBao dev server in the background (for molecule).

``stack.py start STATE_DIR`` starts both on fixed loopback ports (MSP_PSA_SANDBOX_PORT, default 18765;
MSP_PSA_BAO_PORT, default 18200; token MSP_PSA_BAO_TOKEN), stores the demo tenants' collection
credentials in OpenBao, and records the pids; ``stack.py stop STATE_DIR`` ends them.
MSP_PSA_SANDBOX_SETTINGS (JSON, e.g. '{"autotask": {"auth_failure": "500-json"}}') is passed to the sandbox as
``--settings``: the switches of docs/sandbox.md (the fleet_alternative molecule scenario sets every one).
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def wait(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def start(state_dir):
    import hvac
    from demo import COLLECTION_CREDENTIALS
    from psa_sandbox.openbao import OpenBao
    os.makedirs(state_dir, exist_ok=True)
    sandbox_port = int(os.environ.get("MSP_PSA_SANDBOX_PORT", 18765))
    bao_port = int(os.environ.get("MSP_PSA_BAO_PORT", 18200))
    token = os.environ.get("MSP_PSA_BAO_TOKEN", "molecule-dev-token")
    log = open(os.path.join(state_dir, "sandbox.log"), "w")
    command = [sys.executable, "-m", "psa_sandbox", "--port", str(sandbox_port)]
    settings = os.environ.get("MSP_PSA_SANDBOX_SETTINGS")
    if settings:
        json.loads(settings)  # a typo fails here, not as a sandbox that never answers
        command += ["--settings", settings]
    sandbox = subprocess.Popen(command, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    bao = OpenBao(port=bao_port)
    bao.token = token
    bao.start()
    if not wait("http://127.0.0.1:%d/_sandbox/health" % sandbox_port):
        raise SystemExit("the sandbox did not start; see %s/sandbox.log" % state_dir)
    vault = hvac.Client(url=bao.url, token=token)
    for tenant, cred in COLLECTION_CREDENTIALS.items():
        vault.secrets.kv.v2.create_or_update_secret(path="msp/%s/collection" % tenant, mount_point="secret", secret=cred)
    with open(os.path.join(state_dir, "stack.json"), "w") as handle:
        json.dump({"sandbox_pid": sandbox.pid, "bao_pid": bao.proc.pid, "sandbox_url": "http://127.0.0.1:%d" % sandbox_port,
                   "vault_url": bao.url}, handle)
    print("stack up: sandbox http://127.0.0.1:%d, OpenBao %s" % (sandbox_port, bao.url))


def stop(state_dir):
    path = os.path.join(state_dir, "stack.json")
    if not os.path.exists(path):
        return
    with open(path) as handle:
        state = json.load(handle)
    for key in ("sandbox_pid", "bao_pid"):
        try:
            os.kill(state[key], signal.SIGTERM)
        except OSError:
            pass
    os.remove(path)
    print("stack down")


if __name__ == "__main__":
    action, directory = sys.argv[1], sys.argv[2]
    {"start": start, "stop": stop}[action](directory)
