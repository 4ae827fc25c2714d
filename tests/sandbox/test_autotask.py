"""Autotask behaviour with a real HTTP client against a running sandbox."""
import concurrent.futures
import json

import pytest

from .conftest import AT
from .seed import AT_ADMIN, AT_READER, AT_VENDOR_USER

ALL = [{"op": "gte", "field": "id", "value": 0}]


def test_zone_lookup_known_unknown_and_v2(sandbox, http):
    r = http.get(sandbox.url + "/atservicesrest/v1.0/zoneInformation", params={"user": AT_ADMIN["UserName"]})
    assert r.status_code == 200
    assert r.json() == {"zoneName": "America West", "url": sandbox.url + "/webservices5/ATServicesRest/",
                        "webUrl": sandbox.url + "/ww5/", "ci": 500001}
    # case-insensitive path, as the real IIS host; vendor-tied users are found too
    r = http.get(sandbox.url + "/ATServicesRest/V1.0/ZoneInformation", params={"user": AT_VENDOR_USER})
    assert r.json()["url"].endswith("/webservices5/ATServicesRest/")
    r = http.get(sandbox.url + "/atservicesrest/v1.0/zoneInformation", params={"user": "nobody@nowhere.example"})
    assert r.status_code == 500
    assert r.json() == {"errors": ["Zone information could not be determined"]}
    assert http.get(sandbox.url + "/atservicesrest/V2.0/zoneInformation",
                    params={"user": AT_ADMIN["UserName"]}).status_code == 404
    assert http.get(sandbox.url + "/atservicesrest/versioninformation").json() == {"apiVersions": ["V1.0"]}
    sandbox.sandbox.settings.update({"autotask": {"advertise_v2": True}})
    assert http.get(sandbox.url + "/atservicesrest/versioninformation").json() == {"apiVersions": ["V1.0", "V2.0"]}


def test_paging_past_500_with_post_next_page_urls(at):
    filters = [{"op": "beginsWith", "field": "companyName", "value": "Company"}]
    r = at.query("Companies", filters)
    seen, pages = [], 0
    while True:
        body = r.json()
        pages += 1
        seen += [i["id"] for i in body["items"]]
        assert body["pageDetails"]["count"] == len(body["items"]) <= 500
        nxt = body["pageDetails"]["nextPageUrl"]
        if not nxt:
            break
        assert nxt.startswith(at.base) and "/query/next?paging=" in nxt
        assert at("GET", nxt).status_code == 405, "a POST query's next page must be POSTed"
        r = at("POST", nxt, json={"filter": filters})
        assert r.status_code == 200
    assert pages == 3 and len(seen) == len(set(seen)) == 1203 and seen == sorted(seen)
    assert body["pageDetails"]["prevPageUrl"]
    prev = at("POST", body["pageDetails"]["prevPageUrl"], json={"filter": filters}).json()
    assert [i["id"] for i in prev["items"]] == seen[500:1000]


def test_paging_with_get_search_and_max_records(at):
    search = json.dumps({"filter": ALL, "maxRecords": 400, "includeFields": ["companyName"]})
    r = at("GET", "Companies/query", params={"search": search})
    body = r.json()
    assert len(body["items"]) == 400 and set(body["items"][0]) == {"id", "companyName"}
    r2 = at("GET", body["pageDetails"]["nextPageUrl"])
    assert r2.status_code == 200 and len(r2.json()["items"]) == 400
    assert r2.json()["items"][0]["id"] > body["items"][-1]["id"]
    for bad in (0, 501):
        r = at.query("Companies", ALL, maxRecords=bad)
        assert r.status_code == 500
        assert r.json() == {"errors": ["maxCountOfRecordsToReturn must be between 1 and 500"]}


def count(at, filters, entity="Companies"):
    r = at("POST", entity + "/query/count", json={"filter": filters})
    assert r.status_code == 200, r.text
    return r.json()["queryCount"]


