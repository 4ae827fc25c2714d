"""Discovery: matching existing users to the vendor profiles, the suggested overrides, the rendered starter
declaration (valid YAML, valid against the schema, the same users the filters declare) and the file policy
that never clobbers a declaration the admin edited. Pure: no HTTP."""
import copy
import os
import sys

import pytest
import yaml

from ansible_collections.msp.psa.plugins.filter.declarations import autotask_users, connectwise_members
from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
from ansible_collections.msp.psa.plugins.module_utils._declaration import tenant_errors
from ansible_collections.msp.psa.plugins.module_utils._discovery import (
    autotask_sections, build, connectwise_sections, generated_path_for, match, plan_file, scalar, write_declaration)

DOMAIN = "northwind-msp.example"
PROFILES = load_profiles([])


def at_user(local, first, last, email_local=None, active=True, level="API User (system)", cost=None, uid=None,
            email_domain=DOMAIN):
    return {"id": uid or abs(hash(local)) % 100000, "username": "%s@%s" % (local, DOMAIN), "first_name": first,
            "last_name": last, "email": "%s@%s" % (email_local or local, email_domain) if email_local != "" else None,
            "active": active, "security_level": level, "internal_cost": cost, "api_user": True}


def cw_member(identifier, name, role, department="Admin", active=True, email=None):
    return {"id": abs(hash(identifier)) % 1000, "identifier": identifier, "name": name, "email": email, "notes": "",
            "active": active, "security_role": role, "default_department": department,
            "default_department_identifier": department, "default_location": "Head Office", "security_location": None,
            "structure_level": None, "time_zone": None}


def northwind_users():
    return [
        at_user("msppsa01", "MSP", "Automation", "automation"),
        at_user("wisesync01", "Wise-Sync", "Integration", "wisesync", cost=0.0),
        at_user("s365sync01", "Sync 365", "License", "sync365"),                 # named by its email only
        at_user("dattowp01", "Datto", "Workplace", "dattowp"),                   # email part differs
        at_user("oldtool01", "Old", "Tool", "oldtool"),                          # nobody's
        at_user("aeprivilege01", "AE-Privilege", "System", "autoelevate", active=False, cost=0.0),
        at_user("legacy01", "Legacy", "Sync", "legacy", active=False),          # nobody's, switched off
    ]


def discover_northwind(users=None, ignore=()):
    return build("autotask", "northwind", autotask_sections(PROFILES), users or northwind_users(),
                 own="msppsa01@" + DOMAIN, ignore=ignore, settings={"autotask_domain": DOMAIN})


def test_autotask_matches_by_username_first_then_by_email_part():
    matched, unmatched, excluded = match("autotask", autotask_sections(PROFILES), northwind_users(),
                                         own="msppsa01@" + DOMAIN)
    how = dict((p, (u["username"].split("@")[0], by)) for p, (u, by) in matched.items())
    assert how == {"wise_sync": ("wisesync01", "username"), "sync365": ("s365sync01", "email"),
                   "datto_workplace": ("dattowp01", "username")}
    assert excluded == [{"username": "msppsa01@" + DOMAIN, "why": "the collection's own API user"}]
    reasons = dict((u["username"].split("@")[0], u) for u in unmatched)
    assert sorted(reasons) == ["aeprivilege01", "legacy01", "oldtool01"]
    assert reasons["oldtool01"]["reason"] == ("API user matched to no vendor profile; declare it or add it to "
                                              "ignore_usernames (an active user declared nowhere is drift)")
    assert reasons["legacy01"]["reason"] == "inactive; matched to no vendor profile (an inactive user is no drift)"
    assert reasons["aeprivilege01"]["profile"] == "autoelevate" and "inactive" in reasons["aeprivilege01"]["reason"]


def test_a_username_match_wins_over_an_email_match_of_another_user():
    users = [at_user("wisesync01", "Wise-Sync", "API User", "other"), at_user("ws02", "WS", "Two", "wisesync")]
    matched, unmatched, dummy = match("autotask", {"wise_sync": PROFILES["wise_sync"]["autotask"]}, users)
    assert matched["wise_sync"][0]["username"].startswith("wisesync01@")
    assert [u["username"] for u in unmatched] == ["ws02@" + DOMAIN]


