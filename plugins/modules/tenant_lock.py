#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tenant_lock
short_description: Hold a per-tenant lock in the secret store, so two runs never change one tenant at once
version_added: 0.1.0
description:
  - A lock per tenant that works across controllers (two pipeline jobs, a cron and an operator), kept in
    the KV v2 secret store they already share. It is one path (O(path), by default C(msp/<tenant>/_lock))
    whose latest data version says who holds the lock, since when and until when. Nothing secret is in it.
  - O(state=locked) takes the lock with a KV v2 check-and-set write (C(cas=0) when the path is new, else the
    version it read), so of two runs that find the lock free at the same moment exactly one gets it; the other
    sees the winner and waits. A lock whose lease (O(ttl)) has run out is free, so a run that died does not
    block the tenant forever; the run that takes it over returns the old holder as RV(took_over).
    Locking again with the same O(owner) extends the lease (and keeps RV(acquired_at)).
  - While someone else holds the lock, the module polls until it is free or O(wait) runs out, then fails with
    a message that names the tenant, the holder, since when it holds the lock and when the lock expires.
    With O(on_busy=skip) it returns at once with RV(busy) instead, so a play that converges many tenants
    can take the free locks first and wait for the others only once it holds none (the role msp.psa.api_user
    does this).
  - O(state=unlocked) releases the lock only if O(owner) holds it (check-and-set again). A lock that expired
    and was taken over by another run is left alone (RV(not_owner)), so an old run never frees a newer run's
    lock. Releasing a lock that is not held is not an error.
  - The default owner id is C(<host>:<pid>:<random>) of the process the module runs in (its own, or Ansible's
    worker for the task; see the C(action) attribute), with a new random part for every call. Register the result
    of O(state=locked) and pass RV(owner) to O(state=unlocked).
  - Expiry compares UTC times written by the controllers' clocks; keep them synchronised (NTP). Pick a O(ttl)
    longer than a converge of the tenant takes, or lock again with the same owner to extend it.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.secret_store
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
attributes:
  check_mode:
    support: full
    details:
      - Reads the lock and reports what a real run would do (RV(would_acquire), RV(would_release), RV(holder)),
        but never writes and never waits, and returns C(changed=false).
      - A busy tenant is a warning in check mode, not a failure, because a dry run changes nothing that the
        holder could collide with; its prediction may be stale while the holder is still applying.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every O(state=locked) writes a new lease (C(changed=true)); O(state=unlocked) writes once, then finds
        nothing to release. Roles that want idempotent reports set C(changed_when=false) on the lock tasks.
options:
  tenant:
    description:
      - The tenant (inventory host name). Validated like every tenant name of the collection; used in the
        default O(path) and in the messages.
    type: str
    required: true
  path:
    description:
      - KV v2 path of the lock below O(vault_mount). Default C(msp/<tenant>/_lock).
      - Every controller that converges the tenant must use the same path.
    type: str
  state:
    description: V(locked) takes (or extends) the lock, V(unlocked) releases it.
    type: str
    choices: [locked, unlocked]
    default: locked
  owner:
    description:
      - Who holds the lock. With O(state=locked), defaults to C(<host>:<pid>:<random>); it is returned.
      - Required with O(state=unlocked); only this owner's lock is released.
    type: str
  purpose:
    description: What the holder does, shown to the runs that wait (C(converge), C(rotation), ...).
    type: str
    default: converge
  ttl:
    description: Seconds the lock lasts after it was taken or extended; then any run may take it over.
    type: int
    default: 900
  wait:
    description: Seconds to wait for a busy tenant's lock before failing. V(0) fails at once.
    type: int
    default: 300
  poll_interval:
    description: Seconds between two looks at a busy lock (randomised by +/-50% so waiting runs do not move in step).
    type: float
    default: 2.0
  on_busy:
    description:
      - What a busy tenant's lock does with O(state=locked). V(fail) waits up to O(wait), then fails.
        V(skip) returns at once with RV(busy) and RV(holder), not locked and not failed.
      - Under the linear strategy, every host of a play finishes the lock task before any host goes on, so a
        host that waits keeps the locks its play's other hosts took. Two multi-tenant runs can then wait for
        each other until one fails. Take the free locks with V(skip) first, converge and release them, then
        wait (V(fail)) for the tenants that were busy; so a run never waits while it holds a lock.
    type: str
    choices: [fail, skip]
    default: fail
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Converge the tenant while holding its lock
  block:
    - name: Take the tenant's lock (waits up to 5 minutes while another run converges it)
      msp.psa.tenant_lock:
        tenant: "{{ inventory_hostname }}"
        ttl: 1800
        wait: 300
        vault_url: "{{ msp_psa_vault_url }}"
        vault_token: "{{ msp_psa_vault_token }}"
      register: tenant_lock
      changed_when: false

    - name: Converge
      ansible.builtin.include_role:
        name: msp.psa.api_user
  always:
    - name: Release the tenant's lock
      msp.psa.tenant_lock:
        tenant: "{{ inventory_hostname }}"
        state: unlocked
        owner: "{{ tenant_lock.owner }}"
        vault_url: "{{ msp_psa_vault_url }}"
        vault_token: "{{ msp_psa_vault_token }}"
      when: tenant_lock.locked | default(false)
      changed_when: false
