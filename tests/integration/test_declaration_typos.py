"""Declarations cannot be mistyped: through the api_user role (real ansible-playbook, the sandbox, real
OpenBao), each typo fails its tenant's run with an error naming the place (tenant, profile file, key path)
and the nearest valid name, before anything is written in the PSA or the secret store.

One playbook run converges a fleet of tenants, each with one typo (the runs are independent per host), so the
whole file costs one role run; each test then reads its tenant's failure."""
import json
import os

import pytest
import requests
import yaml

from psa_sandbox.openbao import OpenBao

from .harness import run_playbook, stored_paths
from .seed import ADMIN, CW

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")
USERS_TASK = "msp.psa.api_user : Converge all API users in one call"
DESCRIBE_TASK = "msp.psa.api_user : Describe the tenant"
# the tasks that write (PSA or secret store); a typo must stop its tenant before the first of them
WRITING_MODULES = ("Converge all API users in one call", "Converge the security roles and all API members in one call",
                   "Keep each credential in the secret store", "Keep each key pair in the secret store",
                   "Register each", "Keep the hand-off ticket")


def my_vendor(**autotask):
    """A valid custom profile; the tests put one typo in it."""
    return {"display_name": "My Vendor",
            "autotask": dict({"username": "myvendor01", "first_name": "My Vendor", "last_name": "API User",
                              "email_local": "myvendor", "security_level": "API User (system)",
                              "integration_vendor": "Wise-Sync",
                              "registration": {"ui_path": "My Vendor > Settings > PSA",
                                               "steps": ["Username: {username}. Secret: {secret_ref}."]}}, **autotask),
            "connectwise": {"identifier": "MYVENDOR", "name": "My Vendor", "security_role": "Admin",
                            "key_description": "myvendor",
                            "role_permissions": [{"module": "Finance", "function": "Agreements", "inquire": "All"}],
                            "registration": {"ui_path": "My Vendor > PSA", "steps": ["Keys: {secret_ref}."]}}}


def custom(directory, **kw):
    """A tenant whose extra profile folder is ``directory`` (under the role's name and the inventory's)."""
    return dict(kw, api_user_profiles_dirs=[directory], vendor_profiles_dirs=[directory])


def profiles_dir(root, name, profile):
    folder = root / name
    folder.mkdir()
    path = folder / "myvendor.yml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return str(folder), str(path)


def at(**kw):
    host = {"psa": "autotask", "autotask_domain": "tenant1.example", "vendor_profiles": ["wise_sync", "sync365"]}
    host.update(kw)
    return host


def cw(**kw):
    host = {"psa": "connectwise", "vendor_profiles": ["sync365"], "connectwise_own_identifier": "msppsa"}
    host.update(kw)
    return host


def first_failures(run):
    """{host: (task name, msg)} of the first failed task of each host."""
    out = {}
    for play in run.data.get("plays", []):
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and host not in out:
                    out[host] = (task["task"]["name"], result.get("msg") or "")
    return out


@pytest.fixture(scope="module")
def fleet(server, tmp_path_factory):
    """The fleet's run: every tenant has one typo. Returns (failures, run, writes, stored, files)."""
    tmp = tmp_path_factory.mktemp("typos")
    server.sandbox.reset()
    level_typo = my_vendor()
    level_typo["autotask"]["securty_level"] = level_typo["autotask"].pop("security_level")
    many = my_vendor()
    many["dispaly_name"] = many.pop("display_name")
    many["connectwise"]["key_descripton"] = many["connectwise"].pop("key_description")
    many["connectwise"]["registration"]["ui_pth"] = many["connectwise"]["registration"].pop("ui_path")
    many["connectwise"]["role_permissions"][0]["inquire"] = "Al"
    typed = my_vendor(internal_cost="zero", timesheets_not_required="yes")
    files = {}
    dirs = {}
    for name, profile in (("level_key", level_typo), ("many", many), ("types", typed),
                          ("sytem", my_vendor(security_level="API User (sytem)"))):
        dirs[name], files[name] = profiles_dir(tmp, name, profile)
    hosts = {
        "override-key": at(profile_overrides={"wise_sync": {"last_nmae": "API User"}}),
        "override-profile": at(profile_overrides={"sync356": {"last_name": "License"}}),
        "unknown-profile": at(vendor_profiles=["wise_sync", "datto_workplce"]),
        "override-types": at(profile_overrides={"wise_sync": {"internal_cost": "cheap", "timesheets_not_required": "yes"}}),
        "cw-override-key": cw(profile_overrides={"sync365": {"securty_role": "Admin"}}),
        "custom-level-key": at(**custom(dirs["level_key"], vendor_profiles=["myvendor"])),
        "custom-many-keys": cw(**custom(dirs["many"], vendor_profiles=["myvendor"])),
        "custom-types": at(**custom(dirs["types"], vendor_profiles=["myvendor"])),
        "custom-level-sytem": at(**custom(dirs["sytem"], vendor_profiles=["wise_sync", "myvendor"])),
    }
    inventory = tmp / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": hosts}}))
    mark = requests.get(server.url + "/_sandbox/requests", timeout=5).json()["last"]
    with OpenBao() as bao:
        extra = {"at_username": ADMIN["username"], "at_secret": ADMIN["secret"], "at_code": ADMIN["code"], "cw": CW,
                 "sandbox_url": server.url, "vault_url": bao.url, "vault_token": bao.token}
        run = run_playbook(PLAYBOOK, tmp, extra, inventory=str(inventory), env={"ANSIBLE_FORKS": "10"})
        stored = stored_paths(bao)
    log = requests.get(server.url + "/_sandbox/requests", params={"since": mark}, timeout=5).json()["requests"]
    writes = [r for r in log if r["method"] in ("PATCH", "PUT", "DELETE")
              or (r["method"] == "POST" and "/query" not in r["path"])]
    return first_failures(run), run, writes, stored, files, sorted(hosts)


