#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_api_users
short_description: Converge or check all declared API users of one Autotask database in one call
version_added: 0.1.0
description:
  - The bulk form of M(msp.psa.autotask_api_user), for fleet runs. One query reads every API user of the
    database (license type API User), which also reveals the orphans (API users nobody declared); the field
    metadata comes from the per-database on-disk cache. In steady state a check costs one request per
    database besides the zone lookup, which is cached too.
  - Each declared user is then handled exactly as M(msp.psa.autotask_api_user) does (same options, same
    result per user), so the singular module stays for single-user use.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  users:
    description:
      - The declared API users, each a dict with the options of M(msp.psa.autotask_api_user) (except the
        connection options) and an optional C(profile) label for reports. Each is validated like that module's
        options, before anything is sent; an error names C(users[n].option).
    type: list
    elements: dict
    required: true
  report_orphans:
    description: Return API users that exist in the database but are not declared (never touched).
    type: bool
    default: true
  ignore_usernames:
    description: API users that are not orphans although not declared here (other automation). The collection's own user is always ignored.
    type: list
    elements: str
    default: []
  inactivate_orphans:
    description: Deactivate the orphans (Autotask cannot delete API users). Off by default; orphans are only reported.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check every declared API user of this tenant (drift check)
  msp.psa.autotask_api_users:
    users:
      - profile: wise_sync
        username: "wisesync01@{{ autotask_domain }}"
        security_level: API User (system)
        integration_vendor: Wise-Sync
      - profile: sync365
        username: "sync365api01@{{ autotask_domain }}"
        security_level: API User (system)
        integration_vendor: Sync 365 License
  check_mode: true
  register: fleet
"""

RETURN = r"""
users:
  description: One result per declared user, as M(msp.psa.autotask_api_user) returns it, plus C(profile).
  returned: always
  type: list
  elements: dict
orphans:
  description: API users of the database that are declared nowhere.
  returned: always
  type: list
  elements: dict
  sample: [{"username": "oldtool01@northwind-msp.example", "active": true, "security_level": "API User (system)"}]
summary:
  description: How many users are in each state.
  returned: always
  type: dict
  sample: {"ok": 1, "missing": 1, "drift": 1}
manual_steps:
  description: Every user's manual steps, with C(username) and C(profile).
  returned: always
  type: list
  elements: dict
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import (
    USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER, USER_SPEC, http_factory_for, run_bulk)
from ansible_collections.msp.psa.plugins.module_utils._engine import validate_items
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError


def main():
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(users=dict(type="list", elements="dict", required=True),
                report_orphans=dict(type="bool", default=True), inactivate_orphans=dict(type="bool", default=False),
                ignore_usernames=dict(type="list", elements="str", default=[]))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    module.params["users"] = validate_items(module, "users", USER_SPEC, USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER,
                                            extra={"profile": dict(type="str")})
    try:
        client = AutotaskClient.from_params(module.params, check_mode=module.check_mode)
        result = run_bulk(module.params, client, module.check_mode, module._diff, http_factory_for(module.params))
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    result["requests"] = client.http.requests_sent
    module.exit_json(**result)


if __name__ == "__main__":
    main()
