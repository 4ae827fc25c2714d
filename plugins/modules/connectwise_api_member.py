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
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
attributes:
  check_mode:
    support: full
    details: Nothing is written; the returned member and diff are the module's prediction.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  identifier:
    description: The Member ID, 1 to 15 letters or digits (for example C(S365)).
    type: str
    required: true
  name:
    description: Member name, at most 30 characters. Defaults to O(identifier) on creation.
    type: str
  email:
    description: Email address.
    type: str
  security_role:
    description: Security role by name (for example C(Admin) or a custom role).
    type: str
  default_department:
    description: Default department by identifier or name.
    type: str
  default_location:
    description: Default location by name.
    type: str
  security_location:
    description: Security location by name.
    type: str
  structure_level:
    description: Structure level by id, or by name as a reference ConnectWise resolves.
    type: str
  time_zone:
    description: Time zone by id, or by name as a reference ConnectWise resolves.
    type: str
  notes:
    description: Notes on the member.
    type: str
  state:
    description: V(present) creates or updates; V(absent) inactivates.
    type: str
    choices: [present, absent]
    default: present
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
api_member:
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

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import MEMBER_SPEC, ensure_member
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError


def main():
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(copy.deepcopy(MEMBER_SPEC))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    try:
        client = ConnectWiseClient.from_params(module.params, check_mode=module.check_mode)
        result = ensure_member(module.params, client, module.check_mode, module._diff)
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
