#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_handoff_ticket
short_description: Keep one ConnectWise PSA service ticket listing a tenant's open manual steps
version_added: 0.1.0
description:
  - The ConnectWise counterpart of M(msp.psa.autotask_handoff_ticket). The ticket is found again by its
    C(externalXRef) (C(msp.psa:handoff:<tenant>)) among open tickets, so re-runs never duplicate it. When the
    steps change, a note with the new list is added (ConnectWise keeps the initial description); when no step
    is left, the ticket is closed.
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
    support: none
  idempotent:
    support: full
options:
  tenant:
    description: Tenant name, part of the external reference and the summary.
    type: str
    required: true
  steps:
    description: The manual steps (as modules return them in C(manual_steps)). Empty closes the ticket.
    type: list
    elements: dict
    required: true
  company:
    description: Identifier of the ConnectWise company the ticket is for (usually the MSP's own).
    type: str
    required: true
  board:
    description: Service board for new tickets.
    type: str
    default: Help Desk
  closed_status:
    description: Status that closes the ticket.
    type: str
    default: Closed (resolved)
"""

EXAMPLES = r"""
- name: One hand-off ticket per ConnectWise tenant
  msp.psa.connectwise_handoff_ticket:
    tenant: "{{ inventory_hostname }}"
    company: "{{ connectwise_msp_company_identifier }}"
    steps: "{{ collected_manual_steps }}"
"""

RETURN = r"""
ticket:
  description: The hand-off ticket, if one exists.
  returned: always
  type: dict
  sample: {"id": 5001, "summary": "[msp.psa] lakeside: 10 manual step(s) for integration API users", "closed": false}
ticket_action:
  description: C(created), C(updated), C(closed) or C(none).
  returned: always
  type: str
  sample: created
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient, condition
from ansible_collections.msp.psa.plugins.module_utils._engine import describe_steps, handoff_title
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, PSAError


def run(params, client):
    external = "msp.psa:handoff:%s" % params["tenant"]
    rows = client.list("service/tickets", "%s and closedFlag = false" % condition("externalXRef", "=", external))
    ticket = rows[0] if rows else None
    steps = params["steps"] or []
    if steps:
        summary = handoff_title(params["tenant"], steps)[:100]
        if ticket is None:
            body = {"summary": summary, "initialDescription": describe_steps(steps), "externalXRef": external,
                    "company": {"identifier": params["company"]}, "board": {"name": params["board"]}}
            return True, "created", client.create("service/tickets", body)
        if ticket.get("summary") != summary:
            if not client.check_mode:
                client.call("POST", "service/tickets/%d/notes" % ticket["id"], body={"text": describe_steps(steps)},
                            idempotent=False)
            return True, "updated", client.patch("service/tickets/%d" % ticket["id"], ticket, {"summary": summary})
        return False, "none", ticket
    if ticket is not None:
        return True, "closed", client.patch("service/tickets/%d" % ticket["id"], ticket,
                                            {"status": {"name": params["closed_status"]}})
    return False, "none", None


def main():
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(tenant=dict(type="str", required=True), steps=dict(type="list", elements="dict", required=True),
                company=dict(type="str", required=True), board=dict(type="str", default="Help Desk"),
                closed_status=dict(type="str", default="Closed (resolved)"))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
    try:
        changed, action, ticket = run(module.params, ConnectWiseClient.from_params(module.params, module.check_mode))
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    view = None if ticket is None else {"id": ticket.get("id"), "summary": ticket.get("summary"),
                                        "closed": bool(ticket.get("closedFlag")) or action == "closed"}
    module.exit_json(changed=changed, ticket_action=action, ticket=view)


if __name__ == "__main__":
    main()
