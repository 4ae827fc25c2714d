#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_api_member
short_description: Create, update or inactivate a ConnectWise PSA API member
version_added: 0.1.0
description:
  - Declares one API member (license class A) by its O(identifier) and makes ConnectWise PSA match it. It
    creates it when missing (C(POST /system/apiMembers)), PATCHes what differs (JSON-Patch), and with
    O(state=absent) sets it inactive, since ConnectWise has no DELETE for API members.
  - Only the options you set are compared. References (role, department, locations) are given by name and
    resolved to ids only when a write needs them, so verifying an unchanged member costs one request.
  - API keys of a member are made in the UI only; see M(msp.psa.connectwise_api_key).
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
  - msp.psa.api_user.CONNECTWISE
attributes:
  check_mode:
    support: full
    details: Nothing is written; the returned member and diff are the module's prediction.
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Sync 365 API member (seed 003)
  msp.psa.connectwise_api_member:
    identifier: S365
    name: Sync 365
    security_role: Sync 365
    default_department: Admin
    default_location: Head Office
    notes: Managed by msp.psa
  register: s365

- name: Retire an integration's API member
  msp.psa.connectwise_api_member:
    identifier: OLDTOOL
    state: absent
"""

RETURN = r"""
state:
  description: C(created), C(updated), C(ok) or C(absent).
  returned: always
  type: str
  sample: created
record:
  description: The member after this run (predicted in check mode), references by name.
  returned: when the member exists or was created
  type: dict
  sample: {"id": 101, "identifier": "S365", "name": "Sync 365", "email": null, "active": true,
           "security_role": "Sync 365", "default_department": "Admin", "default_location": "Head Office"}
drift:
  description: In check mode, what differs (all fixable by the API).
  returned: always
  type: list
  elements: dict
fixed:
  description: What this run changed.
  returned: when the member existed
  type: list
  elements: dict
diff:
  description: Before and after of the managed fields.
  returned: in diff mode
  type: dict
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import MEMBER_SPEC, ConnectWiseProvider
from ansible_collections.msp.psa.plugins.module_utils._engine import converge_one
from ansible_collections.msp.psa.plugins.module_utils._module import run_module


def run(module, client):
    return converge_one(ConnectWiseProvider(client), module.params, module.check_mode, module._diff)


def main():
    run_module([AUTH_SPEC, MEMBER_SPEC], run, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