@pytest.mark.parametrize("filters,expected", [
    ([{"op": "eq", "field": "companyName", "value": "company 0007"}], 1),          # case-insensitive
    ([{"op": "noteq", "field": "companyName", "value": "Company 0007"}], 1202),
    ([{"op": "gt", "field": "companyType", "value": 5}], sum(1 for n in range(1203) if 1 + n % 7 > 5)),
    ([{"op": "gte", "field": "companyType", "value": 5}], sum(1 for n in range(1203) if 1 + n % 7 >= 5)),
    ([{"op": "lt", "field": "companyType", "value": 2}], sum(1 for n in range(1203) if 1 + n % 7 < 2)),
    ([{"op": "lte", "field": "companyType", "value": 2}], sum(1 for n in range(1203) if 1 + n % 7 <= 2)),
    ([{"op": "beginsWith", "field": "companyName", "value": "Company 11"}], 100),
    ([{"op": "endsWith", "field": "companyName", "value": "99"}], 12),
    ([{"op": "contains", "field": "companyName", "value": "y 120"}], 3),
    ([{"op": "exist", "field": "city"}], 802),
    ([{"op": "notExist", "field": "city"}], 401),
    ([{"op": "in", "field": "companyType", "value": [1, 2]}], sum(1 for n in range(1203) if 1 + n % 7 in (1, 2))),
    ([{"op": "notIn", "field": "companyType", "value": [1, 2]}], sum(1 for n in range(1203) if 1 + n % 7 not in (1, 2))),
    ([{"op": "eq", "field": "isActive", "value": False}], 401),
    ([{"op": "or", "items": [{"op": "eq", "field": "companyName", "value": "Company 0001"},
                             {"op": "eq", "field": "companyName", "value": "Company 0002"}]}], 2),
    ([{"op": "and", "items": [{"op": "eq", "field": "city", "value": "Seattle"},
                              {"op": "eq", "field": "isActive", "value": False}]}], 401),
    ([{"op": "contains", "field": "companyName", "value": "Company"},
      {"op": "eq", "field": "city", "value": "Boston"}], 401),                      # top level is AND
])
def test_every_filter_operator(at, filters, expected):
    assert count(at, filters) == expected


def test_filter_mistakes(at, sandbox):
    r = at.query("Companies", [{"op": "eq", "field": "noSuchField", "value": 1}])
    assert r.status_code == 500 and r.json() == {"errors": ["Unable to find noSuchField in the Company Entity."]}
    r = at.query("Companies", [{"op": "eq", "field": "isActive", "value": "yes"}])
    assert r.status_code == 500 and "true or false" in r.json()["errors"][0]
    r = at.query("Companies", [])
    assert r.status_code == 500
    r = at.query("Resources", [{"op": "eq", "field": "defaultServiceDeskRoleID", "value": 1}])
    assert r.status_code == 500 and "cannot be queried" in r.json()["errors"][0]
    # an unknown operator is silently dropped by the real service (notes 2.2) ...
    assert count(at, [{"op": "ne", "field": "companyName", "value": "x"}]) == 1203
    # ... or refused, with the switch
    sandbox.sandbox.settings.update({"autotask": {"strict_operators": True}})
    assert at.query("Companies", [{"op": "ne", "field": "companyName", "value": "x"}]).status_code == 500


def test_api_users_are_license_type_7_with_a_security_level(at):
    r = at.query("Resources", [{"op": "eq", "field": "licenseType", "value": 7}])
    names = sorted(i["userName"] for i in r.json()["items"])
    assert names == ["admin01@alpha.example", "gone01@alpha.example", "reader01@alpha.example", AT_VENDOR_USER]
    fields = at("GET", "Resources/entityInformation/fields").json()["fields"]
    levels = {v["value"]: v["label"] for v in next(f for f in fields if f["name"] == "userType")["picklistValues"]}
    wise = next(i for i in r.json()["items"] if i["userName"] == AT_VENDOR_USER)
    assert levels[str(wise["userType"])] == "API User (system)"


def test_resources_patch_updates_writable_fields_and_refuses_read_only_ones(at):
    wise = at.query("Resources", [{"op": "eq", "field": "userName", "value": AT_VENDOR_USER}]).json()["items"][0]
    r = at("PATCH", "Resources", json={"id": wise["id"], "lastName": "Integration", "title": "Sync"})
    assert r.status_code == 200 and r.json() == {"itemId": wise["id"]}
    after = at("GET", "Resources/%d" % wise["id"]).json()["item"]
    assert after["lastName"] == "Integration" and after["title"] == "Sync" and after["firstName"] == "Wise-Sync"
    r = at("PATCH", "Resources", json={"id": wise["id"], "userType": wise["userType"] + 1})
    assert r.status_code == 500 and "read-only" in r.json()["errors"][0]
    r = at("PATCH", "Resources", json={"id": wise["id"], "isActive": False})
    assert r.status_code == 200
    assert at("GET", "Resources/%d" % wise["id"]).json()["item"]["isActive"] is False
    assert at("GET", "Resources/999999999").json() == {"item": None}


