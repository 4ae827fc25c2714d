"""The ConnectWise PSA surface: ``/login/companyinfo/{company}`` and ``/{codebase}apis/3.0/...``."""
import base64
import binascii
import re
from urllib.parse import urlencode

from flask import request

from ..web import jresp, json_body, latency, note
from .conditions import ConditionError, compile_query
from .store import LEVEL_FIELDS, Company, now_iso

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MEMBER_REFS = {"securityRole": ("roles", "securityRole"), "defaultDepartment": ("departments", "department"),
               "defaultLocation": ("locations", "location"), "securityLocation": ("locations", "location"),
               "salesDefaultLocation": ("locations", "location"), "structureLevel": ("structure_levels", "structure"),
               "timeZone": ("time_zones", "timeZoneSetup"), "serviceDefaultBoard": ("boards", "board")}
API_MEMBER_FIELDS = ["id", "identifier", "name", "emailAddress", "inactiveFlag", "inactiveDate", "timeZone",
                     "securityRole", "structureLevel", "securityLocation", "defaultLocation", "defaultDepartment",
                     "salesDefaultLocation", "serviceDefaultBoard", "notes", "excludedServiceBoardIds",
                     "blockPriceFlag", "blockCostFlag", "_info"]
MEMBER_FIELDS = ["id", "identifier", "disableOnlineFlag", "licenseClass", "notes", "inactiveDate", "inactiveFlag",
                 "firstName", "lastName", "officeEmail", "defaultEmail", "securityRole", "structureLevel",
                 "securityLocation", "defaultLocation", "defaultDepartment", "timeZone", "_info"]
WRITABLE = {"identifier": str, "name": str, "emailAddress": str, "inactiveFlag": bool, "notes": str,
            "excludedServiceBoardIds": list, "blockPriceFlag": bool, "blockCostFlag": bool,
            "firstName": str, "lastName": str, **{k: dict for k in MEMBER_REFS}}
MAX_LENGTH = {"identifier": 15, "name": 30, "emailAddress": 250, "firstName": 30, "lastName": 30}
MEMBER_FUNCTION = ("System", "Member Maintenance")
ROLE_FUNCTION = ("System", "Security Roles")
TABLE_FUNCTION = ("System", "Table Setup")


VERSION = re.compile(r"^\d{4}\.\d{1,2}$")
VERSION_PARAM = re.compile(r";\s*version\s*=\s*([^;,\s]*)", re.I)


def version_key(version):
    year, _, release = version.partition(".")
    return int(year), int(release)


def supported(version, oldest, newest):
    """A YYYY.N version between the oldest the server still serves and its current one."""
    return bool(VERSION.match(version)) and version_key(oldest) <= version_key(version) <= version_key(newest)


class CWProblem(Exception):
    def __init__(self, status, code, message, errors=None, headers=None, body=None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}
        self.body = body if body is not None else {"code": code, "message": message, "errors": errors}


def invalid(resource, field, message, code="InvalidField"):
    return CWProblem(400, "InvalidObject", "%s object is invalid" % resource,
                     [{"code": code, "message": message, "resource": resource, "field": field}])


NOTE_FLAGS = ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag")


def describe_ref(value):
    if isinstance(value, dict):
        for key in ("name", "identifier", "id"):
            if value.get(key) is not None:
                return "%s %r" % (key, value[key])
    return repr(value)


def view(record, fields):
    return {k: record.get(k) for k in fields if k in record}


def apply_member_fields(company, record, values, resource):
    for key, value in values.items():
        if key not in WRITABLE:
            raise invalid(resource, key, "The field %s is not valid or is read-only." % key)
        if value is None:
            record[key] = None
            continue
        if not isinstance(value, WRITABLE[key]) or (WRITABLE[key] is int and isinstance(value, bool)):
            raise invalid(resource, key, "The field %s has an invalid type." % key)
        if key in MAX_LENGTH and len(value) > MAX_LENGTH[key]:
            raise invalid(resource, key, "%s exceeds the maximum length of %d." % (key, MAX_LENGTH[key]))
        if key in MEMBER_REFS:
            table, kind = MEMBER_REFS[key]
            try:
                value = company.ref(table, value, kind)
            except (LookupError, ValueError):
                raise invalid(resource, key, "The %s %s was not found." % (key, value))
        if key == "inactiveFlag":
            record["inactiveDate"] = now_iso() if value else None
        if key == "identifier" and value.lower() != record.get("identifier", "").lower():
            if company.member_by_identifier(value):
                raise invalid(resource, "identifier", "A member with the identifier %s already exists." % value,
                              "ObjectExists")
        record[key] = value


