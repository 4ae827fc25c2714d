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
    C(externalXRef) (C(msp.psa:handoff:<tenant>), within its 100 characters for any valid tenant name) among
    open tickets, so re-runs never duplicate it; right before creating it the module looks again and adopts a
    ticket another run created meanwhile.
  - When the steps change (any step's content, not only their number), a note with the new list is added
    (ConnectWise keeps the initial description) and the summary follows; the content is compared with the
    latest hand-off note, or the initial description when there is none. When no step is left, the ticket
    is closed.
  - The summary fits ConnectWise's 100 characters (a shorter form for long tenant names).
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
    description:
      - Tenant name (the inventory host), part of the external reference and the summary. It must be a valid
        tenant name (1 to 63 letters, digits, C(-), C(_) and C(.), starting with a letter or digit, no C(..));
        anything else fails before any request.
    type: str
    required: true
  steps:
    description:
      - The manual steps (as modules return them in C(manual_steps)). Empty closes the ticket.
      - Every key of a step is checked; secrets never appear in steps, only their store paths.
    type: list
    elements: dict
    required: true
    suboptions:
      system:
        description: The system the step is done in (C(ConnectWise), C(Secret store), a vendor tool).
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
        description: The API user the step is for (Autotask steps).
        type: str
      profile:
        description: The vendor profile the step is for.
        type: str
      identifier:
        description: The API member the step is for.
        type: str
  company:
    description: Identifier of the ConnectWise company the ticket is for (usually the MSP's own).
    type: str
    required: true
  board:
    description:
      - Service board for new tickets, by name (boards differ between companies, so declare it per tenant).
        ConnectWise resolves the name in the company; a board it does not have fails naming the board and, as
        ConnectWise reports them, the boards it has.
    type: str
    default: Help Desk
  new_status:
    description:
      - Status of new tickets, by name; it must be a status of O(board). Unset, the board's default status.
    type: str
  closed_status:
    description: Status that closes the ticket, by name; it must be a status of the ticket's board.
    type: str
    default: Closed (resolved)
  note_display:
    description:
      - Where the notes the module adds are displayed. ConnectWise refuses a note with none of its display
        flags; C(internal_analysis) keeps the steps off the customer-facing discussion.
    type: str
    choices: [internal_analysis, detail_description, resolution]
    default: internal_analysis
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

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC, ConnectWiseClient, condition
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._handoff import (
    CONNECTWISE_SUMMARY_MAX, CONNECTWISE_XREF_MAX, STEP_OPTIONS, TEXT_HEADER, describe_steps, external_key, pick,
    tenant_or_fail, ticket_title)
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(
    tenant=dict(type="str", required=True),
    steps=dict(type="list", elements="dict", required=True, options=STEP_OPTIONS),
    company=dict(type="str", required=True),
    board=dict(type="str", default="Help Desk"),
    new_status=dict(type="str"),
    closed_status=dict(type="str", default="Closed (resolved)"),
    note_display=dict(type="str", default="internal_analysis",
                      choices=["internal_analysis", "detail_description", "resolution"]),
)
NOTE_FLAGS = {"internal_analysis": "internalAnalysisFlag", "detail_description": "detailDescriptionFlag",
              "resolution": "resolutionFlag"}


def note_body(params, text):
    """A ticket note ConnectWise accepts: the text and where it is displayed (one flag is required)."""
    return {"text": text, NOTE_FLAGS[params.get("note_display") or "internal_analysis"]: True}


def explained(exc, params, what):
    """A 400 on a board, status or company reference, said with the names involved and the PSA's own text."""
    fields = set((exc.details or {}).get("fields") or [])
    names = {"board": "the service board %r" % params["board"],
             "status": "the status %r on board %r" % (what, params["board"]),
             "company": "the company %r" % params["company"]}
    hit = [names[f] for f in ("company", "board", "status") if f in fields]
    if exc.status != 400 or not hit:
        return exc
    return PSAError("ConnectWise company %s has no %s (boards and statuses differ between companies): %s" % (
        params.get("connectwise_company") or "", " / ".join(hit), exc.message), kind="invalid_input", status=400,
        details=exc.details, fix="Declare the board and statuses this company uses (api_user_handoff_board, "
                                 "api_user_handoff_new_status, api_user_handoff_closed_status) in its inventory.")


def find(client, external):
    return pick(client.list("service/tickets", "%s and closedFlag = false" % condition("externalXRef", "=", external)))


def current_text(client, ticket):
    """The hand-off text the ticket holds now: the latest note the module added (recognised by its header),
    else the initial description (on real ConnectWise that is the ticket's first note)."""
    notes = [n for n in client.list("service/tickets/%d/notes" % ticket["id"]) or []
             if (n.get("text") or "").startswith(TEXT_HEADER)]
    if notes:
        return sorted(notes, key=lambda n: n.get("id") or 0)[-1].get("text")
    return ticket.get("initialDescription")


def run(params, client):
    """(changed, action, ticket) for one tenant's hand-off ticket."""
    tenant = tenant_or_fail(params["tenant"])
    external = external_key(tenant, CONNECTWISE_XREF_MAX)
    ticket = find(client, external)
    steps = params["steps"] or []
    if steps:
        summary = ticket_title(tenant, steps, CONNECTWISE_SUMMARY_MAX)
        text = describe_steps(steps)
        if ticket is None and not client.check_mode:
            ticket = find(client, external)  # another run may have created it since the first look
        if ticket is None:
            body = {"summary": summary, "initialDescription": text, "externalXRef": external,
                    "company": {"identifier": params["company"]}, "board": {"name": params["board"]}}
            if params.get("new_status"):
                body["status"] = {"name": params["new_status"]}
            try:
                return True, "created", client.create("service/tickets", body)
            except PSAError as exc:
                raise explained(exc, params, params.get("new_status"))
        if current_text(client, ticket) != text:
            if not client.check_mode:
                client.call("POST", "service/tickets/%d/notes" % ticket["id"], body=note_body(params, text),
                            idempotent=False)
            if ticket.get("summary") != summary:
                ticket = client.patch("service/tickets/%d" % ticket["id"], ticket, {"summary": summary})
            return True, "updated", ticket
        if ticket.get("summary") != summary:
            return True, "updated", client.patch("service/tickets/%d" % ticket["id"], ticket, {"summary": summary})
        return False, "none", ticket
    if ticket is not None:
        try:
            return True, "closed", client.patch("service/tickets/%d" % ticket["id"], ticket,
                                                {"status": {"name": params["closed_status"]}})
        except PSAError as exc:
            raise explained(exc, dict(params, board=(ticket.get("board") or {}).get("name") or params["board"]),
                            params["closed_status"])
    return False, "none", None


def handoff(module, client):
    changed, action, ticket = run(module.params, client)
    view = None if ticket is None else {"id": ticket.get("id"), "summary": ticket.get("summary"),
                                        "closed": bool(ticket.get("closedFlag")) or action == "closed"}
    return {"changed": changed, "ticket_action": action, "ticket": view}


def main():
    run_module([AUTH_SPEC, SPEC], handoff, client=ConnectWiseClient.from_params)


if __name__ == "__main__":
    main()
