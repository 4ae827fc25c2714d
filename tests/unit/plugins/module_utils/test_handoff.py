"""Hand-off tickets: keys and titles that fit the PSA fields for any valid tenant name, content compared,
and creates that re-query right before writing (fake clients, no HTTP)."""
import pytest

from ansible_collections.msp.psa.plugins.modules import autotask_handoff_ticket as at_ticket
from ansible_collections.msp.psa.plugins.modules import connectwise_handoff_ticket as cw_ticket

LONG = "t" + "-abcdefghij" * 5 + "klmn"  # 60 characters, valid
STEPS = [{"system": "Autotask", "title": "Create the API user a@x.example", "ui_path": "Admin > New API User",
          "instructions": ["Username: a."]},
         {"system": "Wise-Sync", "title": "Register the credential with Wise-Sync", "instructions": ["Paste it."]}]
CHANGED = [STEPS[0], dict(STEPS[1], instructions=["Paste it, then press Test."])]


class FakeAutotask:
    """Tickets in memory; ``appear`` is a ticket another run creates right after our first query."""

    def __init__(self, tickets=None, appear=None):
        self.tickets = list(tickets or [])
        self.appear = appear
        self.queries = 0
        self.created = []
        self.updated = []
        self.check_mode = False

    def query(self, entity, filters):
        assert entity == "Tickets"
        self.queries += 1
        rows = [t for t in self.tickets if all(_match(t, f) for f in filters)]
        if self.appear is not None:
            self.tickets.append(self.appear)
            self.appear = None
        return rows

    def create(self, entity, body):
        assert len(body["externalID"]) <= 50 and len(body["title"]) <= 255 and len(body["description"]) <= 8000
        ticket = dict(body, id=100 + len(self.tickets), ticketNumber="T1")
        self.tickets.append(ticket)
        self.created.append(body)
        return {"id": ticket["id"]}

    def get(self, entity, rid):
        return dict([t for t in self.tickets if t["id"] == rid][0])

    def update(self, entity, record, changes):
        assert len(changes.get("title", "")) <= 255
        self.updated.append(changes)
        record.update(changes)
        return record


def _match(ticket, f):
    if f["op"] == "eq":
        return ticket.get(f["field"]) == f["value"]
    return ticket.get(f["field"]) != f["value"]


class FakeConnectWise:
    def __init__(self, tickets=None, appear=None):
        self.tickets = list(tickets or [])
        self.notes = {}
        self.appear = appear
        self.created = []
        self.patched = []
        self.check_mode = False

    def list(self, path, conditions=None, fields=None):
        if path.endswith("/notes"):
            return list(self.notes.get(int(path.split("/")[2]), []))
        if path == "service/boards":
            return [{"id": 1, "name": "Help Desk"}]
        if path == "service/boards/1/statuses":
            return [{"id": 11, "name": "New", "defaultFlag": True}, {"id": 12, "name": "Closed (resolved)"}]
        assert path == "service/tickets" and "closedFlag = false" in conditions
        rows = [t for t in self.tickets if ('externalXRef = "%s"' % t["externalXRef"]) in conditions
                and not t.get("closedFlag")]
        if self.appear is not None:
            self.tickets.append(self.appear)
            self.appear = None
        return rows

    def create(self, path, body):
        assert len(body["summary"]) <= 100 and len(body["externalXRef"]) <= 100
        ticket = dict(body, id=5000 + len(self.tickets), closedFlag=False)
        self.tickets.append(ticket)
        self.created.append(body)
        return ticket

    def call(self, method, path, body=None, idempotent=True):
        assert method == "POST" and path.endswith("/notes")
        tid = int(path.split("/")[2])
        self.notes.setdefault(tid, []).append({"id": len(self.notes.get(tid, [])) + 1, "text": body["text"]})

        class Resp:
            json = {"id": 1}
        return Resp()

    def patch(self, path, record, changes):
        assert len(changes.get("summary", "")) <= 100
        self.patched.append(changes)
        record.update(changes)
        return record


def at_params(tenant, steps):
    return {"tenant": tenant, "steps": steps, "company_id": 0, "queue_id": None, "priority": 2}


def cw_params(tenant, steps):
    return {"tenant": tenant, "steps": steps, "company": "tenant2", "board": "Help Desk",
            "closed_status": "Closed (resolved)"}


@pytest.mark.parametrize("tenant", ["lakeside", LONG, "a" * 63, "x" * 34, "x" * 35])
def test_autotask_ticket_fits_its_fields_and_converges(tenant):
    client = FakeAutotask()
    changed, action = at_ticket.run(at_params(tenant, STEPS), client)[:2]
    assert changed and action == "created"
    again = at_ticket.run(at_params(tenant, STEPS), client)
    assert again[:2] == (False, "none") and len(client.tickets) == 1


@pytest.mark.parametrize("tenant", ["lakeside", LONG, "a" * 63])
def test_connectwise_ticket_fits_its_fields_and_converges(tenant):
    client = FakeConnectWise()
    changed, action = cw_ticket.run(cw_params(tenant, STEPS), client)[:2]
    assert changed and action == "created"
    assert cw_ticket.run(cw_params(tenant, STEPS), client)[:2] == (False, "none") and len(client.tickets) == 1


