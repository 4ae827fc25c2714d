#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_security_role
short_description: Ensure a ConnectWise PSA security role exists and verify its permission levels
version_added: 0.1.0
description:
  - Creates the role by name when missing (the only write the API allows on roles) and compares its
    settings (C(/system/securityRoles/{id}/settings), read-only in the API) with the permission matrix in
    O(permissions).
  - Every level that differs is returned in RV(permissions_missing) and as a UI step in RV(manual_steps)
    (System > Security Roles > role > module > function), since only the UI can set levels. The next run
    verifies them.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.connectwise_permissions
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  name:
    description: Role name, at most 30 characters.
    type: str
    required: true
  state:
    description: V(present) creates the role when missing; V(absent) deletes it (ConnectWise refuses while members use it).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The Sync 365 custom role (seed 003)
  msp.psa.connectwise_security_role:
    name: Sync 365
    permissions:
      - {module: Companies, function: Company Maintenance, inquire: All}
      - {module: Companies, function: Contacts, add: All, edit: All, inquire: All}
      - {module: Finance, function: Agreement Invoicing, inquire: All}
      - {module: Finance, function: Agreements, add: All, edit: All, inquire: All}
      - {module: Finance, function: Invoicing, inquire: All}
      - {module: Procurement, function: Product Catalog, inquire: All}
      - {module: Procurement, function: Products, inquire: All}
      - module: System
        function: Table Setup
        edit: All
        inquire: All
        custom_items: [Agreements / Batch, Agreements / Agreement Type]
  register: role
"""

RETURN = r"""
state:
  description: C(created), C(ok), C(drift) (levels to set in the UI) or C(absent).
  returned: always
  type: str
  sample: drift
role:
  description: The role's id and name.
  returned: when present
  type: dict
  sample: {"id": 25, "name": "Sync 365"}
permissions_missing:
  description: Every level that differs, with C(problem) C(missing) or C(excess).
  returned: always
  type: list
  elements: dict
  sample: [{"module": "Finance", "function": "Agreements", "level": "add", "want": "All", "have": "None",
            "problem": "missing"}]
manual_steps:
  description: UI steps that set the missing levels, one per module function.
  returned: always
  type: list
  elements: dict
unverifiable:
  description: Facts the role settings cannot show (which Table Setup tables are allowed).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import (
    PERMISSION_SPEC, ConnectWiseProvider, apply_role, plan_role, validate_role_name)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(name=dict(type="str", required=True), permissions=PERMISSION_SPEC,
            state=dict(type="str", default="present", choices=["present", "absent"]))


def run(module, client):
    name = module.params["name"]
    validate_role_name(name)
    provider = ConnectWiseProvider(client)
    if module.params["state"] == "absent":
        role = provider.find_role(name)
        if role is not None and not module.check_mode:
            client.call("DELETE", "system/securityroles/%d" % role["id"])
        return {"changed": role is not None, "name": name, "state": "absent", "role": None, "manual_steps": [],
                "permissions_missing": [], "unverifiable": []}
    result = apply_role(provider, plan_role(provider, name, module.params["permissions"]), module.check_mode)
    result.pop("kind", None)
    result.pop("action", None)
    return result


def main():
    run_module([AUTH_SPEC, SPEC], run, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
