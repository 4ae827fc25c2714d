# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The filters that turn a tenant's declaration into what the modules take. Each filter is documented in its own
# file next to this one (autotask_users.yml, connectwise_members.yml, ...), so that
# `ansible-doc -t filter msp.psa.<name>` shows that filter; tests/unit/test_plugin_docs.py checks every one.

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.msp.psa.plugins.module_utils import _declared
from ansible_collections.msp.psa.plugins.module_utils._declaration import DeclarationError
from ansible_collections.msp.psa.plugins.module_utils._declaration import profile_errors, tenant_errors
from ansible_collections.msp.psa.plugins.module_utils._tenant import TenantNameError
from ansible_collections.msp.psa.plugins.module_utils._tenant import store_path as _store_path
from ansible_collections.msp.psa.plugins.module_utils._tenant import validate_tenant_name

_PROFILE_ERRORS = {}


def _declaration_of(tenant, psa):
    """The tenant dict the role and playbooks build, as the host vars of the schema's tenant declaration."""
    out = {"psa": psa, "vendor_profiles": tenant.get("profiles"), "profile_overrides": tenant.get("overrides")}
    for key, var in (("domain", "autotask_domain"), ("email_domain", "autotask_email_domain")):
        if tenant.get(key) not in (None, ""):
            out[var] = tenant[key]
    return out


def _used_profile_errors(profiles, declared):
    """Errors of the profiles the tenant uses (the lookup already checked its files; this covers profiles
    handed over some other way). Cached by content: a fleet shares a handful of profiles."""
    errors = []
    for name in declared if isinstance(declared, list) else []:
        if not isinstance(name, str) or name not in profiles:
            continue
        key = (name, json.dumps(profiles[name], sort_keys=True, default=str))
        if key not in _PROFILE_ERRORS:
            _PROFILE_ERRORS[key] = profile_errors(profiles[name], name)
        errors += _PROFILE_ERRORS[key]
    return errors


def _check(declaration, profiles, tenant):
    try:
        errors = tenant_errors(declaration, profiles, tenant)
        errors += _used_profile_errors(profiles, declaration.get("vendor_profiles"))
        if errors:
            raise DeclarationError("The declaration of tenant %s" % tenant, errors)
    except DeclarationError as exc:
        raise AnsibleFilterError(str(exc))


def _validate(profiles, tenant, psa):
    """Every error of the tenant's declaration at once (unknown profiles and override keys with the nearest
    valid name, wrong types), before anything uses it."""
    _check(_declaration_of(tenant, psa), profiles, tenant_name(tenant.get("name")))


def _profiles_for(profiles, tenant, psa):
    _validate(profiles, tenant, psa)
    return _merged_profiles(profiles, tenant, psa)


def _merged_profiles(profiles, tenant, psa):
    return _declared.merged_profiles(profiles, tenant.get("profiles"), tenant.get("overrides"), psa)


def validate_declaration(declaration, profiles, psa=None, name=None):
    """The ``msp.psa.validate_declaration`` filter: returns the declaration unchanged, or fails listing every
    error with its place. ``declaration`` is the tenant dict the role builds (``name``, ``profiles``,
    ``overrides``, ``domain``, ...; give ``psa``) or a tenant's host vars (``psa``, ``vendor_profiles``,
    ``profile_overrides``, ...; give ``name``)."""
    if not isinstance(declaration, dict):
        raise AnsibleFilterError("validate_declaration: expected a mapping (a tenant), not %r" % (declaration,))
    if "profiles" in declaration and "vendor_profiles" not in declaration:
        if psa is None:
            raise AnsibleFilterError("validate_declaration: give the tenant's psa (autotask or connectwise)")
        _validate(profiles, declaration, psa)
    else:
        host = dict(declaration, psa=psa) if psa is not None else declaration
        _check(host, profiles, tenant_name(name if name is not None else declaration.get("name")))
    return declaration


