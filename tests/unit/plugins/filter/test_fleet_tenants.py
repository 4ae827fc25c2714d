"""fleet_tenants hands the bulk check every declared connection option of a tenant, the declared zone and
codebase included (a cold pipeline run then makes no lookup for them)."""
import os

from ansible_collections.msp.psa.plugins.filter.declarations import fleet_tenants
from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_declared_zone_and_codebase_reach_the_bulk_check():
    profiles = load_profiles([os.path.join(ROOT, "bench", "profiles")])
    hostvars = {
        "north": {"psa": "autotask", "vendor_profiles": ["wise_sync"], "autotask_domain": "north.example",
                  "autotask_username": "me@north.example", "autotask_secret": "s", "autotask_integration_code": "c",
                  "autotask_zone_url": "https://webservices5.autotask.net/ATServicesRest/"},
        "lake": {"psa": "connectwise", "vendor_profiles": ["sync365"], "connectwise_company": "lake",
                 "connectwise_public_key": "p", "connectwise_private_key": "k", "connectwise_client_id": "cid",
                 "connectwise_codebase": "v2025_1/"},
    }
    north, lake = fleet_tenants(hostvars, ["north", "lake"], profiles)
    assert north["autotask_zone_url"] == "https://webservices5.autotask.net/ATServicesRest/"
    assert lake["connectwise_codebase"] == "v2025_1/"
    assert lake["vendor_profiles"] == ["sync365"] and north["autotask_domain"] == "north.example"


def _autotask_fleet(n):
    return dict(("t%03d" % i, {"psa": "autotask", "vendor_profiles": ["wise_sync", "sync365"],
                               "autotask_domain": "t%03d.example" % i, "autotask_username": "me@t%03d.example" % i,
                               "autotask_secret": "s%d" % i, "autotask_integration_code": "c"}) for i in range(n))


def test_each_kind_of_declaration_is_validated_once_not_once_per_tenant(monkeypatch):
    """At 10,000 tenants the filter validated every tenant's declaration with jsonschema and serialised every
    used profile to JSON once per tenant (a fleet shares a handful of declarations): now once per kind."""
    from ansible_collections.msp.psa.plugins.filter import declarations
    profiles = load_profiles([os.path.join(ROOT, "bench", "profiles")])
    calls = {"tenant": 0, "profile": 0}
    real_tenant, real_profile = declarations.tenant_errors, declarations.profile_errors

    def tenant_errors(*args):
        calls["tenant"] += 1
        return real_tenant(*args)

    def profile_errors(*args):
        calls["profile"] += 1
        return real_profile(*args)

    monkeypatch.setattr(declarations, "tenant_errors", tenant_errors)
    monkeypatch.setattr(declarations, "profile_errors", profile_errors)
    hostvars = _autotask_fleet(50)
    tenants = fleet_tenants(hostvars, sorted(hostvars), profiles)
    assert len(tenants) == 50
    assert tenants[7]["autotask_domain"] == "t007.example"
    assert calls == {"tenant": 1, "profile": 2}


def test_a_wrong_tenant_among_valid_ones_still_fails_naming_it():
    """The validation shared by tenants of one kind never hides a tenant whose declaration differs."""
    import pytest
    from ansible.errors import AnsibleFilterError
    profiles = load_profiles([os.path.join(ROOT, "bench", "profiles")])
    for broken, fix in ((("autotask_domain", ""), "autotask_domain"),
                        (("profile_overrides", {"wise_sync": {"lastname": "x"}}), "last_name"),
                        (("vendor_profiles", ["wise_sync", "sync356"]), "sync365")):
        hostvars = _autotask_fleet(5)
        hostvars["t003"][broken[0]] = broken[1]
        with pytest.raises(AnsibleFilterError) as exc:
            fleet_tenants(hostvars, sorted(hostvars), profiles)
        assert "tenant t003" in str(exc.value) and fix in str(exc.value)
    hostvars = _autotask_fleet(3)
    hostvars["../t9"] = dict(hostvars["t001"])
    with pytest.raises(AnsibleFilterError) as exc:
        fleet_tenants(hostvars, sorted(hostvars), profiles)
    assert "../t9" in str(exc.value)


def test_fleet_declared_builds_what_the_per_tenant_filters_build():
    """drift_check.yml hands each tenant the entry of fleet_declared instead of building its own: the same
    users, members and roles, each tenant's own domain and store paths."""
    import pytest
    from ansible.errors import AnsibleFilterError
    from ansible_collections.msp.psa.plugins.filter.declarations import (
        autotask_users, connectwise_members, connectwise_security_roles, fleet_declared)
    profiles = load_profiles([os.path.join(ROOT, "bench", "profiles")])
    hostvars = dict(_autotask_fleet(3))
    hostvars["t001"]["profile_overrides"] = {"wise_sync": {"first_name": "Other"}}
    hostvars["lake"] = {"psa": "connectwise", "vendor_profiles": ["sync365", "wise_sync"]}
    declared = fleet_declared(hostvars, sorted(hostvars), profiles)
    for host in ("t000", "t001", "t002"):
        hv = hostvars[host]
        tenant = {"name": host, "profiles": hv["vendor_profiles"], "domain": hv["autotask_domain"],
                  "email_domain": "", "overrides": hv.get("profile_overrides") or {}}
        assert declared[host] == {"users": autotask_users(profiles, tenant)}
    assert declared["t001"]["users"][0]["first_name"] == "Other"
    members = connectwise_members(profiles, {"name": "lake", "profiles": ["sync365", "wise_sync"], "overrides": {}})
    assert declared["lake"] == {"members": members,
                                "security_roles": connectwise_security_roles(profiles, members)}
    hostvars["t002"]["vendor_profiles"] = ["wise_synk"]
    with pytest.raises(AnsibleFilterError, match="t002"):
        fleet_declared(hostvars, sorted(hostvars), profiles)
