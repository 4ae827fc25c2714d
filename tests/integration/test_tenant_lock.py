"""The per-tenant lock against a real OpenBao: threads and two ansible-playbook processes contend for
one tenant (exactly one holds it at a time, checked on the lock's KV version history), an expired lock
is taken over, and a busy tenant fails with the message that names holder, since and expiry."""
import json
import os
import threading
import time

import hvac
import pytest

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore
from ansible_collections.msp.psa.plugins.module_utils._tenant_lock import TenantLock
from psa_sandbox.openbao import OpenBao

from .harness import run_playbook

PLAYBOOK = """---
- name: Converge one tenant under its lock
  hosts: localhost
  gather_facts: false
  module_defaults:
    msp.psa.tenant_lock:
      vault_url: "{{ vault_url }}"
      vault_token: "{{ vault_token }}"
  tasks:
    - name: Converge under the lock
      block:
        - name: Take the lock
          msp.psa.tenant_lock:
            tenant: "{{ tenant }}"
            ttl: 120
            wait: "{{ lock_wait | default(60) }}"
            poll_interval: 0.2
          register: lock

        - name: The work
          ansible.builtin.pause:
            seconds: "{{ hold | default(2) }}"
      always:
        - name: Release the lock
          msp.psa.tenant_lock:
            tenant: "{{ tenant }}"
            state: unlocked
            owner: "{{ lock.owner }}"
          register: unlock
          when: lock.locked | default(false)
"""


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def read_lock(bao, path):
    return kv(bao).read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)["data"]["data"]


def kv(bao):
    return hvac.Client(url=bao.url, token=bao.token).secrets.kv.v2


def keep_history(bao, path):
    """KV v2 keeps 10 versions by default; keep them all, to check the whole history."""
    kv(bao).update_metadata(path=path, mount_point="secret", max_versions=1000)


def history(bao, path):
    """Every data version of the lock path, oldest first."""
    client = kv(bao)
    current = client.read_secret_metadata(path=path, mount_point="secret")["data"]["current_version"]
    return [client.read_secret_version(path=path, version=v, mount_point="secret",
                                       raise_on_deleted_version=False)["data"]["data"] for v in range(1, current + 1)]


def assert_strictly_alternating(versions):
    """held(A), released(A), held(B), released(B), ...: never a held record on top of someone else's held one."""
    holder = None
    for record in versions:
        if record["state"] == "held":
            assert holder in (None, record["owner"]), "%s took the lock while %s held it" % (record["owner"], holder)
            holder = record["owner"]
        else:
            assert record["owner"] == holder, "%s released a lock it did not hold" % record["owner"]
            holder = None


def test_threads_contending_for_one_tenant_never_overlap(bao):
    path, threads, rounds = "msp/threads/_lock", 6, 4
    keep_history(bao, path)
    inside, peak, done, conflicts, errors = [0], [0], [], [0], []
    guard = threading.Lock()

    def worker(n):
        store = SecretStore(bao.url, bao.token)
        write = store.write_data

        def counting(*a, **k):
            try:
                return write(*a, **k)
            except PSAError:
                with guard:
                    conflicts[0] += 1
                raise
        store.write_data = counting
        lock = TenantLock(store, "threads")
        for r in range(rounds):
            try:
                got = lock.acquire("worker-%d" % n, ttl=60, wait=60, poll=0.05)
                with guard:
                    inside[0] += 1
                    peak[0] = max(peak[0], inside[0])
                time.sleep(0.03)
                with guard:
                    inside[0] -= 1
                    done.append((n, r, got["waited"]))
                assert lock.release("worker-%d" % n)["released"]
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
    started = time.time()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    elapsed = time.time() - started
    assert errors == []
    assert len(done) == threads * rounds and peak[0] == 1, "exactly one holder at a time"
    versions = history(bao, path)
    assert len(versions) == 2 * threads * rounds, "one write per acquire and per release; lost CAS races wrote nothing"
    assert_strictly_alternating(versions)
    print("\n%d threads x %d rounds: %d acquisitions in %.2f s, %d lost check-and-set races, max wait %.2f s"
          % (threads, rounds, len(done), elapsed, conflicts[0], max(w for n, r, w in done)))


