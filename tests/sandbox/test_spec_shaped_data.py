"""Spec-shaped data (issue 14): the sandbox's Autotask models are the vendor's full field lists, generated from the
committed excerpt by scripts/derive_specs.py; the field metadata entityInformation/fields reports comes from the
one table (psa_sandbox.autotask.entities); and every record a representative session gets back validates
against the vendor schema, enums included (ConnectWise tickets have no vendor schema in the spec material)."""
import importlib.util
import json
import os

import jsonschema
import pytest

from psa_sandbox.autotask import entities
from psa_sandbox.autotask.entities import ENTITIES, STATIC_PICKLISTS, field_length
from psa_sandbox.autotask.models import MODEL_FIELDS

from .specs import AUTOTASK_EXCERPT, AutotaskSpec, ConnectWiseSpec, lower_keys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALL = [{"op": "gte", "field": "id", "value": 0}]
NOT_WIRE_FIELDS = {"userdefinedfields", "soapparentpropertyid"}


def derive_specs():
    spec = importlib.util.spec_from_file_location("derive_specs", os.path.join(ROOT, "scripts", "derive_specs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_models_module_is_what_the_script_makes_of_the_committed_excerpt():
    module = derive_specs()
    with open(AUTOTASK_EXCERPT, "rb") as handle:
        expected = module.models_module(handle.read())
    with open(module.MODELS_MODULE, "rb") as handle:
        assert handle.read() == expected, "run: .venv/bin/python scripts/derive_specs.py --models"


@pytest.mark.parametrize("path", sorted(ENTITIES))
def test_every_served_entity_has_its_vendor_models_full_field_list(path):
    entity = ENTITIES[path]
    assert entity.fields is MODEL_FIELDS[entity.model]
    vendor = {k for k, v in AutotaskSpec().properties(entity.model).items()
              if k != "userdefinedfields" and not (k == "soapparentpropertyid" and "$ref" in v)}
    assert {k.lower() for k in entity.fields} == vendor


@pytest.mark.parametrize("path", sorted(ENTITIES))
def test_field_metadata_comes_from_the_one_table(at, path):
    entity = ENTITIES[path]
    reported = {f["name"]: f for f in at("GET", entity.path + "/entityInformation/fields").json()["fields"]}
    assert list(reported) == list(entity.fields)
    extra_required = {"dueDateTime"} if entity.path == "Tickets" else set()
    for name, field in reported.items():
        assert field["dataType"] == entity.fields[name], name
        assert field["isReadOnly"] is (name in entity.read_only), name
        assert field["isRequired"] is (name in entity.required or name in extra_required), name
        assert field["length"] == field_length(entity, name), name
        assert field["isPickList"] is (name in entity.picklists), name
        assert field["isReference"] is (name in entity.references), name
        static = STATIC_PICKLISTS.get((path, name))
        if static is not None:
            assert {v["value"]: v["label"] for v in field["picklistValues"]} == {str(k): v for k, v in static.items()}
    assert entities.FIELD_LENGTHS["Resources"]["userName"] == 50


# -- a representative session: every record returned validates ---------------------------------------
def records_of(body):
    if isinstance(body, dict) and "items" in body:
        return body["items"]
    if isinstance(body, dict) and "item" in body:
        return [body["item"]] if body["item"] is not None else []
    return body if isinstance(body, list) else [body]


def test_every_autotask_record_of_a_session_validates(at):
    spec = AutotaskSpec()
    company = at.query("Companies", ALL, maxRecords=1).json()["items"][0]["id"]
    wise = at.query("Resources", [{"op": "eq", "field": "userName", "value": "wisesync01@alpha.example"}]).json()
    wise = wise["items"][0]
    # writes first, so the session reads back what writes made
    assert at("PATCH", "Resources", json={"id": wise["id"], "lastName": "Session", "title": "Sync"}).status_code == 200
    assert at("POST", "Roles", json={"name": "Session role", "hourlyRate": 1.0, "hourlyFactor": 1.0}).status_code == 200
    assert at("POST", "Tickets", json={"companyID": company, "title": "session", "status": 1, "priority": 2,
                                       "dueDateTime": "2026-12-01T12:00:00Z"}).status_code == 200
    assert at("POST", "Companies/%d/Contacts" % company,
              json={"firstName": "Ses", "lastName": "Sion", "isActive": 1}).status_code == 200
    checked = 0
    for path, entity in sorted(ENTITIES.items()):
        schema = spec.schema(entity.model)
        bodies = [at.query(entity.path, ALL, maxRecords=500).json()]
        for item in bodies[0]["items"][:3]:
            bodies.append(at("GET", "%s/%d" % (entity.path, item["id"])).json())
        if entity.parent == "Resources":
            bodies.append(at("GET", "Resources/%d/%s" % (wise["id"], entity.child_path)).json())
        for body in bodies:
            for record in records_of(body):
                jsonschema.validate(lower_keys(record), schema)
                assert set(record) == set(entity.fields), entity.path
                checked += 1
    assert checked > 500


def test_every_connectwise_record_of_a_session_validates_enums_included(cw):
    spec = ConnectWiseSpec()
    created = cw("POST", "system/apiMembers", json={"identifier": "Session1", "name": "Session",
                                                      "securityRole": {"id": 20}, "defaultDepartment": {"id": 1}})
    assert created.status_code == 201, created.text
    cw("PATCH", "system/apiMembers/%d" % created.json()["id"],
       json=[{"op": "replace", "path": "notes", "value": "patched"}])
    role = cw("POST", "system/securityroles", json={"name": "Session role"}).json()
    calls = [("system/apiMembers", "ApiMember", {"pageSize": 1000}), ("system/members", "Member", {"pageSize": 1000}),
             ("system/members/%s" % "automation", "Member", None),
             ("system/apiMembers/%d" % created.json()["id"], "ApiMember", None),
             ("system/securityroles", "SecurityRole", None), ("system/securityroles/%d" % role["id"], "SecurityRole", None),
             ("system/securityRoles/%d/settings" % role["id"], "SecurityRoleSetting", {"pageSize": 1000}),
             ("system/mySecurity", "MySecurity", None), ("system/mySecurity/customizeItems", "MySecurityCustomizeItem", None),
             ("system/info", "Info", None), ("system/members/count", "Count", None),
             ("system/apiMembers/count", "Count", None)]
    checked = 0
    for path, model, params in calls:
        r = cw("GET", path, params=params)
        assert r.status_code == 200, (path, r.text)
        for record in records_of(r.json()):
            jsonschema.validate(record, spec.schema(model))
            checked += 1
    token = cw("POST", "system/members/tech/tokens", json={"memberIdentifier": "tech"}, headers={"x-cw-usertype": "member"})
    jsonschema.validate(token.json(), spec.schema("Token"))
    refused = cw("POST", "system/apiMembers", json={"identifier": "Session1", "name": "dup"})
    jsonschema.validate(refused.json(), spec.schema("ErrorResponseMessage"))
    assert checked > 150
    assert json.dumps(spec.schema("Member")["properties"]["licenseClass"]) == '{"enum": ["F", "A", "C", "X", null]}'