def test_several_active_users_named_like_one_profile_are_matched_to_none():
    users = [at_user("wisesync01", "A", "B", "x1"), at_user("wisesync01x", "A", "B", "wisesync"),
             at_user("ws03", "C", "D", "wisesync")]
    matched, unmatched, dummy = match("autotask", {"wise_sync": PROFILES["wise_sync"]["autotask"]}, users)
    assert list(matched) == ["wise_sync"]  # the username rule decides first: one user
    users = [at_user("ws02", "A", "B", "wisesync"), at_user("ws03", "C", "D", "wisesync")]
    matched, unmatched, dummy = match("autotask", {"wise_sync": PROFILES["wise_sync"]["autotask"]}, users)
    assert matched == {}
    assert all("2 active API users are named like vendor profile wise_sync" in u["reason"] for u in unmatched)


def test_ignored_users_are_excluded_and_kept_in_the_declaration():
    result = discover_northwind(ignore=["oldtool01"])
    assert [s["username"] for s in result["excluded"]] == ["msppsa01@" + DOMAIN, "oldtool01@" + DOMAIN]
    assert result["declaration"]["ignore_usernames"] == ["oldtool01"]


def test_autotask_overrides_are_what_differs_from_the_profile():
    result = discover_northwind()
    assert result["declaration"] == {
        "psa": "autotask", "autotask_domain": DOMAIN,
        "vendor_profiles": ["datto_workplace", "sync365", "wise_sync"],
        "profile_overrides": {"datto_workplace": {"email_local": "dattowp"},
                              "sync365": {"username": "s365sync01"},
                              "wise_sync": {"last_name": "Integration"}}}
    assert result["matched"]["sync365"]["matched_by"] == "email"
    assert [u["field"] for u in result["matched"]["wise_sync"]["unverifiable"]] == [
        "integration_vendor", "timesheets_not_required"]
    assert result["summary"] == {"users": 7, "matched": 3, "unmatched": 3, "excluded": 1, "overrides": 3}


def test_a_value_the_user_lacks_becomes_a_null_override_and_levels_compare_casefolded():
    users = [at_user("wisesync01", "Wise-Sync", "API User", "wisesync", cost=None, level="api user (SYSTEM)")]
    result = build("autotask", "t", {"wise_sync": PROFILES["wise_sync"]["autotask"]}, users,
                   settings={"autotask_domain": DOMAIN})
    assert result["declaration"]["profile_overrides"] == {"wise_sync": {"internal_cost": None}}
    assert "internal_cost: ~  # not set in the PSA; null leaves it unmanaged" in result["host_vars"]


def test_the_default_role_and_department_follow_the_users_association():
    section = dict(PROFILES["wise_sync"]["autotask"], default_role="Integration", default_department="Administration")
    user = at_user("wisesync01", "Wise-Sync", "API User", "wisesync", cost=0.0)
    key = user["username"].lower()
    same = build("autotask", "t", {"wise_sync": section}, [user], settings={"autotask_domain": DOMAIN},
                 role_departments={key: [("Integration", "Administration", True, True)]})
    assert same["declaration"]["profile_overrides"] == {}
    other = build("autotask", "t", {"wise_sync": section}, [user], settings={"autotask_domain": DOMAIN},
                  role_departments={key: [("Technician", "Service Desk", True, True)]})
    assert other["declaration"]["profile_overrides"] == {
        "wise_sync": {"default_department": "Service Desk", "default_role": "Technician"}}
    none = build("autotask", "t", {"wise_sync": section}, [user], settings={"autotask_domain": DOMAIN},
                 role_departments={key: []})
    assert none["declaration"]["profile_overrides"] == {"wise_sync": {"default_department": None, "default_role": None}}


def test_the_email_domain_most_matched_users_have_becomes_the_tenants():
    users = [at_user("wisesync01", "Wise-Sync", "API User", "wisesync", cost=0.0, email_domain="mail.example"),
             at_user("dattowp01", "Datto", "Workplace", "dattoworkplace", email_domain="mail.example"),
             at_user("sync365api01", "Sync 365", "License", "sync365")]
    result = build("autotask", "t", autotask_sections(PROFILES), users, settings={"autotask_domain": DOMAIN})
    assert result["declaration"]["autotask_email_domain"] == "mail.example"
    assert result["matched"]["sync365"]["notes"] == [
        "its email sync365@%s is not in the tenant's email domain mail.example; the converge would change it to "
        "sync365@mail.example (the email domain is one per tenant)" % DOMAIN]