def test_role_department_associations_can_be_created_under_a_resource(at):
    # an employee (the API-only users' RoleDepartments are refused by default: test_resource_rules.py)
    admin = at.query("Resources", [{"op": "eq", "field": "userName", "value": "jdoe01@alpha.example"}]).json()["items"][0]
    roles = at.query("Roles", ALL).json()["items"]
    deps = at.query("Departments", ALL).json()["items"]
    path = "Resources/%d/RoleDepartments" % admin["id"]
    assert at("GET", path).json()["items"] == []
    r = at("POST", path, json={"roleID": roles[0]["id"], "departmentID": deps[0]["id"], "isActive": True,
                               "isDefault": True, "isDepartmentLead": False})
    assert r.status_code == 200, r.text
    items = at("GET", path).json()["items"]
    assert len(items) == 1 and items[0]["resourceID"] == admin["id"]
    r = at("POST", path, json={"roleID": 1, "departmentID": deps[0]["id"]})
    assert r.status_code == 500 and "does not reference an existing entity" in r.json()["errors"][0]


def test_permission_denial(sandbox, http, at):
    reader = AT(sandbox, http, AT_READER)
    assert reader.query("Resources", ALL).status_code == 200
    r = reader.query("Contracts", ALL)
    assert r.status_code == 403
    assert r.json() == {"errors": ["The logged in Resource does not have the adequate permissions to query the "
                                   "Contract entity."]}
    r = reader("PATCH", "Resources", json={"id": 1, "lastName": "x"})
    assert r.status_code == 403
    info = reader("GET", "Resources/entityInformation").json()["info"]
    assert info["userAccessForQuery"] == "All" and info["userAccessForUpdate"] == "None"
    assert info["canCreate"] is False and info["canUpdate"] is True
    sandbox.sandbox.settings.update({"autotask": {"permission_denied_status": 500}})
    assert reader.query("Contracts", ALL).status_code == 500


def test_authentication_failures_and_lockout_after_repeated_bad_secrets(sandbox, http, at):
    bad = AT(sandbox, http, dict(AT_ADMIN, Secret="wrong-secret-000"))
    for _ in range(4):
        r = bad("GET", "ThresholdInformation")
        assert r.status_code == 401 and r.content == b"" and "WWW-Authenticate" in r.headers
    assert at("GET", "ThresholdInformation").status_code == 200, "a success resets the failure count"
    for _ in range(5):
        assert bad("GET", "ThresholdInformation").status_code == 401
    assert at("GET", "ThresholdInformation").status_code == 401, "locked: even the right secret fails"
    state = http.get(sandbox.url + "/_sandbox/autotask/alpha").json()
    admin = next(u for u in state["resources"] if u["userName"] == AT_ADMIN["UserName"])
    assert admin["credential"]["locked"] is True
    assert "secret" not in json.dumps(state["resources"]).lower().replace("secretx", "")
    http.post(sandbox.url + "/_sandbox/autotask/alpha/resources/%d/unlock" % admin["id"])
    assert at("GET", "ThresholdInformation").status_code == 200


def test_tracking_identifier_is_enforced(sandbox, http):
    # the vendor-tied user can only call with the vendor's code, which the MSP does not have
    guess = AT(sandbox, http, {"UserName": AT_VENDOR_USER, "Secret": "WiseSyncSecret2026abc123",
                               "ApiIntegrationCode": AT_ADMIN["ApiIntegrationCode"]})
    assert guess("GET", "ThresholdInformation").status_code == 401
    from psa_sandbox.autotask.ui import vendor_code
    vendor = AT(sandbox, http, dict(guess.headers, ApiIntegrationCode=vendor_code("Wise-Sync")))
    assert vendor("GET", "ThresholdInformation").status_code == 200
    inactive = AT(sandbox, http, {"UserName": "gone01@alpha.example", "Secret": "GoneUserSecret2026abc123",
                                  "ApiIntegrationCode": vendor_code("JumpCloud")})
    assert inactive("GET", "ThresholdInformation").status_code == 401
    wrong_zone = AT(sandbox, http, AT_ADMIN, zone="webservices19")
    assert wrong_zone("GET", "ThresholdInformation").status_code == 401
    sandbox.sandbox.settings.update({"autotask": {"auth_failure": "500-json"}})
    r = guess("GET", "ThresholdInformation")
    assert r.status_code == 500 and r.json() == {"errors": ["IntegrationCode is invalid for this user."]}