def tenant_name(name):
    """The ``msp.psa.tenant_name`` filter: returns a valid tenant name unchanged, or fails naming the tenant
    and the rule (``_tenant.TENANT_NAME_RULE``) before anything uses the name in a path or a PSA field."""
    try:
        return validate_tenant_name(name)
    except TenantNameError as exc:
        raise AnsibleFilterError("%s Rename the inventory host: the tenant name is part of its secret-store paths "
                                 "and PSA ticket keys." % exc)


def store_path(tenant, psa, profile):
    """``<store_prefix>/<tenant>/<psa>/<profile>`` (the ``msp.psa.credential_path`` filter), built only from
    validated parts: a tenant named ``../other`` never reaches another tenant's secrets."""
    try:
        return _store_path(tenant.get("store_prefix") or "msp", tenant.get("name"), psa, profile)
    except TenantNameError as exc:
        raise AnsibleFilterError("No secret-store path for tenant %r: %s" % (tenant.get("name"), exc))


def autotask_users(profiles, tenant):
    return _autotask_users(profiles, tenant, _profiles_for(profiles, tenant, "autotask"))


def _autotask_users(profiles, tenant, merged=None):
    try:
        return _declared.autotask_users(merged if merged is not None else _merged_profiles(profiles, tenant, "autotask"),
                                        tenant.get("name"), tenant["domain"], tenant.get("email_domain"),
                                        tenant.get("store_prefix"))
    except TenantNameError as exc:
        raise AnsibleFilterError("No secret-store path for tenant %r: %s" % (tenant.get("name"), exc))


def connectwise_members(profiles, tenant):
    return _connectwise_members(profiles, tenant, _profiles_for(profiles, tenant, "connectwise"))


def _connectwise_members(profiles, tenant, merged=None):
    try:
        return _declared.connectwise_members(
            merged if merged is not None else _merged_profiles(profiles, tenant, "connectwise"), tenant.get("name"),
            tenant.get("store_prefix"))
    except TenantNameError as exc:
        raise AnsibleFilterError("No secret-store path for tenant %r: %s" % (tenant.get("name"), exc))


def fleet_entry(host, psa, result):
    """One host's entry from msp.psa.fleet_drift_check's ``tenants``."""
    result = result["tenants"].get(host)
    if result and result.get("error"):
        result = dict(result, error_kind=result.get("error_kind") or "could_not_check")
    if result:
        return dict({"psa": psa}, **result)
    return {"psa": psa, "error": "not checked: the fleet check returned nothing for this tenant",
            "error_kind": "not_checked"}


def tenant_results(hostvars, hosts, var="msp_psa_check", fleet=None):
    """{tenant: {psa, result} or {psa, error, error_kind}} for msp.psa.drift_report: one entry for every host of
    the run (pass ``ansible_play_hosts_all``), from each host's registered check result. A host without a
    result, skipped, or whose check failed (the module's ``msg`` and ``error_kind``) could not be checked.
    ``var`` may also name a result registered once for all hosts by msp.psa.fleet_drift_check (``tenants``:
    each host takes its own entry). ``fleet`` is that result passed directly: each host's entry is read from it
    without reading the host's variables (whose entries carry their ``psa``), which keeps a 10,000-tenant report
    linear."""
    if isinstance(fleet, dict) and isinstance(fleet.get("tenants"), dict) and not fleet.get("failed"):
        tenants = fleet["tenants"]
        return dict((host, fleet_entry(host, (tenants.get(host) or {}).get("psa") or hostvars[host].get("psa"),
                                       fleet)) for host in hosts)
    out = {}
    for host in hosts:
        hv = hostvars[host]
        result = hv.get(var) or {}
        entry = {"psa": hv.get("psa")}
        if isinstance(result.get("tenants"), dict) and not result.get("failed"):  # the fleet check's result
            out[host] = fleet_entry(host, entry["psa"], result)
            continue
        if not result or result.get("skipped"):
            entry.update(error="not checked (unreachable, skipped or failed before the check)%s" % (
                ": " + result["skip_reason"] if result.get("skip_reason") else ""), error_kind="not_checked")
        elif result.get("failed") or result.get("unreachable"):
            entry.update(error=result.get("msg") or "the check failed", error_kind=result.get("error_kind") or (
                "unreachable" if result.get("unreachable") else "task_failed"))
        else:
            entry["result"] = {k: result.get(k) for k in ("users", "members", "orphans", "summary", "shared")}
        out[host] = entry
    return out


