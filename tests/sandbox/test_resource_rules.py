"""Autotask Resource, authentication and thread-limit rules of the real API (issue 14), one conformance test per
rule: status and body, default and switched (docs/sandbox.md lists every switch with its evidence)."""
import concurrent.futures

import pytest

from psa_sandbox.autotask.entities import ENTITIES, RESOURCE_SWITCHABLE
from psa_sandbox.autotask.ui import vendor_code

from .conftest import AT
from .seed import AT_ADMIN, AT_VENDOR_USER

ALL = [{"op": "gte", "field": "id", "value": 0}]
# The evidence's read-only Resource fields: real-api-rules (SOAP metadata: internalCost, locationID, userType,
# licenseType) and moldypenguins/AutotaskNET Entities/Resource.cs (dateFormat, timeFormat, hireDate,
# surveyResourceRating).
READ_ONLY = ("internalCost", "locationID", "userType", "licenseType", "dateFormat", "timeFormat", "hireDate",
             "surveyResourceRating")
CHANGED = {"internalCost": 99.5, "locationID": None, "userType": None, "licenseType": 3, "dateFormat": "dd/MM/yyyy",
           "timeFormat": "HH:mm", "hireDate": "2020-01-01T00:00:00Z", "surveyResourceRating": 4.5}


def settings(sandbox, **values):
    sandbox.sandbox.settings.update({"autotask": values})


@pytest.fixture()
def wise(at):
    return at.query("Resources", [{"op": "eq", "field": "userName", "value": AT_VENDOR_USER}]).json()["items"][0]


def field_info(at):
    return {f["name"]: f for f in at("GET", "Resources/entityInformation/fields").json()["fields"]}


def changed_value(at, wise, name):
    if name == "locationID":
        return next(loc["id"] for loc in at.query("InternalLocations", ALL).json()["items"]
                    if loc["id"] != wise["locationID"])
    if name == "userType":
        levels = field_info(at)["userType"]["picklistValues"]
        return next(int(v["value"]) for v in levels if int(v["value"]) != wise["userType"])
    return CHANGED[name]


# -- Resources: read-only fields --------------------------------------------------------------------
def test_the_evidence_read_only_fields_are_read_only_in_the_metadata(at):
    info = field_info(at)
    for name in READ_ONLY:
        assert info[name]["isReadOnly"] is True, name
    assert set(READ_ONLY) | {"id"} == set(ENTITIES["resources"].read_only)
    assert info["userName"]["isReadOnly"] is False and info["userName"]["length"] == 50
    assert info["lastName"]["isReadOnly"] is False


@pytest.mark.parametrize("name", READ_ONLY)
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_changing_a_read_only_resource_field_is_500_with_an_errors_body(at, wise, name, method):
    body = dict(wise) if method == "PUT" else {"id": wise["id"]}
    body[name] = changed_value(at, wise, name)
    r = at(method, "Resources", json=body)
    assert r.status_code == 500, r.text
    assert r.json() == {"errors": ["The field %s of the Resource Entity is read-only." % name]}
    assert at("GET", "Resources/%d" % wise["id"]).json()["item"][name] == wise[name]


def test_sending_a_read_only_field_unchanged_is_accepted(at, wise):
    r = at("PATCH", "Resources", json={"id": wise["id"], "internalCost": wise["internalCost"],
                                       "locationID": wise["locationID"], "lastName": "Same"})
    assert r.status_code == 200, r.text


def test_switch_makes_the_rest_unmarked_fields_writable(sandbox, at, wise):
    settings(sandbox, resource_writable_fields=["internalCost", "locationID", "userType"])
    info = field_info(at)
    assert [info[n]["isReadOnly"] for n in ("internalCost", "locationID", "userType", "licenseType")] == \
        [False, False, False, True]
    location = changed_value(at, wise, "locationID")
    r = at("PATCH", "Resources", json={"id": wise["id"], "internalCost": 0.0, "locationID": location})
    assert r.status_code == 200, r.text
    item = at("GET", "Resources/%d" % wise["id"]).json()["item"]
    assert item["internalCost"] == 0.0 and item["locationID"] == location
    r = at("PATCH", "Resources", json={"id": wise["id"], "licenseType": 3})
    assert r.status_code == 500 and r.json() == {"errors": ["The field licenseType of the Resource Entity is read-only."]}
    assert set(RESOURCE_SWITCHABLE) < set(READ_ONLY)


