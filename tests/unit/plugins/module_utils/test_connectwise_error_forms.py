"""ConnectWise errors in the forms of its ``ErrorResponseMessage`` envelope (connectwise-api.md 2: real bodies
where known), classified by status and structure, with ConnectWise's own text, and the API version pinned in
one place, overridable and named wherever the version could be the cause."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._connectwise import (
    API_VERSION, AUTH_SPEC, ConnectWiseClient)
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError

INFO = {"Codebase": "v2025_1/", "CompanyName": "Tenant Two"}
PRIVATE = "PRIV-secret-1"


def client(api, version=None, retries=0):
    kwargs = {"api_version": version} if version else {}
    return ConnectWiseClient(HTTPClient(timeout=5, retries=retries, backoff=0), "tenant2", "PUB", PRIVATE,
                             "client-id-1", base_url=api.url, **kwargs)


def failure(api, status, body, headers=None, method="GET", path="service/tickets", sent=None, c=None):
    api.answer(200, INFO)
    api.answer(status, body, headers)
    with pytest.raises(PSAError) as err:
        (c or client(api)).call(method, path, body=sent, idempotent=method == "GET")
    assert PRIVATE not in err.value.message
    return err.value


def test_the_version_is_pinned_once_and_sent_in_the_accept_header(fake):
    assert AUTH_SPEC["connectwise_api_version"]["default"] == API_VERSION
    fake.answer(200, INFO)
    fake.answer(200, [])
    client(fake).list("service/boards")
    assert fake.seen[1]["headers"]["Accept"] == "application/vnd.connectwise.com+json; version=%s" % API_VERSION


def test_an_overridden_version_is_sent_also_when_verifying_another_member(fake):
    c = client(fake, "2026.4")
    fake.answer(200, INFO)
    fake.answer(200, [])
    fake.answer(200, [])
    c.list("service/boards")
    c.as_member("MPUB", "MPRIV-key-22").list("system/mySecurity")
    assert [s["headers"]["Accept"].split("version=")[1] for s in fake.seen[1:]] == ["2026.4", "2026.4"]


@pytest.mark.parametrize("status,body", [
    (406, None),
    # the body quoted in covenanttechnologysolutions/connectwise-rest issue #35 (status not published)
    (400, {"code": "ConnectWiseApi", "message": "The HTTP resource that matches the request URI "
                                                "'https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets' "
                                                "does not support the API version '1999.1'.", "errors": None}),
])
def test_a_refused_version_names_the_version_sent_and_how_to_override_it(fake, status, body):
    err = failure(fake, status, body, {"api-current-version": "2025.1"}, c=client(fake, "1999.1"))
    assert err.kind == "api_version" and err.status == status
    assert "1999.1" in err.message and "connectwise_api_version" in err.message and "2025.1" in err.message
    assert err.details["api_version"] == "1999.1" and err.details["server_version"] == "2025.1"


def test_invalid_object_names_the_fields_quotes_connectwise_and_the_version(fake):
    body = {"code": "InvalidObject", "message": "company object is invalid", "errors": [
        {"code": "OutOfRange", "message": "The field yearEstablished must be between 1900 and 9999.",
         "resource": "company", "field": "yearEstablished"}]}
    err = failure(fake, 400, body, method="POST", path="company/companies", sent={"yearEstablished": 1})
    assert err.kind == "invalid_input" and err.details["fields"] == ["yearEstablished"]
    assert "company object is invalid" in err.message and "must be between 1900 and 9999" in err.message
    assert API_VERSION in err.message and "connectwise_api_version" in err.message


def test_a_duplicate_is_still_a_duplicate(fake):
    body = {"code": "InvalidObject", "message": "callbackEntry object is invalid", "errors": [
        {"code": "ObjectExists", "message": "A matching callback entry already exists", "resource": "callbackEntry",
         "field": "objectId"}]}
    err = failure(fake, 400, body, method="POST", path="system/callbacks", sent={"objectId": 1})
    assert err.kind == "duplicate" and "A matching callback entry already exists" in err.message


def test_not_authenticated_is_a_credentials_error_with_connectwise_s_text(fake):
    err = failure(fake, 401, {"code": "ConnectWiseApi", "message": "UserNotAuthenticated"})
    assert err.kind == "credentials" and "ConnectWiseApi: UserNotAuthenticated" in err.message
    assert len(fake.seen) == 2


def test_a_403_quotes_the_permission_connectwise_names(fake):
    err = failure(fake, 403, {"code": "Security", "message": "You do not have Inquire access to Service Tickets."})
    assert err.kind == "permission" and "Inquire access to Service Tickets" in err.message


def test_a_404_names_the_version(fake):
    err = failure(fake, 404, {"code": "NotFound", "message": "Ticket Not Found"}, path="service/tickets/99")
    assert err.kind == "not_found" and "Ticket Not Found" in err.message and API_VERSION in err.message


def test_a_409_is_a_conflict_to_run_again(fake):
    err = failure(fake, 409, {"code": "Conflict", "message": "The record is in use."}, method="PATCH",
                  path="service/tickets/5", sent=[])
    assert err.kind == "conflict" and "The record is in use." in err.message and "Run again" in err.fix


def test_a_429_quotes_the_error_shaped_envelope(fake):
    err = failure(fake, 429, {"error": "ConnectWiseAPI", "message": "Too many requests. Please try again in 30 seconds."},
                  {"Retry-After": "0"})
    assert err.kind == "rate_limited" and "Too many requests. Please try again in 30 seconds." in err.message


def test_a_server_error_quotes_connectwise(fake):
    err = failure(fake, 500, {"code": "ConnectWiseApi", "message": "A timeout has occured. Please try again."})
    assert err.kind == "api" and "A timeout has occured. Please try again." in err.message


def test_a_malformed_conditions_400_is_invalid_input_naming_the_version(fake):
    err = failure(fake, 400, {"code": "InvalidObject", "message": "conditions: unbalanced parenthesis", "errors": None})
    assert err.kind == "invalid_input" and "conditions: unbalanced parenthesis" in err.message
    assert API_VERSION in err.message
