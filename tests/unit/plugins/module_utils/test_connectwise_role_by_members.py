"""A ConnectWise security role the members reference is read by the id they carry (members + its settings: two
requests with a declared codebase), never by name as well; a role no member references is looked up by name; an
id that is gone (the role deleted and re-created under the same name with a new id) is detected by its 404 and the
role is found again by name, never trusted."""
from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import ConnectWiseProvider
from ansible_collections.msp.psa.plugins.module_utils._engine import converge
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient

ROLE = "Sync 365"
PERMISSIONS = [{"module": "Companies", "function": "Contacts", "add": "All", "edit": None, "delete": None,
                "inquire": "All", "custom_items": None}]
MEMBER = {"identifier": "S365", "name": "Sync 365", "security_role": ROLE, "state": "present", "profile": "sync365"}


def member(identifier, role_id, role_name=ROLE):
    return {"id": 100 + len(identifier), "identifier": identifier, "name": "Sync 365", "inactiveFlag": False,
            "securityRole": {"id": role_id, "name": role_name, "_info": {"securityRole_href": "x"}}}


def settings(level="All"):
    return [{"id": 1, "moduleName": "Companies", "moduleFunctionName": "Contacts", "addLevel": level,
             "editLevel": "None", "deleteLevel": "None", "inquireLevel": level, "customFlag": False}]


def check(api):
    """A drift check (check mode) of one member with its role's levels; returns (result, request paths)."""
    client = ConnectWiseClient(HTTPClient(timeout=5, retries=1, backoff=0), "tenant2", "PUB", "PRIV-secret-1",
                               "client-id-1", base_url=api.url, check_mode=True, codebase="v2025_1/")
    provider = ConnectWiseProvider(client, security_roles=[{"name": ROLE, "permissions": PERMISSIONS}])
    result = converge(provider, [dict(MEMBER)], True, False)
    return result, [s["path"].split("?")[0].replace("/v2025_1/apis/3.0/", "") for s in api.seen]


def test_a_role_the_members_reference_costs_its_settings_only(fake):
    fake.answer(200, [member("S365", 31)]).answer(200, settings())
    result, paths = check(fake)
    assert paths == ["system/apiMembers", "system/securityRoles/31/settings"]
    assert result["shared"][0]["role"] == {"id": 31, "name": ROLE} and result["shared"][0]["state"] == "ok"
    assert result["users"][0]["state"] == "ok"


def test_missing_levels_are_found_through_the_referenced_id(fake):
    fake.answer(200, [member("S365", 31)]).answer(200, settings("None"))
    result, paths = check(fake)
    assert len(paths) == 2
    assert result["users"][0]["state"] == "drift"
    assert [d["field"] for d in result["users"][0]["drift"]] == ["role_permissions"]


def test_a_role_no_member_references_is_looked_up_by_name(fake):
    # the declared member is missing, another member uses another role: only the name can find it
    fake.answer(200, [member("OTHER", 5, "Admin")]).answer(200, [{"id": 31, "name": ROLE}]).answer(200, settings())
    result, paths = check(fake)
    assert paths == ["system/apiMembers", "system/securityroles", "system/securityRoles/31/settings"]
    assert result["shared"][0]["role"] == {"id": 31, "name": ROLE}


def test_a_stale_role_id_is_detected_and_the_role_found_again_by_name(fake):
    # the member still carries role id 31, but the role was deleted and re-created as id 47 (same name)
    fake.answer(200, [member("S365", 31)])
    fake.answer(404, {"code": "NotFound", "message": "The record was not found."})
    fake.answer(200, [{"id": 47, "name": ROLE}]).answer(200, settings("None"))
    result, paths = check(fake)
    assert paths == ["system/apiMembers", "system/securityRoles/31/settings", "system/securityroles",
                     "system/securityRoles/47/settings"]
    assert result["shared"][0]["role"] == {"id": 47, "name": ROLE}
    assert result["users"][0]["state"] == "drift", "the re-created role's own levels are judged, not the old ones"


def test_members_that_disagree_on_the_role_id_are_not_trusted(fake):
    fake.answer(200, [member("S365", 31), member("S365B", 32)])
    fake.answer(200, [{"id": 32, "name": ROLE}]).answer(200, settings())
    result, paths = check(fake)
    assert paths == ["system/apiMembers", "system/securityroles", "system/securityRoles/32/settings"]
    assert result["shared"][0]["role"]["id"] == 32
