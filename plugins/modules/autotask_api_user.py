#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_api_user
short_description: Create-or-verify an integration API user in Datto Autotask PSA
version_added: 0.1.0
description:
  - Declares one Autotask API user (an API-only resource, license type API User) by O(username) and brings
    it as close to the declaration as Autotask's REST API allows.
  - Autotask's REST API can query and update Resources but never create or delete them. So when the user
    exists, the module adopts it, compares the options you set, PATCHes what the API can write (names,
    email, active, internal cost, location, and the security level only where the database's field
    metadata says it is writable), creates a missing default role/department association, and reports
    what only the Autotask UI can change (security level, license type) as RV(drift) with the UI path.
  - When the user does not exist, the module returns RV(manual_steps), the New API User form filled in
    with this user's values and the secret-store path where the secret waits, with C(changed=false),
    and the next run verifies the work (O(when_missing=fail) fails instead).
  - The API tracking identifier (integration vendor or custom integration) of a user is not exposed by
    the REST API at all. The module says so in RV(unverifiable) and never pretends to check it.
  - O(state=absent) deactivates the user, since Autotask cannot delete resources.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
  - msp.psa.api_user.AUTOTASK
attributes:
  check_mode:
    support: full
    details: Nothing is written; the returned record and diff are the module's prediction.
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Wise-Sync API user (seed settings), collection credentials from module_defaults
  msp.psa.autotask_api_user:
    username: wisesync01@northwind-msp.example
    first_name: Wise-Sync
    last_name: API User
    email: wisesync@northwind-msp.example
    security_level: API User (system)
    integration_vendor: Wise-Sync
    timesheets_not_required: true
    internal_cost: 0
    default_department: Administration
    default_role: Integration
    secret_store_path: secret/msp/northwind/autotask/wise_sync
  register: wise_sync

- name: Show what the admin still has to do in the Autotask UI
  ansible.builtin.debug:
    var: wise_sync.manual_steps
  when: wise_sync.manual_steps | length > 0

- name: Verify an internal integration user can log in and has what it needs
  msp.psa.autotask_api_user:
    username: reporting01@northwind-msp.example
    custom_integration: true
    security_level: API User - Reporting
    check_credentials: true
    api_user_secret: "{{ lookup('community.hashi_vault.vault_kv2_get', 'msp/northwind/autotask/reporting').secret.secret }}"
    api_user_integration_code: "{{ lookup('community.hashi_vault.vault_kv2_get', 'msp/northwind/autotask/reporting').secret.integration_code }}"
    required_permissions:
      - {entity: Contracts, action: query}
      - {entity: Companies, action: update}
  no_log: true

- name: Retire an integration (Autotask cannot delete resources, so this deactivates)
  msp.psa.autotask_api_user:
    username: oldtool01@northwind-msp.example
    state: absent
"""

RETURN = r"""
state:
  description:
    - C(ok) (matches), C(updated) (the API fixed what differed), C(drift) (something only the UI can fix,
      or credentials/permissions wrong), C(missing) (create it with RV(manual_steps)), C(absent) (inactive or not there).
  returned: always
  type: str
  sample: drift
name:
  description: The API user's username (the natural key; the same key as C(identifier) of M(msp.psa.connectwise_api_member)).
  returned: always
  type: str
  sample: wisesync01@northwind-msp.example
plan:
  description: The writes the run intended (and, outside check mode, made), from the plan made before any write.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "update", "object": "user", "name": "wisesync01@northwind-msp.example", "fields": ["last_name"]}]
record:
  description: The user as the module sees it after this run (labels, not ids); predicted in check mode. No secrets.
  returned: when the user exists
  type: dict
  sample: {"id": 29682001, "username": "wisesync01@northwind-msp.example", "first_name": "Wise-Sync",
           "last_name": "API User", "email": "wisesync@northwind-msp.example", "active": true,
           "internal_cost": 0.0, "api_user": true, "security_level": "API User (system)"}
drift:
  description:
    - What differs from the declaration. Outside check mode only what this run could not fix (C(fix=ui));
      in check mode everything, with C(fix=api) for what a real run would fix.
  returned: always
  type: list
  elements: dict
  sample: [{"field": "security_level", "want": "API User (system)", "have": "API User - custom", "fix": "ui",
            "ui_path": "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users > wisesync01@... > Security > Security Level"}]
fixed:
  description: What this run changed through the API.
  returned: always
  type: list
  elements: dict
  sample: [{"field": "last_name", "want": "API User", "have": "Integration", "fix": "api"}]
manual_steps:
  description: Steps only an admin can do in the vendor UI, with exact paths and values; secrets only as store paths.
  returned: always
  type: list
  elements: dict
  sample: [{"system": "Autotask", "title": "Create the API user sync365@northwind-msp.example",
            "ui_path": "Admin > Account Settings & Users > Resources/Users (HR) > Resources/Users > New > New API User",
            "instructions": ["..."], "secret_refs": {"secret": "secret/msp/northwind/autotask/sync365"}}]
unverifiable:
  description: Declared facts the REST API cannot read (tracking identifier, timesheet flag), with why.
  returned: always
  type: list
  elements: dict
  sample: [{"field": "integration_vendor", "want": "Wise-Sync", "why": "Autotask's REST API does not expose ..."}]
credentials:
  description: C(valid), C(invalid), C(locked) or C(not_possible) (integration-vendor users).
  returned: when O(check_credentials=true)
  type: str
  sample: valid
permissions_missing:
  description: Required permissions the user's security level lacks.
  returned: when O(required_permissions) were checked
  type: list
  elements: dict
  sample: [{"entity": "Contracts", "action": "create", "have": "None"}]
diff:
  description: Before and after of the managed fields.
  returned: in diff mode
  type: dict
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import (
    USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER, USER_SPEC, provider_for)
from ansible_collections.msp.psa.plugins.module_utils._engine import converge_one
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import run_module


def converge(module, client):
    result = converge_one(provider_for(module.params, client), module.params, module.check_mode, module._diff)
    if result["state"] == "missing" and module.params["when_missing"] == "fail":
        raise PSAError("The Autotask API user %s does not exist." % module.params["username"], kind="missing",
                       fix="Do the manual_steps (New API User), then run again.", result=result)
    return result


def main():
    run_module([AUTH_SPEC, USER_SPEC], converge, client=AutotaskClient.from_params,
               mutually_exclusive=USER_MUTUALLY_EXCLUSIVE, required_together=USER_REQUIRED_TOGETHER)


if __name__ == "__main__":
    main()
