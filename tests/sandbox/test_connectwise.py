"""ConnectWise behaviour with a real HTTP client against a running sandbox."""
import re

from .conftest import CW
from .seed import CW_TECH


def test_companyinfo_known_and_unknown(sandbox, http):
    r = http.get(sandbox.url + "/login/companyinfo/ALPHA")
    assert r.status_code == 200
    info = r.json()
    assert info["Codebase"] == "v2025_1/" and info["IsCloud"] is True and info["CompanyID"] == "alpha"
    assert info["SiteUrl"] == "na.myconnectwise.net"
    r = http.get(sandbox.url + "/login/companyinfo/nobody")
    assert r.status_code == 200 and r.text == "null"
    sandbox.sandbox.settings.update({"connectwise": {"is_cloud_as_string": True}})
    assert http.get(sandbox.url + "/login/companyinfo/alpha").json()["IsCloud"] == "True"


def test_authentication(sandbox, http, cw):
    assert cw("GET", "system/info").status_code == 200
    r = cw("GET", "system/info", headers={"clientId": ""})
    assert r.status_code == 401 and "clientId" in r.json()["message"]
    wrong = CW(sandbox, http, ("alpha", CW_TECH[1], "not-the-key"))
    r = wrong("GET", "system/info")
    assert r.status_code == 401 and r.json()["message"] == "UserNotAuthenticated"
    other_company = CW(sandbox, http, ("beta", CW_TECH[1], CW_TECH[2]))
    assert other_company("GET", "system/info").status_code == 401
    assert CW(sandbox, http, codebase="v2024_2")("GET", "system/info").status_code == 404


def test_conditions_quoting_booleans_and_or_like_in(cw):
    def ids(cond, path="system/apiMembers"):
        r = cw("GET", path, params={"conditions": cond, "pageSize": 1000})
        assert r.status_code == 200, (cond, r.text)
        return sorted(m["identifier"] for m in r.json())
    assert ids('identifier="api07"') == ["api07"]
    assert ids('identifier = "API07"') == ["api07"], "string comparison is case-insensitive"
    assert len(ids("inactiveFlag=True")) == 12 and len(ids("inactiveFlag = false")) == 50
    assert ids('identifier="api01" or identifier="api02"') == ["api01", "api02"]
    assert ids('(identifier="api01" or identifier="api10") and inactiveFlag=true') == ["api10"]
    assert ids('identifier like "api5*"') == ["api50", "api51", "api52", "api53", "api54", "api55", "api56",
                                              "api57", "api58", "api59"]
    assert ids('identifier in ("api03","api04")') == ["api03", "api04"]
    assert ids('identifier not in ("api03","api04") and identifier like "api0*"') == [
        "api01", "api02", "api05", "api06", "api07", "api08", "api09"]
    assert ids("securityRole/id=21") == ids('securityRole/name="Technician"')
    assert ids('name="Say \\"hi\\""') == [], "escaped quotes are part of the value"
    cw("PATCH", "system/apiMembers/%d" % cw("GET", "system/apiMembers", params={"conditions": 'identifier="api01"'}).json()[0]["id"],
       json=[{"op": "replace", "path": "name", "value": 'Say "hi"'}])
    assert ids('name="Say \\"hi\\""') == ["api01"]
    assert ids("inactiveDate > [2000-01-01T00:00:00Z]") == ids("inactiveFlag=true")
    r = cw("GET", "system/apiMembers", params={"conditions": "identifier=api01"})
    assert r.status_code == 400 and "double quotes" in r.json()["message"]


def test_paging_link_headers_and_fields(cw):
    r = cw("GET", "system/apiMembers", params={"pageSize": 25})
    assert len(r.json()) == 25
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["Link"]))
    assert set(links) == {"next", "last"} and "page=3" in links["last"]
    page2 = cw("GET", links["next"])
    rels = set(re.findall(r'rel="(\w+)"', page2.headers["Link"]))
    assert rels == {"first", "prev", "next", "last"}
    page3 = cw("GET", links["last"])
    assert len(page3.json()) == 12 and "next" not in page3.headers["Link"]
    every = r.json() + page2.json() + page3.json()
    assert len({m["id"] for m in every}) == 62
    slim = cw("GET", "system/apiMembers", params={"fields": "id,identifier,securityRole/name", "pageSize": 2}).json()
    assert slim[0].keys() == {"id", "identifier", "securityRole"} and slim[0]["securityRole"] == {"name": "Admin"}
    fwd = cw("GET", "system/apiMembers", params={"pageSize": 40}, headers={"pagination-type": "forward-only"})
    assert len(fwd.json()) == 40 and "pageId=" in fwd.headers["Link"]