def create_member(company, body, api_member=True, seeding=False):
    resource = "apiMember" if api_member else "member"
    if not isinstance(body, dict):
        raise invalid(resource, "", "The request body must be a JSON object.")
    identifier = body.get("identifier")
    if not identifier or not isinstance(identifier, str):
        raise invalid(resource, "identifier", "identifier is required.", "MissingRequiredField")
    if company.member_by_identifier(identifier):
        raise invalid(resource, "identifier", "A member with the identifier %s already exists." % identifier,
                      "ObjectExists")
    with company.lock:
        member_id = body.get("id") if seeding and body.get("id") else company.new_id("member", 100)
        company.bump("member", member_id)
        record = {"id": member_id, "licenseClass": "A" if api_member else body.get("licenseClass", "F"),
                  "inactiveFlag": False, "inactiveDate": None, "excludedServiceBoardIds": [],
                  "blockPriceFlag": False, "blockCostFlag": False, "notes": "", "name": "", "emailAddress": "",
                  "disableOnlineFlag": api_member}
        values = {k: v for k, v in body.items() if k not in ("id", "_info", "licenseClass")}
        apply_member_fields(company, record, values, resource)
        if not record.get("firstName"):
            record["firstName"] = record.get("name") or identifier
        record.setdefault("lastName", "")
        record["officeEmail"] = record["defaultEmail"] = record.get("emailAddress")
        record["_info"] = {"lastUpdated": now_iso(), "updatedBy": "sandbox"}
        company.members[member_id] = record
        return record


