"""The ConnectWise client against a scripted fake API: discovery, auth, conditions, Link paging, JSON-Patch,
check mode, and verifying another member's key pair without a second discovery."""
import base64

import pytest

from ansible_collections.msp.psa.plugins.module_utils._connectwise import (
    ConnectWiseClient, all_of, condition, quote, site_hosts)
from ansible_collections.msp.psa.plugins.module_utils._credential_check import verify_key_pair
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError

INFO = {"Codebase": "v2025_1/", "CompanyName": "Tenant Two"}


@pytest.fixture()
def api(fake):
    return fake


def client(api, check_mode=False):
    return ConnectWiseClient(HTTPClient(timeout=5, retries=1, backoff=0), "tenant2", "PUB", "PRIV-secret-1",
                             "client-id-1", base_url=api.url, check_mode=check_mode)


def test_conditions_quote_strings_and_refuse_bad_field_names():
    assert condition("identifier", "=", 'S"365\\') == 'identifier = "S\\"365\\\\"'
    assert condition("id", "in", [1, 2]) == "id in (1,2)" and quote(True) == "true" and quote(None) == "null"
    assert all_of("a = 1", "b = 2 or c = 3") == "a = 1 and (b = 2 or c = 3)"
    with pytest.raises(PSAError):
        condition("name; drop", "=", "x")
    assert site_hosts("eu") == ("https://eu.myconnectwise.net", "https://api-eu.myconnectwise.net")


def test_discovery_auth_headers_and_link_paging(api):
    api.answer(200, INFO)
    api.answer(200, [{"id": 1}], {"Link": '<%s/v2025_1/apis/3.0/system/apiMembers?page=2>; rel="next"' % api.url})
    api.answer(200, [{"id": 2}])
    rows = client(api).list("system/apiMembers", condition("identifier", "=", "S365"))
    assert rows == [{"id": 1}, {"id": 2}]
    first = api.seen[1]
    assert api.seen[0]["path"] == "/login/companyinfo/tenant2"
    assert first["path"].startswith("/v2025_1/apis/3.0/system/apiMembers?")
    assert first["headers"]["clientId"] == "client-id-1"
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(b"tenant2+PUB:PRIV-secret-1").decode()
    assert "version=" in first["headers"]["Accept"]


def test_patch_is_json_patch_and_check_mode_writes_nothing(api):
    api.answer(200, INFO)
    api.answer(200, {"id": 7, "name": "New"})
    c = client(api)
    c.patch("system/apiMembers/7", {"id": 7}, {"name": "New", "inactiveFlag": False})
    assert api.seen[1]["method"] == "PATCH" and api.seen[1]["body"] == [
        {"op": "replace", "path": "inactiveFlag", "value": False}, {"op": "replace", "path": "name", "value": "New"}]
    dry = client(api, check_mode=True)
    assert dry.create("system/apiMembers", {"identifier": "S365"}) == {"identifier": "S365", "id": None}
    assert dry.patch("system/apiMembers/7", {"id": 7}, {"name": "X"}) == {"id": 7, "name": "X"}
    assert len(api.seen) == 2


def test_a_refused_pair_is_not_retried_and_the_private_key_is_redacted(api):
    api.answer(200, INFO)
    api.answer(401, {"code": "Unauthorized", "message": "bad PRIV-secret-1"})
    with pytest.raises(PSAError) as err:
        client(api).list("system/info")
    assert err.value.kind == "credentials" and "PRIV-secret-1" not in err.value.message
    assert len(api.seen) == 2


def test_verify_key_pair_as_the_member_without_a_second_discovery(api):
    api.answer(200, INFO)
    api.answer(200, [{"id": 1}])
    api.answer(200, [{"member": {"identifier": "S365"}, "moduleFunctionName": "Agreements"}])
    api.answer(200, [{"member": {"identifier": "OTHER"}}])
    api.answer(401, {"code": "Unauthorized", "message": "nope"})
    c = client(api)
    c.list("system/apiMembers")
    assert verify_key_pair(c, "S365", "MPUB", "MPRIV-key-22") == ("valid", None)
    assert verify_key_pair(c, "S365", "MPUB", "MPRIV-key-22")[0] == "wrong_member"
    state, detail = verify_key_pair(c, "S365", "MPUB", "MPRIV-key-22")
    assert state == "invalid" and "MPRIV-key-22" not in detail
    paths = [s["path"].split("?")[0] for s in api.seen]
    assert paths.count("/login/companyinfo/tenant2") == 1
    assert api.seen[2]["headers"]["Authorization"] == "Basic " + base64.b64encode(b"tenant2+MPUB:MPRIV-key-22").decode()


def test_a_declared_codebase_costs_no_companyinfo_and_a_moved_one_is_found_again(api):
    declared = ConnectWiseClient(HTTPClient(timeout=5, retries=1, backoff=0), "tenant2", "PUB", "PRIV-secret-1",
                                 "client-id-1", base_url=api.url, codebase="v2025_1/")
    api.answer(200, [{"id": 1}])
    assert declared.list("system/apiMembers") == [{"id": 1}]
    assert [s["path"].split("?")[0] for s in api.seen] == ["/v2025_1/apis/3.0/system/apiMembers"]

    moved = ConnectWiseClient(HTTPClient(timeout=5, retries=1, backoff=0), "tenant2", "PUB", "PRIV-secret-1",
                              "client-id-1", base_url=api.url, codebase="v2019_4/")
    api.answer(404, {"code": "NotFound", "message": "not this company's codebase"})
    api.answer(200, INFO)
    api.answer(200, [{"id": 2}])
    api.answer(404, {"code": "NotFound", "message": "no such member"})
    assert moved.list("system/apiMembers") == [{"id": 2}]
    assert [s["path"].split("?")[0] for s in api.seen[1:]] == [
        "/v2019_4/apis/3.0/system/apiMembers", "/login/companyinfo/tenant2", "/v2025_1/apis/3.0/system/apiMembers"]
    assert "connectwise_codebase v2019_4/" in moved.codebase_warning() and "v2025_1/" in moved.codebase_warning()
    with pytest.raises(PSAError) as err:  # verified: a later 404 is a real one, companyinfo is not asked again
        moved.get("system/members/99")
    assert err.value.kind == "not_found" and len(api.seen) == 5


def test_a_client_id_with_a_line_break_is_refused_naming_the_option(api):
    with pytest.raises(PSAError) as err:
        ConnectWiseClient(HTTPClient(timeout=5, retries=0), "tenant2", "PUB", "PRIV-secret-1", "client-id-1\n",
                          base_url=api.url)
    assert "connectwise_client_id" in str(err.value) and err.value.kind == "invalid_input"
    assert not api.seen


def test_a_company_with_a_line_break_fails_without_quoting_the_key_pair(api):
    """The company goes into the companyinfo URL, which http.client refuses; the key pair is never quoted."""
    with pytest.raises(PSAError) as err:
        ConnectWiseClient(HTTPClient(timeout=5, retries=0), "tenant2\n", "PUB", "PRIV-secret-1", "client-id-1",
                          base_url=api.url).company_information()
    assert "PRIV-secret-1" not in str(err.value.to_fail_json())