def test_connectwise_matches_by_identifier_and_overrides_role_and_name():
    members = [cw_member("msppsa", "MSP Automation", "Admin"), cw_member("s365", "Sync365", "Admin"),
               cw_member("ITGLUE", "IT Glue", "Admin"), cw_member("OLD", "Old", "Admin", active=False)]
    result = build("connectwise", "lakeside", connectwise_sections(PROFILES), members, own="msppsa",
                   settings={"connectwise_company": "lakeside", "connectwise_site": "eu",
                             "connectwise_own_identifier": "msppsa"})
    assert result["declaration"] == {
        "psa": "connectwise", "connectwise_company": "lakeside", "connectwise_site": "eu",
        "connectwise_own_identifier": "msppsa", "vendor_profiles": ["sync365"],
        "profile_overrides": {"sync365": {"name": "Sync365", "security_role": "Admin"}}}
    assert [u["identifier"] for u in result["unmatched"]] == ["ITGLUE", "OLD"]
    assert result["matched"]["sync365"]["unverifiable"][0]["field"] == "api_key"
    assert "# API key pairs: ConnectWise's API lists no member's API keys" in result["host_vars"]


def test_the_department_may_match_by_identifier_or_name():
    member = cw_member("S365", "Sync 365", "Sync 365", department="Administration")
    member["default_department_identifier"] = "Admin"
    result = build("connectwise", "c", connectwise_sections(PROFILES), [member], settings={})
    assert result["declaration"]["profile_overrides"] == {}


@pytest.mark.parametrize("tenant", ["northwind", "lakeside"])
def test_the_rendered_declaration_is_the_data_valid_and_declares_the_users_found(tenant):
    if tenant == "northwind":
        result = discover_northwind()
    else:
        result = build("connectwise", "lakeside", connectwise_sections(PROFILES),
                       [cw_member("S365", "Sync365", "Admin")], settings={"connectwise_company": "lakeside"})
    loaded = yaml.safe_load(result["host_vars"])
    assert loaded == result["declaration"]
    assert list(loaded) == list(result["declaration"])  # stable key order
    assert tenant_errors(loaded, PROFILES, tenant) == []
    spec = {"name": tenant, "profiles": loaded["vendor_profiles"], "overrides": loaded["profile_overrides"],
            "domain": loaded.get("autotask_domain"), "email_domain": loaded.get("autotask_email_domain")}
    if tenant == "northwind":
        declared = dict((u["profile"], u) for u in autotask_users(PROFILES, spec))
        for profile, m in result["matched"].items():
            assert declared[profile]["username"] == m["username"]
        assert declared["datto_workplace"]["email"] == "dattowp@" + DOMAIN
        assert declared["wise_sync"]["last_name"] == "Integration"
        comments = " ".join(line.lstrip("# ").strip() for line in result["host_vars"].splitlines() if line.startswith("#"))
        assert "oldtool01@%s: API user matched to no vendor profile; declare it or add it to ignore_usernames" % (
            DOMAIN) in comments
    else:
        declared = connectwise_members(PROFILES, spec)
        assert [(m["identifier"], m["name"], m["security_role"]) for m in declared] == [("S365", "Sync365", "Admin")]


def test_an_empty_tenant_declares_nothing_explicitly():
    result = build("autotask", "empty", autotask_sections(PROFILES), [], settings={"autotask_domain": DOMAIN})
    assert yaml.safe_load(result["host_vars"]) == {"psa": "autotask", "autotask_domain": DOMAIN, "vendor_profiles": [],
                                                   "profile_overrides": {}}


@pytest.mark.parametrize("value", ["API User (system)", "yes", "No", "null", "~", "1234", "0x1F", "12:30", "a: b",
                                   "x #y", "-lead", "Datto File Protection & Datto Workplace", "it's", "", " pad",
                                   "tab\there", "ünïcode", "*ref", "@at", 0.0, 12.5, 3, True, None])
def test_scalars_load_back_as_themselves(value):
    assert yaml.safe_load("k: %s\n" % scalar(value)) == {"k": value}


def test_the_rendering_is_stable():
    users = northwind_users()
    first = discover_northwind(users)["host_vars"]
    again = discover_northwind(list(reversed(copy.deepcopy(users))))["host_vars"]
    assert first == again


