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
  - msp.psa.attributes.IN_PROCESS
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
        The module looks the name up (C(service/boards?conditions=name="...")) and sends the board's id; a name
        the company does not have fails before anything is written, listing the boards it has.
    type: str
    default: Help Desk
  new_status:
    description:
      - Status of new tickets, by name (case-insensitive), looked up among the statuses of O(board)
        (C(service/boards/{id}/statuses)); a name the board does not have fails listing its statuses. Unset, the
        board's default status.
    type: str
  closed_status:
    description:
      - Status that closes the ticket, by name, looked up among the statuses of the ticket's board; a name the
        board does not have fails listing its statuses.
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


FIX_NAMES = ("Declare the board and statuses this company uses (api_user_handoff_board, api_user_handoff_new_status, "
             "api_user_handoff_closed_status) in its inventory.")


def board_named(client, params):
    """The service board ``params["board"]`` of this ConnectWise company, looked up by name (boards differ between
    companies); a name it does not have fails listing the boards it has, before anything is written."""
    name = params["board"]
    rows = client.list("service/boards", condition("name", "=", name), fields=["id", "name"])
    if rows:
        return rows[0]
    boards = sorted(b.get("name") or "" for b in client.list("service/boards", "inactiveFlag = false",
                                                             fields=["id", "name"]))
    raise PSAError("ConnectWise company %s has no service board %r; its boards: %s." % (
        params.get("connectwise_company") or "", name, ", ".join(boards) or "none"), kind="invalid_input",
        fix=FIX_NAMES)


def status_named(client, params, board, name):
    """The status ``name`` of ``board`` (by name, case-insensitive), or the board's default status when ``name``
    is unset (None when it has none); a name the board does not have fails listing its statuses."""
    statuses = client.list("service/boards/%d/statuses" % board["id"], fields=["id", "name", "defaultFlag"])
    if name in (None, ""):
        return next((s for s in statuses if s.get("defaultFlag")), None)
    for status in statuses:
        if (status.get("name") or "").casefold() == name.casefold():
            return status
    raise PSAError("The ConnectWise service board %r of company %s has no status %r; its statuses: %s." % (
        board.get("name"), params.get("connectwise_company") or "", name,
        ", ".join(s.get("name") or "" for s in statuses) or "none"), kind="invalid_input", fix=FIX_NAMES)


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
            board = board_named(client, params)
            status = status_named(client, params, board, params.get("new_status"))
            body = {"summary": summary, "initialDescription": text, "externalXRef": external,
                    "company": {"identifier": params["company"]}, "board": {"id": board["id"]}}
            if status is not None:
                body["status"] = {"id": status["id"]}
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
        board = ticket.get("board") or {}
        if not board.get("id"):
            board = board_named(client, params)
        closed = status_named(client, params, board, params["closed_status"])
        return True, "closed", client.patch("service/tickets/%d" % ticket["id"], ticket,
                                            {"status": {"id": closed["id"]}})
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
