# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The life of one integration credential in the secret store: generated (or awaited from the admin),
rotated in a safe order that survives an interrupted run, and the vendor registration state.

Atomicity: the credential's state (rotation phase and the timestamps the state machine needs) is kept in
the same KV v2 data version as the secret values, under the non-secret keys of :data:`STATE_KEYS`, and every
transition is ONE data write with check-and-set on the version that was read. That write is the commit
point. The custom metadata mirrors the state under its historical names (``rotation_phase``,
``created_at``, ...) for people and tools that read it; it is written after the commit, and the next run
repairs it whenever it disagrees with the data (the data wins). So a run killed before the data write
changed nothing, one killed after it has made the transition (the mirror is fixed next time), and two runs
cannot both advance the state: the loser of the check-and-set re-reads and decides again, once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.msp.psa.plugins.module_utils._engine import step
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._secret_store import (
    StoreConflict, age_days, fingerprint, generate_secret, now)

FIELDS = {"autotask": ("secret",), "connectwise": ("public_key", "private_key")}
UI_AT_USER = "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users > %s > Security"
UI_CW_KEYS = "System > Members > API Members > %s > API Keys"
# data key -> the custom-metadata key that mirrors it. Never secret; never listed in ``fields``.
STATE_KEYS = {"_phase": "rotation_phase", "_created_at": "created_at", "_rotation_started_at": "rotation_started_at",
              "_promoted_at": "promoted_at", "_rotated_at": "rotated_at",
              # adoption of an API user that existed before its credential was stored (see ADOPTION)
              "_secret_state": "secret_state", "_adopted_at": "adopted_at",
              # the lockout guard: the last login as the API user (see LOGIN_GUARD)
              "_login_failed_at": "login_failed_at", "_login_failed_fingerprint": "login_failed_fingerprint",
              "_login_failed_reason": "login_failed_reason",
              "_login_ok_at": "login_ok_at", "_login_ok_fingerprint": "login_ok_fingerprint"}
MIRROR_KEYS = dict((m, k) for k, m in STATE_KEYS.items())


def current_fingerprint(kind, data):
    return fingerprint(*[(data or {}).get(f) for f in FIELDS[kind]])


def _who(meta):
    return meta.get("username") or meta.get("identifier") or "the API user"


def load_state(kind, data, meta):
    """``(state, source)``: the credential's state keyed by the metadata names, and where it came from.

    ``data``: the data version holds ``_phase`` (everything this collection wrote since the state moved
    there); it is the record and the metadata only mirrors it. ``metadata``: a record from before that
    (or one replaced by hand with a plain ``kv put``); the metadata is all there is, corrected by the
    data's shape where the old two-write layout was interrupted between its data and metadata writes."""
    if data.get("_phase"):
        return dict((m, str(data[k])) for k, m in STATE_KEYS.items() if data.get(k)), "data"
    state = dict((m, meta[m]) for m in MIRROR_KEYS if meta.get(m))
    said = state.get("rotation_phase") or "none"
    phase = said
    if said == "pending" and _previous_present(kind, data) and not _pending_present(kind, data):
        phase = "promoted"  # the promoted data was written, its metadata was not
    elif said == "promoted" and not _previous_present(kind, data):
        phase = "none"  # the completed data was written, its metadata was not
        state.pop("rotation_started_at", None)
    elif said == "none" and _pending_present(kind, data):
        phase = "pending"  # the pending secret was written, its metadata was not
    if phase != said:
        state["rotation_phase"] = phase
    return state, "metadata"


def mirror(meta, state, source):
    """``meta`` with the state mirrored into it (keys the data no longer has are dropped)."""
    out = dict(meta)
    for name in MIRROR_KEYS:
        if state.get(name):
            out[name] = str(state[name])
        elif source == "data":
            out.pop(name, None)
    return out


def _with_state(data, state):
    out = dict((k, v) for k, v in data.items() if k not in STATE_KEYS)
    out.update((MIRROR_KEYS[m], str(v)) for m, v in state.items() if v)
    return out


def ensure(params, store):
    """One step of the state machine per run (see the module docstring for why every interruption
    resumes). A check-and-set conflict re-reads and decides again once, then fails with "run again"."""
    try:
        return _ensure(params, store)
    except StoreConflict:
        return _ensure(params, store)


def _wants_unknown(params, state):
    """No credential is stored: is the API user one that already exists in the PSA (``unknown_secret``)?
    ``user_exists`` true: yes. False: no, it is missing (a secret may be generated for its creation).
    Not given: what the store recorded last time."""
    given = params.get("user_exists")
    if state.get("secret_state") == "awaiting":
        return False  # the collection created the user and waits for its credential: nothing pre-existed
    if given is None:
        return state.get("secret_state") == "unknown_secret"
    return bool(given)


