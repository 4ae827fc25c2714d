"""The Autotask client against a scripted fake API: paging, retries, classification, redaction, cache."""
import time

import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask import (
    AutotaskClient, Picklist, ZoneCache, lookup_zone, web_url_for, zone_name_for_ui)
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError, Redactor

SECRET = "TopSecretValue2026abc"
CODE = "CUSTOMTRACKINGIDENTIFIER123"


def client(fake, retries=3, check_mode=False, zone_cache=None):
    http = HTTPClient(timeout=5, retries=retries, backoff=0.01, redactor=Redactor([SECRET, CODE]))
    return AutotaskClient(http, "msppsa01@t.example", SECRET, CODE, zone_url=fake.url + "/webservices5/ATServicesRest/",
                          discovery_url=fake.url + "/atservicesrest/", check_mode=check_mode, zone_cache=zone_cache)


def zone_answer(fake, n):
    return {"zoneName": "Zone %d" % n, "url": "%s/webservices%d/ATServicesRest/" % (fake.url, n),
            "webUrl": "https://ww%d.autotask.net/" % n, "ci": 310001}


def test_query_follows_next_page_urls_with_the_same_body(fake):
    nxt = fake.url + "/webservices5/ATServicesRest/V1.0/Resources/query/next?paging=x"
    fake.answer(200, {"items": [{"id": 1}, {"id": 2}], "pageDetails": {"nextPageUrl": nxt}})
    fake.answer(200, {"items": [{"id": 3}], "pageDetails": {"nextPageUrl": None}})
    rows = client(fake).query("Resources", [{"op": "gte", "field": "id", "value": 0}], include_fields=["id"])
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert [s["method"] for s in fake.seen] == ["POST", "POST"]
    assert fake.seen[1]["path"].endswith("/query/next?paging=x")
    assert fake.seen[0]["body"] == fake.seen[1]["body"] == {
        "filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 500, "includeFields": ["id"]}
    assert fake.seen[0]["headers"]["UserName"] == "msppsa01@t.example"
    assert fake.seen[0]["headers"]["ApiIntegrationCode"] == CODE


def test_429_with_retry_after_5xx_and_dropped_connections_are_retried(fake):
    fake.answer(429, {"errors": ["thread threshold"]}, {"Retry-After": "1"})
    fake.answer(503, {"errors": ["busy"]})
    fake.answer("drop")
    fake.answer(200, {"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60,
                      "currentTimeframeRequestCount": 2500})
    started = time.time()
    expected = {"limit": 10000, "timeframe_minutes": 60, "used": 2500, "remaining": 7500, "used_percent": 25.0}
    assert client(fake).threshold() == expected
    assert time.time() - started >= 1.0, "Retry-After was honoured"
    assert len(fake.seen) == 4


def test_a_failed_login_is_never_retried_and_names_the_fix_without_secrets(fake):
    fake.answer(401, None, {"WWW-Authenticate": 'Basic realm="webservices5"'})
    fake.answer(200, zone_answer(fake, 5))  # the declared zone is checked once: it is the right one
    fake.answer(200, {})
    with pytest.raises(PSAError) as err:
        client(fake).call("GET", "ThresholdInformation")
    assert [s["path"].split("?")[0] for s in fake.seen] == [
        "/webservices5/ATServicesRest/V1.0/ThresholdInformation", "/atservicesrest/v1.0/zoneInformation"]
    assert "Secret" not in fake.seen[1]["headers"], "the zone lookup is unauthenticated"
    assert err.value.kind == "credentials" and "did not retry" in err.value.fix
    assert SECRET not in str(err.value.to_fail_json()) and CODE not in str(err.value.to_fail_json())


def test_a_declared_zone_that_is_not_the_databases_is_looked_up_once_and_the_call_repeated(fake, tmp_path):
    fake.answer(401, None)
    fake.answer(200, zone_answer(fake, 14))
    fake.answer(200, {"externalRequestThreshold": 100, "currentTimeframeRequestCount": 1})
    fake.answer(401, None)
    at = client(fake, zone_cache=ZoneCache(path=str(tmp_path)))
    assert at.threshold()["limit"] == 100
    assert [s["path"].split("?")[0] for s in fake.seen] == [
        "/webservices5/ATServicesRest/V1.0/ThresholdInformation", "/atservicesrest/v1.0/zoneInformation",
        "/webservices14/ATServicesRest/V1.0/ThresholdInformation"]
    assert at.zone["ui_zone"] == "webservices14" and at.zone["source"] == "discovery"
    assert "autotask_zone_url" in at.zone_warning() and "webservices14" in at.zone_warning()
    with pytest.raises(PSAError) as err:  # the new zone answered: a later 401 is the credentials', not looked up
        at.call("GET", "ThresholdInformation")
    assert err.value.kind == "credentials" and len(fake.seen) == 4
    cached = ZoneCache(path=str(tmp_path)).get("%s/atservicesrest|msppsa01@t.example" % fake.url.lower())
    assert cached["url"].endswith("/webservices14/ATServicesRest/"), "the cache holds the new zone"


def test_a_zone_that_was_just_discovered_is_not_looked_up_again(fake, tmp_path):
    fake.answer(200, zone_answer(fake, 5))
    fake.answer(401, None)
    http = HTTPClient(timeout=5, retries=0, redactor=Redactor([SECRET, CODE]))
    at = AutotaskClient(http, "msppsa01@t.example", SECRET, CODE, discovery_url=fake.url + "/atservicesrest/",
                        zone_cache=ZoneCache(path=str(tmp_path)))
    with pytest.raises(PSAError):
        at.call("GET", "ThresholdInformation")
    assert len(fake.seen) == 2


@pytest.mark.parametrize("status,errors,kind", [
    (500, ["IntegrationCode is invalid for this user."], "tracking_identifier"),
    (401, ["The account is locked."], "locked"),
    (500, ["The user name is not valid."], "credentials"),
    (403, ["The logged in Resource does not have the adequate permissions to query the Contract entity."], "permission"),
    (500, ["The logged in Resource does not have the adequate permissions to update the Resource entity."], "permission"),
    (500, ["Unable to find foo in the Resource Entity."], "api"),
])
def test_errors_are_classified_for_humans(fake, status, errors, kind):
    fake.answer(status, {"errors": errors})
    if kind == "api":  # a 500 on the first request: one read without content shows the credentials pass
        fake.answer(200, {})
    with pytest.raises(PSAError) as err:
        client(fake).call("POST", "Contracts/query", {"filter": []})
    assert err.value.kind == kind
    if kind == "permission":
        assert err.value.details["entity"] == "Contracts" and "Security Levels" in err.value.fix


def test_an_exhausted_hourly_budget_fails_at_once_instead_of_sleeping(fake):
    fake.answer(429, {"errors": ["The request threshold of 10000 requests per 60 minutes has been exceeded."]},
                {"Retry-After": "1800"})
    started = time.time()
    with pytest.raises(PSAError) as err:
        client(fake).call("GET", "Resources/1")
    assert time.time() - started < 5 and err.value.kind == "rate_limited"
    assert err.value.details == {"retry_after": 1800.0}


def test_creates_are_not_repeated_after_an_ambiguous_failure(fake):
    fake.answer(503, {"errors": ["busy"]})
    fake.answer(200, {"itemId": 5})
    with pytest.raises(PSAError):
        client(fake).create("Tickets", {"title": "x"})
    assert len(fake.seen) == 1
    fake.server.script.clear()
    fake.answer(429, {"errors": ["slow down"]}, {"Retry-After": "0"})
    fake.answer(200, {"itemId": 6})
    assert client(fake).create("Tickets", {"title": "x"})["id"] == 6, "429 means not processed: retried"


def test_secrets_echoed_by_a_server_are_redacted(fake):
    fake.answer(500, {"errors": ["bad header Secret=%s code=%s" % (SECRET, CODE)]})
    with pytest.raises(PSAError) as err:
        client(fake).get("Resources", 1)
    assert SECRET not in err.value.message and CODE not in err.value.message and "********" in err.value.message


def test_check_mode_predicts_and_writes_nothing(fake):
    c = client(fake, check_mode=True)
    assert c.update("Resources", {"id": 1, "lastName": "a"}, {"lastName": "b"}) == {"id": 1, "lastName": "b"}
    assert c.create_child("Resources", 1, "RoleDepartments", {"roleID": 2})["id"] is None
    assert fake.seen == []


def test_zone_lookup_is_cached_on_disk_per_username(fake, tmp_path):
    fake.answer(200, {"zoneName": "America West", "url": "https://webservices5.autotask.net/ATServicesRest/",
                      "webUrl": "https://ww5.autotask.net/", "ci": 1})
    cache = ZoneCache(ttl=60, path=str(tmp_path / "zones"))
    http = HTTPClient(timeout=5, retries=0)
    first = lookup_zone(http, "A@t.example", fake.url + "/atservicesrest/", cache)
    second = lookup_zone(http, "a@T.example", fake.url + "/atservicesrest/", cache)
    assert first["cached"] is False and second["cached"] is True and second["url"] == first["url"]
    assert len(fake.seen) == 1 and fake.seen[0]["path"] == "/atservicesrest/v1.0/zoneInformation?user=A%40t.example"
    expired = ZoneCache(ttl=0, path=str(tmp_path / "zones"))
    fake.answer(500, {"errors": ["Zone information could not be determined"]})
    with pytest.raises(PSAError) as err:
        lookup_zone(http, "a@t.example", fake.url + "/atservicesrest/", expired)
    assert err.value.kind == "unknown_username"


def test_zone_naming_and_picklists():
    assert web_url_for("https://webservices14.autotask.net/ATServicesRest/") == "https://ww14.autotask.net/"
    assert zone_name_for_ui("https://ww2.autotask.net/") == "webservices2"
    levels = Picklist("userType", [{"value": "24", "label": "API User (system)"}, {"value": "27", "label": "Custom"}])
    assert levels.label(24) == "API User (system)" and levels.value("api user (SYSTEM)") == 24
    assert levels.value("nope") is None and levels.labels() == ["API User (system)", "Custom"]


def test_a_cached_zone_refused_in_the_500_form_is_looked_up_again(fake, tmp_path):
    fake.answer(500, {"errors": ["The user name is not valid."]})  # a query refused before anything succeeded
    fake.answer(500, {"errors": ["The user name is not valid."]})  # the content-free probe: refused as well
    fake.answer(200, zone_answer(fake, 14))
    fake.answer(200, {"items": [{"id": 1}], "pageDetails": {}})
    at = client(fake, zone_cache=ZoneCache(path=str(tmp_path)))
    assert at.query("Resources", [{"op": "gte", "field": "id", "value": 0}]) == [{"id": 1}]
    assert fake.seen[-1]["path"] == "/webservices14/ATServicesRest/V1.0/Resources/query"


@pytest.mark.parametrize("option", ["autotask_username", "autotask_secret", "autotask_integration_code"])
def test_a_credential_with_a_line_break_is_refused_naming_the_option_not_the_value(fake, option):
    """A secret pasted with its trailing newline: http.client would refuse the header with an error quoting it."""
    values = {"autotask_username": "msppsa01@t.example", "autotask_secret": SECRET, "autotask_integration_code": CODE}
    values[option] += "\n"
    http = HTTPClient(timeout=5, retries=0, redactor=Redactor([SECRET, CODE]))
    with pytest.raises(PSAError) as err:
        AutotaskClient(http, values["autotask_username"], values["autotask_secret"], values["autotask_integration_code"],
                       zone_url=fake.url + "/webservices5/ATServicesRest/")
    text = str(err.value) + str(err.value.to_fail_json())
    assert option in text and "trim" in text and err.value.kind == "invalid_input"
    assert SECRET not in text and CODE not in text
    assert not fake.seen, "nothing is sent"


def test_a_header_http_refuses_fails_without_quoting_it(fake):
    """The seam's own guard, for any header a client did not check: the error names no value."""
    http = HTTPClient(timeout=5, retries=0, redactor=Redactor([SECRET]))
    with pytest.raises(PSAError) as err:
        http.request("GET", fake.url + "/x", headers={"Secret": SECRET + "\n"})
    assert SECRET not in str(err.value) and err.value.kind == "invalid_input"
