"""ConnectWise rules of the real API (issue 14), one conformance test per rule, status and body: the Accept
header's API version is validated; the conditions grammar of the Developer Guide ("Conditions": strings in
double quotes, [dates], like / in / contains, and / or, parentheses; childConditions and
customFieldConditions as separate parameters) is accepted and a malformed expression is a 400."""
import pytest

ACCEPT = "application/vnd.connectwise.com+json; version=%s"


def refused_body(sandbox, path, version):
    return {"code": "ConnectWiseApi", "errors": None,
            "message": "The HTTP resource that matches the request URI '%s/v2025_1/apis/3.0/%s' does not support "
                       "the API version '%s'." % (sandbox.url, path, version)}


@pytest.mark.parametrize("version", ["2025.8", "2019.1", "2023.2"])
def test_a_supported_version_is_served_and_echoed(cw, version):
    r = cw("GET", "system/info", headers={"Accept": ACCEPT % version})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == ACCEPT % version and r.headers["api-current-version"] == "2025.8"


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/vnd.connectwise.com+json"])
def test_no_version_gets_the_current_one(cw, accept):
    r = cw("GET", "system/info", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["Content-Type"] == ACCEPT % "2025.8"


@pytest.mark.parametrize("version", ["2026.4", "2018.6", "2099.1"])
def test_an_unsupported_version_is_400_naming_it(sandbox, cw, version):
    r = cw("GET", "system/info", headers={"Accept": ACCEPT % version})
    assert r.status_code == 400
    assert r.json() == refused_body(sandbox, "system/info", version)


@pytest.mark.parametrize("version", ["3.0.0", "latest", "2025", ""])
def test_a_malformed_version_is_400_as_version_0_0(sandbox, cw, version):
    r = cw("GET", "system/apiMembers", headers={"Accept": ACCEPT % version})
    assert r.status_code == 400
    assert r.json() == refused_body(sandbox, "system/apiMembers", "0.0")


def test_the_oldest_served_version_is_a_setting(sandbox, cw):
    sandbox.sandbox.settings.update({"connectwise": {"oldest_api_version": "2024.1"}})
    try:
        assert cw("GET", "system/info", headers={"Accept": ACCEPT % "2023.2"}).status_code == 400
        assert cw("GET", "system/info", headers={"Accept": ACCEPT % "2024.1"}).status_code == 200
    finally:
        sandbox.sandbox.settings.update({"connectwise": {"oldest_api_version": "2019.1"}})


# -- conditions ----------------------------------------------------------------------------------
def identifiers(cw, **params):
    r = cw("GET", "system/apiMembers", params=dict(params, pageSize=1000))
    assert r.status_code == 200, (params, r.text)
    return sorted(m["identifier"] for m in r.json())


def test_dates_in_brackets_compare_as_instants(cw):
    inactive = identifiers(cw, conditions="inactiveFlag=True")
    assert identifiers(cw, conditions="inactiveDate > [2000-01-01T00:00:00Z]") == inactive
    assert identifiers(cw, conditions="inactiveDate >= [2000-01-01]") == inactive
    assert identifiers(cw, conditions="inactiveDate < [2000-01-01T00:00:00Z]") == []


def test_like_in_contains_and_or_parentheses(cw):
    assert identifiers(cw, conditions='identifier like "api0%"') == identifiers(cw, conditions='identifier like "api0*"')
    assert len(identifiers(cw, conditions='identifier like "api0%"')) == 9
    assert identifiers(cw, conditions='identifier contains "i07"') == ["api07"]
    assert "api07" not in identifiers(cw, conditions='identifier not contains "i07"')
    assert identifiers(cw, conditions='(identifier="api01" OR identifier="api02") AND inactiveFlag=False') == [
        "api01", "api02"]
    assert identifiers(cw, conditions='identifier in ("api03", "api04")') == ["api03", "api04"]


def test_child_conditions_match_any_element_of_a_child_collection(cw):
    member = cw("GET", "system/apiMembers", params={"conditions": 'identifier="api02"'}).json()[0]
    r = cw("PATCH", "system/apiMembers/%d" % member["id"],
           json=[{"op": "replace", "path": "excludedServiceBoardIds", "value": [1, 7]}])
    assert r.status_code == 200, r.text
    assert identifiers(cw, childConditions="excludedServiceBoardIds = 7") == ["api02"]
    assert identifiers(cw, conditions='identifier like "api0*"', childConditions="excludedServiceBoardIds = 1") == [
        "api02"]


def test_custom_field_conditions_are_a_separate_parameter(cw):
    # no seeded API member has custom fields: the parameter filters, it is not ignored
    assert identifiers(cw, customFieldConditions='caption="Region" and value="EU"') == []


@pytest.mark.parametrize("param, text", [
    ("conditions", 'identifier="api01" and (inactiveFlag=False'),
    ("conditions", "identifier=api01"),
    ("conditions", 'identifier ~ "api01"'),
    ("conditions", 'identifier="api01" identifier="api02"'),
    ("conditions", "inactiveDate > [yesterday]"),
    ("conditions", "identifier in api01"),
    ("childConditions", "excludedServiceBoardIds = "),
    ("customFieldConditions", 'caption = Region'),
])
def test_malformed_conditions_are_400_with_the_error_envelope(cw, param, text):
    r = cw("GET", "system/apiMembers", params={param: text})
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == "InvalidObject"
    assert body["message"].startswith("conditions: ") and body["errors"] is None


def test_service_boards_are_listed_by_name_and_their_statuses_name_a_default(cw):
    """The hand-off resolves board and status names to ids: service/boards answers conditions on name, and
    service/boards/{id}/statuses lists the board's statuses with exactly one defaultFlag."""
    boards = cw("GET", "service/boards", params={"conditions": 'name="Help Desk"', "fields": "id,name"}).json()
    assert [set(b) for b in boards] == [{"id", "name"}] and boards[0]["name"] == "Help Desk"
    assert cw("GET", "service/boards", params={"conditions": 'name="No Such Board"'}).json() == []
    statuses = cw("GET", "service/boards/%d/statuses" % boards[0]["id"]).json()
    assert statuses and sum(bool(s["defaultFlag"]) for s in statuses) == 1
    assert all(s["board"]["id"] == boards[0]["id"] for s in statuses)
    assert cw("GET", "service/boards/999999/statuses").status_code == 404
    assert cw("POST", "service/boards", json={"name": "x"}).status_code == 405