def _ensure(params, store):
    kind, path = params["kind"], params["path"]
    record = store.read_record(path)
    data = dict(record.data or {})
    stored_meta = record.metadata
    state, source = load_state(kind, data, stored_meta)
    given = dict((k, str(v)) for k, v in (params.get("metadata") or {}).items() if v is not None and str(v) != "")
    meta = dict(stored_meta)
    meta.update(given)
    meta.setdefault("psa", kind)
    ref = store.ref(path)
    result = {"changed": False, "path": ref, "manual_steps": [], "kind": kind}
    fields = FIELDS[kind]
    has = all(data.get(f) for f in fields)
    phase = state.get("rotation_phase") or "none"

    # The lockout guard: record a login made by another task, or make the one login of this run.
    login = {}
    if params.get("record_login"):
        login = _record_login(kind, data, state, params["record_login"])
    elif params.get("login") and kind == "autotask":
        login = _login_autotask(params, store, data, meta, state, phase)
    noted = login.pop("changed", False)

    def commit(new_state, outcome):
        """The commit point: secrets and state in one data write, check-and-set; then the mirror."""
        store.write_data(path, _with_state(data, new_state), cas=record.version)
        store.update_metadata(path, mirror(meta, new_state, "data"))
        result["changed"] = True
        if outcome:
            result["state"] = outcome
        return new_state, "data"

    def repair_mirror():
        """No transition: write the metadata only if the given facts or the state mirror disagree."""
        wanted = mirror(meta if given else stored_meta, state, source)
        if wanted != stored_meta:
            store.update_metadata(path, wanted)
            result["changed"] = True

    age = age_days(state.get("rotated_at") or state.get("created_at") or state.get("adopted_at"))
    wants_rotation = params["rotate"] or (params.get("max_age_days") and age is not None and age > params["max_age_days"])
    transition = None
    if not has and phase == "none":
        if _wants_unknown(params, state):
            result["state"] = "unknown_secret"
            if params["rotate"]:
                if kind == "autotask":
                    data["pending_secret"] = generate_secret(params["secret_length"])
                transition = dict(state, rotation_phase="pending", rotation_started_at=now(), secret_state="unknown_secret",
                                  adopted_at=state.get("adopted_at") or now()), "rotation_started"
            elif state.get("secret_state") != "unknown_secret":
                transition = dict(state, rotation_phase="none", secret_state="unknown_secret", adopted_at=now()), None
        elif kind == "autotask" and params["generate"]:
            data["secret"] = generate_secret(params["secret_length"])
            transition = {"rotation_phase": "none", "created_at": now()}, "generated"
        else:
            result["state"] = "awaiting_secret"
            result["manual_steps"].append(awaiting_step(kind, meta, ref))
            if noted or (params.get("user_exists") is False and state.get("secret_state") != "awaiting"):
                # remember that this user was created for the collection, so later runs (the user exists
                # by then) keep waiting for its credential instead of calling it unknown
                state, source = commit(dict(state, secret_state="awaiting"), None)
            elif data:
                repair_mirror()
            result.update(phase="none", metadata=mirror(meta, state, source), fields=_fields(data),
                          login=_login_view(kind, data, state, login, params))
            return result
    elif has and phase == "none" and state.get("secret_state") == "unknown_secret":
        # the admin stored the secret the PSA and the vendor tool already use (the safe path (a))
        transition = dict(state, secret_state="adopted"), "adopted"
    elif has and phase == "none" and wants_rotation:
        if kind == "autotask":
            data["pending_secret"] = generate_secret(params["secret_length"])
        transition = dict(state, rotation_phase="pending", rotation_started_at=now()), "rotation_started"
    elif phase == "pending" and (params["rotation_verified"] or login.get("pending_valid")) and _pending_present(kind, data):
        for f in fields:
            if data.get(f):
                data["previous_" + f] = data[f]
            data[f] = data.pop("pending_" + f)
        new_state = dict(state, rotation_phase="promoted", promoted_at=now())
        # the new credential is ours and verified: neither unknown nor adopted (the vendor must be given it)
        new_state.pop("secret_state", None)
        transition = new_state, "rotation_promoted"
    elif phase == "promoted" and (params["registration_updated"] or _all_registrations_current(kind, data, meta)):
        for f in fields:
            data.pop("previous_" + f, None)
        new_state = dict(state, rotation_phase="none", rotated_at=now())
        new_state.pop("rotation_started_at", None)
        transition = new_state, "rotation_completed"
    if transition:
        state, source = commit(*transition)
    elif noted:
        state, source = commit(state, None)
    else:
        repair_mirror()
    phase = state.get("rotation_phase") or "none"
    meta = mirror(meta, state, source)
    result.setdefault("state", "unknown_secret" if not all(data.get(f) for f in fields)
                      and state.get("secret_state") == "unknown_secret" else "current")
    result["phase"] = phase
    result["secret_state"] = state.get("secret_state") or "known"
    if result["state"] == "unknown_secret" and phase == "none":
        result["manual_steps"].append(adopt_step(kind, meta, ref, login_possible=_login_possible(params, kind, meta)))
    result["manual_steps"].extend(rotation_steps(kind, phase, meta, ref, data))
    failed = _failed_login_step(kind, data, state, meta, ref)
    if failed:
        result["manual_steps"].append(failed)
    result["metadata"] = meta
    result["fields"] = _fields(data)
    result["age_days"] = None if age is None else round(age, 2)
    result["fingerprint"] = current_fingerprint(kind, data) if all(data.get(f) for f in fields) else None
    result["login"] = _login_view(kind, data, state, login, params)
    return result