def test_thread_limit_three_per_endpoint_per_tracking_identifier(sandbox, at):
    sandbox.sandbox.settings.update({"faults": {"latency_ms": 300}})

    def call(_):
        return at.query("Companies", ALL, maxRecords=1).status_code
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(call, range(8)))
    assert codes.count(200) >= 3 and codes.count(429) >= 1, codes
    counters = [c for c in sandbox.sandbox.counters.snapshot() if c["key"][0] == "autotask"
                and c["key"][3] == "companies"]
    assert counters and max(c["max_in_flight"] for c in counters) == 3
    assert sum(c["rejected"] for c in counters) == codes.count(429)


def test_hourly_limit_and_threshold_information(sandbox, at):
    sandbox.sandbox.settings.update({"autotask": {"hourly_limit": 5}})
    codes = [at("GET", "ThresholdInformation") for _ in range(6)]
    assert [r.status_code for r in codes] == [200] * 5 + [429]
    assert int(codes[-1].headers["Retry-After"]) > 0 and "threshold" in codes[-1].json()["errors"][0]
    assert codes[4].json() == {"externalRequestThreshold": 5, "requestThresholdTimeframe": 60,
                               "currentTimeframeRequestCount": 5}


def test_tickets_can_be_created_updated_and_completed(at):
    r = at("POST", "Tickets", json={"companyID": at.query("Companies", ALL, maxRecords=1).json()["items"][0]["id"],
                                    "title": "Create API user wisesync01", "status": 1, "priority": 2,
                                    "queueID": 29683354, "description": "steps", "dueDateTime": "2026-12-01T12:00:00Z"})
    assert r.status_code == 200, r.text
    tid = r.json()["itemId"]
    t = at("GET", "Tickets/%d" % tid).json()["item"]
    assert t["ticketNumber"].startswith("T") and t["createDate"] and t["completedDate"] is None
    at("PATCH", "Tickets", json={"id": tid, "status": 5})
    assert at("GET", "Tickets/%d" % tid).json()["item"]["completedDate"]
    r = at("POST", "Tickets", json={"title": "no company"})
    assert r.status_code == 500 and "Required" in r.json()["errors"][0]


def test_ui_steps_create_an_api_user_with_the_ui_rules(sandbox, http):
    url = sandbox.url + "/_sandbox/autotask/alpha/api-users"
    form = {"firstName": "Sync 365", "lastName": "License", "email": "s365@alpha.example", "userName": "sync365a1",
            "secret": "Sync365Secret2026abcdef1", "securityLevel": "API User (system)",
            "integrationVendor": "Sync 365 License", "defaultDepartment": "Admin", "defaultRole": "Integration"}
    for field, value, words in [("userName", "sync@365", "may not contain @"), ("userName", "syncuser", "letters and numbers"),
                                ("userName", "gone01", "already used"), ("securityLevel", "Full Access (system)", "not an API-only"),
                                ("firstName", "", "required"), ("integrationVendor", "Nobody", "unknown vendor"),
                                ("secret", "short1", "at least")]:
        r = http.post(url, json=dict(form, **{field: value}))
        assert r.status_code == 422, (field, r.text)
        assert r.json()["field"] == field and words in r.json()["error"], r.json()
    r = http.post(url, json=dict(form, integrationVendor=None, customIntegration=True))
    assert r.status_code == 201 and len(r.json()["trackingIdentifier"]) == 27 and "secret" not in r.json()
    creds = {"UserName": r.json()["userName"], "Secret": form["secret"], "ApiIntegrationCode": r.json()["trackingIdentifier"]}
    assert AT(sandbox, http, creds)("GET", "ThresholdInformation").status_code == 200
    generated = http.post(url, json=dict(form, userName="sync365b2", secret=None))
    assert generated.status_code == 201 and len(generated.json()["secret"]) == 25
