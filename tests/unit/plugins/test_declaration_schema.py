"""Declarations cannot be mistyped: every typo in a tenant's declaration or in a vendor profile is an error
that names the place (tenant, profile, file, key path) and suggests the nearest valid name, raised by the
filters and the lookup the role runs before anything is written. The published JSON Schema
(docs/declaration.schema.json) is the one the code validates with."""
import copy
import json
import os
import re

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleFilterError

from ansible_collections.msp.psa.plugins.filter.declarations import autotask_users, connectwise_members
from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import BUILTIN, load_profiles

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.fixture(scope="module")
def builtin():
    return load_profiles([])


def at_tenant(**kw):
    tenant = {"name": "acme", "profiles": ["wise_sync", "sync365"], "domain": "acme.example", "overrides": {}}
    tenant.update(kw)
    return tenant


def cw_tenant(**kw):
    tenant = {"name": "lakeside", "profiles": ["sync365"], "domain": "", "overrides": {}}
    tenant.update(kw)
    return tenant


def fails(func, *args):
    with pytest.raises((AnsibleError, AnsibleFilterError)) as info:
        func(*args)
    return str(info.value)


def write_profile(directory, name, data, ext="yml"):
    directory.mkdir(exist_ok=True)
    path = directory / ("%s.%s" % (name, ext))
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return str(path)


def custom_profile():
    return {"display_name": "My Vendor",
            "autotask": {"username": "myvendor01", "first_name": "My Vendor", "last_name": "API User",
                         "email_local": "myvendor", "security_level": "API User (system)",
                         "integration_vendor": "My Vendor - Integration",
                         "registration": {"ui_path": "My Vendor > Settings > PSA",
                                          "steps": ["Username: {username}. Secret: {secret_ref}."]}},
            "connectwise": {"identifier": "MYVENDOR", "name": "My Vendor", "security_role": "Admin",
                            "key_description": "myvendor",
                            "role_permissions": [{"module": "Finance", "function": "Agreements", "inquire": "All"}]}}


# -- tenants: overrides and profile names -----------------------------------------------------------------

def test_an_override_key_typo_names_tenant_profile_and_key_and_suggests(builtin):
    msg = fails(autotask_users, builtin, at_tenant(overrides={"wise_sync": {"last_nmae": "API User"}}))
    assert "tenant acme" in msg and "profile_overrides.wise_sync.last_nmae" in msg
    assert "Did you mean 'last_name'?" in msg


def test_a_connectwise_override_key_typo_is_named_too(builtin):
    msg = fails(connectwise_members, builtin, cw_tenant(overrides={"sync365": {"securty_role": "Admin"}}))
    assert "tenant lakeside" in msg and "profile_overrides.sync365.securty_role" in msg
    assert "Did you mean 'security_role'?" in msg


def test_an_override_under_an_unknown_profile_name_suggests_the_declared_one(builtin):
    msg = fails(autotask_users, builtin, at_tenant(overrides={"sync356": {"last_name": "X"}}))
    assert "tenant acme" in msg and "profile_overrides.sync356" in msg and "Did you mean 'sync365'?" in msg


def test_an_override_for_a_profile_the_tenant_does_not_declare_is_an_error(builtin):
    msg = fails(autotask_users, builtin, at_tenant(overrides={"datto_workplace": {"last_name": "X"}}))
    assert "profile_overrides.datto_workplace" in msg and "vendor_profiles" in msg


def test_an_unknown_vendor_profile_suggests_the_nearest(builtin):
    msg = fails(autotask_users, builtin, at_tenant(profiles=["wise_synk"]))
    assert "tenant acme" in msg and "vendor_profiles[0]" in msg and "'wise_synk'" in msg
    assert "Did you mean 'wise_sync'?" in msg


def test_a_setting_of_the_other_psa_is_named_as_such(builtin):
    msg = fails(autotask_users, builtin, at_tenant(overrides={"sync365": {"security_role": "Admin"}}))
    assert "profile_overrides.sync365.security_role" in msg and "ConnectWise" in msg and "this tenant's psa" in msg


def test_a_profile_only_setting_cannot_be_overridden_silently(builtin):
    """registration: is read from the profile by the role, so an override of it would be ignored."""
    msg = fails(autotask_users, builtin, at_tenant(overrides={"wise_sync": {"registration": {"ui_path": "x"}}}))
    assert "profile_overrides.wise_sync.registration" in msg and "custom vendor profile" in msg