def _fields(data):
    return sorted(k for k in data if data.get(k) and not k.startswith("_"))


def _all_registrations_current(kind, data, meta):
    """Every vendor registration recorded for this credential has the promoted credential."""
    fp = current_fingerprint(kind, data)
    vendors = [k for k in meta if k.startswith("registration_")
               and not k.endswith(("_fingerprint", "_at", "_id", "_error"))]
    return bool(vendors) and all(meta[k] in ("confirmed", "registered") and meta.get(k + "_fingerprint") == fp
                                 for k in vendors)


def _pending_present(kind, data):
    return all(data.get("pending_" + f) for f in FIELDS[kind])


def _previous_present(kind, data):
    return any(data.get("previous_" + f) for f in FIELDS[kind])


# -- the lockout guard ------------------------------------------------------------------------------

def _login_possible(params, kind, meta):
    return kind == "connectwise" or bool(params.get("login")) or meta.get("tracking_kind") == "custom"


def _note_login(state, fp, outcome, other=None):
    """Put one login's outcome into ``state`` (in memory); True when that changes the record. A success
    clears a failure recorded for this credential or a stale one, not one of ``other`` (the other live
    credential: the pending one while the current one was tried, or the reverse)."""
    before = dict(state)
    if outcome == "valid":
        if state.get("login_ok_fingerprint") != fp:
            state.update(login_ok_fingerprint=fp, login_ok_at=now())
        if state.get("login_failed_fingerprint") and state.get("login_failed_fingerprint") != other:
            for k in ("login_failed_at", "login_failed_fingerprint", "login_failed_reason"):
                state.pop(k, None)
    elif outcome in ("invalid", "locked"):
        state.update(login_failed_at=now(), login_failed_fingerprint=fp, login_failed_reason=outcome)
        if state.get("login_ok_fingerprint") == fp:
            state.pop("login_ok_fingerprint", None)
            state.pop("login_ok_at", None)
    return state != before


def _record_login(kind, data, state, given):
    """A login made by another task (``connectwise_api_key``): recorded when it was made with the stored
    current or pending credential (by fingerprint); a stale report (the credential changed since) is ignored."""
    fp = given.get("fingerprint")
    known = [current_fingerprint(kind, data) if all(data.get(f) for f in FIELDS[kind]) else None,
             _pending_fingerprint(kind, data)]
    outcome = given.get("outcome")
    if not fp or fp not in known or outcome not in ("valid", "invalid", "locked"):
        return {"attempted": False, "outcome": "ignored",
                "detail": "The login reported was not made with the credential stored now; nothing recorded."}
    changed = _note_login(state, fp, outcome, other=known[1] if fp == known[0] else known[0])
    return {"attempted": True, "outcome": outcome, "fingerprint": fp, "changed": changed,
            "pending_valid": outcome == "valid" and fp == known[1] and fp != known[0]}


def not_retried(state):
    return "last login failed at %s, not retried" % (state.get("login_failed_at") or "an unknown time")


