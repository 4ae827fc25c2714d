#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_drift_check
short_description: Check every tenant of a fleet in one task, tenants in parallel, never writing
version_added: 0.1.0
description:
  - For large fleets, where Ansible's own cost per host and task dominates, this module checks all tenants
    from one task on the controller. Each tenant is checked exactly as M(msp.psa.autotask_api_users) or
    M(msp.psa.connectwise_api_members) check it in check mode (one request per tenant in steady state), by a
    pool of O(workers) threads; one tenant is handled by one thread at a time, so no tenant sees more than one
    request in flight.
  - Nothing is written, ever (check mode is forced). The result feeds M(msp.psa.drift_report).
  - Build O(tenants) with the C(msp.psa.fleet_tenants) filter from the inventory.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.attributes
attributes:
  check_mode:
    support: full
    details: Always runs as a check.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  tenants:
    description:
      - One dict per tenant, with C(name), C(psa) (V(autotask) or V(connectwise)), the connection options of the
        matching bulk module (C(autotask_*) or C(connectwise_*)), and C(users) or C(members) as that module
        takes them (plus C(ignore_usernames) or C(own_identifier)). Secrets in it are never logged or returned.
    type: list
    elements: dict
    required: true
  workers:
    description: Tenants checked in parallel.
    type: int
    default: 16
  timeout:
    description: Seconds to wait for each HTTP request.
    type: float
    default: 30
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
requirements:
  - urllib3
"""

EXAMPLES = r"""
- name: Check the whole fleet from the controller
  msp.psa.fleet_drift_check:
    tenants: "{{ hostvars | msp.psa.fleet_tenants(groups['tenants'], lookup('msp.psa.vendor_profiles')) }}"
  register: fleet

- name: Report and gate
  msp.psa.drift_report:
    tenants: "{{ fleet.tenants }}"
    output_dir: reports/drift
"""

RETURN = r"""
tenants:
  description: Tenant name to C(psa) and C(result) (users or members, orphans, summary) or C(error).
  returned: always
  type: dict
requests:
  description: HTTP requests sent for the whole fleet.
  returned: always
  type: int
"""

import concurrent.futures
import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC as AT_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._autotask_user import (
    USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER, USER_SPEC, http_factory_for, run_bulk)
from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC as CW_SPEC, ConnectWiseClient
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import MEMBER_SPEC, ensure_members
from ansible_collections.msp.psa.plugins.module_utils._engine import validate_items
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError


def tenant_spec(psa):
    spec = copy.deepcopy(AT_SPEC if psa == "autotask" else CW_SPEC)
    spec.update(name=dict(type="str", required=True), psa=dict(type="str", required=True),
                users=dict(type="list", elements="dict", default=[]), members=dict(type="list", elements="dict", default=[]),
                ignore_usernames=dict(type="list", elements="str", default=[]), own_identifier=dict(type="str"))
    return spec


def check(tenant):
    try:
        if tenant["psa"] == "autotask":
            client = AutotaskClient.from_params(tenant, check_mode=True)
            params = dict(tenant, report_orphans=True, inactivate_orphans=False)
            result = run_bulk(params, client, True, False, http_factory_for(tenant))
        else:
            client = ConnectWiseClient.from_params(tenant, check_mode=True)
            result = ensure_members(dict(tenant, inactivate_orphans=False), client, True, False)
        keep = dict((k, result.get(k)) for k in ("users", "members", "orphans", "summary") if k in result)
        return {"psa": tenant["psa"], "result": keep}, client.http.requests_sent
    except PSAError as exc:
        return {"psa": tenant["psa"], "error": exc.to_fail_json()["msg"]}, 0


class Proxy:
    """What validate_items needs of a module, for one tenant's nested lists."""

    def __init__(self, module, params):
        self.params = params
        self.no_log_values = module.no_log_values
        self.fail_json = module.fail_json


def main():
    module = AnsibleModule(argument_spec=dict(tenants=dict(type="list", elements="dict", required=True, no_log=False),
                                              workers=dict(type="int", default=16),
                                              timeout=dict(type="float", default=30),
                                              validate_certs=dict(type="bool", default=True)),
                           supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    tenants = []
    for n, raw in enumerate(module.params["tenants"]):
        psa = raw.get("psa")
        if psa not in ("autotask", "connectwise"):
            module.fail_json(msg="tenants[%d] (%s): psa must be autotask or connectwise" % (n, raw.get("name")))
        raw = dict(raw, timeout=module.params["timeout"], validate_certs=module.params["validate_certs"])
        tenant = validate_items(Proxy(module, {"tenants": [raw]}), "tenants", tenant_spec(psa))[0]
        if psa == "autotask":
            tenant["users"] = validate_items(Proxy(module, {"users": tenant["users"]}), "users", USER_SPEC,
                                             USER_MUTUALLY_EXCLUSIVE, USER_REQUIRED_TOGETHER,
                                             extra={"profile": dict(type="str")})
        else:
            tenant["members"] = validate_items(Proxy(module, {"members": tenant["members"]}), "members", MEMBER_SPEC,
                                               extra={"profile": dict(type="str")})
        tenants.append(tenant)
    results, requests = {}, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, module.params["workers"])) as pool:
        for tenant, (entry, sent) in zip(tenants, pool.map(check, tenants)):
            results[tenant["name"]] = entry
            requests += sent
    module.exit_json(changed=False, tenants=results, requests=requests)


if __name__ == "__main__":
    main()
