#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_api_user_discovery
short_description: Discover an Autotask database's existing API users and write its starter declaration
version_added: 0.1.0
description:
  - Reads every API user of the database (resources with license type API User; one query, plus the cached
    field metadata for the security level labels) and matches them to the vendor profiles by the profiles' own
    naming rules, the ones M(msp.psa.autotask_api_users) declares users by. A user whose username, before
    the C(@), is a profile's C(username) is matched first; else one whose email address, before the C(@), is
    the profile's C(email_local) (then the username becomes an override).
  - For each matched profile the settings the profile sets but the user has otherwise (first and last name,
    email part, security level, location, internal cost, default role and department) become suggested
    C(profile_overrides), so the declaration converges with no change. A setting the user does not have at all
    becomes a C(null) override (left unmanaged).
  - Only active users are declared (a declared user is active, so declaring an inactive one would reactivate
    it). Inactive users, users matched to no profile and several users named like one profile are returned in
    RV(unmatched) and written as comments. The collection's own user and O(ignore_usernames) are excluded (RV(excluded)).
  - The API tracking identifier (Integration Vendor or Custom) and the timesheet setting of a user are not
    exposed by Autotask's REST API; they are not compared and are listed in each match's C(unverifiable).
  - Returns the starter declaration (the tenant's inventory host vars) as data and as commented YAML. With
    O(dest), writes that YAML to the host vars file, but never over a declaration the admin edited (see
    O(dest)). Nothing is ever written to the PSA.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
attributes:
  check_mode:
    support: full
    details: Reads the PSA only; in check mode O(dest) is not written either (the result says what would be).
  diff_mode:
    support: full
    details: Shows the difference between the host vars file and the discovered declaration.
  idempotent:
    support: full
options:
  tenant:
    description: The tenant (inventory host) the database belongs to; named in the declaration and the report.
    type: str
    required: true
  profiles:
    description:
      - The vendor profiles, profile name to profile, as the C(msp.psa.vendor_profiles) lookup returns them.
        Profiles without an C(autotask) section are not considered.
    type: dict
    required: true
  vendor_profiles:
    description: Consider only these profiles. All profiles with an C(autotask) section when not set.
    type: list
    elements: str
  domain:
    description:
      - The domain of the database's API usernames (the declaration's C(autotask_domain)). Defaults to the domain of
        O(autotask_username).
    type: str
  ignore_usernames:
    description:
      - API users that belong to other automation (full usernames or the part before C(@)); excluded, and kept in
        the declaration's C(ignore_usernames).
    type: list
    elements: str
    default: []
  dest:
    description:
      - The host vars file to write the starter declaration to, for example C(host_vars/northwind.yml).
      - A missing file is created. A file that still holds what discovery last wrote (kept in a hidden copy,
        C(.<name>.generated), next to it) is replaced. A file the admin edited, or that discovery did not write,
        is never touched; the new declaration goes to C(<dest>.new) instead and the result shows the difference
        (RV(file.diff)). An older C(<dest>.new) is removed once the file holds the latest declaration.
      - Not set, nothing is written.
    type: path
notes:
  - The declaration validates against the declaration schema (C(docs/declarations.md)).
"""

EXAMPLES = r"""
- name: Discover the tenant's API users and write its starter declaration
  msp.psa.autotask_api_user_discovery:
    tenant: "{{ inventory_hostname }}"
    profiles: "{{ lookup('msp.psa.vendor_profiles') }}"
    dest: "{{ discovery_dir }}/host_vars/{{ inventory_hostname }}.yml"
  register: discovered

- name: Show what was matched and what not
  ansible.builtin.debug:
    msg: "{{ discovered.table | map(attribute='outcome') }} {{ discovered.unmatched | map(attribute='username') }}"

- name: Only the declaration, as data (nothing written)
  msp.psa.autotask_api_user_discovery:
    tenant: northwind
    profiles: "{{ lookup('msp.psa.vendor_profiles') }}"
    vendor_profiles: [wise_sync, sync365]
  register: starter
"""

RETURN = r"""
matched:
  description:
    - Per matched vendor profile, the user, how it was matched (C(username) or C(email)), the suggested
      C(overrides), each difference from the profile, notes (an email domain the declaration cannot express)
      and what the API cannot read (C(unverifiable)).
  returned: always
  type: dict
  sample: {"wise_sync": {"username": "wisesync01@northwind-msp.example", "id": 29682002, "matched_by": "username",
           "overrides": {"last_name": "Integration"},
           "differences": [{"field": "last_name", "profile": "API User", "psa": "Integration", "comment": null}],
           "notes": [], "unverifiable": [{"field": "integration_vendor", "profile": "Wise-Sync",
           "why": "the API tracking identifier (Integration Vendor) is not exposed by Autotask's REST API"}]}}
