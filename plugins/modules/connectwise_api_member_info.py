#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_api_member_info
short_description: List the API members of a ConnectWise PSA company
version_added: 0.1.0
description:
  - Returns every API member (license class A) with its role and flags, for orphan detection and reports.
    One request per 1,000 members (Link-header paging).
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.INFO_MODULE
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
options:
  include_inactive:
    description: Include inactive API members.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: All API members
  msp.psa.connectwise_api_member_info:
  register: cw_members
"""

RETURN = r"""
api_members:
  description: The company's API members, sorted by identifier.
  returned: success
  type: list
  elements: dict
  sample: [{"id": 100, "identifier": "msppsa", "name": "MSP Automation", "email": "automation@lakeside.example",
            "active": true, "security_role": "Admin", "default_department": "Admin", "default_location": "Head Office"}]
count:
  description: How many were returned.
  returned: success
  type: int
  sample: 1
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import member_view
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(include_inactive=dict(type="bool", default=True))


def run(module, client):
    rows = client.list("system/apiMembers", None if module.params["include_inactive"] else "inactiveFlag = false")
    members = sorted((member_view(r) for r in rows), key=lambda m: m["identifier"].lower())
    for m in members:
        m.pop("default_department_identifier", None)
    return dict(changed=False, api_members=members, count=len(members))


def main():
    run_module([AUTH_SPEC, SPEC], run, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
