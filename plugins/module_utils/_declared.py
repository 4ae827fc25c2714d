# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A tenant's declared API users (Autotask) or API members and security roles (ConnectWise), built from the
vendor profiles it declares and its overrides: one builder for the filters (msp.psa.autotask_users,
msp.psa.connectwise_members, msp.psa.connectwise_security_roles) and for msp.psa.fleet_drift_check, which builds
each tenant's entries itself from the profiles it is given once (its options stay a few fields per tenant).

The declaration is validated before (``_declaration.tenant_errors``); these only build."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._declaration import OVERRIDE_KEYS
from ansible_collections.msp.psa.plugins.module_utils._tenant import store_path

# The settings copied into each user or member (besides the natural key and the email), from the one schema
# (_declaration.py): an override the schema accepts is one these copy.
AUTOTASK_KEYS = tuple(k for k in OVERRIDE_KEYS["autotask"] if k not in ("username", "email_local"))
CONNECTWISE_KEYS = tuple(k for k in OVERRIDE_KEYS["connectwise"] if k != "identifier")


def merged_profiles(profiles, names, overrides, psa):
    """(name, the profile's settings for ``psa`` with the tenant's overrides) for each declared profile."""
    overrides = overrides or {}
    return [(name, dict(profiles[name][psa], **(overrides.get(name) or {}))) for name in names or []]


def autotask_users(merged, tenant, domain, email_domain=None, store_prefix=None):
    """The API users of an Autotask tenant from ``merged_profiles``: username and e-mail in its domains, each
    with its secret-store path."""
    users = []
    for name, p in merged:
        user = dict((k, p[k]) for k in AUTOTASK_KEYS if p.get(k) is not None)
        user.update(profile=name, username="%s@%s" % (p["username"], domain),
                    email="%s@%s" % (p.get("email_local", p["username"]), email_domain or domain),
                    secret_store_path="secret/" + store_path(store_prefix, tenant, "autotask", name))
        users.append(user)
    return users


def connectwise_members(merged, tenant, store_prefix=None):
    """The API members of a ConnectWise tenant from ``merged_profiles``, each with its secret-store path."""
    members = []
    for name, p in merged:
        member = dict((k, p[k]) for k in CONNECTWISE_KEYS if p.get(k) is not None)
        member.update(profile=name, identifier=p["identifier"],
                      secret_store_path="secret/" + store_path(store_prefix, tenant, "connectwise", name))
        members.append(member)
    return members


def connectwise_security_roles(profiles, members):
    """The security roles the declared members use, each with its vendor's permission levels (a profile's
    ``role_permissions``), once per role name."""
    roles, seen = [], set()
    for member in members:
        name = member.get("security_role")
        perms = ((profiles.get(member.get("profile")) or {}).get("connectwise") or {}).get("role_permissions")
        if name and perms is not None and name.lower() not in seen:
            seen.add(name.lower())
            roles.append({"name": name, "permissions": perms})
    return roles