def _login_autotask(params, store, data, meta, state, phase):
    """At most one login per run as the API user, only where Autotask allows it (custom integrations),
    never again with a credential whose last login failed (until it changes or retry_failed_login),
    and never in check mode (a failure that cannot be recorded would be repeated by the next run)."""
    pending = phase == "pending" and _pending_present("autotask", data)
    secret = data.get("pending_secret") if pending else data.get("secret")
    which = "pending" if pending else "current"
    if not secret:
        return {"attempted": False, "outcome": "no_credential"}
    if not data.get("integration_code") or not meta.get("username"):
        return {"attempted": False, "outcome": "not_possible",
                "detail": "A login as the API user needs its username (metadata) and its integration_code (stored): "
                          "Autotask allows it for custom integrations only."}
    fp = fingerprint(secret)
    if state.get("login_failed_fingerprint") == fp and not params.get("retry_failed_login"):
        return {"attempted": False, "outcome": "not_retried", "credential": which, "detail": not_retried(state)}
    if store.check_mode:
        return {"attempted": False, "outcome": "not_checked", "credential": which,
                "detail": "Check mode makes no login: a failure could not be recorded, and the next run would repeat it."}
    from ansible_collections.msp.psa.plugins.module_utils._autotask_user import credential_check
    from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, Redactor
    opts = params["login"]

    def http_factory():
        return HTTPClient(timeout=opts.get("timeout") or 30, validate_certs=opts.get("validate_certs", True),
                          redactor=Redactor([secret, data.get("integration_code")]))
    try:
        outcome = credential_check(http_factory, {"username": meta["username"], "custom_integration": True,
                                                  "api_user_secret": secret,
                                                  "api_user_integration_code": data["integration_code"]}, opts["zone_url"])
    except PSAError as exc:  # no answer, throttled, ...: not a refusal, so nothing to record; not re-sent this run
        return {"attempted": True, "outcome": "error", "credential": which, "detail": exc.message}
    other = current_fingerprint("autotask", data) if pending and data.get("secret") else (
        _pending_fingerprint("autotask", data) if not pending else None)
    changed = _note_login(state, fp, outcome[0], other=other)
    out = {"attempted": True, "outcome": outcome[0], "credential": which, "fingerprint": fp, "changed": changed,
           "pending_valid": pending and outcome[0] == "valid"}
    if outcome[1]:
        out["detail"] = outcome[1]
    return out


def _login_view(kind, data, state, login, params):
    """The ``login`` result: what this run did, and the record the next login step must respect."""
    out = dict((k, v) for k, v in login.items() if k != "pending_valid")
    out.setdefault("attempted", False)
    out["retry_failed_login"] = bool(params.get("retry_failed_login"))
    for name in ("login_failed_at", "login_failed_fingerprint", "login_failed_reason", "login_ok_at", "login_ok_fingerprint"):
        out[name[len("login_"):]] = state.get(name)
    fp = current_fingerprint(kind, data) if all(data.get(f) for f in FIELDS[kind]) else None
    out["current_failed"] = bool(fp) and state.get("login_failed_fingerprint") == fp
    out["current_verified"] = bool(fp) and state.get("login_ok_fingerprint") == fp
    if out["current_failed"] and not out["retry_failed_login"] and out.get("outcome") in (None, "not_retried"):
        out.update(outcome="not_retried", detail=not_retried(state))
    return out


# -- the admin's steps ------------------------------------------------------------------------------

def awaiting_step(kind, meta, ref):
    what = "the API user's secret (field secret)" if kind == "autotask" else \
        "the API key pair (fields public_key and private_key)"
    return step("Secret store", "Store %s for %s" % (what, _who(meta)), None, values={"path": ref}, instructions=[
        "Store %s at %s as soon as the PSA shows it." % (what, ref),
        "The next run verifies it and records the registration state."])


def adopt_step(kind, meta, ref, login_possible):
    """An existing API user whose credential is not in the store: the two safe paths, nothing invented."""
    who = _who(meta)
    if kind == "autotask":
        what, where = "secret", "the field secret"
        keep = "Do not press Generate in Autotask and do not re-enter anything in the vendor tool now: a new secret " \
               "would stop the integration that works today."
        rotate = ("(b) Or rotate it: run with rotate=true (the role's api_user_rotate). A new secret is generated and kept "
                  "as pending_secret while the vendor tool keeps the one it has; the next steps ask you to set it in "
                  "%s, and it becomes current only once it is verified (%s); only then is the vendor tool asked to take "
                  "it." % (UI_AT_USER % who, "by one login" if login_possible else
                           "confirm with rotation_verified=true, the role's api_user_rotation_confirmed"))
    else:
        what, where = "API key pair", "the fields public_key and private_key"
        keep = "Do not delete the member's existing keys: the vendor tool may be using one of them."
        rotate = ("(b) Or rotate: run with rotate=true, create a new key pair in %s and store it as pending_public_key "
                  "and pending_private_key; it becomes current once verified, and only then is the vendor tool asked "
                  "to take it (the old pair keeps working until you delete it)." % (UI_CW_KEYS % who))
    verify = ("The next run verifies it with one login (a refused login is recorded and not repeated, so the account "
              "cannot be locked by retries)." if login_possible else
              "The PSA allows no login as this user (only the vendor holds its tracking identifier), so it is taken "
              "as stored; the vendor registration step then only asks you to confirm the vendor tool uses it.")
    return step("Secret store", "Adopt the existing API user %s: store its %s or rotate it" % (who, what), None,
                values={"path": ref}, instructions=[
                    "%s already exists in the PSA, but its %s is not in the store, so none was generated: a new one "
                    "would not be the one the PSA and the vendor tool use." % (who, what),
                    "(a) Store the %s the vendor tool uses today at %s (%s), for example from your password manager. %s"
                    % (what, ref, where, verify),
                    rotate, keep])