def gated_tenants(report, hostvars, hosts):
    """The tenants a drift check ends with their outcome (msp.psa.drift_gate): every tenant of ``hosts`` when
    the report failed; else each that could not be checked, and each that drifted unless its own
    ``fail_on_drift`` is false (a drifted tenant's gate would leave it ok). Only the tenants not in sync are
    read from ``hostvars``."""
    if not isinstance(report, Mapping) or report.get("failed") or not isinstance(report.get("not_in_sync"), list):
        return list(hosts)
    unchecked = set(report.get("could_not_check") or [])
    return [t for t in report["not_in_sync"]
            if t in unchecked or boolean(hostvars[t].get("fail_on_drift", True), strict=False)]


AT_CONNECTION = ("autotask_username", "autotask_secret", "autotask_integration_code", "autotask_zone_url",
                 "autotask_discovery_url")
CW_CONNECTION = ("connectwise_company", "connectwise_public_key", "connectwise_private_key", "connectwise_client_id",
                 "connectwise_site", "connectwise_base_url", "connectwise_codebase")


def connectwise_security_roles(profiles, members):
    """The security roles the declared members use, each with its vendor's permission levels (a profile's
    ``role_permissions``), once per role name: what msp.psa.connectwise_api_members plans with the members."""
    return _declared.connectwise_security_roles(profiles, members)


def _plain(value):
    """``value`` as plain dicts and lists: a filter receives Ansible's lazy containers, which template every
    item on each access (a fleet's profiles are read for every tenant)."""
    if isinstance(value, Mapping):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _shape(value):
    """What the schema can tell apart in a tenant's domain: a non-empty string (any), or the value itself."""
    return "non-empty string" if isinstance(value, str) and value else value


class _FleetDeclarations(object):
    """One fleet's declarations checked and built once per distinct kind, not once per tenant: a fleet of
    10,000 tenants shares a handful of profile lists and overrides. Each tenant's users or members are still its
    own (its domain and secret-store paths)."""

    def __init__(self, profiles):
        self.profiles = _plain(profiles)
        self.profile_errors = {}
        self.valid = set()

    def check(self, tenant, psa):
        name = tenant_name(tenant.get("name"))
        declaration = _declaration_of(tenant, psa)
        key = json.dumps([psa, declaration["vendor_profiles"], declaration["profile_overrides"],
                          _shape(declaration.get("autotask_domain")), _shape(declaration.get("autotask_email_domain")),
                          sorted(declaration)], sort_keys=True, default=repr)
        if key in self.valid:
            return
        try:
            errors = tenant_errors(declaration, self.profiles, name)
            for profile in declaration["vendor_profiles"] if isinstance(declaration["vendor_profiles"], list) else []:
                if isinstance(profile, str) and profile in self.profiles:
                    if profile not in self.profile_errors:
                        self.profile_errors[profile] = profile_errors(self.profiles[profile], profile)
                    errors += self.profile_errors[profile]
            if errors:
                raise DeclarationError("The declaration of tenant %s" % name, errors)
        except DeclarationError as exc:
            raise AnsibleFilterError(str(exc))
        self.valid.add(key)


def _host_vars(hostvars, host, names):
    """The variables ``names`` of one host, each templated once, as plain data."""
    hv = hostvars[host]
    return dict((k, _plain(hv[k])) for k in names if k in hv)


