"""The sandbox against the vendor spec excerpts (tests/sandbox/specs/): routes, verbs, field names and types, bodies."""
import jsonschema
import pytest

from psa_sandbox.autotask.entities import ENTITIES, spec_routes
from psa_sandbox.connectwise.api import API_MEMBER_FIELDS, MEMBER_FIELDS

from .conftest import AT, CW
from .seed import AT_ADMIN
from .specs import AutotaskSpec, ConnectWiseSpec, lower_keys

SWAGGER_TYPES = {"string": {("string", None), ("string", "date-time")}, "datetime": {("string", "date-time")},
                 "integer": {("integer", "int32")}, "long": {("integer", "int64"), ("integer", "int32")},
                 "double": {("number", "double")}, "boolean": {("boolean", None)}}


@pytest.fixture(scope="module")
def at_spec():
    return AutotaskSpec()


@pytest.fixture(scope="module")
def cw_spec():
    return ConnectWiseSpec()


def validate_at(spec, definition, body):
    jsonschema.validate(lower_keys(body), spec.schema(definition))


# -- Autotask ---------------------------------------------------------------------------------------
def test_every_served_route_is_in_the_swagger(at_spec):
    routes = spec_routes()
    assert len(routes) > 60
    missing = sorted("%s %s" % r for r in routes if not at_spec.has_route(*r))
    assert missing == []


def test_resources_cannot_be_created_or_deleted(at_spec):
    assert not at_spec.has_route("POST", "/V1.0/Resources")
    assert not at_spec.has_route("DELETE", "/V1.0/Resources/{id}")
    assert ("POST", "/V1.0/Resources") not in spec_routes()
    assert not ENTITIES["resources"].can_create and not ENTITIES["resources"].can_delete


@pytest.mark.parametrize("path", sorted(ENTITIES))
def test_entity_fields_exist_in_the_model_with_the_same_type(at_spec, path):
    entity = ENTITIES[path]
    props = at_spec.properties(entity.model)
    for name, ftype in entity.fields.items():
        assert name.lower() in props, "%s.%s is not in %s" % (entity.path, name, entity.model)
        spec = props[name.lower()]
        assert (spec.get("type"), spec.get("format")) in SWAGGER_TYPES[ftype], (entity.path, name, spec)


def test_unsupported_verbs_answer_405_like_the_real_api(at, at_spec):
    for method, path in [("POST", "Resources"), ("DELETE", "Resources"), ("GET", "Resources"),
                         ("DELETE", "Resources/1"), ("PATCH", "InternalLocations"), ("DELETE", "Roles/1")]:
        swagger = "/V1.0/" + path.replace("/1", "/{id}")
        assert not at_spec.has_route(method, swagger)
        r = at(method, path, json={})
        assert r.status_code == 405, (method, path, r.status_code)
        assert r.json() == {"Message": "The requested resource does not support http method '%s'." % method}


@pytest.mark.parametrize("path", sorted(p for p, e in ENTITIES.items()))
def test_query_get_and_information_bodies_validate(at, at_spec, path):
    entity = ENTITIES[path]
    r = at.query(entity.path, [{"op": "gte", "field": "id", "value": 0}], maxRecords=25)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "pageDetails"}
    assert set(body["pageDetails"]) == {"count", "requestCount", "prevPageUrl", "nextPageUrl"}
    for item in body["items"]:
        validate_at(at_spec, entity.model, item)
        assert all(k[0].islower() for k in item), "the wire is camelCase"
    if body["items"]:
        one = at("GET", "%s/%d" % (entity.path, body["items"][0]["id"]))
        assert set(one.json()) == {"item"}
        validate_at(at_spec, entity.model, one.json()["item"])
    count = at("POST", entity.path + "/query/count", json={"filter": [{"op": "gte", "field": "id", "value": 0}]})
    validate_at(at_spec, "QueryCountResultModel", count.json())
    assert count.json()["queryCount"] >= len(body["items"])
    info = at("GET", entity.path + "/entityInformation")
    validate_at(at_spec, "EntityInformationResultModel", info.json())
    fields = at("GET", entity.path + "/entityInformation/fields")
    validate_at(at_spec, "FieldInformationResultModel", fields.json())
    udf = at("GET", entity.path + "/entityInformation/userDefinedFields")
    validate_at(at_spec, "FieldInformationResultModel", udf.json())