unmatched:
  description: The API users not declared, each with the C(reason) and, when it is named like one, the C(profile).
  returned: always
  type: list
  elements: dict
  sample: [{"username": "oldtool01@northwind-msp.example", "id": 29682004, "name": "Old Tool",
            "email": "oldtool@northwind-msp.example", "active": true, "security_level": "API User (system)",
            "reason": "API user matched to no vendor profile; declare it or add it to ignore_usernames (an active
            user declared nowhere is drift)"}]
excluded:
  description: The collection's own user and the ignored users.
  returned: always
  type: list
  elements: dict
  sample: [{"username": "msppsa01@northwind-msp.example", "why": "the collection's own API user"}]
declaration:
  description: The starter declaration, the tenant's host vars (C(psa), C(autotask_domain), C(vendor_profiles),
    C(profile_overrides), and C(autotask_email_domain) or C(ignore_usernames) where needed).
  returned: always
  type: dict
  sample: {"psa": "autotask", "autotask_domain": "northwind-msp.example", "vendor_profiles": ["wise_sync"],
           "profile_overrides": {"wise_sync": {"last_name": "Integration"}}}
host_vars:
  description: The declaration as YAML, in a stable key order, each override and unmatched user explained in a comment.
  returned: always
  type: str
table:
  description: The report's rows, one per matched profile and per unmatched user.
  returned: always
  type: list
  elements: dict
  sample: [{"tenant": "northwind", "psa": "autotask", "profile": "wise_sync", "user": "wisesync01@northwind-msp.example",
            "outcome": "matched by username", "detail": "last_name: Integration (profile API User)"}]
summary:
  description: Counts of users read, matched, unmatched, excluded and overrides.
  returned: always
  type: dict
  sample: {"users": 5, "matched": 3, "unmatched": 1, "excluded": 1, "overrides": 2}
file:
  description: What happened to O(dest).
  returned: when O(dest) is set
  type: dict
  contains:
    path:
      description: The host vars file.
      type: str
    action:
      description:
        - C(created), C(updated) (it held what discovery last wrote), C(unchanged), or C(kept) (the admin edited it;
          the new declaration went to RV(file.new_path)).
      type: str
    edited:
      description: Whether the file was kept because the admin edited it.
      type: bool
    new_path:
      description: Where the new declaration was written instead, when kept.
      type: str
    removed_new:
      description: Whether an older C(.new) file was removed (the file now holds the latest declaration).
      type: bool
    generated_path:
      description: The copy of what discovery last wrote to the file.
      type: str
    diff:
      description: A unified diff from the file to the new declaration (when kept or updated).
      type: str
  sample: {"path": "/srv/inventory/host_vars/northwind.yml", "action": "kept",
           "new_path": "/srv/inventory/host_vars/northwind.yml.new", "edited": true, "removed_new": false,
           "generated_path": "/srv/inventory/host_vars/.northwind.yml.generated", "diff": "--- ...\n+++ ...\n"}
requests:
  description: HTTP requests this call sent to the PSA.
  returned: always
  type: int
  sample: 2
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import AutotaskProvider
from ansible_collections.msp.psa.plugins.module_utils._discovery import (
    autotask_sections, discover_autotask, domain_part, write_declaration)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(
    tenant=dict(type="str", required=True),
    profiles=dict(type="dict", required=True),
    vendor_profiles=dict(type="list", elements="str"),
    domain=dict(type="str"),
    ignore_usernames=dict(type="list", elements="str", default=[]),
    dest=dict(type="path"),
)


def run(module, client):
    p = module.params
    sections = autotask_sections(p["profiles"], p["vendor_profiles"])
    unknown = sorted(set(p["vendor_profiles"] or ()) - set(sections))
    if unknown:
        module.fail_json(msg="vendor_profiles: %s: no such profile with an autotask section (known: %s)." % (
            ", ".join(unknown), ", ".join(sorted(sections)) or "none"))
    domain = p["domain"] or domain_part(p["autotask_username"])
    if not domain:
        module.fail_json(msg="domain: not set, and autotask_username %s has no @domain to take it from." %
                         p["autotask_username"])
    provider = AutotaskProvider(client, own_username=p["autotask_username"])
    result = discover_autotask(provider, p["tenant"], sections, domain, p["autotask_username"], p["ignore_usernames"])
    result["changed"] = False
    if p["dest"]:
        result["file"], result["changed"], diff = write_declaration(p["dest"], result["host_vars"], module.check_mode)
        if module._diff:
            result["diff"] = diff
    result["requests"] = client.http.requests_sent
    return result


def main():
    run_module([AUTH_SPEC, SPEC], run, client=AutotaskClient.from_params)


if __name__ == "__main__":
    main()