def test_short_names_keep_the_key_existing_tickets_were_created_with():
    old = {"id": 7, "externalID": "msp.psa:handoff:northwind", "status": 1, "title": "x", "description": "y"}
    client = FakeAutotask([old])
    changed, action, ticket = at_ticket.run(at_params("northwind", STEPS), client)
    assert action == "updated" and ticket["id"] == 7 and client.created == []
    cw_old = {"id": 9, "externalXRef": "msp.psa:handoff:lakeside", "summary": "x", "initialDescription": "y"}
    cw = FakeConnectWise([cw_old])
    assert cw_ticket.run(cw_params("lakeside", STEPS), cw)[1] == "updated" and cw.created == []


def test_connectwise_ticket_is_updated_when_a_step_changes_but_not_the_count():
    client = FakeConnectWise()
    cw_ticket.run(cw_params("lakeside", STEPS), client)
    changed, action = cw_ticket.run(cw_params("lakeside", CHANGED), client)[:2]
    assert (changed, action) == (True, "updated")
    notes = client.notes[client.tickets[0]["id"]]
    assert len(notes) == 1 and "Paste it, then press Test." in notes[0]["text"]
    assert cw_ticket.run(cw_params("lakeside", CHANGED), client)[:2] == (False, "none"), "no note twice"


def test_autotask_create_adopts_a_ticket_that_appeared_since_the_first_query():
    theirs = {"id": 42, "externalID": "msp.psa:handoff:northwind", "status": 1, "title": "t", "description": "d"}
    client = FakeAutotask(appear=theirs)
    changed, action, ticket = at_ticket.run(at_params("northwind", STEPS), client)
    assert client.created == [], "the ticket another run created is adopted, not duplicated"
    assert ticket["id"] == 42 and action == "updated" and client.queries == 2


def test_connectwise_create_adopts_a_ticket_that_appeared_since_the_first_query():
    theirs = {"id": 5042, "externalXRef": "msp.psa:handoff:lakeside", "summary": "s", "initialDescription": "d"}
    client = FakeConnectWise(appear=theirs)
    changed, action, ticket = cw_ticket.run(cw_params("lakeside", STEPS), client)
    assert client.created == [], "the ticket another run created is adopted, not duplicated"
    assert ticket["id"] == 5042 and action == "updated"


def test_keys_and_titles_fit_for_every_valid_length_and_stay_stable():
    from ansible_collections.msp.psa.plugins.module_utils._handoff import (
        AUTOTASK_EXTERNAL_ID_MAX, CONNECTWISE_SUMMARY_MAX, CONNECTWISE_XREF_MAX, external_key, ticket_title)
    many = [{"system": "x", "title": "y"}] * 999
    for n in range(1, 64):
        name = ("n" * n)
        key = external_key(name, AUTOTASK_EXTERNAL_ID_MAX)
        assert len(key) <= 50 and key == external_key(name, AUTOTASK_EXTERNAL_ID_MAX)
        assert (key == "msp.psa:handoff:" + name) == (n <= 34), "the old key whenever it fits"
        assert external_key(name, CONNECTWISE_XREF_MAX) == "msp.psa:handoff:" + name
        assert len(ticket_title(name, many, CONNECTWISE_SUMMARY_MAX)) <= 100
    a, b = "x" * 40 + "-one", "x" * 40 + "-two"
    assert external_key(a, 50) != external_key(b, 50), "names sharing a long start still get their own ticket"
    assert ticket_title("lakeside", STEPS, 100) == "[msp.psa] lakeside: 2 manual step(s) for integration API users"
    assert ticket_title("a" * 63, STEPS, 100) == "[msp.psa] %s: 2 manual step(s)" % ("a" * 63)


def test_a_description_longer_than_the_field_is_cut_at_a_line_and_says_so():
    from ansible_collections.msp.psa.plugins.module_utils._handoff import describe_steps, fit_text
    text = describe_steps([{"system": "Autotask", "title": "step %d" % n, "instructions": ["x" * 70] * 3}
                           for n in range(60)])
    cut = fit_text(text, 8000)
    assert len(text) > 8000 and len(cut) <= 8000 and cut.endswith("has every step]") and fit_text(text, 8000) == cut
    assert fit_text("short", 8000) == "short"


@pytest.mark.parametrize("name", ["../other", "a/b", ".hidden", "-x", "tenant one", "a..b", "a" * 64, "", None, "tënant"])
def test_invalid_tenant_names_fail_before_any_request(name):
    client = FakeAutotask()
    with pytest.raises(Exception) as err:
        at_ticket.run(at_params(name, STEPS), client)
    assert "letters, digits" in str(err.value) and client.queries == 0
    cw = FakeConnectWise()
    with pytest.raises(Exception):
        cw_ticket.run(cw_params(name, STEPS), cw)
    assert cw.created == []


@pytest.mark.parametrize("name", ["northwind", "Contoso_2", "a", "x.y-z_1", "9lives", "a" * 63])
def test_valid_tenant_names_and_store_paths(name):
    from ansible_collections.msp.psa.plugins.module_utils._tenant import store_path, validate_tenant_name
    assert validate_tenant_name(name) == name
    assert store_path("msp", name, "autotask", "wise_sync") == "msp/%s/autotask/wise_sync" % name


def test_store_paths_refuse_every_unvalidated_part():
    from ansible_collections.msp.psa.plugins.module_utils._tenant import TenantNameError, store_path
    for args in (("msp", "../other", "autotask", "p"), ("msp", "t", "../x", "p"), ("msp", "t", "autotask", "a/b"),
                 ("../msp", "t", "autotask", "p"), ("msp//x", "t", "autotask", "p")):
        with pytest.raises(TenantNameError):
            store_path(*args)
    assert store_path("msp/prod", "t", "autotask", "p") == "msp/prod/t/autotask/p"
