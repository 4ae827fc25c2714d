"""``/_sandbox/``: the test and admin surface, separate from the vendor APIs.

Request log, counters, reset, seeding, settings and faults, and the steps that only the vendors' web
UIs can do (create an Autotask API user, set its security level and tracking identifier, reset a
secret, unlock; create a ConnectWise API key pair, set a security role's permission levels).
"""
import yaml
from flask import request

from .autotask import ui as at_ui
from .connectwise.store import TABLE_SETUP_ITEMS
from .state import SeedError
from .web import jresp


def _body():
    data = request.get_data(as_text=True)
    if not data:
        return {}
    try:
        return yaml.safe_load(data)  # JSON is YAML
    except yaml.YAMLError as exc:
        raise ValueError("body is neither JSON nor YAML: %s" % exc)


def register(app, sandbox):
    def fail(status, message, field=None):
        return jresp({"error": message, "field": field}, status)

    def database(name):
        db = sandbox.database(name)
        if db is None:
            raise LookupError("no Autotask database named %s" % name)
        return db

    def company(name):
        c = sandbox.company(name)
        if c is None:
            raise LookupError("no ConnectWise company named %s" % name)
        return c

    @app.errorhandler(LookupError)
    def _lookup(exc):
        return fail(404, str(exc).strip("'\""))

    @app.errorhandler(at_ui.UIError)
    def _ui(exc):
        return fail(422, str(exc), exc.field)

    @app.errorhandler(ValueError)
    def _value(exc):
        return fail(400, str(exc))

    @app.get("/_sandbox/health")
    def health():
        return jresp({"status": "ok", "autotask": sorted(sandbox.databases), "connectwise": sorted(sandbox.companies)})

    @app.get("/_sandbox/requests")
    def requests_log():
        since = int(request.args.get("since", 0))
        return jresp({"last": sandbox.log.last_seq(), "requests": sandbox.log.entries(since)})

    @app.delete("/_sandbox/requests")
    def clear_requests():
        sandbox.log.clear()
        sandbox.counters.clear()
        return jresp({"cleared": True})

    @app.get("/_sandbox/counters")
    def counters():
        return jresp({"concurrency": sandbox.counters.snapshot(),
                      "autotask": {db.name: {"requestsThisHour": db.requests_this_hour(), "zone": db.zone}
                                   for db in sandbox.databases.values()}})

    @app.post("/_sandbox/reset")
    def reset():
        sandbox.reset()
        return jresp({"reset": True})

    @app.post("/_sandbox/seed")
    def seed():
        data = _body()
        if not isinstance(data, dict):
            raise ValueError("a seed is a mapping with autotask: and/or connectwise:")
        try:
            sandbox.load(data, merge=request.args.get("merge") in ("1", "true"))
        except (SeedError, KeyError) as exc:
            raise ValueError("seed: %s" % exc)
        return jresp({"autotask": sorted(sandbox.databases), "connectwise": sorted(sandbox.companies)})

    @app.get("/_sandbox/settings")
    def get_settings():
        return jresp(sandbox.settings.as_dict())

    @app.route("/_sandbox/settings", methods=["PATCH", "PUT"])
    def set_settings():
        data = _body()
        if not isinstance(data, dict):
            raise ValueError("settings: send a mapping such as {faults: {latency_ms: 50}}")
        sandbox.settings.update(data)
        return jresp(sandbox.settings.as_dict())

    # -- Autotask UI ----------------------------------------------------------------------------
    @app.get("/_sandbox/autotask/<name>")
    def at_overview(name):
        db = database(name)
        users = []
        for rec in db.snapshot("resources"):
            cred = db.credentials.get(rec["id"])
            level = db.security_levels.get(rec["userType"])
            users.append({"id": rec["id"], "userName": rec["userName"], "isActive": rec["isActive"],
                          "licenseType": rec["licenseType"], "securityLevel": level.name if level else None,
                          "firstName": rec["firstName"], "lastName": rec["lastName"], "email": rec["email"],
                          "apiUser": db.is_api_user(rec), "credential": cred.public() if cred else None,
                          **db.extra.get(rec["id"], {})})
        return jresp({"name": db.name, "zone": db.zone, "ci": db.ci, "domain": db.domain, "resources": users,
                      "securityLevels": [lvl.to_dict() for lvl in db.security_levels.values()],
                      "vendors": sorted(sandbox.vendors)})

    @app.post("/_sandbox/autotask/<name>/api-users")
    def at_new_api_user(name):
        db = database(name)
        form = _body() or {}
        generated = not form.get("secret")
        resource, secret, tracking = at_ui.create_api_user(sandbox, db, form)
        out = {"id": resource["id"], "userName": resource["userName"]}
        if generated:
            out["secret"] = secret   # the UI shows a generated secret once
        if tracking:
            out["trackingIdentifier"] = tracking
        return jresp(out, 201)

    @app.patch("/_sandbox/autotask/<name>/resources/<int:rid>")
    def at_edit(name, rid):
        db = database(name)
        rec = at_ui.edit_api_user(sandbox, db, rid, _body() or {})
        out = {"id": rid, "userName": rec["userName"]}
        cred = db.credentials[rid]
        if cred.tracking_kind == "custom" and (_body() or {}).get("customIntegration"):
            out["trackingIdentifier"] = cred.tracking_code
        return jresp(out)

    @app.post("/_sandbox/autotask/<name>/resources/<int:rid>/reset-secret")
    def at_reset_secret(name, rid):
        form = _body() or {}
        secret = at_ui.reset_secret(database(name), rid, form.get("secret"))
        return jresp({"id": rid, **({} if form.get("secret") else {"secret": secret})})

    @app.post("/_sandbox/autotask/<name>/resources/<int:rid>/unlock")
    def at_unlock(name, rid):
        at_ui.unlock(database(name), rid)
        return jresp({"id": rid, "locked": False})

    # -- ConnectWise UI -------------------------------------------------------------------------
    @app.get("/_sandbox/connectwise/<name>")
    def cw_overview(name):
        c = company(name)
        keys = [{"publicKey": k, "member": c.members[v["memberId"]]["identifier"], "description": v["description"],
                 "kind": v["kind"], "expiration": v["expiration"]} for k, v in c.keys.items()]
        roles = [{"id": rid, "name": r["name"], "levels": [
            {"moduleName": m, "moduleFunctionName": f, **lv} for (m, f), lv in c.role_settings[rid].items()]}
            for rid, r in c.roles.items()]
        return jresp({"id": c.id, "codebase": c.codebase, "site": c.site, "members": list(c.members.values()),
                      "keys": keys, "securityRoles": roles, "tableSetupItems": TABLE_SETUP_ITEMS})

    @app.post("/_sandbox/connectwise/<name>/members/<identifier>/api-keys")
    def cw_new_key(name, identifier):
        c = company(name)
        member = c.member_by_identifier(identifier)
        if member is None:
            raise LookupError("no member %s in %s" % (identifier, c.id))
        form = _body() or {}
        public, private, _ = c.add_key(member["id"], form.get("description", ""),
                                       public=form.get("publicKey"), private=form.get("privateKey"))
        # System > Members > API Members > member > API Keys > + : the private key is shown once.
        return jresp({"publicKey": public, "privateKey": private, "description": form.get("description", "")}, 201)

    @app.delete("/_sandbox/connectwise/<name>/api-keys/<public>")
    def cw_delete_key(name, public):
        c = company(name)
        match = [k for k in c.keys if k.lower() == public.lower()]
        if not match:
            raise LookupError("no API key %s" % public)
        c.keys.pop(match[0])
        return jresp({"deleted": match[0]})

    @app.put("/_sandbox/connectwise/<name>/security-roles/<role>/settings")
    def cw_role_levels(name, role):
        c = company(name)
        match = [rid for rid, r in c.roles.items() if str(rid) == role or r["name"].lower() == role.lower()]
        if not match:
            raise LookupError("no security role %s in %s" % (role, c.id))
        levels = _body()
        if not isinstance(levels, list):
            raise ValueError("send a list of {moduleName, moduleFunctionName, addLevel, editLevel, deleteLevel, "
                             "inquireLevel, customItems}")
        try:
            c.set_levels(match[0], levels)
        except KeyError as exc:
            raise ValueError("unknown module function %s" % exc)
        return jresp({"id": match[0], "updated": len(levels)})
