# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The life of one integration credential in the secret store: generated (or awaited from the admin),
rotated in a safe order that survives an interrupted run, and the vendor registration state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._engine import step
from ansible_collections.msp.psa.plugins.module_utils._secret_store import age_days, fingerprint, generate_secret, now

FIELDS = {"autotask": ("secret",), "connectwise": ("public_key", "private_key")}
UI_AT_USER = "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users > %s > Security"
UI_CW_KEYS = "System > Members > API Members > %s > API Keys"


def current_fingerprint(kind, data):
    return fingerprint(*[(data or {}).get(f) for f in FIELDS[kind]])


def _who(meta):
    return meta.get("username") or meta.get("identifier") or "the API user"


def ensure(params, store):
    """One step of the state machine per run; every state is stored, so a killed run resumes."""
    kind, path = params["kind"], params["path"]
    data, stored_meta = store.read(path)
    meta = dict(stored_meta)
    meta.update(dict((k, str(v)) for k, v in (params.get("metadata") or {}).items() if v is not None))
    meta.setdefault("psa", kind)
    ref = store.ref(path)
    result = {"changed": False, "path": ref, "manual_steps": [], "kind": kind}
    fields = FIELDS[kind]
    data = dict(data or {})
    has_current = all(data.get(f) for f in fields)
    if not has_current:
        if kind == "autotask" and params["generate"]:
            data["secret"] = generate_secret(params["secret_length"])
            meta.update(created_at=now(), rotation_phase="none")
            store.write(path, data, meta)
            result.update(changed=True, state="generated")
        else:
            result["state"] = "awaiting_secret"
            what = "the API user's secret (field secret)" if kind == "autotask" else \
                "the API key pair (fields public_key and private_key)"
            result["manual_steps"].append(step("Secret store", "Store %s for %s" % (what, _who(meta)), None,
                                               values={"path": ref}, instructions=[
                "Store %s at %s as soon as the PSA shows it." % (what, ref),
                "The next run verifies it and records the registration state."]))
            if params.get("metadata") and data:
                store.update_metadata(path, meta)
            result.update(phase="none", metadata=meta, fields=sorted(k for k in data if data.get(k)))
            return result
    phase = meta.get("rotation_phase") or "none"
    age = age_days(meta.get("rotated_at") or meta.get("created_at"))
    wants_rotation = params["rotate"] or (params.get("max_age_days") and age is not None and age > params["max_age_days"])
    if phase == "none" and wants_rotation and result.get("state") != "generated":
        if kind == "autotask":
            data["pending_secret"] = generate_secret(params["secret_length"])
        meta.update(rotation_phase="pending", rotation_started_at=now())
        phase = "pending"
        store.write(path, data, meta)
        result.update(changed=True, state="rotation_started")
    elif phase == "pending" and params["rotation_verified"] and _pending_present(kind, data):
        for f in fields:
            data["previous_" + f] = data[f]
            data[f] = data.pop("pending_" + f)
        meta.update(rotation_phase="promoted", promoted_at=now())
        phase = "promoted"
        store.write(path, data, meta)
        result.update(changed=True, state="rotation_promoted")
    elif phase == "promoted" and (params["registration_updated"] or _all_registrations_current(kind, data, meta)):
        for f in fields:
            data.pop("previous_" + f, None)
        meta.update(rotation_phase="none", rotated_at=now())
        meta.pop("rotation_started_at", None)
        phase = "none"
        store.write(path, data, meta)
        result.update(changed=True, state="rotation_completed")
    elif params.get("metadata") and not result["changed"] and meta != stored_meta:
        store.update_metadata(path, meta)
        result["changed"] = True
    result.setdefault("state", "current")
    result["phase"] = phase
    result["manual_steps"].extend(rotation_steps(kind, phase, meta, ref, data))
    result["metadata"] = meta
    result["fields"] = sorted(k for k in data if data.get(k))
    result["age_days"] = None if age is None else round(age, 2)
    result["fingerprint"] = current_fingerprint(kind, data)
    return result


