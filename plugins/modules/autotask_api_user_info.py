#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_api_user_info
short_description: List the API users of an Autotask database
version_added: 0.1.0
description:
  - Returns every API-only resource (license type API User) of the database with its security level label,
    active flag and the facts the REST API exposes, for orphan detection and reports.
  - Costs one query (paged by 500) plus one field-metadata request for the security level labels.
  - The API tracking identifier of each user is not exposed by the REST API and is therefore not returned.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.INFO_MODULE
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
options:
  usernames:
    description: Only these usernames (compared case-insensitively). All API users when not set.
    type: list
    elements: str
  include_inactive:
    description: Include inactive API users.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: All API users of the tenant's database
  msp.psa.autotask_api_user_info:
  register: at_users

- name: API users nobody declared (orphans)
  ansible.builtin.debug:
    msg: "{{ at_users.api_users | map(attribute='username') | difference(declared_usernames) }}"
"""

RETURN = r"""
api_users:
  description: The database's API users, sorted by username.
  returned: success
  type: list
  elements: dict
  sample: [{"id": 29682001, "username": "wisesync01@northwind-msp.example", "first_name": "Wise-Sync",
            "last_name": "API User", "email": "wisesync@northwind-msp.example", "active": true,
            "security_level": "API User (system)", "internal_cost": 0.0, "location_id": 29682101}]
count:
  description: How many API users were returned.
  returned: success
  type: int
  sample: 3
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import API_USER_LICENSE, AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(usernames=dict(type="list", elements="str"), include_inactive=dict(type="bool", default=True))


def run(params, client):
    filters = [{"op": "eq", "field": "licenseType", "value": API_USER_LICENSE}]
    if params["usernames"]:
        filters.append({"op": "in", "field": "userName", "value": list(params["usernames"])})
    if not params["include_inactive"]:
        filters.append({"op": "eq", "field": "isActive", "value": True})
    rows = client.query("Resources", filters)
    users = [{"id": r["id"], "username": r.get("userName"), "first_name": r.get("firstName"),
              "last_name": r.get("lastName"), "email": r.get("email"), "active": r.get("isActive"),
              "security_level": client.label("Resources", "userType", r.get("userType")), "internal_cost": r.get("internalCost"),
              "location_id": r.get("locationID")} for r in rows]
    return sorted(users, key=lambda u: (u["username"] or "").lower())


def info(module, client):
    users = run(module.params, client)
    return dict(changed=False, api_users=users, count=len(users))


def main():
    run_module([AUTH_SPEC, SPEC], info, client=AutotaskClient.from_params)


if __name__ == "__main__":
    main()
