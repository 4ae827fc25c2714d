"""Hand-off ticket rules of the real PSAs (issue 14), one conformance test per rule: status and body.

Autotask Tickets: dueDateTime required unless the category supplies it, a resource only with its role,
queueID / billingCodeID required by a per-database switch (off by default), every TicketModel field accepted
(the field list is generated from the committed spec excerpt). ConnectWise service tickets: a note needs a
display flag; board, status (of that board) and company must exist.
"""
import jsonschema
import pytest

from psa_sandbox.autotask.entities import ENTITIES
from psa_sandbox.autotask.models import MODEL_FIELDS
from psa_sandbox.connectwise.store import DEFAULT_BOARD_STATUSES

from .specs import AutotaskSpec, lower_keys

DUE = "2026-12-01T12:00:00Z"


@pytest.fixture()
def switch(sandbox):
    """Sets the per-database ticket switch for one test and turns it off again."""
    def set_(value):
        sandbox.sandbox.settings.update({"autotask": {"ticket_required_fields": value}})
    yield set_
    set_({"*": [], "alpha": []})


@pytest.fixture()
def company_id(at):
    return at.query("Companies", [{"op": "exist", "field": "id"}], maxRecords=1).json()["items"][0]["id"]


def ticket(company_id, **extra):
    return dict({"companyID": company_id, "title": "hand-off", "status": 1, "priority": 2}, **extra)


def fields_of(at):
    return {f["name"]: f for f in at("GET", "Tickets/entityInformation/fields").json()["fields"]}


# -- Autotask ---------------------------------------------------------------------------------------
TICKET_FIELDS = MODEL_FIELDS["TicketModel"]


def test_ticket_model_is_the_generated_vendor_field_list():
    # that models.py is what scripts/derive_specs.py makes of the excerpt: test_spec_shaped_data.py
    assert ENTITIES["tickets"].fields is TICKET_FIELDS
    spec = {k for k in AutotaskSpec().properties("TicketModel") if k != "userdefinedfields"}
    assert {k.lower() for k in TICKET_FIELDS} == spec and len(TICKET_FIELDS) > 13


def test_every_writable_ticket_model_field_is_accepted_and_returned(at, company_id):
    entity = ENTITIES["tickets"]
    samples = {"integer": 1, "long": 1, "double": 1.5, "boolean": True, "datetime": DUE, "string": "x"}
    picklist_fields = set(entity.picklists) | set(entity.references)
    body = ticket(company_id, dueDateTime=DUE, queueID=29683354, billingCodeID=29682802, ticketCategory=2,
                  issueType=12, source=13, ticketType=1)
    for name, kind in TICKET_FIELDS.items():
        if name not in entity.read_only and name not in picklist_fields and name not in body:
            body[name] = samples[kind]
    r = at("POST", "Tickets", json=body)
    assert r.status_code == 200, r.text
    item = at("GET", "Tickets/%d" % r.json()["itemId"]).json()["item"]
    assert set(item) == set(TICKET_FIELDS) and item["dueDateTime"] == DUE and item["resolution"] == "x"
    jsonschema.validate(lower_keys(item), AutotaskSpec().schema("TicketModel"))


def test_create_without_due_date_is_500_with_the_vendor_text(at, company_id):
    r = at("POST", "Tickets", json=ticket(company_id))
    assert r.status_code == 500
    assert r.json() == {"errors": ["dueDateTime is required.; on record number [0]."]}


def test_a_category_with_a_due_date_supplies_it(at, company_id):
    r = at("POST", "Tickets", json=ticket(company_id, ticketCategory=3))
    assert r.status_code == 200, r.text
    assert at("GET", "Tickets/%d" % r.json()["itemId"]).json()["item"]["dueDateTime"]


def test_due_date_is_required_in_the_field_metadata(at):
    assert fields_of(at)["dueDateTime"]["isRequired"] is True


def test_resource_without_role_is_500(at, company_id):
    resource = at.query("Resources", [{"op": "exist", "field": "id"}], maxRecords=1).json()["items"][0]["id"]
    r = at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE, assignedResourceID=resource))
    assert r.status_code == 500
    assert r.json() == {"errors": ["When assigning a Resource, you must assign both a assignedResourceID and "
                                   "assignedResourceRoleID."]}
    role = at.query("Roles", [{"op": "exist", "field": "id"}], maxRecords=1).json()["items"][0]["id"]
    ok = at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE, assignedResourceID=resource,
                                           assignedResourceRoleID=role))
    assert ok.status_code == 200, ok.text
    r = at("PATCH", "Tickets", json={"id": ok.json()["itemId"], "assignedResourceRoleID": None})
    assert r.status_code == 500 and "you must assign both" in r.json()["errors"][0]


def test_queue_and_billing_code_are_optional_by_default(at, company_id):
    meta = fields_of(at)
    assert not meta["queueID"]["isRequired"] and not meta["billingCodeID"]["isRequired"]
    assert at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE)).status_code == 200


