"""The Autotask REST surface: zoneInformation, versioninformation and ``{zone}/ATServicesRest/V1.0/``."""
import datetime
import hashlib
import json
import re

from flask import request

from ..core import DEFAULT_SETTINGS
from ..web import empty, jresp, json_body, latency, note
from . import query as q
from .entities import (API_USER_LICENSE, CATEGORY_DUE_HOURS, CHILDREN, ENTITIES, PICKLIST_DEFAULTS,
                       RESOURCE_SWITCHABLE, STATIC_PICKLISTS, field_length)

# Per-database switch (docs/sandbox.md): Ticket fields a database's configuration makes required on create,
# {database name or "*": ["queueID", "billingCodeID"]}; off by default. Registered here so that it is settable
# at start (--ticket-required, --settings) and at run time (PATCH /_sandbox/settings).
DEFAULT_SETTINGS["autotask"].setdefault("ticket_required_fields", {})
TICKET_SWITCHABLE = ("queueID", "billingCodeID")

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ACTION_BY_METHOD = {"GET": "query", "POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}
ENTITY_BY_NAME = {e.name: e for e in ENTITIES.values()}
# webservicesN -> zone name (shared/notes/autotask-api.md 1.3)
ZONE_NAMES = {"webservices1": "Limited Release", "webservices2": "Pre-release", "webservices3": "America East",
              "webservices4": "UK", "webservices5": "America West", "webservices6": "Australia",
              "webservices12": "Spanish (Espanol)", "webservices14": "America East 2",
              "webservices15": "America West 2", "webservices16": "UK2", "webservices17": "Limited Release (UK)",
              "webservices18": "German (Deutsch)", "webservices19": "EU1 (English Europe and Asia)",
              "webservices22": "America East 3", "webservices24": "America West 3",
              "webservices25": "America West 4", "webservices26": "Australia 2", "webservices28": "UK3",
              "webservices29": "Australia/NZ"}


class Problem(Exception):
    """An answer other than success: (status, body)."""

    def __init__(self, status, message=None, body=None, headers=None):
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else ({"errors": [message]} if message else None)
        self.headers = headers or {}

    def response(self):
        if self.body is None:
            return empty(self.status, self.headers)
        return jresp(self.body, self.status, self.headers)


def method_not_allowed():
    return Problem(405, body={"Message": "The requested resource does not support http method '%s'." % request.method})


def web_url(zone):
    m = re.match(r"webservices(\d+)$", zone)
    return "%sww%s/" % (request.host_url, m.group(1) if m else "")


class Context:
    def __init__(self, db, resource, credential, level, zone):
        self.db, self.resource, self.credential, self.level, self.zone = db, resource, credential, level, zone
        self.base_url = "%s%s/ATServicesRest/" % (request.host_url, zone)

    @property
    def tracking_label(self):
        c = self.credential
        if c.tracking_kind == "vendor":
            return "vendor:" + c.vendor
        return "custom:" + hashlib.sha256(c.tracking_code.encode()).hexdigest()[:8]


class AutotaskAPI:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def setting(self, key):
        return self.sandbox.settings.get("autotask", key)

    # -- unauthenticated ------------------------------------------------------------------------
    def version_information(self, zone=None):
        note(surface="autotask")
        versions = ["V1.0", "V2.0"] if self.setting("advertise_v2") else ["V1.0"]
        return jresp({"apiVersions": versions})

    def zone_information(self, version, zone=None):
        note(surface="autotask")
        latency(self.sandbox)
        if version != "v1.0":
            return jresp({"Message": "No HTTP resource was found that matches the request URI."}, 404)
        user = request.args.get("user", "")
        db = self.sandbox.find_user(user) if user else None
        if db is None:
            return jresp({"errors": ["Zone information could not be determined"]}, 500)
        note(database=db.name, who=user)
        return jresp({"zoneName": ZONE_NAMES.get(db.zone, db.zone), "url": "%s%s/ATServicesRest/" % (request.host_url, db.zone),
                      "webUrl": web_url(db.zone), "ci": db.ci})

    # -- authentication -------------------------------------------------------------------------
    def auth_failure(self, reason, kind, zone):
        """401 with an empty body and a Basic challenge ([DOC] "Failed authentication ... 401"; a 2026 client
        report); with auth_failure "500-json", an unknown username or a wrong integration code is 500
        {"errors": [...]} instead (apigrate/autotask-restapi issue #19, 2023). The error texts are not published."""
        note(auth_failure=reason)
        if self.setting("auth_failure") == "500-json" and kind in ("username", "integration"):
            raise Problem(500, reason)
        raise Problem(401, headers={"WWW-Authenticate": 'Basic realm="%s.autotask.net"' % zone})

    def authenticate(self, zone):
        h = request.headers
        username, secret, code = h.get("UserName"), h.get("Secret"), h.get("ApiIntegrationCode")
        if not (username and secret and code):
            self.auth_failure("Missing authentication headers (UserName, Secret, ApiIntegrationCode).", "headers", zone)
        note(who=username)
        db = self.sandbox.find_user(username)
        if db is None:
            self.auth_failure("The user name is not valid.", "username", zone)
        note(database=db.name)
        if db.zone != zone:
            self.auth_failure("This database is not in zone %s." % zone, "zone", zone)
        resource = db.resource_by_username(username)
        credential = db.credentials.get(resource["id"])
        if credential is None or not db.is_api_user(resource):
            self.auth_failure("The resource is not an API user.", "username", zone)
        with db.lock:
            if credential.locked:
                self.auth_failure("The account is locked.", "locked", zone)
            if credential.secret != secret:
                credential.failed_logins += 1
                if credential.failed_logins >= self.setting("lockout_threshold"):
                    credential.locked = True
                self.auth_failure("The secret is not valid.", "secret", zone)
            credential.failed_logins = 0
        if not resource.get("isActive"):
            self.auth_failure("The resource is inactive.", "inactive", zone)
        if credential.tracking_code != code:
            self.auth_failure("IntegrationCode is invalid for this user.", "integration", zone)
        level = db.security_levels[resource["userType"]]
        if not level.web_services_login:
            self.auth_failure("The security level cannot log in to the Web Services API.", "permission", zone)
        ctx = Context(db, resource, credential, level, zone)
        note(integration=ctx.tracking_label)
        return ctx

    # -- dispatch -------------------------------------------------------------------------------
    def dispatch(self, zone, version, rest):
        note(surface="autotask")
        segs = [s for s in rest.split("/") if s]
        if version != "v1.0":
            if segs == ["zoneinformation"]:
                return self.zone_information(version, zone)
            return jresp({"Message": "No HTTP resource was found that matches the request URI."}, 404)
        if segs == ["zoneinformation"]:
            return self.zone_information(version, zone)
        try:
            ctx = self.authenticate(zone)
            count, retry_after = ctx.db.count_request(self.setting("hourly_limit"))
            if retry_after:
                raise Problem(429, "The request threshold of %d requests per 60 minutes has been exceeded for "
                                   "this database." % self.setting("hourly_limit"),
                              headers={"Retry-After": str(retry_after)})
            key = ("autotask", ctx.db.name, ctx.tracking_label, segs[0] if segs else "")
            limit = self.setting("thread_limit")
            if not self.sandbox.counters.enter(key, limit):
                message = ("Itgenatr005: the thread threshold of %d concurrent requests for this endpoint and API "
                           "tracking identifier has been exceeded. Retry later." % limit)
                if self.setting("thread_limit_response") == "500-no-retry-after":
                    raise Problem(500, message)
                raise Problem(429, message, headers={"Retry-After": "1"})
            try:
                latency(self.sandbox)
                return self.route(ctx, segs)
            finally:
                self.sandbox.counters.leave(key)
        except Problem as problem:
            return problem.response()
        except q.QueryError as exc:
            return jresp({"errors": [str(exc)]}, 500)

    def route(self, ctx, segs):
        method = request.method
        if segs == ["thresholdinformation"]:
            if method != "GET":
                raise method_not_allowed()
            return jresp({"externalRequestThreshold": self.setting("hourly_limit"), "requestThresholdTimeframe": 60,
                          "currentTimeframeRequestCount": ctx.db.requests_this_hour()})
        entity = ENTITIES.get(segs[0])
        if entity is None:
            raise Problem(404, body={"Message": "No HTTP resource was found that matches the request URI '%s'." % request.url})
        rest = segs[1:]
        if not rest:
            if entity.parent or method not in entity.root_verbs:
                raise method_not_allowed()
            return self.write(ctx, entity, method)
        if rest[0] == "query":
            if method not in ("GET", "POST") or len(rest) > 2 or (len(rest) == 2 and rest[1] not in ("count", "next")):
                raise method_not_allowed()
            return self.query(ctx, entity, rest[1] if len(rest) == 2 else None)
        if rest[0] == "entityinformation":
            if method != "GET" or len(rest) > 2:
                raise method_not_allowed()
            if len(rest) == 1:
                return self.entity_information(ctx, entity)
            if rest[1] == "fields":
                return self.fields(ctx, entity)
            if rest[1] == "userdefinedfields":
                return jresp({"fields": []})
            raise Problem(404, body={"Message": "No HTTP resource was found that matches the request URI."})
        if not rest[0].isdigit():
            raise Problem(404, body={"Message": "No HTTP resource was found that matches the request URI."})
        record_id = int(rest[0])
        if len(rest) == 1:
            if method == "GET":
                return self.get(ctx, entity, record_id)
            if method == "DELETE" and entity.can_delete:
                return self.delete(ctx, entity, record_id)
            raise method_not_allowed()
        child = CHILDREN.get((entity.path.lower(), rest[1]))
        if child is None:
            raise Problem(404, body={"Message": "No HTTP resource was found that matches the request URI."})
        return self.child(ctx, entity, record_id, child, rest[2:])

    # -- permissions ----------------------------------------------------------------------------
    def require(self, ctx, entity, action):
        path = (entity.parent or entity.path).lower()
        if ctx.level.access(path, action) == "None":
            raise Problem(self.setting("permission_denied_status"),
                          "The logged in Resource does not have the adequate permissions to %s the %s entity." % (
                              action, entity.name))

    # -- reads ----------------------------------------------------------------------------------
    def query(self, ctx, entity, tail):
        self.require(ctx, entity, "query")
        search = None
        if tail == "next" and request.method == "GET" and "search" not in request.args:
            raise method_not_allowed()  # a POST query's next page is POSTed again with the same body
        if request.method == "POST":
            try:
                body = json_body()
            except ValueError as exc:
                raise q.QueryError(str(exc))
        else:
            search = request.args.get("search")
            if search is None:
                raise q.QueryError("The search parameter is required.")
            try:
                body = json.loads(search)
            except ValueError:
                raise q.QueryError("The search parameter is not valid JSON.")
        if tail == "next":
            try:
                paging = json.loads(request.args.get("paging", ""))
            except ValueError:
                raise q.QueryError("The paging parameter is not valid JSON.")
        else:
            paging = None
        matched, max_records, include = q.run(entity, ctx.db.snapshot(entity.path.lower()), body,
                                              self.setting("strict_operators"))
        if tail == "count":
            return jresp({"queryCount": len(matched)})
        if paging and paging.get("pageSize"):
            max_records = int(paging["pageSize"])
        return jresp(q.page(entity, matched, max_records, include, ctx.base_url, paging, search))

    def get(self, ctx, entity, record_id):
        self.require(ctx, entity, "query")
        rec = ctx.db.get(entity.path.lower(), record_id)
        if rec is None and self.setting("not_found") == "404":
            raise Problem(404, "No matching records found.")
        return jresp({"item": rec})

    def entity_information(self, ctx, entity):
        path = (entity.parent or entity.path).lower()
        info = {"name": entity.name, "canCreate": entity.can_create, "canDelete": entity.can_delete,
                "canQuery": True, "canUpdate": entity.can_update,
                "userAccessForCreate": ctx.level.access(path, "create") if entity.can_create else "None",
                "userAccessForDelete": ctx.level.access(path, "delete") if entity.can_delete else "None",
                "userAccessForQuery": ctx.level.access(path, "query"),
                "userAccessForUpdate": ctx.level.access(path, "update") if entity.can_update else "None",
                "hasUserDefinedFields": False,
                "supportsWebhookCallouts": entity.path in ("Resources", "Companies", "Contacts", "Tickets")}
        return jresp({"info": info})

    def fields(self, ctx, entity):
        out = []
        path = entity.path.lower()
        read_only_fields = self.read_only(entity)
        for name, ftype in entity.fields.items():
            picklist = ctx.db.picklist(path, name) if name in entity.picklists else None
            read_only = name in read_only_fields
            out.append({
                "name": name, "dataType": ftype,
                "length": field_length(entity, name),
                "isRequired": name in entity.required or name in self.extra_required(ctx, entity),
                "isReadOnly": read_only,
                "isQueryable": name not in entity.not_queryable, "isReference": name in entity.references,
                "referenceEntityType": entity.references.get(name, ""), "isPickList": picklist is not None,
                "picklistValues": None if picklist is None else [
                    {"value": str(k), "label": v, "isDefaultValue": PICKLIST_DEFAULTS.get((path, name)) == k,
                     "sortOrder": n, "parentValue": "",
                     "isActive": True, "isSystem": True} for n, (k, v) in enumerate(sorted(picklist.items(), key=lambda kv: str(kv[0])))],
                "picklistParentValueField": "", "isSupportedWebhookField": False,
            })
        return jresp({"fields": out})

    # -- writes ---------------------------------------------------------------------------------
    def read_only(self, entity):
        """The entity's read-only fields, less the Resource fields this tenant's switch makes writable."""
        if entity.path != "Resources":
            return entity.read_only
        writable = set(self.setting("resource_writable_fields") or []) & set(RESOURCE_SWITCHABLE)
        return entity.read_only - writable

    def ticket_required(self, ctx):
        """The Ticket fields this database's switch makes required (queueID / billingCodeID)."""
        switch = self.sandbox.settings.section("autotask").get("ticket_required_fields") or {}
        if isinstance(switch, (list, tuple)):
            switch = {"*": switch}
        wanted = set(switch.get("*") or []) | set(switch.get(ctx.db.name.lower()) or switch.get(ctx.db.name) or [])
        return [f for f in TICKET_SWITCHABLE if f in wanted]

    def extra_required(self, ctx, entity):
        if entity.path != "Tickets":
            return ()
        return ["dueDateTime"] + self.ticket_required(ctx)

    def ticket_rules(self, ctx, changes, existing=None):
        """What the real API enforces on Tickets beyond isRequired (docs/sandbox.md, issue 14):
        dueDateTime on create unless the category supplies it, a resource only with its role, and the
        database's own required queue / billing code. Answered 500 {"errors": [...]} like every refusal."""
        merged = dict(existing or {}, **changes)
        if existing is None:
            if merged.get("dueDateTime") in (None, ""):
                hours = CATEGORY_DUE_HOURS.get(merged.get("ticketCategory"))
                if hours is None:
                    raise q.QueryError("dueDateTime is required.; on record number [0].")
                changes["dueDateTime"] = (datetime.datetime.now(datetime.timezone.utc)
                                          + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            for name in self.ticket_required(ctx):
                if merged.get(name) in (None, ""):
                    raise q.QueryError("%s is required.; on record number [0]." % name)
        pair = ("assignedResourceID", "assignedResourceRoleID")
        if (existing is None or any(k in changes for k in pair)) and \
                bool(merged.get(pair[0])) != bool(merged.get(pair[1])):
            raise q.QueryError("When assigning a Resource, you must assign both a assignedResourceID and "
                               "assignedResourceRoleID.")

    def role_department_rule(self, ctx, resource_id):
        """[DOC] "API-only resources ... cannot own or be associated with" entities and the New API User form has
        no role/department section: by default a RoleDepartments write under an API-only resource is refused
        (api_user_role_departments "refused"); the REST text is not published."""
        if self.setting("api_user_role_departments") == "allowed":
            return
        resource = ctx.db.get("resources", resource_id) or {}
        if resource.get("licenseType") == API_USER_LICENSE:
            raise q.QueryError("API-only resources cannot own or be associated with ResourceRoleDepartment "
                               "entities.")

    def validate(self, ctx, entity, body, existing=None, replace=False):
        if not isinstance(body, dict):
            raise q.QueryError("The request body must be a JSON object.")
        names = {n.lower(): n for n in entity.fields}
        read_only_fields = self.read_only(entity)
        changes = {}
        for key, value in body.items():
            canonical = names.get(key.lower())
            if canonical is None:
                if key.lower() == "userdefinedfields":
                    continue
                raise q.QueryError("Unable to find %s in the %s Entity." % (key, entity.name))
            if canonical == "id" or (entity.parent_field and canonical == entity.parent_field and existing is None):
                continue
            if canonical in read_only_fields:
                if (existing or {}).get(canonical) == value or (existing is None and value is None):
                    continue
                raise q.QueryError("The field %s of the %s Entity is read-only." % (canonical, entity.name))
            changes[canonical] = self.check_value(ctx, entity, canonical, value)
        if existing is None or replace:
            merged = dict(existing or {}, **changes)
            missing = sorted(f for f in entity.required if merged.get(f) in (None, "")
                             and f not in read_only_fields and f != entity.parent_field)
            if missing:
                raise q.QueryError("Required field(s) missing on the %s Entity: %s" % (entity.name, ", ".join(missing)))
        return changes

    def check_value(self, ctx, entity, name, value):
        if value is None:
            if name in entity.required:
                raise q.QueryError("The field %s of the %s Entity is required." % (name, entity.name))
            return None
        ftype = entity.fields[name]
        ok = {"string": isinstance(value, str), "datetime": isinstance(value, str),
              "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "long": isinstance(value, int) and not isinstance(value, bool),
              "double": isinstance(value, (int, float)) and not isinstance(value, bool)}[ftype]
        if not ok:
            raise q.QueryError("Value %r is not a valid %s for field %s of the %s Entity." % (value, ftype, name, entity.name))
        limit = field_length(entity, name)
        if ftype == "string" and len(value) > limit:
            raise q.QueryError("The value of %s exceeds %d characters." % (name, limit))
        if name in entity.picklists:
            picklist = ctx.db.picklist(entity.path.lower(), name) or {}
            if value not in picklist and str(value) not in {str(k) for k in picklist}:
                raise q.QueryError("Value %r does not exist in the picklist of field %s." % (value, name))
        ref = entity.references.get(name)
        if ref and ENTITY_BY_NAME[ref].path.lower() in ctx.db.records:
            if ctx.db.get(ENTITY_BY_NAME[ref].path.lower(), value) is None:
                raise q.QueryError("Value does not reference an existing entity for %s." % name)
        return value

    def write(self, ctx, entity, method, parent_id=None):
        self.require(ctx, entity, ACTION_BY_METHOD[method])
        try:
            body = json_body()
        except ValueError as exc:
            raise q.QueryError(str(exc))
        path = entity.path.lower()
        if entity.path == "ResourceRoleDepartments":
            self.role_department_rule(ctx, parent_id)
        if method == "POST":
            changes = self.validate(ctx, entity, body)
            if entity.path == "Tickets":
                self.ticket_rules(ctx, changes)
            if entity.parent:
                changes[entity.parent_field] = parent_id
            self.on_create(ctx, entity, changes)
            rec = ctx.db.insert(path, changes)
            return jresp({"itemId": rec["id"]})
        record_id = body.get("id") if isinstance(body, dict) else None
        if record_id is None:
            record_id = next((v for k, v in body.items() if k.lower() == "id"), None) if isinstance(body, dict) else None
        existing = ctx.db.get(path, record_id) if isinstance(record_id, int) else None
        if existing is None or (entity.parent and existing.get(entity.parent_field) != parent_id):
            raise q.QueryError("No matching records found. The logged in Resource may not have the required "
                               "permissions to update the data.")
        changes = self.validate(ctx, entity, body, existing, replace=(method == "PUT"))
        if entity.path == "Tickets":
            # a PUT replaces the record: the pair is checked on the new values alone
            self.ticket_rules(ctx, changes, existing if method == "PATCH" else {"id": existing["id"]})
        if method == "PUT":
            keep = {f: existing.get(f) for f in self.read_only(entity) | {entity.parent_field} if f}
            new = {f: None for f in entity.fields}
            new.update(keep)
            new.update(changes)
            changes = new
        self.on_update(ctx, entity, existing, changes)
        with ctx.db.lock:
            ctx.db.records[path][existing["id"]].update(changes)
        return jresp({"itemId": existing["id"]})

    def delete(self, ctx, entity, record_id):
        self.require(ctx, entity, "delete")
        with ctx.db.lock:
            if ctx.db.records[entity.path.lower()].pop(record_id, None) is None:
                raise q.QueryError("No message. No matching records found. The logged in Resource may not have "
                                   "the required permissions to delete the data.")
        return jresp({"itemId": record_id})

    def on_create(self, ctx, entity, changes):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if entity.path == "Tickets":
            changes["createDate"] = now
            changes["ticketNumber"] = "T%s.%04d" % (now[:10].replace("-", ""), len(ctx.db.records["tickets"]) + 1)
            if changes.get("status") == 5:
                changes["completedDate"] = now
        if entity.path == "Companies":
            changes["createDate"] = now

    def on_update(self, ctx, entity, existing, changes):
        if entity.path == "Tickets" and changes.get("status") == 5 and existing.get("status") != 5:
            changes["completedDate"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def child(self, ctx, parent, parent_id, child, rest):
        if ctx.db.get(parent.path.lower(), parent_id) is None:
            raise q.QueryError("No matching records found for parent %s %d." % (parent.name, parent_id))
        method = request.method
        if not rest:
            if method not in child.child_verbs:
                raise method_not_allowed()
            if method == "GET":
                self.require(ctx, child, "query")
                rows = [r for r in ctx.db.snapshot(child.path.lower()) if r.get(child.parent_field) == parent_id]
                return jresp({"items": rows, "pageDetails": {"count": len(rows), "requestCount": 500,
                                                             "prevPageUrl": None, "nextPageUrl": None}})
            return self.write(ctx, child, method, parent_id)
        if len(rest) == 1 and rest[0].isdigit() and method == "GET":
            self.require(ctx, child, "query")
            rec = ctx.db.get(child.path.lower(), int(rest[0]))
            if rec is not None and rec.get(child.parent_field) != parent_id:
                rec = None
            return jresp({"item": rec})
        raise method_not_allowed()


def register(app, sandbox):
    api = AutotaskAPI(sandbox)
    app.add_url_rule("/atservicesrest/versioninformation", "at_version", api.version_information)
    app.add_url_rule("/<zone>/atservicesrest/versioninformation", "at_version_zone", api.version_information)
    app.add_url_rule("/atservicesrest/<version>/zoneinformation", "at_zone", api.zone_information)
    app.add_url_rule("/<zone>/atservicesrest/<version>/<path:rest>", "at_api", api.dispatch, methods=ALL_METHODS)
    return api


__all__ = ["register", "STATIC_PICKLISTS"]
