"""run_module, the one module wrapper: spec merge, requirements, client construction, error mapping."""
import copy
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.msp.psa.plugins.module_utils import _module
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import merge_specs, optional, run_module

AUTH = dict(token=dict(type="str", required=True, no_log=True), timeout=dict(type="float", default=30))
OWN = dict(items=dict(type="list", elements="dict", default=[], options=dict(
    name=dict(type="str", required=True), password=dict(type="str", no_log=True))))


def invoke(args, run, capsys, **kwargs):
    """Run a module through run_module; returns (exit code, the JSON it printed)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            run_module(kwargs.pop("specs", [AUTH, OWN]), run, **kwargs)
    return exited.value.code, json.loads(capsys.readouterr().out)


def test_merge_copies_so_shared_specs_never_change(capsys):
    before = copy.deepcopy((AUTH, OWN))
    merged = merge_specs(AUTH, OWN, dict(timeout=dict(type="float", default=5)))
    assert merged["timeout"]["default"] == 5 and AUTH["timeout"]["default"] == 30  # later specs win, on a copy
    merged["items"]["options"]["name"]["required"] = False
    merged["token"]["no_log"] = False

    def run(module, client):
        module.argument_spec["items"]["options"]["extra"] = dict(type="str")
        return {}

    invoke({"token": "t0ken-value", "items": [{"name": "a", "password": "pw-value-1"}]}, run, capsys)
    assert (AUTH, OWN) == before


def test_optional_drops_required_on_a_copy():
    spec = optional(AUTH, "token")
    assert "required" not in spec["token"] and AUTH["token"]["required"] is True


def test_result_is_returned_with_changed_defaulting_to_false(capsys):
    seen = {}

    def factory(params, check_mode=False):
        seen.update(params=dict(params), check_mode=check_mode)
        return "the client"

    def run(module, client):
        return {"client": client, "names": [i["name"] for i in module.params["items"]]}

    code, out = invoke({"token": "t0ken-value", "items": [{"name": "a"}], "_ansible_check_mode": True}, run, capsys,
                       client=factory)
    assert code == 0 and out["changed"] is False and out["client"] == "the client" and out["names"] == ["a"]
    assert seen["check_mode"] is True and seen["params"]["timeout"] == 30


def test_psa_error_fails_with_message_fix_and_the_partial_result(capsys):
    def run(module, client):
        raise PSAError("The API user u1 does not exist.", kind="missing", fix="Do the manual_steps, then run again.",
                       status=404, result={"state": "missing", "manual_steps": [{"title": "Create u1"}]})

    code, out = invoke({"token": "t0ken-value"}, run, capsys)
    assert code == 1 and out["failed"] is True
    assert out["msg"] == "The API user u1 does not exist. Fix: Do the manual_steps, then run again."
    assert out["error_kind"] == "missing" and out["status"] == 404
    assert out["state"] == "missing" and out["manual_steps"] == [{"title": "Create u1"}]


def test_client_construction_errors_are_mapped_too(capsys):
    def factory(params, check_mode=False):
        raise PSAError("connectwise_client_id is empty.", kind="invalid_input", fix="Set connectwise_client_id.")

    code, out = invoke({"token": "t0ken-value"}, lambda module, client: {}, capsys, client=factory)
    assert code == 1 and out["msg"] == "connectwise_client_id is empty. Fix: Set connectwise_client_id."


def test_nested_secrets_are_masked_in_the_result(capsys):
    code, out = invoke({"token": "t0ken-value", "items": [{"name": "a", "password": "pw-value-1"}]},
                       lambda module, client: {"echo": "token t0ken-value, password pw-value-1"}, capsys)
    assert code == 0 and "t0ken-value" not in json.dumps(out) and "pw-value-1" not in json.dumps(out)


@pytest.mark.parametrize("flag,library", [("HAS_URLLIB3", "urllib3")])
def test_missing_requirement_fails_naming_the_library(monkeypatch, capsys, flag, library):
    monkeypatch.setattr(_module, flag, False)
    called = []
    code, out = invoke({"token": "t0ken-value"}, lambda module, client: called.append(1) or {}, capsys,
                       client=lambda params, check_mode=False: called.append(2))
    assert code == 1 and "Failed to import the required Python library (%s)" % library in out["msg"]
    assert called == []  # neither the client nor the module's logic ran


def test_missing_hvac_fails_naming_it(monkeypatch, capsys):
    from ansible_collections.msp.psa.plugins.module_utils import _secret_store
    monkeypatch.setattr(_secret_store, "HAS_HVAC", False)
    monkeypatch.setattr(_secret_store, "HVAC_IMPORT_ERROR", "ImportError: hvac")
    code, out = invoke({"token": "t0ken-value"}, lambda module, client: {}, capsys, requires=("urllib3", "hvac"))
    assert code == 1 and "Failed to import the required Python library (hvac)" in out["msg"]


def test_no_requirements_means_no_check(monkeypatch, capsys):
    monkeypatch.setattr(_module, "HAS_URLLIB3", False)
    code, out = invoke({"token": "t0ken-value"}, lambda module, client: {"ran": True}, capsys, requires=())
    assert code == 0 and out["ran"] is True


def test_fleet_check_knows_every_nested_secret_before_it_logs():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.msp.psa.plugins.modules import fleet_drift_check
    secrets = ["at-secret-1", "at-code-1", "user-secret-1", "user-code-1", "cw-private-1"]
    tenants = [{"name": "t1", "psa": "autotask", "autotask_username": "me@t1.example", "autotask_secret": secrets[0],
                "autotask_integration_code": secrets[1],
                "users": [{"username": "ws01@t1.example", "profile": "wise_sync", "api_user_secret": secrets[2],
                           "api_user_integration_code": secrets[3]}]},
               {"name": "t2", "psa": "connectwise", "connectwise_company": "t2", "connectwise_public_key": "pub",
                "connectwise_private_key": secrets[4], "connectwise_client_id": "cid",
                "members": [{"identifier": "S365", "profile": "sync365"}]}]
    result = ArgumentSpecValidator(merge_specs(fleet_drift_check.SPEC)).validate({"tenants": tenants})
    assert not result.error_messages
    assert set(secrets) <= result._no_log_values  # pylint: disable=protected-access
    assert result.validated_parameters["tenants"][0]["users"][0]["when_missing"] == "report"  # nested defaults


def test_fleet_check_requires_each_psa_own_connection():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.msp.psa.plugins.modules import fleet_drift_check
    result = ArgumentSpecValidator(merge_specs(fleet_drift_check.SPEC)).validate(
        {"tenants": [{"name": "t2", "psa": "connectwise", "connectwise_company": "t2"}]})
    assert "connectwise_private_key" in " ".join(result.error_messages)