@pytest.mark.parametrize("tenant,path,words", [
    (at_tenant(overrides={"wise_sync": {"internal_cost": "cheap"}}), "profile_overrides.wise_sync.internal_cost",
     "a number"),
    (at_tenant(overrides={"wise_sync": {"timesheets_not_required": "yes"}}),
     "profile_overrides.wise_sync.timesheets_not_required", "true or false"),
    (at_tenant(overrides={"wise_sync": {"last_name": ["API", "User"]}}), "profile_overrides.wise_sync.last_name",
     "a string"),
    (at_tenant(overrides={"wise_sync": "last_name=API User"}), "profile_overrides.wise_sync", "a mapping"),
    (at_tenant(overrides=["wise_sync"]), "profile_overrides", "a mapping"),
    (at_tenant(profiles="wise_sync"), "vendor_profiles", "a list"),
    (at_tenant(profiles=["wise_sync", "wise_sync"]), "vendor_profiles", "more than once"),
])
def test_wrong_types_name_the_key_path(builtin, tenant, path, words):
    msg = fails(autotask_users, builtin, tenant)
    assert "tenant acme" in msg and path + ":" in msg and words in msg, msg


def test_every_error_is_reported_not_just_the_first(builtin):
    tenant = at_tenant(profiles=["wise_sync", "sync365", "autoelevat"],
                       overrides={"wise_sync": {"last_nmae": "x", "internal_cost": "free"}, "sync356": {}})
    msg = fails(autotask_users, builtin, tenant)
    assert "4 error(s)" in msg, msg
    for place in ("vendor_profiles[2]", "profile_overrides.wise_sync.last_nmae",
                  "profile_overrides.wise_sync.internal_cost", "profile_overrides.sync356"):
        assert place in msg
    assert msg.count("\n- tenant acme: ") == 4


def test_a_valid_declaration_gives_the_same_users_as_before(builtin):
    tenant = at_tenant(overrides={"wise_sync": {"default_department": "Administration", "default_role": "Integration",
                                                "internal_cost": None}, "sync365": None})
    users = autotask_users(builtin, tenant)
    assert [u["profile"] for u in users] == ["wise_sync", "sync365"]
    wise = users[0]
    assert wise["username"] == "wisesync01@acme.example" and wise["default_department"] == "Administration"
    assert "internal_cost" not in wise, "a null override leaves the field unmanaged"
    members = connectwise_members(builtin, cw_tenant(overrides={"sync365": {"default_department": "Svc"}}))
    assert members[0]["identifier"] == "S365" and members[0]["default_department"] == "Svc"


def test_a_profile_without_the_tenants_psa_is_named(builtin, tmp_path):
    write_profile(tmp_path / "p", "atonly", {"autotask": {"username": "atonly01"}})
    profiles = load_profiles([str(tmp_path / "p")])
    msg = fails(connectwise_members, profiles, cw_tenant(profiles=["sync365", "atonly"]))
    assert "vendor_profiles[1]" in msg and "'atonly' has no connectwise settings" in msg


# -- vendor profile files ---------------------------------------------------------------------------------

def test_a_custom_profile_key_typo_names_the_file_and_suggests(tmp_path):
    data = custom_profile()
    data["autotask"]["securty_level"] = data["autotask"].pop("security_level")
    path = write_profile(tmp_path / "profiles", "myvendor", data)
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "vendor profile myvendor (%s)" % path in msg and "autotask.securty_level" in msg
    assert "Did you mean 'security_level'?" in msg


@pytest.mark.parametrize("where,typo,nearest", [
    ((), "dispaly_name", "display_name"),
    (("autotask",), "integration_vendr", "integration_vendor"),
    (("connectwise",), "key_descripton", "key_description"),
    (("autotask", "registration"), "ui_pth", "ui_path"),
    (("connectwise", "role_permissions", 0), "inquier", "inquire"),
])
def test_an_unknown_key_anywhere_in_a_profile_is_named(tmp_path, where, typo, nearest):
    data = custom_profile()
    node = data
    for part in where:
        node = node[part]
    node[typo] = "All"
    write_profile(tmp_path / "profiles", "myvendor", data)
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    path = ".".join(str(p) for p in where + (typo,)).replace(".0.", "[0].")
    assert "vendor profile myvendor" in msg and path + ":" in msg and "Did you mean %r?" % nearest in msg, msg


