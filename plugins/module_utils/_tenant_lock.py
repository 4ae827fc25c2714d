# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A per-tenant lock that works across controllers: one KV v2 path in the shared secret store
(``msp/<tenant>/_lock`` by default), changed only with check-and-set.

The lock is the latest data version of that path::

    {"state": "held", "owner": "ctl1:4242:9f3a1c2e", "tenant": "northwind", "purpose": "converge",
     "acquired_at": "2026-05-01T10:00:00Z", "expires_at": "2026-05-01T10:15:00Z", "ttl": 900, ...}

* acquire: read (version V). Free (no record, ``state: released``, or the holder's lease expired) or held
  by the same owner (a refresh): write a held record with ``cas=V`` (``cas=0`` when the path has none).
  Of two controllers that read the same V, exactly one write succeeds; the other re-reads and sees the
  winner. Held by someone else: poll until ``wait`` runs out, then fail naming the holder.
* release: write a released record with ``cas=V`` only when the record read is held by us; a lock that
  expired and was taken over is never released by its old owner.

Expiry uses the controllers' clocks (UTC epoch seconds in the record): keep them in sync (NTP); a skew
of S seconds makes a lease S seconds shorter or longer for the other controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import random
import secrets
import socket
import time

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._secret_store import StoreConflict
from ansible_collections.msp.psa.plugins.module_utils._tenant import TenantNameError, validate_tenant_name

DEFAULT_TTL = 900
DEFAULT_WAIT = 300
DEFAULT_POLL = 2.0
LOCK_LEAF = "_lock"


def default_owner():
    """host:pid:random, unique per call (the random part: a module may run in Ansible's worker, and each task
    in a new one; pass the returned owner back to release the lock)."""
    return "%s:%d:%s" % (socket.gethostname(), os.getpid(), secrets.token_hex(4))


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lock_path(tenant, path=None, prefix="msp"):
    """The lock's KV path: ``path`` as given (checked: no empty, ``.`` or ``..`` parts) or
    ``<prefix>/<tenant>/_lock`` from a validated tenant name."""
    try:
        validate_tenant_name(tenant)
    except TenantNameError as exc:
        raise PSAError(str(exc), kind="invalid_input", fix="Use the tenant's inventory name.")
    if not path:
        return "%s/%s/%s" % (prefix, tenant, LOCK_LEAF)
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise PSAError("Lock path %r is not valid: it must be a relative KV path without empty, '.' or '..' parts "
                       "(for example msp/%s/_lock)." % (path, tenant), kind="invalid_input")
    return path


def holder_view(data):
    """What a result may show about a lock record (nothing secret is in it)."""
    if not data:
        return None
    return dict((k, data.get(k)) for k in ("owner", "purpose", "tenant", "acquired_at", "expires_at", "state",
                                           "released_at") if data.get(k) is not None)


class TenantLock:
    """``store``: a :class:`SecretStore` (check mode honoured: reads only). ``clock`` and ``sleep`` are
    seams for tests."""

    def __init__(self, store, tenant, path=None, clock=time.time, sleep=time.sleep):
        self.store = store
        self.tenant = tenant
        self.path = lock_path(tenant, path)
        self.ref = store.ref(self.path)
        self.clock = clock
        self.sleep = sleep

    def live_holder(self, data, now):
        """The record if it is a held, unexpired lock; else None."""
        if not data or data.get("state") != "held":
            return None
        try:
            expires = float(data.get("expires_epoch"))
        except (TypeError, ValueError):
            return None  # not a record this module wrote: treat as free
        return data if expires > now else None

    def acquire(self, owner=None, ttl=DEFAULT_TTL, wait=DEFAULT_WAIT, poll=DEFAULT_POLL, purpose="converge",
                on_busy="fail"):
        """``on_busy``: ``fail`` raises once ``wait`` has run out; ``skip`` returns ``busy`` (not locked) at
        once, so a caller that holds other tenants' locks never waits while holding them."""
        if on_busy not in ("fail", "skip"):
            raise PSAError("on_busy must be fail or skip, not %r." % (on_busy,), kind="invalid_input")
        if ttl <= 0:
            raise PSAError("ttl must be a positive number of seconds.", kind="invalid_input")
        if wait < 0:
            raise PSAError("wait must be 0 or more seconds.", kind="invalid_input")
        owner = owner or default_owner()
        started = self.clock()
        result = {"changed": False, "path": self.ref, "tenant": self.tenant, "owner": owner, "locked": False,
                  "acquired": False, "waited": 0.0}
        while True:
            record = self.store.read_record(self.path)
            now = self.clock()
            result["waited"] = round(now - started, 2)
            held = self.live_holder(record.data, now)
            if held is None or held.get("owner") == owner:
                new = {"state": "held", "owner": owner, "tenant": self.tenant, "purpose": purpose, "ttl": ttl,
                       "acquired_at": held.get("acquired_at") if held else iso(now),
                       "acquired_epoch": held.get("acquired_epoch") if held else now,
                       "renewed_at": iso(now), "expires_at": iso(now + ttl), "expires_epoch": now + ttl}
                if held is None and record.data and record.data.get("state") == "held":
                    result["took_over"] = holder_view(record.data)  # its lease had expired
                if self.store.check_mode:
                    result.update(would_acquire=True, holder=holder_view(held), expires_at=new["expires_at"])
                    return result
                try:
                    self.store.write_data(self.path, new, cas=record.version)
                except StoreConflict:
                    result.pop("took_over", None)
                    continue  # someone else wrote between our read and our write: look again
                result.update(changed=True, locked=True, acquired=True, refreshed=held is not None,
                              holder=holder_view(new), acquired_at=new["acquired_at"], expires_at=new["expires_at"])
                return result
            result["holder"] = holder_view(held)
            if self.store.check_mode:
                result.update(would_acquire=False, busy=True, msg=self.busy_message(held, now - started, ttl=None))
                return result
            if on_busy == "skip":
                result.update(busy=True, msg=self.busy_message(held, now - started, ttl=None))
                return result
            if now - started >= wait:
                raise PSAError(self.busy_message(held, now - started), kind="tenant_busy",
                               fix=None, result=dict(result, busy=True))
            remaining = started + wait - now
            self.sleep(max(0.0, min(remaining, poll * random.uniform(0.5, 1.5))))

    def busy_message(self, held, waited, ttl=True):
        try:
            left = max(0, int(float(held["expires_epoch"]) - self.clock()))
        except (KeyError, TypeError, ValueError):
            left = 0
        msg = "Tenant %s is busy: %s by %s since %s, lock expires %s" % (
            self.tenant, held.get("purpose") or "a run", held.get("owner"), held.get("acquired_at"), held.get("expires_at"))
        if ttl is None:
            return msg + " (%s)." % self.ref
        return msg + ("; run again later, or with wait=%d or more (waited %d s; the lock is %s)."
                      % (int(waited) + left + 1, int(waited), self.ref))

    def release(self, owner):
        if not owner:
            raise PSAError("Releasing a tenant lock needs the owner that acquired it.", kind="invalid_input",
                           fix="Pass owner: the owner returned by state=locked (register it).")
        result = {"changed": False, "path": self.ref, "tenant": self.tenant, "owner": owner, "locked": False,
                  "released": False}
        for dummy in range(2):
            record = self.store.read_record(self.path)
            data = record.data or {}
            result["holder"] = holder_view(data) if data.get("state") == "held" else None
            if data.get("state") != "held":
                result["msg"] = "The lock was not held; nothing to release."
                return result
            if data.get("owner") != owner:
                result["msg"] = "The lock is held by %s, not by %s; left alone." % (data.get("owner"), owner)
                result["not_owner"] = True
                return result
            if self.store.check_mode:
                result["would_release"] = True
                return result
            now = self.clock()
            new = dict(data, state="released", released_at=iso(now), released_epoch=now)
            try:
                self.store.write_data(self.path, new, cas=record.version)
            except StoreConflict:
                continue
            result.update(changed=True, released=True, holder=None, released_at=new["released_at"])
            return result
        raise StoreConflict(self.ref)
