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
  - The ticket is found again by its external id (C(msp.psa:handoff:<tenant>), at most 50 characters; for a
    tenant name longer than 34 characters, the start of the name and a short hash of it), so re-runs never
    duplicate it; its description is updated when the steps change, and the run that verifies that no step
    is left completes it.
  - Right before creating the ticket the module looks for it again and adopts one another run created
    meanwhile.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
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
    description:
      - Tenant name (the inventory host), part of the external id and the title. It must be a valid tenant name
        (1 to 63 letters, digits, C(-), C(_) and C(.), starting with a letter or digit, no C(..)); anything else
        fails before any request.
    type: str
    required: true
  steps:
    description:
      - The manual steps (as modules return them in C(manual_steps)). Empty completes the ticket.
      - Every key of a step is checked; secrets never appear in steps, only their store paths.
    type: list
    elements: dict
    required: true
    suboptions:
      system:
        description: The system the step is done in (C(Autotask), C(Secret store), a vendor tool).
        type: str
        required: true
      title:
        description: One line saying what to do.
        type: str
        required: true
      ui_path:
        description: Where in the system's UI.
        type: str
      values:
        description: The values to enter, by field label.
        type: dict
      instructions:
        description: The step's instructions, one line each.
        type: list
        elements: str
      secret_refs:
        description: Secret-store paths the step refers to (never the secrets).
        type: dict
      username:
        description: The API user the step is for (added by M(msp.psa.autotask_api_users)).
        type: str
      profile:
        description: The vendor profile the step is for.
        type: str
      identifier:
        description: The API member the step is for (ConnectWise steps).
        type: str
  company_id:
    description: Autotask company the ticket is filed under (C(0) is the MSP's own company).
    type: int
    default: 0
  priority:
    description: Priority id for new tickets.
    type: int
    default: 2
  due_in_hours:
    description:
      - New tickets are due this many hours after creation (C(dueDateTime), which the real API requires
        unless the ticket category supplies it).
    type: int
    default: 72
  queue:
    description:
      - Queue for new tickets, by label or id (C(queueID)), declared per tenant. Unset, the database's default
        queue (its picklist's default value in C(Tickets/entityInformation/fields)) is sent, if it has one.
      - A value the database does not have fails before the ticket is created, listing what it has.
    type: str
    aliases: [queue_id]
  ticket_category:
    description: Ticket category for new tickets, by label or id (C(ticketCategory)); unset, the picklist's default.
    type: str
  billing_code:
    description:
      - Billing code (work type) for new tickets, by label or id (C(billingCodeID)); unset, the picklist's
        default. Some databases require it.
    type: str
  issue_type:
    description: Issue type for new tickets, by label or id (C(issueType)); unset, the picklist's default if any.
    type: str
  assigned_resource_id:
    description:
      - Resource new tickets are assigned to. Autotask refuses a resource without its role, so
        O(assigned_resource_role_id) is required with it.
    type: int
  assigned_resource_role_id:
    description: Role of O(assigned_resource_id) on new tickets (required together with it).
    type: int
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

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._handoff import (
    AUTOTASK_DESCRIPTION_MAX, AUTOTASK_EXTERNAL_ID_MAX, AUTOTASK_TICKET_CHOICES, AUTOTASK_TICKET_OPTIONS,
    AUTOTASK_TICKET_TOGETHER, AUTOTASK_TITLE_MAX, DEFAULT_DUE_IN_HOURS, STEP_OPTIONS, choose, describe_steps,
    due_date_time, external_key, fit_text, pick, tenant_or_fail, ticket_title)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

COMPLETE = 5

SPEC = dict(
    tenant=dict(type="str", required=True),
    steps=dict(type="list", elements="dict", required=True, options=STEP_OPTIONS),
    company_id=dict(type="int", default=0),
    priority=dict(type="int", default=2),
    **AUTOTASK_TICKET_OPTIONS
)


def find(client, external):
    return pick(client.query("Tickets", [{"op": "eq", "field": "externalID", "value": external},
                                         {"op": "noteq", "field": "status", "value": COMPLETE}]))


def new_ticket(params, client, title, description, external):
    """The create body: what the real API requires (dueDateTime, a resource only with its role) and the
    tenant's queue / category / billing code / issue type, declared or the database's picklist defaults."""
    body = {"companyID": params["company_id"], "title": title, "description": description, "status": 1,
            "priority": params["priority"], "externalID": external,
            "dueDateTime": due_date_time(params.get("due_in_hours", DEFAULT_DUE_IN_HOURS))}
    # a client without field metadata (a test double) gets no picklist defaults, only what is declared
    fields = client.fields("Tickets") if hasattr(client, "fields") else []
    for option, field_name in AUTOTASK_TICKET_CHOICES:
        declared = params.get(option)
        if option == "queue" and declared in (None, ""):
            declared = params.get("queue_id")  # the option's alias, when run() is called directly
        value = choose(fields, field_name, declared, option)
        if value is not None:
            body[field_name] = value
    if params.get("assigned_resource_id"):
        body["assignedResourceID"] = params["assigned_resource_id"]
        body["assignedResourceRoleID"] = params["assigned_resource_role_id"]
    return body


def run(params, client):
    """(changed, action, ticket) for one tenant's hand-off ticket."""
    tenant = tenant_or_fail(params["tenant"])
    external = external_key(tenant, AUTOTASK_EXTERNAL_ID_MAX)
    ticket = find(client, external)
    steps = params["steps"] or []
    if steps:
        description = fit_text(describe_steps(steps), AUTOTASK_DESCRIPTION_MAX)
        title = ticket_title(tenant, steps, AUTOTASK_TITLE_MAX)
        if ticket is None and not client.check_mode:
            ticket = find(client, external)  # another run may have created it since the first look
        if ticket is None:
            body = new_ticket(params, client, title, description, external)
            created = client.create("Tickets", body)
            fresh = client.get("Tickets", created["id"]) if created.get("id") else dict(body, ticketNumber=None)
            return True, "created", fresh
        if ticket.get("description") != description or ticket.get("title") != title:
            ticket = client.update("Tickets", ticket, {"description": description, "title": title})
            return True, "updated", ticket
        return False, "none", ticket
    if ticket is not None:
        ticket = client.update("Tickets", ticket, {"status": COMPLETE})
        return True, "completed", ticket
    return False, "none", None


def handoff(module, client):
    changed, action, ticket = run(module.params, client)
    view = None if ticket is None else {"id": ticket.get("id"), "ticket_number": ticket.get("ticketNumber"),
                                        "status": ticket.get("status")}
    return {"changed": changed, "ticket_action": action, "ticket": view}


def main():
    run_module([AUTH_SPEC, SPEC], handoff, client=AutotaskClient.from_params,
               required_together=AUTOTASK_TICKET_TOGETHER)


if __name__ == "__main__":
    main()