@pytest.mark.parametrize("change,path,words", [
    (lambda d: d["autotask"].update(internal_cost="zero"), "autotask.internal_cost", "a number"),
    (lambda d: d["autotask"].update(custom_integration="yes"), "autotask.custom_integration", "true or false"),
    (lambda d: d["autotask"]["registration"].update(steps="Log in."), "autotask.registration.steps", "a list"),
    (lambda d: d["connectwise"].update(role_permissions={"module": "Finance"}), "connectwise.role_permissions",
     "a list"),
    (lambda d: d["connectwise"]["role_permissions"][0].update(inquire="Al"),
     "connectwise.role_permissions[0].inquire", "Did you mean 'All'?"),
    (lambda d: d["connectwise"]["role_permissions"][0].pop("function"), "connectwise.role_permissions[0].function",
     "missing"),
    (lambda d: d["autotask"].pop("username"), "autotask.username", "missing"),
    (lambda d: d.update(autotask="wise_sync"), "autotask", "a mapping"),
])
def test_wrong_types_in_a_profile_name_the_key_path(tmp_path, change, path, words):
    data = custom_profile()
    change(data)
    write_profile(tmp_path / "profiles", "myvendor", data)
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "vendor profile myvendor" in msg and path + ":" in msg and words in msg, msg


def test_a_profile_needs_a_psa_section(tmp_path):
    write_profile(tmp_path / "profiles", "empty", {"display_name": "Nothing"})
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "vendor profile empty" in msg and "autotask: and/or connectwise:" in msg


def test_every_bad_file_is_reported_at_once(tmp_path):
    one, two = custom_profile(), custom_profile()
    one["autotask"]["last_nmae"] = "x"
    two["connectwise"]["identifer"] = "X"
    write_profile(tmp_path / "profiles", "one", one)
    write_profile(tmp_path / "profiles", "two", two)
    write_profile(tmp_path / "profiles", "three", "autotask: [unclosed\n")
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "3 error(s)" in msg, msg
    assert "one.yml" in msg and "two.yml" in msg and "three.yml" in msg and "not valid YAML" in msg


def test_a_profile_file_name_must_be_a_valid_profile_name(tmp_path):
    write_profile(tmp_path / "profiles", "my vendor", custom_profile())
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "my vendor.yml" in msg and "profile name 'my vendor'" in msg


def test_yaml_extension_profiles_are_loaded_not_skipped(tmp_path):
    write_profile(tmp_path / "profiles", "myvendor", custom_profile(), ext="yaml")
    assert load_profiles([str(tmp_path / "profiles")])["myvendor"]["display_name"] == "My Vendor"
    write_profile(tmp_path / "profiles", "myvendor", custom_profile(), ext="yml")
    msg = fails(load_profiles, [str(tmp_path / "profiles")])
    assert "myvendor.yml" in msg and "myvendor.yaml" in msg


# -- what ships validates ---------------------------------------------------------------------------------

def test_the_builtin_and_bench_profiles_validate(builtin):
    assert sorted(builtin) == ["autoelevate", "datto_workplace", "sync365", "wise_sync"]
    assert load_profiles([os.path.join(ROOT, "bench", "profiles")])


def test_the_demo_inventory_validates(builtin):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    from ansible_collections.msp.psa.plugins.module_utils._declaration import tenant_errors

    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[os.path.join(ROOT, "inventories", "demo", "hosts.yml")])
    variables = VariableManager(loader=loader, inventory=inventory)
    hosts = inventory.get_hosts("tenants")
    assert sorted(h.name for h in hosts) == ["contoso", "lakeside", "northwind"]
    for host in hosts:
        hv = variables.get_vars(host=host)
        declaration = dict((k, hv[k]) for k in hv if not k.startswith("msp_psa_"))
        assert tenant_errors(declaration, builtin, host.name) == [], host.name
    # and the same inventory with one typo is not valid
    hv = variables.get_vars(host=inventory.get_host("northwind"))
    broken = copy.deepcopy(dict(psa=hv["psa"], autotask_domain=hv["autotask_domain"],
                                vendor_profiles=hv["vendor_profiles"], profile_overrides=hv["profile_overrides"]))
    broken["profile_overrides"]["wise_sync"]["default_departmnet"] = "x"
    assert ["tenant northwind: profile_overrides.wise_sync.default_departmnet: unknown autotask setting. "
            "Did you mean 'default_department'?"] == tenant_errors(broken, builtin, "northwind")


def test_the_published_schema_file_is_what_the_code_validates_with():
    from ansible_collections.msp.psa.plugins.module_utils._declaration import schema_json

    with open(os.path.join(ROOT, "docs", "declaration.schema.json")) as handle:
        assert handle.read() == schema_json(), "run scripts/declaration_schema.py to regenerate docs/declaration.schema.json"


