"""Messages that say what happened: a dropped create, retried reads, and ConnectWise duplicates per object."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

PRIVATE = "CwPrivateKey0001xyz"


def http(retries=4):
    return HTTPClient(timeout=5, retries=retries, backoff=0.01, redactor=Redactor([PRIVATE]))


def cw(fake):
    fake.answer(200, {"CompanyName": "Tenant", "Codebase": "v2025_1/", "CompanyID": "tenant2"})
    return ConnectWiseClient(http(), "tenant2", "CwPublicKey00001", PRIVATE, "client-id", base_url=fake.url)


def test_a_create_whose_connection_dropped_says_it_was_sent_once_and_may_exist(fake):
    fake.answer("drop")
    fake.answer(201, {"id": 1})  # never asked for: a create is not sent twice
    with pytest.raises(PSAError) as err:
        http().request("POST", fake.url + "/V1.0/Tickets", body={"title": "x"}, idempotent=False)
    assert len(fake.seen) == 1
    msg = err.value.to_fail_json()["msg"]
    assert "attempts" not in msg, msg
    assert "dropped after the request was sent" in msg and "may or may not exist" in msg
    assert "next run" in msg and "adopt" in msg
    assert err.value.kind == "outcome_unknown" and err.value.details["attempts"] == 1


def test_an_idempotent_request_reports_the_attempts_it_really_made(fake):
    for dropped in ("drop", "drop", "drop"):
        fake.answer(dropped)
    with pytest.raises(PSAError) as err:
        http(retries=2).request("GET", fake.url + "/V1.0/Resources/1")
    assert len(fake.seen) == 3
    assert "failed after 3 attempts" in err.value.message and err.value.kind == "connection"
    assert err.value.details["attempts"] == 3


def test_a_create_that_never_reached_the_server_says_nothing_was_created():
    with pytest.raises(PSAError) as err:
        http(retries=1).request("POST", "http://127.0.0.1:9/V1.0/Tickets", body={}, idempotent=False)
    msg = err.value.to_fail_json()["msg"]
    assert "failed after 2 attempts" in msg and "could not connect" in msg and "nothing was created" in msg
    assert err.value.kind == "connection"


def test_psa_error_keeps_the_partial_result():
    out = PSAError("boom", kind="api", result={"users": [1]}).to_fail_json()
    assert out["users"] == [1] and out["msg"] == "boom"


def test_a_role_that_already_exists_is_adopted_on_the_next_run_not_renamed(fake):
    # the sandbox's real error body for POST system/securityroles with a taken name
    client = cw(fake)
    fake.answer(400, {"code": "InvalidObject", "message": "securityRole object is invalid", "errors": [
        {"code": "ObjectExists", "message": "A security role named Sync 365 already exists.",
         "resource": "securityRole", "field": "name"}]})
    with pytest.raises(PSAError) as err:
        client.create("system/securityroles", {"name": "Sync 365"})
    msg = err.value.to_fail_json()["msg"]
    assert err.value.kind == "duplicate"
    assert "identifier" not in msg, msg
    assert "security role named 'Sync 365' already exists" in msg
    assert "adopt" in msg and "by name" in msg and "next run" in msg


def test_an_api_member_identifier_that_exists_names_both_kinds_of_member(fake):
    client = cw(fake)
    fake.answer(400, {"code": "InvalidObject", "message": "apiMember object is invalid", "errors": [
        {"code": "ObjectExists", "message": "A member with the identifier jdoe already exists.",
         "resource": "apiMember", "field": "identifier"}]})
    with pytest.raises(PSAError) as err:
        client.create("system/apiMembers", {"identifier": "jdoe", "name": "clash"})
    msg = err.value.to_fail_json()["msg"]
    assert err.value.kind == "duplicate" and err.value.details["field"] == "identifier"
    assert "member with the identifier 'jdoe' already exists" in msg
    assert "API member" in msg and "System > Members" in msg and "adopted" in msg
    assert "another identifier" in msg


def test_an_unknown_duplicate_still_names_the_field_and_what_to_do(fake):
    client = cw(fake)
    fake.answer(400, {"code": "InvalidObject", "message": "thing object is invalid", "errors": [
        {"code": "ObjectExists", "message": "A thing with that code exists.", "resource": "thing", "field": "code"}]})
    with pytest.raises(PSAError) as err:
        client.create("system/things", {"code": "x"})
    msg = err.value.to_fail_json()["msg"]
    assert err.value.kind == "duplicate" and "code" in msg and "A thing with that code exists." in msg


def test_a_request_that_is_not_retried_does_not_claim_five_attempts(fake):
    fake.answer(302, None, {"Location": fake.url + "/elsewhere"})
    with pytest.raises(PSAError) as err:
        http().request("GET", fake.url + "/V1.0/Resources/1")
    assert len(fake.seen) == 1
    assert "after 5 attempts" not in err.value.message and "after 1 attempt" in err.value.message, err.value.message
