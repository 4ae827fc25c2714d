"""A rotation killed at each write, against a real OpenBao: a separate Python process runs the credential
state machine and dies (``os._exit``, no clean-up) right before its first or second store write, or after
both; then the real module (``msp.psa.api_credential`` through ansible-playbook) runs again and must find
the transition either not started or committed, finish it, and repair the metadata mirror."""
import json
import subprocess
import sys

import hvac
import pytest

from ansible_collections.msp.psa.plugins.module_utils._credential import ensure
from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore
from psa_sandbox.openbao import OpenBao

from .harness import ROOT, run_playbook

PLAYBOOK = """---
- name: The next run
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Store
      msp.psa.api_credential:
        vault_url: "{{ vault_url }}"
        vault_token: "{{ vault_token }}"
        path: "{{ p.path }}"
        kind: "{{ p.kind }}"
        metadata: "{{ p.metadata | default(omit) }}"
        rotate: "{{ p.rotate | default(false) }}"
        rotation_verified: "{{ p.rotation_verified | default(false) }}"
        registration_updated: "{{ p.registration_updated | default(false) }}"
      register: stored
"""

# Runs in its own process: the state machine over the real store, killed before write number N.
DYING_RUN = r"""
import json, os, sys
args = json.loads(sys.argv[1])
sys.path[:0] = [args["root"], os.path.join(args["root"], ".collections")]
from ansible_collections.msp.psa.plugins.module_utils._credential import ensure
from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore
store = SecretStore(args["url"], args["token"])
kv = store.client.secrets.kv.v2
calls = []
def dying(name):
    real = getattr(kv, name)
    def call(*a, **k):
        if len(calls) == args["crash_after"]:
            os._exit(137)  # the controller is gone: no exception handling, no clean-up
        calls.append(name)
        return real(*a, **k)
    setattr(kv, name, call)
for name in ("create_or_update_secret", "update_metadata", "patch"):
    dying(name)
result = ensure(args["params"], store)
print(json.dumps({"state": result["state"], "calls": calls}))
"""


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def params(path, kind="autotask", **flags):
    out = {"path": path, "kind": kind, "generate": True, "secret_length": 25, "max_age_days": None,
           "metadata": {"username": "crash01@tenant9.example", "tenant": "tenant9"}, "rotate": False,
           "rotation_verified": False, "registration_updated": False}
    out.update(flags)
    return out


def read(bao, path):
    resp = hvac.Client(url=bao.url, token=bao.token).secrets.kv.v2.read_secret_version(
        path=path, mount_point="secret", raise_on_deleted_version=False)
    return resp["data"]["data"], resp["data"]["metadata"]["custom_metadata"] or {}


def dying_run(bao, p, crash_after):
    args = {"root": ROOT, "url": bao.url, "token": bao.token, "params": p,
            "crash_after": 99 if crash_after is None else crash_after}
    return subprocess.run([sys.executable, "-c", DYING_RUN, json.dumps(args)], capture_output=True, text=True,
                          timeout=60, check=False)


def setup_none(bao, path):
    return "autotask"


def setup_current(bao, path):
    ensure(params(path), SecretStore(bao.url, bao.token))
    return "autotask"


def setup_cw_current(bao, path):
    hvac.Client(url=bao.url, token=bao.token).secrets.kv.v2.create_or_update_secret(
        path=path, mount_point="secret", secret={"public_key": "PUB-OLD-0001", "private_key": "PRIV-OLD-0001"})
    return "connectwise"


def setup_pending(bao, path):
    setup_current(bao, path)
    ensure(params(path, rotate=True), SecretStore(bao.url, bao.token))
    return "autotask"


def setup_promoted(bao, path):
    setup_pending(bao, path)
    ensure(params(path, rotation_verified=True), SecretStore(bao.url, bao.token))
    return "autotask"


TRANSITIONS = [  # name, set-up, flags of the killed run, the phase it leads to
    ("generate", setup_none, {}, "none"),
    ("rotation-start", setup_current, {"rotate": True}, "pending"),
    ("rotation-start-cw", setup_cw_current, {"rotate": True}, "pending"),
    ("promote", setup_pending, {"rotation_verified": True}, "promoted"),
    ("complete", setup_promoted, {"registration_updated": True}, "none"),
]


@pytest.mark.parametrize("crash_after", [0, 1, None], ids=["killed-before-data", "killed-after-data", "after-both"])
@pytest.mark.parametrize("name,setup,flags,phase", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_a_rotation_killed_at_each_write_resumes(bao, tmp_path, name, setup, flags, phase, crash_after):
    path = "msp/tenant9/crash/%s-%s" % (name, crash_after)
    kind = setup(bao, path)
    p = params(path, kind, **flags)
    died = dying_run(bao, p, crash_after)
    if crash_after is None:
        assert died.returncode == 0, died.stderr[-2000:]
        assert json.loads(died.stdout)["calls"] == ["create_or_update_secret", "update_metadata"]
    else:
        assert died.returncode == 137, died.stderr[-2000:]
    data, meta = read(bao, path) if name != "generate" or crash_after != 0 else (None, {})
    if crash_after == 1:
        assert data["_phase"] == phase and meta.get("rotation_phase") != phase, \
            "the process died between the commit (data) and the mirror (metadata)"
        committed = dict(data)
    out = run_playbook(str(_playbook(tmp_path)), tmp_path, {"vault_url": bao.url, "vault_token": bao.token, "p": p})
    assert out.rc == 0, out.stdout[-3000:] + out.stderr[-2000:]
    resumed = out.result("Store")
    data, meta = read(bao, path)
    assert resumed["phase"] == phase == data["_phase"] == meta["rotation_phase"], (resumed["phase"], data, meta)
    assert not any(f.startswith("_") for f in resumed["fields"])
    if crash_after == 1:
        public = dict((k, v) for k, v in data.items() if not k.startswith("_"))
        assert public == dict((k, v) for k, v in committed.items() if not k.startswith("_")), \
            "the committed transition is kept, not redone (no second pending secret, no second swap)"
        assert resumed["changed"] is True and resumed["state"] == "current", "only the mirror was repaired"
    if phase == "pending" and kind == "autotask":
        assert data["pending_secret"] and "pending_secret" in str(resumed["manual_steps"])
    if phase == "promoted":
        assert data["previous_secret"] and "previous_secret" not in meta
    if name == "complete":
        assert "previous_secret" not in data and meta["rotated_at"]
    if kind == "autotask":
        assert meta["created_at"] and meta["username"] == "crash01@tenant9.example"
    again = run_playbook(str(_playbook(tmp_path)), tmp_path, {"vault_url": bao.url, "vault_token": bao.token,
                                                              "p": params(path, kind)}).result("Store")
    assert again["changed"] is False and again["phase"] == phase


def _playbook(tmp_path):
    playbook = tmp_path / "next_run.yml"
    if not playbook.exists():
        playbook.write_text(PLAYBOOK)
    return playbook