def paginate(records, args):
    """page/pageSize (default 25, max 1000) or forward-only pageId; returns (rows, Link header)."""
    try:
        size = int(args.get("pageSize", 25))
        page = int(args.get("page", 1))
    except ValueError:
        raise CWProblem(400, "InvalidObject", "page and pageSize must be whole numbers")
    size = max(1, min(size, 1000))
    base = request.base_url
    params = {k: v for k, v in args.items() if k not in ("page", "pageId")}
    if request.headers.get("pagination-type", "").lower() == "forward-only":
        after = int(args.get("pageId", 0) or 0)
        rows = [r for r in records if r["id"] > after][:size]
        link = None
        if rows and len([r for r in records if r["id"] > after]) > size:
            link = '<%s?%s>; rel="next"' % (base, urlencode(dict(params, pageId=rows[-1]["id"])))
        return rows, link
    last = max(1, -(-len(records) // size))
    rows = records[(page - 1) * size: page * size]
    links = []

    def url(n):
        return "<%s?%s>" % (base, urlencode(dict(params, page=n)))
    if page > 1:
        links += ['%s; rel="first"' % url(1), '%s; rel="prev"' % url(page - 1)]
    if page < last:
        links += ['%s; rel="next"' % url(page + 1), '%s; rel="last"' % url(last)]
    return rows, ", ".join(links) or None


class ConnectWiseAPI:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def setting(self, key):
        return self.sandbox.settings.get("connectwise", key)

    def company_info(self, company):
        note(surface="connectwise")
        latency(self.sandbox)
        c = self.sandbox.company(company)
        if c is None:
            return jresp(None)
        note(company=c.id)
        return jresp({"CompanyName": c.name, "Codebase": c.codebase, "VersionCode": c.version.rsplit(".", 1)[0],
                      "VersionNumber": c.version, "CompanyID": c.id,
                      "IsCloud": ("True" if c.is_cloud else "False") if self.setting("is_cloud_as_string") else c.is_cloud,
                      "SiteUrl": "%s.myconnectwise.net" % c.site if c.is_cloud else request.host})

    def requested_version(self):
        """The version the Accept header selects: ``application/vnd.connectwise.com+json; version=YYYY.N`` as
        the first media type (covenanttechnologysolutions/connectwise-rest PR #19); none: the current one."""
        first = request.headers.get("Accept", "").split(",")[0]
        match = VERSION_PARAM.search(first) if "vnd.connectwise.com" in first.lower() else None
        if match is None:
            return self.setting("api_version"), True
        version = match.group(1).strip()
        return version, bool(VERSION.match(version))

    def check_version(self):
        """An unsupported or malformed version is refused like the real server (connectwise-rest issue #35):
        a version it cannot read is reported as '0.0'."""
        version, readable = self.requested_version()
        if not readable:
            version = "0.0"
        if not readable or not supported(version, self.setting("oldest_api_version"), self.setting("api_version")):
            raise CWProblem(400, "ConnectWiseApi", "The HTTP resource that matches the request URI '%s' does not "
                                                   "support the API version '%s'." % (
                request.host_url.rstrip("/") + request.environ.get("psa.path", request.path), version))

    def respond(self, body, status=200, headers=None):
        version, readable = self.requested_version()
        if not readable or not supported(version, self.setting("oldest_api_version"), self.setting("api_version")):
            version = self.setting("api_version")
        headers = dict(headers or {}, **{"api-current-version": self.setting("api_version")})
        return jresp(body, status, headers, mimetype="application/vnd.connectwise.com+json; version=%s" % version)

    def authenticate(self, codebase):
        auth = request.headers.get("Authorization", "")
        unauthenticated = CWProblem(401, "ConnectWiseApi", "UserNotAuthenticated")
        if not auth.lower().startswith("basic "):
            raise unauthenticated
        try:
            user, _, private = base64.b64decode(auth[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthenticated
        company_id, _, public = user.partition("+")
        company = self.sandbox.company(company_id)
        note(who="%s+%s" % (company_id, public), company=company_id)
        if company is None:
            raise unauthenticated
        if company.codebase.rstrip("/").lower() != codebase.lower():
            raise CWProblem(404, "NotFound", "The codebase %s/ is not this company's (%s)." % (codebase, company.codebase))
        if self.setting("require_client_id") and not request.headers.get("clientId"):
            raise CWProblem(401, "Unauthorized", "clientId header is required: register an integration at "
                                                 "developer.connectwise.com to get one.")
        key = company.keys.get(public)
        if key is None or key["privateKey"] != private:
            raise unauthenticated
        if key["expiration"] and key["expiration"] < now_iso():
            raise unauthenticated
        member = company.members.get(key["memberId"])
        if member is None or member.get("inactiveFlag"):
            raise unauthenticated
        note(member=member["identifier"])
        retry = self.sandbox.cw_rate.hit(company.id, self.setting("per_minute_limit"))
        if retry:
            raise CWProblem(429, None, None, headers={"Retry-After": str(retry)},
                            body={"error": "ConnectWiseAPI",
                                  "message": "Too many requests. Please try again in %d seconds." % retry})
        return company, member

    def require(self, company, member, function, level):
        if not company.allowed(member, function[0], function[1], level):
            verb = level.replace("Level", "")
            raise CWProblem(403, "Forbidden", "Your security role does not allow %s on %s > %s." % (
                verb, function[0], function[1]))

    def dispatch(self, codebase, rest):
        note(surface="connectwise")
        segs = [s for s in rest.split("/") if s]
        try:
            self.check_version()
            company, member = self.authenticate(codebase)
            key = ("connectwise", company.id, member["identifier"], "/".join(segs[:2]))
            self.sandbox.counters.enter(key, 0)
            try:
                latency(self.sandbox)
                return self.route(company, member, segs)
            finally:
                self.sandbox.counters.leave(key)
        except CWProblem as p:
            return self.respond(p.body, p.status, p.headers)
        except ConditionError as exc:
            # The real text of a malformed-conditions 400 is not published: the ErrorResponseMessage envelope.
            return self.respond({"code": "InvalidObject", "message": "conditions: %s" % exc, "errors": None}, 400)

    def not_found(self):
        return CWProblem(404, "NotFound", "The requested resource %s was not found." % request.path)

    def not_allowed(self):
        return CWProblem(405, "MethodNotAllowed", "The method %s is not supported on %s." % (request.method, request.path))

    def body(self):
        try:
            return json_body()
        except ValueError as exc:
            raise CWProblem(400, "InvalidObject", str(exc))

    def listing(self, records):
        args = request.args
        records = sorted(records, key=lambda r: r["id"])
        records = self.matching(records)
        if args.get("orderBy"):
            field, _, direction = args["orderBy"].partition(" ")
            records = sorted(records, key=lambda r: (r.get(field) is None, str(r.get(field)).lower()),
                             reverse=direction.strip().lower() == "desc")
        rows, link = paginate(records, args)
        if args.get("fields"):
            wanted = [f.strip() for f in args["fields"].split(",") if f.strip()]
            rows = [project(r, wanted) for r in rows]
        return self.respond(rows, headers={"Link": link} if link else None)

    def count(self, records):
        return self.respond({"count": len(self.matching(records))})

    @staticmethod
    def matching(records):
        """The records meeting the conditions, childConditions and customFieldConditions parameters."""
        args = request.args
        pred = compile_query(args.get("conditions"), args.get("childConditions"), args.get("customFieldConditions"))
        return [r for r in records if pred(r)]

    def route(self, company, member, segs):
        method = request.method
        if segs[:2] == ["service", "tickets"]:
            return self.tickets(company, member, segs[2:])
        if segs[:2] == ["service", "boards"]:
            return self.boards(company, member, segs[2:])
        if segs[:1] != ["system"] or len(segs) < 2:
            raise self.not_found()
        area, rest = segs[1], segs[2:]
        if area == "info" and not rest:
            if method != "GET":
                raise self.not_allowed()
            return self.respond({"version": company.version, "isCloud": company.is_cloud,
                                 "serverTimeZone": "Eastern Standard Time", "licenseBits": [],
                                 "cloudRegion": company.site.upper(), "maxWorkFlowRecordsAllowed": 10000})
        if area in ("members", "apimembers"):
            return self.members(company, member, area == "apimembers", rest)
        if area == "securityroles":
            return self.roles(company, member, rest)
        if area == "mysecurity":
            return self.my_security(company, member, rest)
        if area in ("departments", "locations") and not rest:
            if method != "GET":
                raise self.not_allowed()
            self.require(company, member, TABLE_FUNCTION, "inquireLevel")
            return self.listing([dict(v) for v in getattr(company, area).values()])
        raise self.not_found()

    # -- members ------------------------------------------------------------------------------
    def members(self, company, caller, api_only, rest):
        method = request.method
        fields = API_MEMBER_FIELDS if api_only else MEMBER_FIELDS
        resource = "apiMember" if api_only else "member"

        def pool():
            with company.lock:
                return [view(m, fields) for m in company.members.values()
                        if not api_only or m.get("licenseClass") == "A"]
        if not rest:
            if method == "GET":
                self.require(company, caller, MEMBER_FUNCTION, "inquireLevel")
                return self.listing(pool())
            if method == "POST":
                self.require(company, caller, MEMBER_FUNCTION, "addLevel")
                record = create_member(company, self.body(), api_member=api_only)
                return self.respond(view(record, fields), 201)
            raise self.not_allowed()
        if rest == ["count"]:
            self.require(company, caller, MEMBER_FUNCTION, "inquireLevel")
            return self.count(pool())
        target = None
        if rest[0].isdigit():
            target = company.members.get(int(rest[0]))
        elif not api_only:
            target = company.member_by_identifier(rest[0])
        if target is None or (api_only and target.get("licenseClass") != "A"):
            raise self.not_found()
        if len(rest) == 2 and rest[1] == "tokens" and not api_only:
            if method != "POST":
                raise self.not_allowed()
            self.require(company, caller, MEMBER_FUNCTION, "editLevel")
            public, private, expiration = company.add_key(target["id"], "impersonation token", kind="token", ttl_hours=4)
            return self.respond({"publicKey": public, "privateKey": private, "expiration": expiration})
        if len(rest) != 1:
            raise self.not_found()
        if method == "GET":
            self.require(company, caller, MEMBER_FUNCTION, "inquireLevel")
            return self.respond(view(target, fields))
        if method in ("PATCH", "PUT"):
            self.require(company, caller, MEMBER_FUNCTION, "editLevel")
            body = self.body()
            with company.lock:
                updated = dict(target)
                if method == "PATCH":
                    if not isinstance(body, list):
                        raise invalid(resource, "", "A PATCH body is a JSON array of {op, path, value}.")
                    for op in body:
                        self.patch_one(company, updated, op, resource)
                else:
                    if not isinstance(body, dict) or not body.get("name") and api_only:
                        raise invalid(resource, "name", "name is required on updates.", "MissingRequiredField")
                    values = {k: v for k, v in body.items() if k in WRITABLE}
                    for k in WRITABLE:
                        if k not in values and k not in ("identifier",):
                            updated[k] = None
                    apply_member_fields(company, updated, values, resource)
                updated["_info"] = {"lastUpdated": now_iso(), "updatedBy": caller["identifier"]}
                company.members[target["id"]] = updated
            return self.respond(view(updated, fields))
        raise self.not_allowed()

    def patch_one(self, company, record, op, resource):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove") or not op.get("path"):
            raise invalid(resource, "", "Each operation needs op (add|replace|remove), path and value.")
        path = op["path"].lstrip("/")
        field, _, sub = path.partition("/")
        value = None if op["op"] == "remove" else op.get("value")
        if sub and field in MEMBER_REFS:
            value = {sub: value}
        elif sub:
            raise invalid(resource, path, "The path %s is not valid." % path)
        apply_member_fields(company, record, {field: value}, resource)

    # -- service boards and their statuses (read-only: the hand-off resolves names to ids) ---------
    def boards(self, company, caller, rest):
        """GET service/boards and service/boards/{id}/statuses, as ServiceBoard / BoardStatus records."""
        if request.method != "GET":
            raise self.not_allowed()
        self.require(company, caller, TABLE_FUNCTION, "inquireLevel")
        if not rest:
            return self.listing([{"id": b["id"], "name": b["name"], "inactiveFlag": bool(b.get("inactiveFlag")),
                                  "location": {"id": 2}, "department": {"id": 10}}
                                 for b in company.boards.values()])
        if len(rest) == 2 and rest[0].isdigit() and rest[1] == "statuses":
            board = company.boards.get(int(rest[0]))
            if board is None:
                raise self.not_found()
            return self.listing([{"id": s["id"], "name": s["name"], "board": {"id": board["id"], "name": board["name"]},
                                  "sortOrder": n, "closedStatus": s["closedStatus"], "defaultFlag": n == 0,
                                  "inactive": False}
                                 for n, s in enumerate(company.board_statuses(board))])
        raise self.not_found()

    # -- service tickets (enough for the hand-off) ------------------------------------------------
    @staticmethod
    def board_status(company, board, value):
        """The status of ``board`` a reference names (first status when None), else 400 naming what exists."""
        statuses = company.board_statuses(board)
        if not value:
            return statuses[0]
        found = Company._find(statuses, value, ("name",)) if isinstance(value, dict) else None
        if found is None:
            raise invalid("ticket", "status", "The status %s is not a status of the board %s. Statuses: %s." % (
                describe_ref(value), board["name"], ", ".join(s["name"] for s in statuses)))
        return found

    def tickets(self, company, caller, rest):
        method = request.method
        function = ("Service Desk", "Service Tickets")
        if not rest:
            if method == "GET":
                self.require(company, caller, function, "inquireLevel")
                return self.listing([dict(t) for t in company.tickets.values()])
            if method != "POST":
                raise self.not_allowed()
            self.require(company, caller, function, "addLevel")
            body = self.body()
            if not isinstance(body, dict) or not body.get("summary"):
                raise invalid("ticket", "summary", "summary is required.", "MissingRequiredField")
            if len(body["summary"]) > 100:
                raise invalid("ticket", "summary", "summary exceeds the maximum length of 100.")
            if not (body.get("company") or {}).get("id") and not (body.get("company") or {}).get("identifier"):
                raise invalid("ticket", "company", "company is required.", "MissingRequiredField")
            with company.lock:
                client = company.find_client_company(body["company"])
                if client is None:
                    raise invalid("ticket", "company", "The company %s was not found. Companies: %s." % (
                        describe_ref(body["company"]), ", ".join(sorted(c["identifier"] for c in
                                                                       company.client_companies.values()))))
                board = company.find_board(body["board"]) if body.get("board") else \
                    company.boards[min(company.boards)]
                if board is None:
                    raise invalid("ticket", "board", "The board %s was not found. Boards: %s." % (
                        describe_ref(body["board"]), ", ".join(sorted(b["name"] for b in company.boards.values()))))
                status = self.board_status(company, board, body.get("status"))
                tid = company.new_id("ticket", 5000)
                ticket = {"id": tid, "summary": body["summary"], "initialDescription": body.get("initialDescription", ""),
                          "externalXRef": body.get("externalXRef"),
                          "company": {"id": client["id"], "identifier": client["identifier"], "name": client["name"]},
                          "board": {"id": board["id"], "name": board["name"]},
                          "status": {"id": status["id"], "name": status["name"]},
                          "closedFlag": status["closedStatus"], "_info": {"dateEntered": now_iso()}}
                company.tickets[tid] = ticket
                company.ticket_notes[tid] = []
            return self.respond(dict(ticket), 201)
        if not rest[0].isdigit() or int(rest[0]) not in company.tickets:
            raise self.not_found()
        ticket = company.tickets[int(rest[0])]
        if rest[1:] == ["notes"]:
            if method == "GET":
                return self.listing([dict(n) for n in company.ticket_notes[ticket["id"]]])
            if method != "POST":
                raise self.not_allowed()
            self.require(company, caller, function, "editLevel")
            body = self.body()
            if not isinstance(body, dict):
                raise invalid("serviceNote", "", "A note is a JSON object.")
            if not any(body.get(flag) is True for flag in NOTE_FLAGS):
                # Real ConnectWise (issue 14): a note must say where it is displayed.
                raise invalid("serviceNote", "detailDescriptionFlag",
                              "Please choose where to display the notes in order to save this record.",
                              "InvalidObject")
            note_id = company.new_id("note", 1)
            record = {"id": note_id, "ticketId": ticket["id"], "text": body.get("text", "")}
            record.update({flag: body.get(flag) is True for flag in NOTE_FLAGS})
            company.ticket_notes[ticket["id"]].append(record)
            return self.respond(dict(record), 201)
        if len(rest) != 1:
            raise self.not_found()
        if method == "GET":
            return self.respond(dict(ticket))
        if method == "PATCH":
            self.require(company, caller, function, "editLevel")
            ops = self.body() or []
            with company.lock:
                updated = dict(ticket)
                for op in ops:
                    path = str(op.get("path") or "").lstrip("/")
                    if path in ("status", "status/name", "status/id"):
                        value = op.get("value")
                        if path != "status":
                            value = {path.split("/")[1]: value}
                        board = company.boards.get(ticket["board"]["id"]) or {"id": 0, "name": ""}
                        status = self.board_status(company, board, value)
                        updated["status"] = {"id": status["id"], "name": status["name"]}
                        updated["closedFlag"] = status["closedStatus"]
                    elif path == "summary":
                        updated["summary"] = op.get("value")
                    else:
                        raise invalid("ticket", op.get("path"), "The path %s is not valid." % op.get("path"))
                ticket.update(updated)
            return self.respond(dict(ticket))
        raise self.not_allowed()

    # -- security roles ------------------------------------------------------------------------
    def roles(self, company, caller, rest):
        method = request.method
        if not rest:
            if method == "GET":
                self.require(company, caller, ROLE_FUNCTION, "inquireLevel")
                return self.listing([dict(r) for r in company.roles.values()])
            if method == "POST":
                self.require(company, caller, ROLE_FUNCTION, "addLevel")
                body = self.body()
                name = body.get("name") if isinstance(body, dict) else None
                if not name or not isinstance(name, str):
                    raise invalid("securityRole", "name", "name is required.", "MissingRequiredField")
                if len(name) > 30:
                    raise invalid("securityRole", "name", "name exceeds the maximum length of 30.")
                if any(r["name"].lower() == name.lower() for r in company.roles.values()):
                    raise invalid("securityRole", "name", "A security role named %s already exists." % name, "ObjectExists")
                role = company.add_role(name, role_type=body.get("roleType") or "")
                return self.respond(dict(role), 201)
            raise self.not_allowed()
        if rest == ["count"]:
            self.require(company, caller, ROLE_FUNCTION, "inquireLevel")
            return self.count([dict(r) for r in company.roles.values()])
        if not rest[0].isdigit() or int(rest[0]) not in company.roles:
            raise self.not_found()
        role_id = int(rest[0])
        if len(rest) == 1:
            if method == "GET":
                self.require(company, caller, ROLE_FUNCTION, "inquireLevel")
                return self.respond(dict(company.roles[role_id]))
            if method == "DELETE":
                self.require(company, caller, ROLE_FUNCTION, "deleteLevel")
                if any((m.get("securityRole") or {}).get("id") == role_id for m in company.members.values()):
                    raise CWProblem(409, "Conflict", "The security role is in use by members.")
                with company.lock:
                    company.roles.pop(role_id)
                    company.role_settings.pop(role_id)
                return self.respond(None, 204)
            raise self.not_allowed()
        if rest[1] != "settings":
            raise self.not_found()
        if method != "GET":
            raise self.not_allowed()
        self.require(company, caller, ROLE_FUNCTION, "inquireLevel")
        settings = company.settings_records(role_id)
        if len(rest) == 2:
            return self.listing(settings)
        if rest[2:] == ["count"]:
            return self.count(settings)
        match = [s for s in settings if rest[2].isdigit() and s["id"] == int(rest[2])]
        if not match or len(rest) > 3:
            raise self.not_found()
        return self.respond(match[0])

    def my_security(self, company, caller, rest):
        if request.method != "GET":
            raise self.not_allowed()
        role_id = (caller.get("securityRole") or {}).get("id")
        if role_id not in company.role_settings:
            return self.respond([])
        if rest == ["customizeitems"]:
            items = []
            for (module, function), levels in company.role_settings[role_id].items():
                for n, item in enumerate(levels["customItems"], 1):
                    items.append({"id": len(items) + 1, "customizeIdentifier": "SystemTableSetup",
                                  "itemIdentifier": item})
            return self.listing(items)
        if rest:
            raise self.not_found()
        ref = {"id": caller["id"], "identifier": caller["identifier"], "name": caller.get("name") or caller["identifier"]}
        records = [dict(s, member=ref) for s in company.settings_records(role_id)]
        return self.listing(records)


def project(record, wanted):
    out = {}
    for path in wanted:
        head, _, tail = path.partition("/")
        if head not in record:
            continue
        if tail and isinstance(record[head], dict):
            out.setdefault(head, {})[tail] = record[head].get(tail)
        else:
            out[head] = record[head]
    return out


def register(app, sandbox):
    api = ConnectWiseAPI(sandbox)
    app.add_url_rule("/login/companyinfo/<company>", "cw_companyinfo", api.company_info)
    app.add_url_rule("/<codebase>/apis/3.0/<path:rest>", "cw_api", api.dispatch, methods=ALL_METHODS)
    return api


__all__ = ["register", "create_member", "LEVEL_FIELDS"]