FLEET_VARS = ("psa", "vendor_profiles", "autotask_domain", "autotask_email_domain", "profile_overrides",
              "ignore_usernames", "connectwise_own_identifier") + AT_CONNECTION + CW_CONNECTION


def _tenant_of(host, hv):
    """(psa, the tenant as the declaration filters take it) from one host's variables."""
    psa = hv.get("psa")
    if psa not in ("autotask", "connectwise"):
        raise AnsibleFilterError("tenant %s: psa must be autotask or connectwise, not %r" % (host, psa))
    return psa, {"name": host, "profiles": hv.get("vendor_profiles") or [], "domain": hv.get("autotask_domain"),
                 "email_domain": hv.get("autotask_email_domain"), "overrides": hv.get("profile_overrides") or {}}


DECLARATION_VARS = ("psa", "vendor_profiles", "autotask_domain", "autotask_email_domain", "profile_overrides")


def fleet_declared(hostvars, hosts, profiles):
    """{tenant: {users} (Autotask) or {members, security_roles} (ConnectWise)} for every host of ``hosts``, built
    in one call for a run: what msp.psa.autotask_users, msp.psa.connectwise_members and
    msp.psa.connectwise_security_roles return for each tenant, each kind of declaration validated once. An invalid
    declaration fails the whole call, naming its tenant."""
    fleet = _FleetDeclarations(profiles)
    out = {}
    for host in hosts:
        psa, tenant = _tenant_of(host, _host_vars(hostvars, host, DECLARATION_VARS))
        fleet.check(tenant, psa)
        merged = _merged_profiles(fleet.profiles, tenant, psa)
        if psa == "autotask":
            out[host] = {"users": _autotask_users(fleet.profiles, tenant, merged)}
        else:
            members = _connectwise_members(fleet.profiles, tenant, merged)
            out[host] = {"members": members, "security_roles": connectwise_security_roles(fleet.profiles, members)}
    return out


def fleet_tenants(hostvars, hosts, profiles):
    """Every tenant's connection and declaration, for msp.psa.fleet_drift_check (one task for the fleet), each
    declaration validated first. The tenant's users or members are not built here: the module builds them from
    the profiles it is given once (``profiles``), so each tenant stays a few fields (at 10,000 tenants the built
    users and roles were most of the controller's templating and of the module's memory)."""
    fleet = _FleetDeclarations(profiles)
    out = []
    for host in hosts:
        hv = _host_vars(hostvars, host, FLEET_VARS)
        psa, tenant = _tenant_of(host, hv)
        fleet.check(tenant, psa)
        entry = {"name": host, "psa": psa, "vendor_profiles": tenant["profiles"]}
        if tenant["overrides"]:
            entry["profile_overrides"] = tenant["overrides"]
        if psa == "autotask":
            entry.update((k, hv.get(k)) for k in AT_CONNECTION + ("autotask_domain", "autotask_email_domain") if hv.get(k))
            if hv.get("ignore_usernames"):
                entry["ignore_usernames"] = hv.get("ignore_usernames")
        else:
            entry.update((k, hv.get(k)) for k in CW_CONNECTION if hv.get(k))
            if hv.get("connectwise_own_identifier"):
                entry["own_identifier"] = hv.get("connectwise_own_identifier")
            if hv.get("ignore_usernames"):
                entry["ignore_identifiers"] = hv.get("ignore_usernames")
        out.append(entry)
    return out


class FilterModule(object):
    def filters(self):
        return {"autotask_users": autotask_users, "connectwise_members": connectwise_members,
                "connectwise_security_roles": connectwise_security_roles, "credential_path": store_path,
                "tenant_results": tenant_results, "gated_tenants": gated_tenants, "fleet_tenants": fleet_tenants,
                "fleet_declared": fleet_declared,
                "tenant_name": tenant_name, "validate_declaration": validate_declaration}