def test_an_expired_lock_is_taken_over_and_its_old_owner_cannot_free_it(bao):
    store = SecretStore(bao.url, bao.token)
    TenantLock(store, "expiry").acquire("dead-run", ttl=1, wait=0)  # the run dies holding it
    with pytest.raises(PSAError):
        TenantLock(store, "expiry").acquire("impatient", ttl=60, wait=0)
    started = time.time()
    got = TenantLock(store, "expiry").acquire("next-run", ttl=60, wait=10, poll=0.2)
    assert got["acquired"] and got["took_over"]["owner"] == "dead-run" and time.time() - started < 3
    late = TenantLock(store, "expiry").release("dead-run")
    assert late["not_owner"] and not late["released"]
    assert read_lock(bao, "msp/expiry/_lock")["owner"] == "next-run"


def test_two_playbook_runs_of_one_tenant_take_turns(bao, tmp_path):
    playbook = tmp_path / "lock.yml"
    playbook.write_text(PLAYBOOK)
    runs = {}

    extra = {"vault_url": bao.url, "vault_token": bao.token, "tenant": "turns", "hold": 2}

    def go(name):
        runs[name] = run_playbook(str(playbook), tmp_path / name, extra)
    pool = [threading.Thread(target=go, args=(n,)) for n in ("first", "second")]
    for t in pool:
        t.start()
    for t in pool:
        t.join(300)
    for name, out in runs.items():
        assert out.rc == 0, out.stdout[-3000:] + out.stderr[-2000:]
    locks = dict((n, out.result("Take the lock")) for n, out in runs.items())
    unlocks = dict((n, out.result("Release the lock")) for n, out in runs.items())
    assert all(lk["acquired"] for lk in locks.values()) and all(u["released"] for u in unlocks.values())
    later = max(locks, key=lambda n: locks[n]["waited"])
    earlier = "first" if later == "second" else "second"
    assert locks[later]["waited"] >= 1.0, "the second run waited for the first"
    assert locks[later]["acquired_at"] >= unlocks[earlier]["released_at"]
    assert_strictly_alternating(history(bao, "msp/turns/_lock"))
    assert len(history(bao, "msp/turns/_lock")) == 4
    print("\nsecond run waited %.2f s" % locks[later]["waited"])


def test_a_busy_tenant_fails_with_holder_since_and_expiry(bao, tmp_path):
    playbook = tmp_path / "lock.yml"
    playbook.write_text(PLAYBOOK)
    store = SecretStore(bao.url, bao.token)
    held = TenantLock(store, "busy").acquire("ci-job-17", ttl=600, wait=0, purpose="converge")
    extra = {"vault_url": bao.url, "vault_token": bao.token, "tenant": "busy", "lock_wait": 2}
    out = run_playbook(str(playbook), tmp_path / "busy", extra)
    assert out.rc != 0
    failed = out.result("Take the lock")
    expected = ("Tenant busy is busy: converge by ci-job-17 since %s, lock expires %s; run again later, or with wait="
                % (held["acquired_at"], held["expires_at"]))
    assert failed["failed"] and failed["msg"].startswith(expected), failed["msg"]
    assert failed["error_kind"] == "tenant_busy" and failed["holder"]["owner"] == "ci-job-17"
    assert out.result("Release the lock").get("skipped"), "a run that did not get the lock releases nothing"
    # the holder's lock is untouched, and check mode reports instead of failing or waiting
    record = read_lock(bao, "msp/busy/_lock")
    assert record["owner"] == "ci-job-17" and record["state"] == "held"
    checked = run_playbook(str(playbook), tmp_path / "check", dict(extra, lock_wait=60, hold=0), check=True)
    assert checked.rc == 0, checked.stdout[-3000:]
    predicted = checked.result("Take the lock")
    assert predicted["busy"] and predicted["would_acquire"] is False and predicted["changed"] is False
    assert predicted["waited"] < 1 and "ci-job-17" in " ".join(predicted.get("warnings", []))
    assert TenantLock(store, "busy").release("ci-job-17")["released"]


def test_the_lock_path_holds_nothing_secret(bao):
    store = SecretStore(bao.url, bao.token)
    TenantLock(store, "plain").acquire("x:1:y", wait=0)
    record = read_lock(bao, "msp/plain/_lock")
    assert set(record) <= {"state", "owner", "tenant", "purpose", "ttl", "acquired_at", "acquired_epoch", "renewed_at",
                           "expires_at", "expires_epoch", "released_at", "released_epoch"}
    assert os.environ.get("VAULT_TOKEN", "\0") not in json.dumps(record) and bao.token not in json.dumps(record)