# -- the file policy ---------------------------------------------------------------------------
@pytest.mark.parametrize("current,generated,pending,action,writes", [
    (None, None, None, "created", {"write_dest", "write_generated"}),
    ("NEW", "OLD", None, "unchanged", {"write_generated"}),
    ("NEW", "NEW", None, "unchanged", set()),
    ("OLD", "OLD", None, "updated", {"write_dest", "write_generated"}),
    ("OLD", "OLD", "STALE", "updated", {"write_dest", "write_generated", "remove_new"}),
    ("EDITED", "OLD", None, "kept", {"write_new"}),
    ("EDITED", "OLD", "NEW", "kept", set()),
    ("HANDWRITTEN", None, None, "kept", {"write_new"}),
    ("NEW", "OLD", "NEW", "unchanged", {"write_generated", "remove_new"}),
])
def test_plan_file(current, generated, pending, action, writes):
    plan = plan_file("NEW", current, generated, pending)
    assert plan["action"] == action
    assert set(k for k, v in plan.items() if v is True) == writes


def test_an_edited_declaration_is_never_overwritten(tmp_path):
    dest = str(tmp_path / "host_vars" / "northwind.yml")
    first, changed, dummy = write_declaration(dest, "psa: autotask\nvendor_profiles: []\n")
    assert (first["action"], changed) == ("created", True)
    assert open(generated_path_for(dest)).read() == "psa: autotask\nvendor_profiles: []\n"
    again, changed, dummy = write_declaration(dest, "psa: autotask\nvendor_profiles: []\n")
    assert (again["action"], changed) == ("unchanged", False)
    newer, changed, dummy = write_declaration(dest, "psa: autotask\nvendor_profiles: [wise_sync]\n")
    assert (newer["action"], changed) == ("updated", True)
    assert "+vendor_profiles: [wise_sync]" in newer["diff"]

    edited = "psa: autotask\nvendor_profiles: [wise_sync]  # checked by Ann\n"
    with open(dest, "w") as handle:
        handle.write(edited)
    proposal = "psa: autotask\nvendor_profiles: [wise_sync, sync365]\n"
    dry, changed, diff = write_declaration(dest, proposal, check_mode=True)
    assert (dry["action"], changed) == ("kept", True) and not os.path.exists(dest + ".new")
    kept, changed, diff = write_declaration(dest, proposal)
    assert (kept["action"], changed, kept["new_path"]) == ("kept", True, dest + ".new")
    assert open(dest).read() == edited
    assert open(dest + ".new").read() == proposal
    assert "-vendor_profiles: [wise_sync]  # checked by Ann" in kept["diff"]
    assert "+vendor_profiles: [wise_sync, sync365]" in kept["diff"]
    assert diff == {"before": edited, "after": proposal, "before_header": dest, "after_header": dest + ".new"}
    kept_again, changed, dummy = write_declaration(dest, proposal)
    assert (kept_again["action"], changed) == ("kept", False)

    os.replace(dest + ".new", dest)  # the admin takes the proposal: from now on discovery may update the file
    adopted, changed, dummy = write_declaration(dest, proposal)
    assert adopted["action"] == "unchanged" and open(generated_path_for(dest)).read() == proposal
    later, changed, dummy = write_declaration(dest, "psa: autotask\nvendor_profiles: []\n")
    assert later["action"] == "updated"
    assert sorted(os.listdir(str(tmp_path / "host_vars"))) == [".northwind.yml.generated", "northwind.yml"]


def test_a_folder_another_fork_creates_first_does_not_fail_the_write(tmp_path, monkeypatch):
    """Discovery's forks write tenants' files into one host_vars folder in parallel: a fork that saw the folder
    missing and then lost the race to create it failed with FileExistsError."""
    dest = tmp_path / "host_vars" / "northwind.yml"
    dest.parent.mkdir()  # created by another fork after this one looked
    real_isdir = os.path.isdir

    def isdir_as_this_fork_saw_it(path):  # missing to discovery's own check, there to os.makedirs
        return False if sys._getframe(1).f_globals["__name__"].endswith("_discovery") else real_isdir(path)

    monkeypatch.setattr(os.path, "isdir", isdir_as_this_fork_saw_it)
    result, changed, dummy = write_declaration(str(dest), "psa: autotask\nvendor_profiles: []\n")
    assert changed and dest.read_text() == "psa: autotask\nvendor_profiles: []\n"
