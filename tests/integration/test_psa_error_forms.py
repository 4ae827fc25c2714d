"""The collection's clients against the sandbox's real-API forms, under each setting of the switches where the
sources disagree (docs/sandbox.md): Autotask authentication failures (401 empty or 500 with ``errors``), thread-
limit rejections (429 with Retry-After, or 500 without), and a ConnectWise API version the server refuses."""
import threading

import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask import AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise import API_VERSION, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError

from .seed import ADMIN, CW


def autotask(sandbox, username=ADMIN["username"], secret=ADMIN["secret"], code=ADMIN["code"], backoff=0.5):
    zone = AutotaskClient(HTTPClient(timeout=10), ADMIN["username"], ADMIN["secret"], ADMIN["code"],
                          discovery_url=sandbox.url + "/atservicesrest/").base_url.rsplit("V1.0/", 1)[0]
    return AutotaskClient(HTTPClient(timeout=10, retries=6, backoff=backoff), username, secret, code, zone_url=zone)


def settings(sandbox, **autotask_settings):
    sandbox.sandbox.settings.update({"autotask": autotask_settings})


@pytest.fixture(params=["401-empty", "500-json"])
def auth_failure(request, sandbox):
    settings(sandbox, auth_failure=request.param)
    yield request.param
    settings(sandbox, auth_failure="401-empty")


def refusal(client, method="GET", path="ThresholdInformation", body=None):
    with pytest.raises(PSAError) as err:
        client.call(method, path, body)
    assert ADMIN["secret"] not in err.value.message and ADMIN["code"] not in err.value.message
    return err.value


def test_an_unknown_username_is_an_authentication_failure_in_either_form(sandbox, auth_failure):
    err = refusal(autotask(sandbox, username="nobody01@tenant1.example"))
    assert err.kind == "credentials" and err.status == (401 if auth_failure == "401-empty" else 500)
    err = refusal(autotask(sandbox, username="nobody01@tenant1.example"), "POST", "Resources/query",
                  {"filter": [{"op": "gte", "field": "id", "value": 0}]})
    assert err.kind == "credentials"


def test_a_wrong_integration_code_is_an_authentication_failure_in_either_form(sandbox, auth_failure):
    err = refusal(autotask(sandbox, code="WRONGTRACKINGIDENTIFIER0001"))
    if auth_failure == "500-json":
        assert err.kind == "tracking_identifier" and err.status == 500
    else:
        assert err.kind == "credentials" and err.status == 401 and "integration code" in err.message


def test_a_wrong_secret_is_a_401_in_either_form_and_never_retried(sandbox, auth_failure, view):
    err = refusal(autotask(sandbox, secret="NotTheSecret2026abcdefgh"))
    assert err.kind == "credentials" and err.status == 401
    assert len([r for r in view.requests() if r["path"].endswith("ThresholdInformation")]) == 1


@pytest.mark.parametrize("response", ["429", "500-no-retry-after"])
def test_thread_limit_rejections_are_retried_for_reads_in_either_form(sandbox, view, response):
    sandbox.sandbox.settings.update({"faults": {"latency_ms": 300}})
    settings(sandbox, thread_limit=1, thread_limit_response=response)
    clients = [autotask(sandbox, backoff=0.2) for dummy in range(3)]
    for c in clients:
        c.authenticated = True  # the zone lookups above; the reads below run at once
    results, errors = [], []

    def read(c):
        try:
            results.append(c.threshold())
        except PSAError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(c,)) for c in clients]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sandbox.sandbox.settings.update({"faults": {"latency_ms": 0}})
        settings(sandbox, thread_limit=3, thread_limit_response="429")
    assert errors == [] and len(results) == 3
    statuses = [r["status"] for r in view.requests() if r["path"].endswith("ThresholdInformation")]
    assert (429 if response == "429" else 500) in statuses, statuses


def connectwise(sandbox, version=None):
    kwargs = {"api_version": version} if version else {}
    return ConnectWiseClient(HTTPClient(timeout=10), CW["company"], CW["public"], CW["private"], CW["client_id"],
                             base_url=sandbox.url, **kwargs)


def test_the_pinned_connectwise_version_is_served_and_a_refused_one_is_named(sandbox):
    assert connectwise(sandbox).get("system/info")["version"]
    with pytest.raises(PSAError) as err:
        connectwise(sandbox, "2999.1").get("system/info")
    assert err.value.kind == "api_version" and "2999.1" in err.value.message
    assert "connectwise_api_version" in err.value.message and API_VERSION in err.value.fix
