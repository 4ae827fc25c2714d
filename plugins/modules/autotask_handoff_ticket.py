#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_handoff_ticket
short_description: Keep one Autotask ticket listing a tenant's open manual steps
version_added: 0.1.0
description:
  - Turns the manual steps a run collected for a tenant into one ticket in the tenant's own Autotask, so the
    work lands in the admins' queue.
  - The ticket is found again by its external id (C(msp.psa:handoff:<tenant>)), so re-runs never duplicate
    it; its description is updated when the steps change, and the run that verifies that no step is left
    completes it.
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
    support: none
  idempotent:
    support: full
options:
  tenant:
    description: Tenant name, part of the external id and the title.
    type: str
    required: true
  steps:
    description: The manual steps (as modules return them in C(manual_steps)). Empty completes the ticket.
    type: list
    elements: dict
    required: true
  company_id:
    description: Autotask company the ticket is filed under (C(0) is the MSP's own company).
    type: int
    default: 0
  queue_id:
    description: Queue for new tickets.
    type: int
  priority:
    description: Priority id for new tickets.
    type: int
    default: 2
"""

EXAMPLES = r"""
- name: One hand-off ticket per tenant
  msp.psa.autotask_handoff_ticket:
    tenant: "{{ inventory_hostname }}"
    steps: "{{ collected_manual_steps }}"
"""

RETURN = r"""
ticket:
  description: The hand-off ticket, if one exists.
  returned: always
  type: dict
  sample: {"id": 29683001, "ticket_number": "T20261123.0001", "status": 1}
ticket_action:
  description: C(created), C(updated), C(completed) or C(none).
  returned: always
  type: str
  sample: created
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._engine import describe_steps, handoff_title
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError

COMPLETE = 5


def run(params, client):
    external = "msp.psa:handoff:%s" % params["tenant"]
    rows = client.query("Tickets", [{"op": "eq", "field": "externalID", "value": external},
                                    {"op": "noteq", "field": "status", "value": COMPLETE}])
    ticket = rows[0] if rows else None
    steps = params["steps"] or []
    if steps:
        description = describe_steps(steps)
        if ticket is None:
            body = {"companyID": params["company_id"], "title": handoff_title(params["tenant"], steps),
                    "description": description, "status": 1,
                    "priority": params["priority"], "externalID": external}
            if params["queue_id"]:
                body["queueID"] = params["queue_id"]
            created = client.create("Tickets", body)
            fresh = client.get("Tickets", created["id"]) if created.get("id") else dict(body, ticketNumber=None)
            return True, "created", fresh
        if ticket.get("description") != description:
            ticket = client.update("Tickets", ticket, {"description": description,
                                                       "title": handoff_title(params["tenant"], steps)})
            return True, "updated", ticket
        return False, "none", ticket
    if ticket is not None:
        ticket = client.update("Tickets", ticket, {"status": COMPLETE})
        return True, "completed", ticket
    return False, "none", None


def main():
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(tenant=dict(type="str", required=True), steps=dict(type="list", elements="dict", required=True),
                company_id=dict(type="int", default=0), queue_id=dict(type="int"), priority=dict(type="int", default=2))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    try:
        changed, action, ticket = run(module.params, AutotaskClient.from_params(module.params, module.check_mode))
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    view = None if ticket is None else {"id": ticket.get("id"), "ticket_number": ticket.get("ticketNumber"),
                                        "status": ticket.get("status")}
    module.exit_json(changed=changed, ticket_action=action, ticket=view)


if __name__ == "__main__":
    main()