def _all_registrations_current(kind, data, meta):
    """Every vendor registration recorded for this credential has the promoted credential."""
    fp = current_fingerprint(kind, data)
    vendors = [k for k in meta if k.startswith("registration_")
               and not k.endswith(("_fingerprint", "_at", "_id", "_error"))]
    return bool(vendors) and all(meta[k] in ("confirmed", "registered") and meta.get(k + "_fingerprint") == fp
                                 for k in vendors)


def _pending_present(kind, data):
    return all(data.get("pending_" + f) for f in FIELDS[kind])


def rotation_steps(kind, phase, meta, ref, data):
    who = _who(meta)
    if phase == "pending" and kind == "autotask":
        return [step("Autotask", "Rotate the secret of %s (step 1 of 2)" % who, UI_AT_USER % who,
                     values={"secret": ref + "#pending_secret"}, instructions=[
                         "In %s, reset the secret and paste the value stored at %s#pending_secret." % (UI_AT_USER % who, ref),
                         "Save. The next run verifies the new secret (by logging in where Autotask allows it, "
                         "otherwise after you confirm with rotation_verified=true) and promotes it.",
                         "Until then the store keeps the current secret, so nothing is lost if this run stops."],
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


def registration(params, store, vendor_client=None):
    """Registration of the stored credential with one vendor tool: manual hand-off or the http driver."""
    path, kind, vendor = params["path"], params["kind"], params["vendor"]
    data, meta = store.read(path)
    ref = store.ref(path)
    key = "registration_%s" % vendor
    result = {"changed": False, "vendor": vendor, "path": ref, "manual_steps": []}
    if not data or not all(data.get(f) for f in FIELDS[kind]):
        result.update(registration="waiting_for_credential")
        return result
    fp = current_fingerprint(kind, data)
    state = meta.get(key, "pending")
    if meta.get(key + "_fingerprint") != fp and state in ("registered", "confirmed"):
        state = "pending"  # the credential changed since it was registered
    if params["driver"] == "manual":
        if state == "pending" and params["confirm"]:
            meta.update({key: "confirmed", key + "_fingerprint": fp, key + "_at": now()})
            store.update_metadata(path, meta)
            result.update(changed=True, registration="confirmed")
            return result
        if state == "pending":
            values = dict(params.get("values") or {}, secret_ref=ref, store_path=ref)
            lines = [render(line, values) for line in params.get("steps") or []]
            lines.append("Then confirm with confirm=true (or the role's registration_confirmed) so the next run records it.")
            result["manual_steps"].append(step(params.get("vendor_name") or vendor,
                                               "Register the credential with %s" % (params.get("vendor_name") or vendor),
                                               params.get("ui_path"), values=params.get("values"), instructions=lines,
                                               secret_refs={"credential": ref}))
            if meta.get(key) != "pending":
                meta[key] = "pending"
                store.update_metadata(path, meta)
        result["registration"] = state
        return result
    # http driver
    integration_id = meta.get(key + "_id")
    if state in ("registered",) and integration_id:
        result["registration"] = "registered"
        return result
    body = vendor_client.body(kind, data, params.get("values") or {})
    outcome = vendor_client.register(kind, integration_id, body, check_mode=store.check_mode)
    if outcome["ok"]:
        meta.update({key: "registered", key + "_fingerprint": fp, key + "_id": outcome.get("id") or integration_id or "",
                     key + "_at": now()})
        meta.pop(key + "_error", None)
        store.update_metadata(path, meta)
        result.update(changed=True, registration="registered", vendor_action=outcome["action"])
    else:
        meta.update({key: "failed", key + "_error": outcome["message"][:200]})
        store.update_metadata(path, meta)
        result.update(registration="failed", detail=outcome["message"])
    return result


def render(template, values):
    out = template
    for k, v in values.items():
        out = out.replace("{%s}" % k, "" if v is None else str(v))
    return out
