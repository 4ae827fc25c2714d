"""Autotask errors in the forms the real service answers (docs/notes: autotask-api.md 2.2, real-api-rules.md
"Authentication and limits"), classified by status and structure, with the PSA's own text in the message.

The bodies are the documented envelopes; where the vendor's exact text is unknown (an unknown username, a wrong
tracking identifier answered as 500) the test uses an opaque text on purpose: classification must not depend
on it."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import credential_check
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

SECRET = "TopSecretValue2026abc"
CODE = "CUSTOMTRACKINGIDENTIFIER123"
OPAQUE = {"errors": ["Something went wrong"]}  # the envelope apigrate/autotask-restapi#19 shows for such 500s
THRESHOLD = {"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60, "currentTimeframeRequestCount": 1}
THREAD_ITGENATR = {"errors": ["Itgenatr005"]}
THREAD_TEXT = {"errors": ["The thread threshold for this API tracking identifier and endpoint has been exceeded."]}


def client(fake, retries=3):
    http = HTTPClient(timeout=5, retries=retries, backoff=0.01, redactor=Redactor([SECRET, CODE]))
    return AutotaskClient(http, "msppsa01@t.example", SECRET, CODE, zone_url=fake.url + "/webservices5/ATServicesRest/")


def failure(fake, method="GET", path="ThresholdInformation", body=None, idempotent=True, c=None):
    with pytest.raises(PSAError) as err:
        (c or client(fake)).call(method, path, body, idempotent=idempotent)
    return err.value


def paths(fake):
    return [s["path"].split("/V1.0/")[-1] for s in fake.seen]


# -- authentication ----------------------------------------------------------------------------------
def test_a_bad_secret_is_a_401_with_an_empty_body_and_says_a_lock_looks_the_same(fake):
    fake.answer(401, None, {"WWW-Authenticate": 'Basic realm="webservices5.autotask.net"'})
    err = failure(fake)
    assert err.kind == "credentials" and err.status == 401 and len(fake.seen) == 1
    assert "no error text" in err.message and "locked" in err.message and "did not retry" in err.fix


@pytest.mark.parametrize("status", [401, 500])
def test_an_unknown_username_answered_as_401_or_500_is_a_credentials_error(fake, status):
    fake.answer(status, OPAQUE)
    err = failure(fake)
    assert err.kind == "credentials" and err.status == status
    assert "Something went wrong" in err.message, "the PSA's own text is shown"
    assert len(fake.seen) == 1, "an authentication failure is never retried"


def test_a_500_on_the_first_query_is_confirmed_as_credentials_by_one_read_without_content(fake):
    fake.answer(500, OPAQUE)
    fake.answer(500, OPAQUE)
    err = failure(fake, "POST", "Resources/query", {"filter": [{"op": "eq", "field": "id", "value": 1}]})
    assert err.kind == "credentials" and "autotask_integration_code" in err.fix and "autotask_username" in err.fix
    assert "Something went wrong" in err.message
    assert paths(fake) == ["Resources/query", "ThresholdInformation"]


def test_a_500_on_the_first_query_that_the_credentials_pass_is_the_query_s_own_error(fake):
    fake.answer(500, {"errors": ["Unable to find projectID in the TimeEntry Entity"]})
    fake.answer(200, THRESHOLD)
    err = failure(fake, "POST", "TimeEntries/query", {"filter": [{"op": "eq", "field": "projectID", "value": 1}]})
    assert err.kind == "api" and "Unable to find projectID in the TimeEntry Entity" in err.message
    assert err.details["psa_errors"] == ["Unable to find projectID in the TimeEntry Entity"]


def test_after_a_success_a_500_is_the_request_s_own_error_without_a_probe(fake):
    c = client(fake)
    fake.answer(200, THRESHOLD)
    c.threshold()
    fake.answer(500, {"errors": ["dueDateTime is required.; on record number [0]."]})
    err = failure(fake, "POST", "Tickets", {"title": "x"}, idempotent=False, c=c)
    assert err.kind == "api" and "dueDateTime is required.; on record number [0]." in err.message
    assert paths(fake) == ["ThresholdInformation", "Tickets"]


@pytest.mark.parametrize("status", [401, 500])
def test_a_wrong_integration_code_is_named_as_such_when_the_psa_says_so(fake, status):
    fake.answer(status, {"errors": ["IntegrationCode is invalid."]})  # the text of MattParr/python-atws#64
    err = failure(fake)
    assert err.kind == "tracking_identifier" and "IntegrationCode is invalid." in err.message


def test_a_credential_check_reports_a_500_refusal_as_invalid(fake):
    fake.answer(500, OPAQUE)
    outcome = credential_check(lambda: HTTPClient(timeout=5, retries=0), {
        "custom_integration": True, "username": "vendor01@t.example", "api_user_secret": SECRET,
        "api_user_integration_code": CODE}, fake.url + "/webservices5/ATServicesRest/")
    assert outcome[0] == "invalid" and "Something went wrong" in outcome[1] and SECRET not in outcome[1]


# -- permission ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [403, 500])
def test_missing_permission_as_403_or_500_quotes_the_psa(fake, status):
    c = client(fake)
    fake.answer(200, THRESHOLD)
    c.threshold()
    text = "The logged in Resource does not have the adequate permissions to update the Resource entity."
    fake.answer(status, {"errors": [text]})
    err = failure(fake, "PATCH", "Resources", {"id": 5, "lastName": "x"}, c=c)
    assert err.kind == "permission" and err.details["action"] == "update" and text in err.message


# -- thread limit and rate limits ----------------------------------------------------------------------
@pytest.mark.parametrize("payload", [THREAD_ITGENATR, THREAD_TEXT])
def test_a_thread_limit_rejection_without_429_or_retry_after_is_retried_for_reads(fake, payload):
    fake.answer(500, payload)
    fake.answer(500, payload)
    fake.answer(200, {"items": [{"id": 1}], "pageDetails": {}})
    assert client(fake).query("Resources", [{"op": "gte", "field": "id", "value": 0}]) == [{"id": 1}]
    assert paths(fake) == ["Resources/query"] * 3


def test_a_thread_limit_rejection_honours_its_retry_after(fake):
    fake.answer(400, THREAD_TEXT, {"Retry-After": "0"})
    fake.answer(200, THRESHOLD)
    assert client(fake).threshold()["used"] == 1 and len(fake.seen) == 2


def test_a_thread_limit_rejection_of_a_create_is_never_resent(fake):
    c = client(fake)
    fake.answer(200, THRESHOLD)
    c.threshold()
    fake.answer(500, THREAD_ITGENATR)
    fake.answer(200, {"itemId": 9})
    err = failure(fake, "POST", "Tickets", {"title": "x"}, idempotent=False, c=c)
    assert err.kind == "thread_limit" and "Itgenatr005" in err.message and "never sent twice" in err.fix
    assert paths(fake) == ["ThresholdInformation", "Tickets"]


def test_thread_limit_retries_are_bounded(fake):
    for dummy in range(10):
        fake.answer(500, THREAD_TEXT)
    err = failure(fake, c=client(fake, retries=2))
    assert err.kind == "thread_limit" and len(fake.seen) == 3


def test_a_thread_limit_429_without_retry_after_is_retried(fake):
    fake.answer(429, THREAD_TEXT)
    fake.answer(200, THRESHOLD)
    assert client(fake).threshold()["used"] == 1 and len(fake.seen) == 2


def test_an_hourly_budget_refusal_shows_what_autotask_said(fake):
    text = "The request threshold of 10000 requests per 60 minutes has been exceeded."
    fake.answer(429, {"errors": [text]}, {"Retry-After": "3600"})
    err = failure(fake)
    assert err.kind == "rate_limited" and text in err.message and len(fake.seen) == 1


def test_a_405_shows_the_asp_net_message(fake):
    c = client(fake)
    fake.answer(200, THRESHOLD)
    c.threshold()
    fake.answer(405, {"Message": "The requested resource does not support http method 'POST'."})
    err = failure(fake, "POST", "Resources", {"x": 1}, idempotent=False, c=c)
    assert err.kind == "api" and "does not support http method 'POST'" in err.message