def failure(fleet, host):
    failures, run = fleet[0], fleet[1]
    assert host in failures, "%s did not fail: %s" % (host, run.stdout[-3000:] + run.stderr[-2000:])
    task, msg = failures[host]
    assert not any(w in task for w in WRITING_MODULES) or task == USERS_TASK, task
    return task, msg


def test_every_tenant_fails_and_nothing_is_written(fleet):
    failures, run, writes, stored, _files, hosts = fleet
    assert run.rc != 0
    assert sorted(failures) == hosts, sorted(set(hosts) - set(failures))
    assert writes == [], "no PSA write for a mistyped declaration: %s" % writes
    assert stored == [], "no secret stored for a mistyped declaration: %s" % stored


def test_an_override_key_typo(fleet):
    _task, msg = failure(fleet, "override-key")
    assert "tenant override-key: profile_overrides.wise_sync.last_nmae: unknown autotask setting." in msg
    assert "Did you mean 'last_name'?" in msg


def test_an_override_under_an_unknown_profile_name(fleet):
    _task, msg = failure(fleet, "override-profile")
    assert "tenant override-profile: profile_overrides.sync356:" in msg and "Did you mean 'sync365'?" in msg


def test_an_unknown_vendor_profile(fleet):
    _task, msg = failure(fleet, "unknown-profile")
    assert "tenant unknown-profile: vendor_profiles[1]: unknown vendor profile 'datto_workplce'." in msg
    assert "Did you mean 'datto_workplace'?" in msg


def test_wrong_types_in_overrides(fleet):
    _task, msg = failure(fleet, "override-types")
    assert "profile_overrides.wise_sync.internal_cost: must be a number, not a string 'cheap'" in msg
    assert "profile_overrides.wise_sync.timesheets_not_required: must be true or false, not a string 'yes'" in msg


def test_a_connectwise_override_key_typo(fleet):
    _task, msg = failure(fleet, "cw-override-key")
    assert "tenant cw-override-key: profile_overrides.sync365.securty_role" in msg
    assert "Did you mean 'security_role'?" in msg


def test_a_key_typo_in_a_custom_profile_names_the_file(fleet):
    task, msg = failure(fleet, "custom-level-key")
    assert task == DESCRIBE_TASK
    assert "vendor profile myvendor (%s): autotask.securty_level: unknown key." % fleet[4]["level_key"] in msg
    assert "Did you mean 'security_level'?" in msg


def test_unknown_keys_at_every_level_of_a_custom_profile_all_at_once(fleet):
    task, msg = failure(fleet, "custom-many-keys")
    assert task == DESCRIBE_TASK and "4 error(s)" in msg, msg
    where = "vendor profile myvendor (%s): " % fleet[4]["many"]
    for line in ("dispaly_name: unknown key. Did you mean 'display_name'?",
                 "connectwise.key_descripton: unknown key. Did you mean 'key_description'?",
                 "connectwise.registration.ui_pth: unknown key. Did you mean 'ui_path'?",
                 "connectwise.role_permissions[0].inquire: 'Al' is not one of None, My, All. Did you mean 'All'?"):
        assert where + line in msg, line


def test_wrong_types_in_a_custom_profile(fleet):
    task, msg = failure(fleet, "custom-types")
    assert task == DESCRIBE_TASK
    assert "autotask.internal_cost: must be a number, not a string 'zero'" in msg
    assert "autotask.timesheets_not_required: must be true or false, not a string 'yes'" in msg


def test_a_security_level_the_psa_does_not_have_fails_at_plan_time_naming_it(fleet):
    """Valid for the schema (any label may be a level); the engine checks it against the database's own
    picklist at plan time, before any write: the other profile's drift (wise_sync) is not fixed either."""
    task, msg = failure(fleet, "custom-level-sytem")
    assert task == USERS_TASK and "nothing was written" in msg
    assert "tenant custom-level-sytem" in msg and "profile myvendor" in msg
    assert "security_level: 'API User (sytem)' is not a security level" in msg
    assert "Did you mean 'API User (system)'?" in msg


def documented_playbook(tmp_path):
    """The validation playbook docs/declarations.md shows, as written there."""
    with open(os.path.join(os.path.dirname(PLAYBOOK), "..", "..", "..", "docs", "declarations.md")) as handle:
        text = handle.read()
    block = text.split("run a playbook like this one")[1].split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "validate.yml"
    path.write_text(block)
    return str(path)


def test_the_documented_validation_playbook_passes_the_demo_and_names_a_typo(tmp_path):
    playbook = documented_playbook(tmp_path)
    demo = os.path.join(os.path.dirname(PLAYBOOK), "..", "..", "..", "inventories", "demo")
    run = run_playbook(playbook, tmp_path, inventory=demo)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results("Validate the declaration")["lakeside"]["msg"] == "lakeside: sync365"
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": {
        "acme": at(profile_overrides={"wise_sync": {"last_nmae": "x"}}),
        "lakeside": cw(vendor_profiles=["sync356"])}}}))
    run = run_playbook(playbook, tmp_path, inventory=str(inventory))
    assert run.rc != 0
    failed = run.results("Validate the declaration")
    assert "tenant acme: profile_overrides.wise_sync.last_nmae: unknown autotask setting." in failed["acme"]["msg"]
    assert "tenant lakeside: vendor_profiles[0]: unknown vendor profile 'sync356'." in failed["lakeside"]["msg"]