def test_the_published_schema_validates_files_on_its_own(builtin):
    """What an editor or CI does with the JSON file alone: profiles and a tenant's host vars, typos found."""
    import jsonschema

    with open(os.path.join(ROOT, "docs", "declaration.schema.json")) as handle:
        schema = json.load(handle)
    validator = jsonschema.Draft7Validator(schema)
    jsonschema.Draft7Validator.check_schema(schema)
    for name in builtin:
        assert list(validator.iter_errors(builtin[name])) == [], name
    tenant = {"psa": "autotask", "autotask_domain": "acme.example", "vendor_profiles": ["wise_sync"],
              "profile_overrides": {"wise_sync": {"last_name": "API User"}}}
    assert list(validator.iter_errors(tenant)) == []
    tenant["profile_overrides"]["wise_sync"]["last_nmae"] = "x"
    assert [list(e.absolute_path) for e in validator.iter_errors(tenant)] == [["profile_overrides", "wise_sync"]]
    typo = dict(builtin["sync365"], connectwise=dict(builtin["sync365"]["connectwise"], securty_role="x"))
    assert [list(e.absolute_path) for e in validator.iter_errors(typo)] == [["connectwise"]]


def test_the_schema_knows_every_key_the_filters_read():
    """The filters copy exactly the override keys of the schema; nothing they read is missing from it."""
    from ansible_collections.msp.psa.plugins.module_utils import _declaration
    from ansible_collections.msp.psa.plugins.module_utils import _declared as declarations  # the filters' builders

    source = open(declarations.__file__).read()
    read = set(re.findall(r"""p(?:\.get\()?\[?["']([a-z_]+)["']""", source))
    assert read <= set(_declaration.OVERRIDE_KEYS["autotask"]) | set(_declaration.OVERRIDE_KEYS["connectwise"]), read
    assert set(declarations.AUTOTASK_KEYS) | {"username", "email_local"} == set(_declaration.OVERRIDE_KEYS["autotask"])
    assert set(declarations.CONNECTWISE_KEYS) | {"identifier"} == set(_declaration.OVERRIDE_KEYS["connectwise"])
    role = "".join(open(os.path.join(ROOT, "roles", "api_user", "tasks", f)).read()
                   for f in ("autotask.yml", "connectwise.yml"))
    for psa, key in re.findall(r"api_user_profile_data\[[^\]]+\]\.(autotask|connectwise)\.([a-z_]+)", role):
        assert key in _declaration.PROFILE_KEYS[psa], (psa, key)


def test_without_jsonschema_the_error_says_what_to_install(builtin, monkeypatch):
    from ansible_collections.msp.psa.plugins.module_utils import _declaration

    monkeypatch.setattr(_declaration, "JSONSCHEMA_IMPORT_ERROR", ImportError("No module named 'jsonschema'"))
    msg = fails(autotask_users, builtin, at_tenant())
    assert "jsonschema" in msg and "pip install" in msg


def test_builtin_dir_is_the_roles_profiles():
    assert BUILTIN.endswith(os.path.join("roles", "api_user", "files", "profiles"))


def test_the_validate_declaration_filter_takes_the_roles_tenant_or_host_vars(builtin):
    from ansible_collections.msp.psa.plugins.filter.declarations import FilterModule, validate_declaration

    assert FilterModule().filters()["validate_declaration"] is validate_declaration
    tenant = at_tenant()
    assert validate_declaration(tenant, builtin, "autotask") is tenant
    msg = fails(validate_declaration, at_tenant(overrides={"wise_sync": {"last_nmae": "x"}}), builtin, "autotask")
    assert "tenant acme: profile_overrides.wise_sync.last_nmae" in msg
    host = {"psa": "connectwise", "connectwise_company": "lakeside", "vendor_profiles": ["sync365"],
            "profile_overrides": {"sync365": {"securty_role": "x"}}, "ansible_connection": "local"}
    msg = fails(validate_declaration, host, builtin, None, "lakeside")
    assert "tenant lakeside: profile_overrides.sync365.securty_role" in msg and "Did you mean 'security_role'?" in msg
    host["profile_overrides"] = {}
    assert validate_declaration(host, builtin, name="lakeside") is host


def test_an_autotask_tenant_needs_a_domain_a_connectwise_tenant_does_not(builtin):
    from ansible_collections.msp.psa.plugins.filter.declarations import validate_declaration

    msg = fails(autotask_users, builtin, at_tenant(domain=""))
    assert "tenant acme: autotask_domain: missing; it is required." in msg
    host = {"psa": "autotask", "vendor_profiles": ["wise_sync"], "autotask_domain": None}
    msg = fails(validate_declaration, host, builtin, None, "acme")
    assert "tenant acme: autotask_domain: must be a string, not empty (null)." in msg
    assert validate_declaration(dict(host, psa="connectwise", vendor_profiles=["sync365"]), builtin, name="x")