@pytest.mark.parametrize("fields", [["queueID"], ["billingCodeID"], ["queueID", "billingCodeID"]])
def test_per_database_switch_requires_queue_and_billing_code(at, company_id, switch, fields):
    switch({"alpha": fields})
    meta = fields_of(at)
    assert [f for f in ("queueID", "billingCodeID") if meta[f]["isRequired"]] == fields
    r = at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE))
    assert r.status_code == 500 and r.json() == {"errors": ["%s is required.; on record number [0]." % fields[0]]}
    ok = at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE, queueID=29683354, billingCodeID=29682802))
    assert ok.status_code == 200, ok.text


def test_switch_is_per_database(at, company_id, switch):
    switch({"beta": ["queueID"]})
    assert at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE)).status_code == 200


def test_ticket_picklists_name_their_defaults(at):
    meta = fields_of(at)
    for name in ("queueID", "billingCodeID", "ticketCategory", "issueType"):
        assert meta[name]["isPickList"] and meta[name]["picklistValues"], name
    defaults = {n: [v["value"] for v in meta[n]["picklistValues"] if v["isDefaultValue"]]
                for n in ("queueID", "billingCodeID", "ticketCategory")}
    assert defaults == {"queueID": ["29683354"], "billingCodeID": ["29682802"], "ticketCategory": ["2"]}


def test_unknown_picklist_value_is_500(at, company_id):
    r = at("POST", "Tickets", json=ticket(company_id, dueDateTime=DUE, queueID=1))
    assert r.status_code == 500 and "queueID" in r.json()["errors"][0]


# -- ConnectWise ------------------------------------------------------------------------------------
def cw_ticket(cw, **extra):
    body = dict({"summary": "hand-off", "company": {"identifier": "alpha"}}, **extra)
    return cw("POST", "service/tickets", json=body)


def test_note_without_display_flag_is_400_with_the_vendor_body(cw):
    tid = cw_ticket(cw).json()["id"]
    r = cw("POST", "service/tickets/%d/notes" % tid, json={"text": "steps"})
    assert r.status_code == 400
    assert r.json() == {"code": "InvalidObject", "message": "serviceNote object is invalid", "errors": [
        {"code": "InvalidObject", "message": "Please choose where to display the notes in order to save this record.",
         "resource": "serviceNote", "field": "detailDescriptionFlag"}]}
    r = cw("POST", "service/tickets/%d/notes" % tid, json={"text": "steps", "internalAnalysisFlag": False})
    assert r.status_code == 400


@pytest.mark.parametrize("flag", ["detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag"])
def test_note_with_any_display_flag_is_saved(cw, flag):
    tid = cw_ticket(cw).json()["id"]
    r = cw("POST", "service/tickets/%d/notes" % tid, json={"text": "steps", flag: True})
    assert r.status_code == 201 and r.json()[flag] is True
    assert cw("GET", "service/tickets/%d/notes" % tid).json()[0]["text"] == "steps"


def test_ticket_defaults_to_the_first_board_and_its_first_status(cw):
    r = cw_ticket(cw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["board"]["name"] == "Help Desk" and body["status"]["name"] == DEFAULT_BOARD_STATUSES[0]
    assert body["company"]["identifier"] == "alpha" and body["closedFlag"] is False


def error_field(r):
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "InvalidObject" and body["message"] == "ticket object is invalid"
    return body["errors"][0]["field"], body["errors"][0]["message"]


def test_unknown_board_is_400_naming_the_board_field(cw):
    field, message = error_field(cw_ticket(cw, board={"name": "No Such Board"}))
    assert field == "board" and "No Such Board" in message and "Help Desk" in message
    field, _ = error_field(cw_ticket(cw, board={"id": 999}))
    assert field == "board"


def test_status_must_be_a_status_of_the_board(cw):
    field, message = error_field(cw_ticket(cw, board={"name": "Help Desk"}, status={"name": "Nope"}))
    assert field == "status" and "Nope" in message and "Closed (resolved)" in message
    ok = cw_ticket(cw, board={"name": "Help Desk"}, status={"name": "In Progress"})
    assert ok.status_code == 201 and ok.json()["status"]["name"] == "In Progress"
    tid = ok.json()["id"]
    field, _ = error_field(cw("PATCH", "service/tickets/%d" % tid,
                              json=[{"op": "replace", "path": "status", "value": {"name": "Nope"}}]))
    assert field == "status"
    closed = cw("PATCH", "service/tickets/%d" % tid,
                json=[{"op": "replace", "path": "status", "value": {"name": "Closed (resolved)"}}])
    assert closed.status_code == 200 and closed.json()["closedFlag"] is True


def test_unknown_company_is_400_naming_the_company_field(cw):
    field, message = error_field(cw_ticket(cw, company={"identifier": "nobody"}))
    assert field == "company" and "nobody" in message
