"""A role/department association Autotask refuses for an API-only resource (Define API User: API-only resources
"cannot own or be associated with" entities) stays a finding with Autotask's text; it does not fail the run."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask import API_USER_LICENSE, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import AutotaskProvider
from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError

REFUSAL = {"errors": ["API-only resources cannot own or be associated with ResourceRoleDepartment entities."]}


def provider(fake):
    http = HTTPClient(timeout=5, retries=0)
    client = AutotaskClient(http, "admin01@t.example", "AdminSecret2026x", "ADMINCODE123",
                            zone_url=fake.url + "/webservices5/ATServicesRest/")
    client.authenticated = True
    return AutotaskProvider(client)


def write(finding):
    return {"action": "create", "object": "role_department", "field": "default_role_department",
            "label": "Integration / Administration", "role_id": 3, "department_id": 4, "is_default": True,
            "finding": finding}


def test_a_refused_association_of_an_api_only_user_is_reported(fake):
    fake.answer(200, {"items": []})
    fake.answer(500, REFUSAL)
    finding = {"field": "default_role_department", "want": "Integration / Administration", "have": None, "fix": "api"}
    assert provider(fake).write(write(finding), {"id": 7, "licenseType": API_USER_LICENSE}) is False
    assert finding["fix"] == "refused" and REFUSAL["errors"][0] in finding["detail"]
    assert "drop default_role" in finding["detail"]


def test_other_failures_still_fail(fake):
    fake.answer(200, {"items": []})
    fake.answer(500, REFUSAL)
    finding = {"field": "default_role_department", "fix": "api"}
    with pytest.raises(PSAError):
        provider(fake).write(write(finding), {"id": 7, "licenseType": 1})  # not an API-only resource
    fake.answer(200, {"items": []})
    fake.answer(403, {"errors": ["The logged in Resource does not have the adequate permissions to create ..."]})
    with pytest.raises(PSAError) as err:
        provider(fake).write(write(finding), {"id": 7, "licenseType": API_USER_LICENSE})
    assert err.value.kind == "permission"