"""

RETURN = r"""
owner:
  description: The owner id used (with O(state=locked) the one to pass to O(state=unlocked)).
  returned: always
  type: str
  sample: ctl1.example:48213:9f3a1c2e
locked:
  description: Whether O(owner) holds the lock after this call.
  returned: always
  type: bool
  sample: true
acquired:
  description: This call took the lock (or extended it, see RV(refreshed)).
  returned: when O(state=locked)
  type: bool
refreshed:
  description: The lock was already held by O(owner) and its lease was extended.
  returned: when acquired
  type: bool
released:
  description: This call released the lock.
  returned: when O(state=unlocked)
  type: bool
not_owner:
  description: The lock is held by another owner and was left alone.
  returned: when O(state=unlocked) found someone else's lock
  type: bool
holder:
  description: The lock record after the call (or the other holder while busy); never secret.
  returned: when the lock is held
  type: dict
  sample: {"owner": "ctl2:777:1a2b3c4d", "purpose": "converge", "tenant": "northwind", "state": "held",
           "acquired_at": "2026-05-01T10:00:00Z", "expires_at": "2026-05-01T10:15:00Z"}
took_over:
  description: The previous holder whose lease had expired when this call took the lock.
  returned: when an expired lock was taken over
  type: dict
acquired_at:
  description: Since when O(owner) holds the lock (UTC).
  returned: when acquired
  type: str
expires_at:
  description: When the lease runs out (UTC).
  returned: when acquired, and in check mode when it would be
  type: str
waited:
  description: Seconds spent waiting for the lock.
  returned: when O(state=locked)
  type: float
would_acquire:
  description: Check mode only, whether a real run would take the lock now.
  returned: check mode, O(state=locked)
  type: bool
would_release:
  description: Check mode only, a real run would release the lock.
  returned: check mode, when O(owner) holds it
  type: bool
busy:
  description: Another owner holds the lock (check mode, or O(on_busy=skip); a real run with O(on_busy=fail)
    waits, then fails with the same facts).
  returned: check mode or O(on_busy=skip), when busy
  type: bool
path:
  description: The store reference (mount/path) of the lock.
  returned: always
  type: str
  sample: secret/msp/northwind/_lock
"""

from ansible_collections.msp.psa.plugins.module_utils._module import run_module
from ansible_collections.msp.psa.plugins.module_utils._secret_store import STORE_SPEC, SecretStore
from ansible_collections.msp.psa.plugins.module_utils._tenant_lock import DEFAULT_POLL, DEFAULT_TTL, DEFAULT_WAIT, TenantLock

SPEC = dict(tenant=dict(type="str", required=True), path=dict(type="str", no_log=False),
            state=dict(type="str", default="locked", choices=["locked", "unlocked"]), owner=dict(type="str"),
            purpose=dict(type="str", default="converge"), ttl=dict(type="int", default=DEFAULT_TTL),
            wait=dict(type="int", default=DEFAULT_WAIT), poll_interval=dict(type="float", default=DEFAULT_POLL),
            on_busy=dict(type="str", default="fail", choices=["fail", "skip"]))


def run(module, store):
    p = module.params
    lock = TenantLock(store, p["tenant"], p["path"])
    if p["state"] == "unlocked":
        result = lock.release(p["owner"])
        if result.get("not_owner"):
            module.warn(result["msg"])
        return result
    result = lock.acquire(p["owner"], ttl=p["ttl"], wait=p["wait"], poll=p["poll_interval"], purpose=p["purpose"],
                          on_busy=p["on_busy"])
    if result.get("busy") and p["on_busy"] == "fail":
        module.warn(result["msg"])
    return result


def main():
    run_module([STORE_SPEC, SPEC], run, client=SecretStore.from_params, requires=("hvac",),
               required_if=[("state", "unlocked", ["owner"])])


if __name__ == "__main__":
    main()