def _failed_login_step(kind, data, state, meta, ref):
    fp = current_fingerprint(kind, data) if all(data.get(f) for f in FIELDS[kind]) else None
    failed = state.get("login_failed_fingerprint")
    if not failed or failed not in (fp, _pending_fingerprint(kind, data)):
        return None
    what = "secret" if kind == "autotask" else "API key pair"
    which = "stored" if failed == fp else "pending"
    locked = state.get("login_failed_reason") == "locked"
    lines = ["The last login of %s with the %s %s (%s) failed at %s%s; it is not retried with the same %s, so "
             "scheduled runs cannot lock the account." % (_who(meta), which, what, ref, state.get("login_failed_at"),
                                                          " (the account was locked)" if locked else "", what)]
    if locked:
        lines.append("Unlock the account in %s." % ((UI_AT_USER if kind == "autotask" else UI_CW_KEYS) % _who(meta)))
    if which == "stored":
        lines.append("Store the right %s at %s: a changed %s is tried once on the next run." % (what, ref, what))
    else:
        lines.append("Set the pending value in the PSA as the rotation step says.")
    lines.append("Or, once the PSA is fixed, run with retry_failed_login=true to try the same %s once more." % what)
    return step("Secret store", "Fix the %s of %s: its last login failed" % (what, _who(meta)), None,
                values={"path": ref, "failed_at": state.get("login_failed_at")}, instructions=lines)


def rotation_steps(kind, phase, meta, ref, data):
    who = _who(meta)
    if phase == "pending" and kind == "autotask":
        lines = ["In %s, reset the secret and paste the value stored at %s#pending_secret." % (UI_AT_USER % who, ref),
                 "Save. The next run verifies the new secret (by logging in where Autotask allows it, "
                 "otherwise after you confirm with rotation_verified=true) and promotes it."]
        if data.get("secret"):
            lines.append("Until then the store keeps the current secret, so nothing is lost if this run stops.")
        else:
            lines.append("Autotask keeps one secret per user: from the reset on, the vendor tool's old secret stops "
                         "working until the vendor registration step (handed out once the new secret is verified).")
        return [step("Autotask", "Rotate the secret of %s (step 1 of 2)" % who, UI_AT_USER % who,
                     values={"secret": ref + "#pending_secret"}, instructions=lines,
                     secret_refs={"pending_secret": ref + "#pending_secret"})]
    if phase == "pending" and kind == "connectwise":
        return [step("ConnectWise", "Rotate the API key pair of %s (step 1 of 2)" % who, UI_CW_KEYS % who + " > +",
                     instructions=["Create a new key pair in %s and store it at %s as pending_public_key and "
                                   "pending_private_key (the private key is shown once)." % (UI_CW_KEYS % who, ref),
                                   "Keep the old pair until the next run has verified the new one and the vendor "
                                   "tool has it."],
                     secret_refs={"pending": ref})]
    if phase == "promoted":
        lines = ["Update the vendor tool with the credential now stored at %s (the vendor registration step)." % ref]
        if kind == "connectwise" and data.get("previous_public_key"):
            lines.append("Then delete the old key %s in %s." % (data["previous_public_key"], UI_CW_KEYS % who))
        lines.append("The next run with registration_updated=true retires the previous credential.")
        return [step("Vendor", "Finish the rotation for %s (step 2 of 2)" % who, None, instructions=lines,
                     secret_refs={"current": ref})]
    return []


REG_CLAIM_TTL = 120
REG_POLL = 0.5


def _reg_keys(vendor):
    """The http driver's record in the data version (the commit point; the metadata mirrors it)."""
    base = "_registration_%s" % vendor
    return base + "_id", base + "_fingerprint", base + "_claim"