def test_api_member_create_patch_put_and_no_delete(cw):
    r = cw("POST", "system/apiMembers", json={"identifier": "S365", "name": "Sync 365", "securityRole": {"name": "Admin"},
                                               "defaultDepartment": {"identifier": "Admin"}, "defaultLocation": {"id": 1}})
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["securityRole"]["name"] == "Admin" and member["inactiveFlag"] is False
    r = cw("PATCH", "system/apiMembers/%d" % member["id"], json=[
        {"op": "replace", "path": "securityRole", "value": {"id": 21}},
        {"op": "replace", "path": "notes", "value": "managed by msp.psa"}])
    assert r.status_code == 200 and r.json()["securityRole"]["id"] == 21 and r.json()["notes"] == "managed by msp.psa"
    r = cw("PATCH", "system/apiMembers/%d" % member["id"], json=[{"op": "replace", "path": "inactiveFlag", "value": True}])
    assert r.json()["inactiveFlag"] is True and r.json()["inactiveDate"]
    r = cw("PATCH", "system/apiMembers/%d" % member["id"], json=[{"op": "replace", "path": "SecurityRole", "value": {"id": 20}}])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "SecurityRole", "paths are case-sensitive"
    r = cw("PATCH", "system/apiMembers/%d" % member["id"], json={"op": "replace"})
    assert r.status_code == 400
    r = cw("PUT", "system/apiMembers/%d" % member["id"], json={"identifier": "S365"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "name"
    assert cw("DELETE", "system/apiMembers/%d" % member["id"]).status_code == 405
    r = cw("POST", "system/apiMembers", json={"identifier": "s365", "name": "again"})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "ObjectExists"
    r = cw("POST", "system/apiMembers", json={"identifier": "waytoolongidentifier", "name": "x"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "identifier"
    r = cw("POST", "system/apiMembers", json={"identifier": "norole", "securityRole": {"id": 999}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "securityRole"
    members = cw("GET", "system/members", params={"conditions": 'licenseClass="A"', "pageSize": 1000}).json()
    assert "S365" in {m["identifier"] for m in members}


def test_security_roles_create_settings_read_only_and_ui_levels(sandbox, http, cw):
    r = cw("POST", "system/securityroles", json={"name": "Sync 365"})
    assert r.status_code == 201
    role = r.json()
    assert cw("POST", "system/securityroles", json={"name": "sync 365"}).json()["errors"][0]["code"] == "ObjectExists"
    assert cw("PATCH", "system/securityroles/%d" % role["id"], json=[]).status_code == 405
    assert cw("PUT", "system/securityroles/%d" % role["id"], json={}).status_code == 405
    settings = cw("GET", "system/securityRoles/%d/settings" % role["id"]).json()
    assert all(s[f] == "None" for s in settings for f in ("addLevel", "editLevel", "deleteLevel", "inquireLevel"))
    assert cw("PATCH", "system/securityRoles/%d/settings/%d" % (role["id"], settings[0]["id"]), json=[]).status_code == 405
    ui = http.put(sandbox.url + "/_sandbox/connectwise/alpha/security-roles/Sync 365/settings", json=[
        {"moduleName": "Finance", "moduleFunctionName": "Agreements", "addLevel": "All", "editLevel": "All", "inquireLevel": "All"},
        {"moduleName": "System", "moduleFunctionName": "Table Setup", "editLevel": "All", "inquireLevel": "All",
         "customItems": ["Agreements / Batch", "Agreements / Agreement Type"]}])
    assert ui.status_code == 200, ui.text
    agreements = cw("GET", "system/securityRoles/%d/settings" % role["id"],
                    params={"conditions": 'moduleFunctionName="Agreements"'}).json()
    assert len(agreements) == 1 and agreements[0]["addLevel"] == "All" and agreements[0]["deleteLevel"] == "None"
    table = cw("GET", "system/securityRoles/%d/settings" % role["id"],
               params={"conditions": 'moduleFunctionName="Table Setup"'}).json()[0]
    assert table["customFlag"] is True
    bad = http.put(sandbox.url + "/_sandbox/connectwise/alpha/security-roles/Sync 365/settings",
                   json=[{"moduleName": "Finance", "moduleFunctionName": "Agreements", "addLevel": "Most"}])
    assert bad.status_code == 400
    assert cw("DELETE", "system/securityroles/%d" % role["id"]).status_code == 204
    assert cw("DELETE", "system/securityroles/20").status_code == 409, "a role in use cannot be deleted"


def test_role_without_permission_is_denied_and_my_security_shows_it(sandbox, http):
    tech = CW(sandbox, http, CW_TECH)
    assert tech("GET", "system/apiMembers").status_code == 200
    r = tech("POST", "system/apiMembers", json={"identifier": "nope", "name": "nope"})
    assert r.status_code == 403 and "Member Maintenance" in r.json()["message"]
    assert tech("GET", "system/securityroles").status_code == 403
    mine = {(s["moduleName"], s["moduleFunctionName"]): s for s in tech("GET", "system/mySecurity").json()}
    assert mine[("System", "Member Maintenance")]["inquireLevel"] == "All"
    assert mine[("System", "Member Maintenance")]["addLevel"] == "None"
    assert mine[("System", "Member Maintenance")]["member"]["identifier"] == "tech"


def test_api_keys_are_made_in_the_ui_and_then_authenticate(sandbox, http, cw):
    member = cw("POST", "system/apiMembers", json={"identifier": "S365", "name": "Sync 365",
                                                    "securityRole": {"name": "Technician"}}).json()
    r = http.post(sandbox.url + "/_sandbox/connectwise/alpha/members/S365/api-keys", json={"description": "s365"})
    assert r.status_code == 201
    keys = r.json()
    s365 = CW(sandbox, http, ("alpha", keys["publicKey"], keys["privateKey"]))
    assert s365("GET", "system/info").status_code == 200
    overview = http.get(sandbox.url + "/_sandbox/connectwise/alpha").json()
    assert keys["privateKey"] not in str(overview), "the private key is shown once, never again"
    cw("PATCH", "system/apiMembers/%d" % member["id"], json=[{"op": "replace", "path": "inactiveFlag", "value": True}])
    assert s365("GET", "system/info").status_code == 401, "an inactive member's keys stop working"
    token = cw("POST", "system/members/tech/tokens", headers={"x-cw-usertype": "member"}).json()
    assert token["expiration"] and CW(sandbox, http, ("alpha", token["publicKey"], token["privateKey"]))(
        "GET", "system/info").status_code == 200


def test_rate_limit_429_with_retry_after(sandbox, cw):
    sandbox.sandbox.settings.update({"connectwise": {"per_minute_limit": 3}})
    codes = [cw("GET", "system/info") for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert int(codes[-1].headers["Retry-After"]) >= 1
    assert codes[-1].json()["error"] == "ConnectWiseAPI"
