#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_api_member_discovery
short_description: Discover a ConnectWise PSA company's existing API members and write its starter declaration
version_added: 0.1.0
description:
  - Reads every API member of the company (one list request per 1,000 members) and matches them to the vendor
    profiles by the profiles' own naming rule, the one M(msp.psa.connectwise_api_members) declares members by,
    a member whose Member ID is a profile's C(identifier) (case-insensitive).
  - For each matched profile the settings the profile sets but the member has otherwise (name, email, security
    role, default department and locations, structure level, time zone, notes) become suggested
    C(profile_overrides), so the declaration converges with no change. A setting the member does not have at all
    becomes a C(null) override (left unmanaged).
  - Only active members are declared (a declared member is active, so declaring an inactive one would
    reactivate it). Inactive members, members matched to no profile and the collection's own member
    (O(own_identifier)) are not declared; the first two are returned in RV(unmatched) and written as comments.
  - Whether a member has an API key pair is not knowable, because ConnectWise's API does not list a member's keys. The
    first converge reports each adopted member's key pair as C(unknown_secret) until the admin stores the pair
    the vendor tool uses (or rotates it). The security role's permission levels are compared by the converge.
  - Returns the starter declaration (the tenant's inventory host vars) as data and as commented YAML. With
    O(dest), writes that YAML to the host vars file, but never over a declaration the admin edited (see
    O(dest)). Nothing is ever written to the PSA.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
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
    description: The tenant (inventory host) the company belongs to; named in the declaration and the report.
    type: str
    required: true
  profiles:
    description:
      - The vendor profiles, profile name to profile, as the C(msp.psa.vendor_profiles) lookup returns them.
        Profiles without a C(connectwise) section are not considered.
    type: dict
    required: true
  vendor_profiles:
    description: Consider only these profiles. All profiles with a C(connectwise) section when not set.
    type: list
    elements: str
  own_identifier:
    description:
      - The collection's own API member (its Member ID); excluded, and kept in the declaration as
        C(connectwise_own_identifier).
    type: str
  dest:
    description:
      - The host vars file to write the starter declaration to, for example C(host_vars/lakeside.yml).
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
- name: Discover the company's API members and write its starter declaration
  msp.psa.connectwise_api_member_discovery:
    tenant: "{{ inventory_hostname }}"
    profiles: "{{ lookup('msp.psa.vendor_profiles') }}"
    own_identifier: "{{ connectwise_own_identifier }}"
    dest: "{{ discovery_dir }}/host_vars/{{ inventory_hostname }}.yml"
  register: discovered

- name: The members no vendor profile names
  ansible.builtin.debug:
    msg: "{{ discovered.unmatched | map(attribute='identifier') }}"
"""

RETURN = r"""
matched:
  description:
    - Per matched vendor profile, the member, how it was matched (C(identifier)), the suggested C(overrides),
      each difference from the profile and what the API cannot read (C(unverifiable), the key pair, and the role's
      levels that the converge compares).
  returned: always
  type: dict
  sample: {"sync365": {"identifier": "S365", "id": 101, "matched_by": "identifier", "overrides": {"name": "Sync365"},
           "differences": [{"field": "name", "profile": "Sync 365", "psa": "Sync365", "comment": null}], "notes": [],
           "unverifiable": [{"field": "api_key", "profile": "s365", "why": "ConnectWise's API lists no member's API
           keys, so whether the member has a key pair is not knowable; the first converge reports its pair as
           unknown_secret until you store the pair its vendor tool uses (or rotate it)"}]}}
unmatched:
  description: The API members not declared, each with the C(reason) and, when it is named like one, the C(profile).
  returned: always
  type: list
  elements: dict
  sample: [{"identifier": "ITGLUE", "id": 102, "name": "IT Glue", "email": null, "active": true,
            "security_role": "Admin", "reason": "API member matched to no vendor profile; declare it (a vendor profile
            with its identifier) or retire it (retire_orphans: true) (an active member declared nowhere is drift)"}]
excluded:
  description: The collection's own member.
  returned: always
  type: list
  elements: dict
  sample: [{"identifier": "msppsa", "why": "the collection's own API user"}]
declaration:
  description: The starter declaration, the tenant's host vars (C(psa), C(connectwise_company), C(connectwise_site),
    C(connectwise_own_identifier), C(vendor_profiles), C(profile_overrides)).
  returned: always
  type: dict
  sample: {"psa": "connectwise", "connectwise_company": "lakeside", "connectwise_site": "eu",
           "connectwise_own_identifier": "msppsa", "vendor_profiles": ["sync365"], "profile_overrides": {}}
host_vars:
  description: The declaration as YAML, in a stable key order, each override and unmatched member explained in a comment.
  returned: always
  type: str
table:
  description: The report's rows, one per matched profile and per unmatched member.
  returned: always
  type: list
  elements: dict
  sample: [{"tenant": "lakeside", "psa": "connectwise", "profile": "sync365", "user": "S365",
            "outcome": "matched by identifier", "detail": "the profile's settings"}]
summary:
  description: Counts of members read, matched, unmatched, excluded and overrides.
  returned: always
  type: dict
  sample: {"users": 3, "matched": 1, "unmatched": 1, "excluded": 1, "overrides": 0}
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
  sample: {"path": "/srv/inventory/host_vars/lakeside.yml", "action": "unchanged", "new_path": null, "edited": false,
           "removed_new": false, "generated_path": "/srv/inventory/host_vars/.lakeside.yml.generated", "diff": ""}
requests:
  description: HTTP requests this call sent to the PSA.
  returned: always
  type: int
  sample: 2
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import ConnectWiseProvider
from ansible_collections.msp.psa.plugins.module_utils._discovery import (
    connectwise_sections, discover_connectwise, write_declaration)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(
    tenant=dict(type="str", required=True),
    profiles=dict(type="dict", required=True),
    vendor_profiles=dict(type="list", elements="str"),
    own_identifier=dict(type="str"),
    dest=dict(type="path"),
)


def run(module, client):
    p = module.params
    sections = connectwise_sections(p["profiles"], p["vendor_profiles"])
    unknown = sorted(set(p["vendor_profiles"] or ()) - set(sections))
    if unknown:
        module.fail_json(msg="vendor_profiles: %s: no such profile with a connectwise section (known: %s)." % (
            ", ".join(unknown), ", ".join(sorted(sections)) or "none"))
    provider = ConnectWiseProvider(client, own_identifier=p["own_identifier"])
    settings = {"connectwise_company": p["connectwise_company"], "connectwise_site": p["connectwise_site"],
                "connectwise_own_identifier": p["own_identifier"]}
    result = discover_connectwise(provider, p["tenant"], sections, p["own_identifier"], settings)
    result["changed"] = False
    if p["dest"]:
        result["file"], result["changed"], diff = write_declaration(p["dest"], result["host_vars"], module.check_mode)
        if module._diff:
            result["diff"] = diff
    result["requests"] = client.http.requests_sent
    return result


def main():
    run_module([AUTH_SPEC, SPEC], run, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
