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
  - The run plans first (all reads; the whole declaration validated against the database's own field
    metadata, security levels, names and lengths; the list of intended writes) and then applies the plan.
    Any validation error fails the task naming the user, the option and the fix, with nothing written.
  - Each declared user is then handled exactly as M(msp.psa.autotask_api_user) does (same options, same
    result per user), so the singular module stays for single-user use.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
  - msp.psa.api_user.AUTOTASK_USERS
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
    description: The tenant these users belong to, named in error messages.
    type: str
  report_orphans:
    description: Return API users that exist in the database but are not declared (never touched).
    type: bool
    default: true
  ignore_usernames:
    description:
      - API users that are not orphans although not declared in O(users) (other automation, or users that another
        declaration of the same tenant owns). Never touched. The collection's own user is always ignored.
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
plan:
  description: The intended writes of the plan (created, updated, associated, deactivated).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "update", "object": "user", "name": "wisesync01@northwind-msp.example", "fields": ["last_name"]}]
requests:
  description: HTTP requests this call sent to the PSA.
  returned: always
  type: int
  sample: 1
zone:
  description:
    - The zone this call talked to, as M(msp.psa.autotask_zone_info) returns it, and where it came from.
    - A declared (O(autotask_zone_url)) or cached zone that Autotask refuses (HTTP 401, a redirect, no
      connection) is looked up again once; when the database moved, the call is repeated in the new zone
      and a warning says what to correct.
  returned: success
  type: dict
  contains:
    url:
      description: The zone's REST API base URL (without the API version).
      type: str
      sample: https://webservices5.autotask.net/ATServicesRest/
    web_url:
      description: The zone's web UI URL.
      type: str
      sample: https://ww5.autotask.net/
    ui_zone:
      description: What vendor tools ask for as "zone" (C(webservicesN)).
      type: str
      sample: webservices5
    source:
      description: C(declared) (O(autotask_zone_url)), C(cache) or C(discovery) (C(zoneInformation) asked in this call).
      type: str
      sample: cache
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import (
    USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER, USER_SPEC, provider_for)
from ansible_collections.msp.psa.plugins.module_utils._credential_check import CHECK_SPEC, CredentialCheck
from ansible_collections.msp.psa.plugins.module_utils._engine import converge
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(
    tenant=dict(type="str"),
    users=dict(type="list", elements="dict", required=True,
               options=dict(USER_SPEC, profile=dict(type="str")),
               mutually_exclusive=USER_MUTUALLY_EXCLUSIVE, required_together=USER_REQUIRED_TOGETHER),
    report_orphans=dict(type="bool", default=True),
    inactivate_orphans=dict(type="bool", default=False),
    ignore_usernames=dict(type="list", elements="str", default=[]),
)


def run(module, client):
    p = module.params
    provider = provider_for(p, client)
    provider.inspector = CredentialCheck.from_params(p, "autotask")
    result = converge(provider, p["users"], module.check_mode, module._diff, tenant=p["tenant"],
                      inactivate_orphans=p["inactivate_orphans"], report_orphans=p["report_orphans"])
    result["requests"] = client.http.requests_sent
    result["zone"] = client.zone
    if client.zone_warning():
        module.warn(client.zone_warning())
    return result


def main():
    run_module([AUTH_SPEC, SPEC, CHECK_SPEC], run, client=AutotaskClient.from_params)


if __name__ == "__main__":
    main()