def test_zone_version_threshold_and_write_results_validate(sandbox, http, at, at_spec):
    zone = http.get(sandbox.url + "/atservicesrest/v1.0/zoneInformation", params={"user": AT_ADMIN["UserName"]})
    validate_at(at_spec, "ZoneInformationResultModel", zone.json())
    version = http.get(sandbox.url + "/atservicesrest/versioninformation")
    validate_at(at_spec, "ApiVersionResultModel", version.json())
    validate_at(at_spec, "ThresholdStatusResultModel", at("GET", "ThresholdInformation").json())
    created = at("POST", "Roles", json={"name": "Conformance", "hourlyRate": 10.0, "hourlyFactor": 1.0})
    assert created.status_code == 200, created.text
    validate_at(at_spec, "OperationResultModel", created.json())
    assert set(created.json()) == {"itemId"}


def test_resource_picklists_are_per_database(sandbox, http, at):
    from .seed import AT_BETA_ADMIN
    beta = AT(sandbox, http, AT_BETA_ADMIN, zone="webservices19")

    def levels(caller):
        fields = caller("GET", "Resources/entityInformation/fields").json()["fields"]
        user_type = next(f for f in fields if f["name"] == "userType")
        license_type = next(f for f in fields if f["name"] == "licenseType")
        assert user_type["isPickList"] and user_type["isReadOnly"]
        assert {"value": "7", "label": "API User"}.items() <= next(
            v for v in license_type["picklistValues"] if v["value"] == "7").items()
        return {v["label"]: v["value"] for v in user_type["picklistValues"]}
    alpha_levels, beta_levels = levels(at), levels(beta)
    assert "API User (system)" in alpha_levels and "API User (system)" in beta_levels
    assert alpha_levels["API User (system)"] != beta_levels["API User (system)"], "ids differ per database"


# -- ConnectWise ------------------------------------------------------------------------------------
def test_api_member_bodies_validate(cw, cw_spec):
    r = cw("GET", "system/apiMembers", params={"pageSize": 5})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.connectwise.com+json; version=")
    for item in r.json():
        jsonschema.validate(item, cw_spec.schema("ApiMember"))
    created = cw("POST", "system/apiMembers", json={"identifier": "S365", "name": "Sync 365",
                                                      "securityRole": {"id": 20}, "defaultDepartment": {"id": 1}})
    assert created.status_code == 201, created.text
    jsonschema.validate(created.json(), cw_spec.schema("ApiMember"))
    assert set(created.json()) <= set(API_MEMBER_FIELDS)


def test_member_role_settings_security_info_token_bodies_validate(cw, cw_spec):
    for item in cw("GET", "system/members", params={"pageSize": 10}).json():
        jsonschema.validate(item, cw_spec.schema("Member"))
        assert set(item) <= set(MEMBER_FIELDS)
    roles = cw("GET", "system/securityroles").json()
    for role in roles:
        jsonschema.validate(role, cw_spec.schema("SecurityRole"))
    settings = cw("GET", "system/securityRoles/%d/settings" % roles[0]["id"]).json()
    assert settings
    for s in settings:
        jsonschema.validate(s, cw_spec.schema("SecurityRoleSetting"))
    for s in cw("GET", "system/mySecurity").json():
        jsonschema.validate(s, cw_spec.schema("MySecurity"))
    for s in cw("GET", "system/mySecurity/customizeItems").json():
        jsonschema.validate(s, cw_spec.schema("MySecurityCustomizeItem"))
    jsonschema.validate(cw("GET", "system/info").json(), cw_spec.schema("Info"))
    jsonschema.validate(cw("GET", "system/apiMembers/count").json(), cw_spec.schema("Count"))
    token = cw("POST", "system/members/tech/tokens", json={"memberIdentifier": "tech"},
               headers={"x-cw-usertype": "member"})
    jsonschema.validate(token.json(), cw_spec.schema("Token"))


def test_error_bodies_validate(cw, cw_spec):
    dup = cw("POST", "system/apiMembers", json={"identifier": "automation", "name": "dup"})
    assert dup.status_code == 400
    jsonschema.validate(dup.json(), cw_spec.schema("ErrorResponseMessage"))
    for err in dup.json()["errors"]:
        jsonschema.validate(err, cw_spec.schema("ValidationError"))
    assert dup.json()["errors"][0]["code"] == "ObjectExists"
