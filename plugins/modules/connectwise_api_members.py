#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_api_members
short_description: Converge or check all declared API members of one ConnectWise PSA company in one call
version_added: 0.1.0
description:
  - The bulk form of M(msp.psa.connectwise_api_member), for fleet runs. One request lists every API member
    (which also reveals orphans); each declared member is then handled as the singular module does. References
    are resolved only when a write needs them, so a steady-state check costs one request per company
    (companyinfo is cached on disk).
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
  - msp.psa.api_user.CONNECTWISE_MEMBERS
  - msp.psa.api_user.CREDENTIAL_CHECK
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  tenant:
    description: The tenant these members belong to, named in error messages.
    type: str
  security_roles:
    description:
      - Custom security roles the members use, created by name when missing (before the members that use
        them) and compared with their permission matrix; levels that differ come back as UI steps, since
        ConnectWise's API cannot set them. A member's O(members[].security_role) may name a role declared
        here even when it does not exist yet (check mode predicts its creation).
    type: list
    elements: dict
    suboptions:
      name:
        description: The role's name (at most 30 characters).
        type: str
        required: true
      permissions:
        description: The role's levels, as O(msp.psa.connectwise_security_role#module:permissions).
        type: list
        elements: dict
        suboptions:
          module:
            description: Module name as the UI shows it, for example C(Finance).
            type: str
            required: true
          function:
            description: Module function, for example C(Agreements).
            type: str
            required: true
          add:
            description: Add level.
            type: str
            choices: [None, My, All]
          edit:
            description: Edit level.
            type: str
            choices: [None, My, All]
          delete:
            description: Delete level.
            type: str
            choices: [None, My, All]
          inquire:
            description: Inquire level.
            type: str
            choices: [None, My, All]
          custom_items:
            description: Table Setup items the role must allow (customised functions).
            type: list
            elements: str
  own_identifier:
    description: The collection's own API member, never reported as an orphan.
    type: str
  ignore_identifiers:
    description:
      - API members that are not orphans although not declared in O(members) (other automation, or users that
        another declaration of the same tenant owns). Never touched.
    type: list
    elements: str
    default: []
  inactivate_orphans:
    description: Set the orphans inactive (ConnectWise has no DELETE for API members). Off by default.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Sync 365's API member on this company
  msp.psa.connectwise_api_members:
    own_identifier: msppsa
    members:
      - profile: sync365
        identifier: S365
        name: Sync 365
        security_role: Sync 365
        default_department: Admin
"""

RETURN = r"""
users:
  description:
    - One result per declared member, as M(msp.psa.connectwise_api_member) returns it, plus C(profile); the
      same keys as M(msp.psa.autotask_api_users) returns.
  returned: always
  type: list
  elements: dict
orphans:
  description: API members declared nowhere.
  returned: always
  type: list
  elements: dict
summary:
  description: How many members are in each state.
  returned: always
  type: dict
shared:
  description: One result per declared security role (C(state), C(role), C(permissions_missing), C(manual_steps)).
  returned: when O(security_roles) are declared
  type: list
  elements: dict
manual_steps:
  description: Every manual step (role levels first), with C(identifier) and C(profile).
  returned: always
  type: list
  elements: dict
plan:
  description: The intended writes of the plan (roles and members created, members updated or deactivated).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "object": "security_role", "name": "Sync 365"}, {"action": "create", "object": "user", "name": "S365"}]
requests:
  description: HTTP requests this call sent to the PSA.
  returned: always
  type: int
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import ROLE_SPEC, MEMBER_SPEC, provider_for
from ansible_collections.msp.psa.plugins.module_utils._credential_check import CHECK_SPEC, CredentialCheck
from ansible_collections.msp.psa.plugins.module_utils._engine import converge
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(
    tenant=dict(type="str"),
    members=dict(type="list", elements="dict", required=True, options=dict(MEMBER_SPEC, profile=dict(type="str"))),
    security_roles=ROLE_SPEC,
    own_identifier=dict(type="str"),
    ignore_identifiers=dict(type="list", elements="str", default=[]),
    inactivate_orphans=dict(type="bool", default=False),
)


def run(module, client):
    p = module.params
    provider = provider_for(p, client)
    provider.inspector = CredentialCheck.from_params(p, "connectwise")
    result = converge(provider, p["members"], module.check_mode, module._diff, tenant=p["tenant"],
                      inactivate_orphans=p["inactivate_orphans"])
    result["requests"] = client.http.requests_sent
    if client.codebase_warning():
        module.warn(client.codebase_warning())
    return result


def main():
    run_module([AUTH_SPEC, SPEC, CHECK_SPEC], run, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
