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
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  members:
    description: The declared API members, each with the options of M(msp.psa.connectwise_api_member) and an optional C(profile).
    type: list
    elements: dict
    required: true
  own_identifier:
    description: The collection's own API member, never reported as an orphan.
    type: str
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
members:
  description: One result per declared member, as M(msp.psa.connectwise_api_member) returns it, plus C(profile).
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
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import MEMBER_SPEC, ensure_members
from ansible_collections.msp.psa.plugins.module_utils._engine import validate_items
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError


def main():
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(members=dict(type="list", elements="dict", required=True),
                own_identifier=dict(type="str"), inactivate_orphans=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    module.params["members"] = validate_items(module, "members", MEMBER_SPEC, extra={"profile": dict(type="str")})
    try:
        client = ConnectWiseClient.from_params(module.params, check_mode=module.check_mode)
        result = ensure_members(module.params, client, module.check_mode, module._diff)
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    result["requests"] = client.http.requests_sent
    module.exit_json(**result)


if __name__ == "__main__":
    main()