def registration(params, store, vendor_client=None, owner=None):
    """Registration of the stored credential with one vendor tool: manual hand-off or the http driver.

    A step never cites a credential that is not known to be the one the PSA holds: nothing is handed out
    without a current credential (``waiting_for_credential``, which includes ``unknown_secret``) or while a
    rotation is pending (``waiting_for_rotation``: the vendor gets the new value once it is verified and
    current); for a credential the admin stored from the existing set-up (``adopted``), the step asks to
    confirm that the vendor tool already uses it, never to enter it."""
    path, kind, vendor = params["path"], params["kind"], params["vendor"]
    record = store.read_record(path)
    data, meta = dict(record.data or {}), record.metadata
    ref = store.ref(path)
    key = "registration_%s" % vendor
    name = params.get("vendor_name") or vendor
    result = {"changed": False, "vendor": vendor, "path": ref, "manual_steps": []}
    if not data or not all(data.get(f) for f in FIELDS[kind]):
        result.update(registration="waiting_for_credential")
        return result
    state = load_state(kind, data, meta)[0]
    fp = current_fingerprint(kind, data)
    reg = meta.get(key, "pending")
    if meta.get(key + "_fingerprint") != fp and reg in ("registered", "confirmed"):
        reg = "pending"  # the credential changed since it was registered
    id_key, fp_key, dummy = _reg_keys(vendor)
    if params["driver"] == "http" and data.get(fp_key) == fp and data.get(id_key):
        reg = "registered"  # committed by a run whose metadata mirror was not written yet
    if reg not in ("registered", "confirmed") and state.get("login_failed_fingerprint") == fp:
        result.update(registration="waiting_for_credential",
                      detail="The PSA refused this credential at %s: it is not handed to %s until it is fixed." % (
                          state.get("login_failed_at"), name))
        return result
    if reg not in ("registered", "confirmed") and (state.get("rotation_phase") or "none") == "pending":
        result.update(registration="waiting_for_rotation",
                      detail="A rotation is pending: %s is asked to take the credential once the new one is verified "
                             "and current." % name)
        return result
    if params["driver"] == "manual":
        if reg == "pending" and params["confirm"]:
            meta.update({key: "confirmed", key + "_fingerprint": fp, key + "_at": now()})
            store.update_metadata(path, meta)
            result.update(changed=True, registration="confirmed")
            return result
        if reg == "pending":
            if state.get("secret_state") == "adopted":
                result["manual_steps"].append(_confirm_adopted_step(name, params, ref,
                                                                    state.get("login_ok_fingerprint") == fp))
            else:
                values = dict(params.get("values") or {}, secret_ref=ref, store_path=ref)
                lines = [render(line, values) for line in params.get("steps") or []]
                lines.append("Then confirm with confirm=true (or the role's registration_confirmed) so the next run "
                             "records it.")
                result["manual_steps"].append(step(name, "Register the credential with %s" % name, params.get("ui_path"),
                                                   values=params.get("values"), instructions=lines,
                                                   secret_refs={"credential": ref}))
            if meta.get(key) != "pending":
                meta[key] = "pending"
                store.update_metadata(path, meta)
        result["registration"] = reg
        return result
    return _register_http(params, store, vendor_client, record, data, meta, fp, result, owner)


def _confirm_adopted_step(name, params, ref, verified):
    """The registration step of an adopted credential: the vendor tool should already have it."""
    how = "a login verified it" if verified else "no login could verify it"
    return step(name, "Confirm that %s already uses the adopted credential" % name, params.get("ui_path"),
                values=params.get("values"), instructions=[
                    "The credential at %s was stored from the set-up that works today (%s), so nothing is to be "
                    "entered in %s." % (ref, how, name),
                    "Check that %s still connects with the settings it has (its own connection test), then confirm "
                    "with confirm=true (the role's registration_confirmed) so the next run records it." % name,
                    "If it does not connect, the stored credential may not be the one the PSA holds: rotate "
                    "(rotate=true) rather than entering it."])


def _register_http(params, store, vendor_client, record, data, meta, fp, result, owner):
    """Create or update the registration at the vendor, at most once across overlapping runs: a claim in the
    credential's data version (check-and-set) admits one run at a time; the registration is looked up (by the
    recorded id, else by the vendor's natural key) before anything is created; and the id is committed to the
    data (then mirrored in the metadata) before the run reports success."""
    path, kind, vendor = params["path"], params["kind"], params["vendor"]
    key = "registration_%s" % vendor
    id_key, fp_key, claim_key = _reg_keys(vendor)
    integration_id = data.get(id_key) or meta.get(key + "_id")
    if meta.get(key) == "registered" and meta.get(key + "_fingerprint") == fp and integration_id:
        result["registration"] = "registered"
        return result
    body = vendor_client.body(kind, data, params.get("values") or {})
    if store.check_mode:
        outcome = vendor_client.register(kind, integration_id, body, check_mode=True)
        result.update(changed=True, registration="registered", vendor_action=outcome["action"])
        return result
    owner = owner or _owner()
    record, data = _claim(store, path, claim_key, owner)
    meta = record.metadata
    if current_fingerprint(kind, data) != fp:  # the credential changed while we waited: register what is stored now
        fp = current_fingerprint(kind, data)
        body = vendor_client.body(kind, data, params.get("values") or {})
    integration_id = data.get(id_key) or meta.get(key + "_id")
    if data.get(fp_key) == fp and integration_id:  # another run registered it while we waited
        _release(store, path, claim_key, owner,
                 mirror_={key: "registered", key + "_fingerprint": fp, key + "_id": integration_id})
        result.update(registration="registered", vendor_id=integration_id)
        return result
    try:
        outcome = vendor_client.register(kind, integration_id, body)
    except BaseException:
        _release(store, path, claim_key, owner)
        raise
    if outcome["ok"]:
        new_id = outcome.get("id") or integration_id or ""
        _release(store, path, claim_key, owner, fields={id_key: new_id, fp_key: fp},
                 mirror_={key: "registered", key + "_fingerprint": fp, key + "_id": new_id, key + "_at": now()},
                 drop=(key + "_error",))
        result.update(changed=True, registration="registered", vendor_action=outcome["action"], vendor_id=new_id)
        if outcome.get("adopted"):
            result["detail"] = "An existing registration was found by its natural key and updated (none created)."
        if outcome.get("lost_answer"):
            result["detail"] = "The vendor's answer to the create was lost; the registration was found by its natural key."
        if outcome.get("duplicates"):
            result["duplicates"] = outcome["duplicates"]
    else:
        _release(store, path, claim_key, owner, mirror_={key: "failed", key + "_error": outcome["message"][:200]})
        result.update(registration="failed", detail=outcome["message"])
    return result


