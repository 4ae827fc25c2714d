"""ConnectWise hand-off tickets resolve the board and its statuses by name in the company (they differ between
companies): service/boards?conditions=name="...", then service/boards/{id}/statuses; ids are sent, and a name the
company does not have fails before anything is written, listing what it has (fake HTTP)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError
from ansible_collections.msp.psa.plugins.modules import connectwise_handoff_ticket as module

INFO = {"Codebase": "v2025_1/", "CompanyName": "Tenant Two"}
STEPS = [{"system": "ConnectWise", "title": "Create an API key pair for S365"}]
PARAMS = dict(tenant="lakeside", steps=STEPS, company="MSP", board="Service Desk", new_status=None,
              closed_status="Closed (resolved)", note_display="internal_analysis", connectwise_company="tenant2")
BOARD = {"id": 7, "name": "Service Desk"}
STATUSES = [{"id": 70, "name": "New (portal)"}, {"id": 71, "name": "New", "defaultFlag": True},
            {"id": 72, "name": "Closed (resolved)"}]


def client(fake):
    return ConnectWiseClient(HTTPClient(timeout=5, retries=0), "tenant2", "PUB", "PRIV-secret-1", "client-id-1",
                             base_url=fake.url)


def query(seen):
    return parse_qs(urlsplit(seen["path"]).query)


def test_board_and_default_status_are_sent_by_id(fake):
    fake.answer(200, INFO).answer(200, []).answer(200, []).answer(200, [BOARD]).answer(200, STATUSES)
    fake.answer(201, {"id": 5001, "summary": "s"})
    assert module.run(PARAMS, client(fake))[1] == "created"
    boards, statuses, create = fake.seen[3], fake.seen[4], fake.seen[5]
    assert query(boards)["conditions"] == ['name = "Service Desk"']
    assert urlsplit(statuses["path"]).path.endswith("/service/boards/7/statuses")
    assert create["body"]["board"] == {"id": 7} and create["body"]["status"] == {"id": 71}


def test_a_declared_status_is_found_case_insensitively(fake):
    fake.answer(200, INFO).answer(200, []).answer(200, []).answer(200, [BOARD]).answer(200, STATUSES)
    fake.answer(201, {"id": 5001})
    module.run(dict(PARAMS, new_status="new (PORTAL)"), client(fake))
    assert fake.seen[5]["body"]["status"] == {"id": 70}


def test_an_unknown_board_fails_listing_the_company_s_boards_before_any_write(fake):
    fake.answer(200, INFO).answer(200, []).answer(200, []).answer(200, [])
    fake.answer(200, [{"id": 1, "name": "Help Desk"}, {"id": 2, "name": "Alerts"}])
    with pytest.raises(PSAError) as err:
        module.run(PARAMS, client(fake))
    assert err.value.kind == "invalid_input" and "'Service Desk'" in err.value.message
    assert "its boards: Alerts, Help Desk" in err.value.message and "api_user_handoff_board" in err.value.fix
    assert [s["method"] for s in fake.seen] == ["GET"] * 5


def test_an_unknown_status_fails_listing_the_board_s_statuses_before_any_write(fake):
    fake.answer(200, INFO).answer(200, []).answer(200, []).answer(200, [BOARD]).answer(200, STATUSES)
    with pytest.raises(PSAError) as err:
        module.run(dict(PARAMS, new_status="Open"), client(fake))
    assert "'Open'" in err.value.message and "New (portal), New, Closed (resolved)" in err.value.message
    assert [s["method"] for s in fake.seen] == ["GET"] * 5


def test_closing_uses_the_closed_status_of_the_ticket_s_own_board(fake):
    ticket = {"id": 5001, "externalXRef": "msp.psa:handoff:lakeside", "board": {"id": 9, "name": "Alerts"},
              "summary": "s"}
    fake.answer(200, INFO).answer(200, [ticket]).answer(200, [{"id": 90, "name": "Closed (resolved)"}])
    fake.answer(200, dict(ticket, closedFlag=True))
    assert module.run(dict(PARAMS, steps=[]), client(fake))[1] == "closed"
    assert urlsplit(fake.seen[2]["path"]).path.endswith("/service/boards/9/statuses")
    assert fake.seen[3]["body"] == [{"op": "replace", "path": "status", "value": {"id": 90}}]