# -- Resources: role/department associations of an API-only user ------------------------------------
def role_department(at):
    role = at.query("Roles", ALL).json()["items"][0]["id"]
    dep = at.query("Departments", ALL).json()["items"][0]["id"]
    return {"roleID": role, "departmentID": dep, "isActive": True, "isDefault": False, "isDepartmentLead": False}


def test_role_departments_of_an_api_only_user_are_refused(at, wise):
    r = at("POST", "Resources/%d/RoleDepartments" % wise["id"], json=role_department(at))
    assert r.status_code == 500
    assert r.json() == {"errors": ["API-only resources cannot own or be associated with ResourceRoleDepartment "
                                   "entities."]}
    existing = at("GET", "Resources/%d/RoleDepartments" % wise["id"]).json()["items"]
    r = at("PATCH", "Resources/%d/RoleDepartments" % wise["id"], json={"id": existing[0]["id"], "isActive": False})
    assert r.status_code == 500 and "API-only resources" in r.json()["errors"][0]


def test_switch_allows_role_departments_of_an_api_only_user(sandbox, at, wise):
    settings(sandbox, api_user_role_departments="allowed")
    r = at("POST", "Resources/%d/RoleDepartments" % wise["id"], json=role_department(at))
    assert r.status_code == 200 and set(r.json()) == {"itemId"}


# -- Authentication failures -------------------------------------------------------------------------
def callers(sandbox, http):
    return {
        "unknown username": AT(sandbox, http, dict(AT_ADMIN, UserName="nobody01@alpha.example")),
        "wrong integration code": AT(sandbox, http, dict(AT_ADMIN, ApiIntegrationCode=vendor_code("JumpCloud"))),
        "wrong secret": AT(sandbox, http, dict(AT_ADMIN, Secret="WrongSecret2026xyz00001")),
    }


def test_auth_failures_are_401_with_an_empty_body_by_default(sandbox, http):
    for what, caller in callers(sandbox, http).items():
        r = caller("GET", "ThresholdInformation")
        assert r.status_code == 401 and r.content == b"", what
        assert r.headers["WWW-Authenticate"] == 'Basic realm="webservices5.autotask.net"'


def test_switch_answers_unknown_username_and_integration_code_500_with_errors(sandbox, http):
    settings(sandbox, auth_failure="500-json")
    answers = {what: caller("GET", "ThresholdInformation") for what, caller in callers(sandbox, http).items()}
    assert answers["unknown username"].status_code == 500
    assert answers["unknown username"].json() == {"errors": ["The user name is not valid."]}
    assert answers["wrong integration code"].status_code == 500
    assert answers["wrong integration code"].json() == {"errors": ["IntegrationCode is invalid for this user."]}
    assert answers["wrong secret"].status_code == 401 and answers["wrong secret"].content == b""


# -- Thread limit ------------------------------------------------------------------------------------
def burst(sandbox, at):
    sandbox.sandbox.settings.update({"faults": {"latency_ms": 300}})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: at.query("Companies", ALL, maxRecords=1), range(8)))


THREAD_TEXT = ("Itgenatr005: the thread threshold of 3 concurrent requests for this endpoint and API tracking "
               "identifier has been exceeded. Retry later.")


def test_thread_limit_rejection_is_429_with_retry_after_by_default(sandbox, at):
    refused = [r for r in burst(sandbox, at) if r.status_code != 200]
    assert refused and {r.status_code for r in refused} == {429}
    assert all(r.json() == {"errors": [THREAD_TEXT]} and r.headers["Retry-After"] == "1" for r in refused)


def test_switch_answers_thread_limit_rejections_500_without_retry_after(sandbox, at):
    settings(sandbox, thread_limit_response="500-no-retry-after")
    refused = [r for r in burst(sandbox, at) if r.status_code != 200]
    assert refused and {r.status_code for r in refused} == {500}
    assert all(r.json() == {"errors": [THREAD_TEXT]} and "Retry-After" not in r.headers for r in refused)


def test_an_api_user_created_in_the_ui_has_internal_cost_0(sandbox, http, at):
    # InternalCost is a non-null double (SOAP metadata) the New API User form does not show
    r = http.post(sandbox.url + "/_sandbox/autotask/alpha/api-users", json={
        "firstName": "No", "lastName": "Cost", "email": "nc@alpha.example", "userName": "nocost01",
        "secret": "NoCostSecret2026abcdef12", "securityLevel": "API User (system)", "customIntegration": True})
    assert r.status_code == 201, r.text
    item = at.query("Resources", [{"op": "eq", "field": "userName", "value": r.json()["userName"]}]).json()["items"][0]
    assert item["internalCost"] == 0.0