def _owner():
    from ansible_collections.msp.psa.plugins.module_utils._tenant_lock import default_owner
    return default_owner()


def _claim(store, path, claim_key, owner, ttl=None, poll=None):
    """Take the registration claim (one data write, check-and-set); wait while another run holds a live one.
    Returns the record read and the data as written (with the claim)."""
    import time
    ttl = ttl or REG_CLAIM_TTL
    deadline = time.time() + ttl + 5
    while True:
        record = store.read_record(path)
        data = dict(record.data or {})
        holder, dummy, until = str(data.get(claim_key) or "").partition("|")
        try:
            live = holder and holder != owner and float(until) > time.time()
        except ValueError:
            live = False
        if live:
            if time.time() > deadline:
                raise PSAError("Secret store: another run (%s) has been registering %s for over %d s." % (
                    holder, store.ref(path), ttl), kind="store_conflict", fix="Run again when it has finished.")
            time.sleep(poll or REG_POLL)
            continue
        data[claim_key] = "%s|%d" % (owner, time.time() + ttl)
        try:
            version = store.write_data(path, data, cas=record.version)
        except StoreConflict:
            continue
        return record._replace(version=version if version is not None else record.version + 1), data


def _release(store, path, claim_key, owner, fields=None, mirror_=None, drop=()):
    """Commit the outcome (``fields``: the registration's id and fingerprint) and drop our claim in one data
    write with check-and-set, on a fresh read (another writer may have changed the credential's state in
    between: its change is kept); then the metadata mirror. Only then does the run report success."""
    for dummy in range(5):
        record = store.read_record(path)
        data = dict(record.data or {})
        if str(data.get(claim_key) or "").partition("|")[0] == owner:
            data.pop(claim_key)
        elif not fields:
            break  # not ours any more (expired and taken over), and nothing to commit
        data.update(fields or {})
        try:
            store.write_data(path, data, cas=record.version)
            break
        except StoreConflict:
            continue
    else:
        raise StoreConflict(store.ref(path))
    if mirror_:
        out = dict(record.metadata)
        out.update(mirror_)
        for k in drop:
            out.pop(k, None)
        store.update_metadata(path, out)


def render(template, values):
    out = template
    for k, v in values.items():
        out = out.replace("{%s}" % k, "" if v is None else str(v))
    return out


def _finding(field, want, have, fix, detail):
    return {"field": field, "want": want, "have": have, "fix": fix, "detail": detail}


def _pending_fingerprint(kind, data):
    return fingerprint(*[data.get("pending_" + f) for f in FIELDS[kind]]) if _pending_present(kind, data) else None


def registration_state(meta, vendor, fp):
    """The vendor tool's registration of the credential whose fingerprint is ``fp``: ``confirmed`` or
    ``registered`` (for that credential), ``none``, or "confirmed/registered for an earlier credential"."""
    key = "registration_%s" % vendor
    have = meta.get(key) or "none"
    if have in ("confirmed", "registered") and meta.get(key + "_fingerprint") != fp:
        have = "%s for an earlier credential" % have
    return have


def standing(kind, data, metadata, max_age_days=None, vendors=None):
    """The stored credential's standing for the fleet report, whatever the drift: ``state`` (``stored``,
    ``missing`` or ``unknown_secret``), ``phase`` (rotation), ``age_days`` (whole days since it was stored,
    rotated or adopted), ``rotation_due`` (that day plus ``max_age_days``, when set) and ``registrations``
    (vendor -> ``confirmed``, ``registered``, ``none`` or "... for an earlier credential"). Names and dates only:
    never a value or a fingerprint."""
    data = dict(data or {})
    meta = dict(metadata or {})
    state = load_state(kind, data, meta)[0]
    has = all(data.get(f) for f in FIELDS[kind])
    since = state.get("rotated_at") or state.get("created_at") or state.get("adopted_at")
    age = age_days(since) if has else None
    due = None
    if has and max_age_days and since:
        try:
            due = (datetime.datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ")
                   + datetime.timedelta(days=int(max_age_days))).date().isoformat()
        except ValueError:
            due = None
    fp = current_fingerprint(kind, data) if has else None
    registrations = dict((vendor, registration_state(meta, vendor, fp)) for vendor in vendors or [])
    return {"state": "stored" if has else ("unknown_secret" if state.get("secret_state") == "unknown_secret"
                                           else "missing"),
            "phase": state.get("rotation_phase") or "none", "age_days": None if age is None else int(age),
            "rotation_due": due, "registrations": registrations}


def assess(kind, data, metadata, max_age_days=None, vendors=None):
    """What keeps the stored credential from doing its job, for the drift check: a list of findings
    ``{field, want, have, fix, detail}`` (``fix``: ``store``, ``vendor`` or ``ui``). ``data`` and
    ``metadata`` are what :meth:`SecretStore.read_record` returns (``data`` None when nothing is stored);
    nothing is read or written here, and no finding ever holds a secret value or a fingerprint.

    Fields: ``credential`` (``have`` is ``missing``, or ``unknown_secret`` for an API user that existed before
    its secret was stored), ``rotation`` (``pending`` or ``promoted``: a rotation waits for a step),
    ``credential_age`` (older than ``max_age_days``), ``login`` (the last login with this very credential
    failed and is not retried) and ``registration:<vendor>`` for each of ``vendors`` whose registration is
    not confirmed or registered for the current credential (only when a current credential is stored)."""
    data = dict(data or {})
    meta = dict(metadata or {})
    state = load_state(kind, data, meta)[0]
    out = []
    has = all(data.get(f) for f in FIELDS[kind])
    phase = state.get("rotation_phase") or "none"
    what = "secret" if kind == "autotask" else "API key pair"
    if not has and state.get("secret_state") == "unknown_secret":
        out.append(_finding("credential", "stored", "unknown_secret", "store",
                            "The API user exists in the PSA, but the %s it uses is not in the store, so nothing was "
                            "generated. Store the %s the vendor tool uses today (the next run verifies it where a login "
                            "is possible), or rotate (rotate=true) and set the new value in the PSA." % (what, what)))
    elif not has:
        out.append(_finding("credential", "stored", "missing", "store", "No %s is stored." % what))
    fp = current_fingerprint(kind, data) if has else None
    pending_fp = _pending_fingerprint(kind, data)
    if phase == "pending":
        if kind == "autotask":
            todo = "reset the API user's secret in Autotask to the value stored as pending_secret"
        else:
            todo = "create the new key pair in ConnectWise and store it as pending_public_key and pending_private_key" \
                if not pending_fp else "the stored pending key pair must be verified"
        out.append(_finding("rotation", "none", "pending", "ui",
                            "A rotation started at %s waits: %s; it becomes current only once verified." % (
                                state.get("rotation_started_at") or "an unknown time", todo)))
    elif phase == "promoted":
        out.append(_finding("rotation", "none", "promoted", "vendor",
                            "The new %s is current since %s; the vendor tool must get it before the previous one is "
                            "retired." % (what, state.get("promoted_at") or "an unknown time")))
    if max_age_days and has and phase == "none":
        age = age_days(state.get("rotated_at") or state.get("created_at") or state.get("adopted_at"))
        if age is not None and age > max_age_days:
            out.append(_finding("credential_age", "at most %d days" % max_age_days, "%d days" % int(age), "store",
                                "Rotation overdue: a converge with max_age_days (or rotate=true) starts it."))
    failed = state.get("login_failed_fingerprint")
    if failed and failed in (fp, pending_fp):
        reason = state.get("login_failed_reason") or "invalid"
        of_pending = failed == pending_fp and failed != fp
        fix = "ui" if reason == "locked" or of_pending else "store"
        if reason == "locked":
            todo = "the account is locked: unlock it in the PSA and make sure the stored %s is the right one" % what
        elif of_pending:
            todo = "the PSA refused the pending %s: set it in the PSA as the rotation step says" % what
        else:
            todo = "the PSA refused the stored %s: store the right one (a changed credential is tried again)" % what
        out.append(_finding("login", "valid", "failed", fix,
                            "The last login failed at %s and is not retried with the same %s; %s, or run with "
                            "retry_failed_login=true once it is fixed." % (
                                state.get("login_failed_at") or "an unknown time", what, todo)))
    if has:
        for vendor in vendors or []:
            have = registration_state(meta, vendor, fp)
            if have in ("confirmed", "registered"):
                continue
            out.append(_finding("registration:%s" % vendor, "confirmed", have, "vendor",
                                "The vendor tool %s has not been confirmed to hold the current %s." % (vendor, what)))
    return out
