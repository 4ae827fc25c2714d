# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The hand-off ticket, once for both PSAs: the text of a tenant's manual steps, its title, the external
key a ticket is found again by, and the options spec of a step.

Every field written from a tenant name fits the PSA's field for any valid tenant name (see ``_tenant``):

============================  =====  =========================================================
field                          max   what is written
============================  =====  =========================================================
Autotask Ticket.externalID      50   ``msp.psa:handoff:<tenant>``, or a short stable key when longer
Autotask Ticket.title          255   ``[msp.psa] <tenant>: N manual step(s) for integration API users``
Autotask Ticket.description   8000   the steps (cut at a line, saying so, if ever longer)
ConnectWise ticket.externalXRef 100   ``msp.psa:handoff:<tenant>`` (fits: 16 + 63)
ConnectWise ticket.summary     100   the title, in its short form when the long one does not fit
============================  =====  =========================================================

The key stays ``msp.psa:handoff:<tenant>`` whenever that fits, so tickets created before are still found.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._tenant import TenantNameError, validate_tenant_name

KEY_PREFIX = "msp.psa:handoff:"
AUTOTASK_EXTERNAL_ID_MAX = 50
AUTOTASK_TITLE_MAX = 255
AUTOTASK_DESCRIPTION_MAX = 8000
CONNECTWISE_XREF_MAX = 100
CONNECTWISE_SUMMARY_MAX = 100
TEXT_HEADER = "msp.psa found "  # how every hand-off text starts (notes are recognised by it)

# One manual step, as the modules return them in ``manual_steps`` and the api_user role passes them on
# (``_engine.step()`` plus ``username`` and ``profile`` added by the bulk modules).
STEP_OPTIONS = dict(
    system=dict(type="str", required=True),
    title=dict(type="str", required=True),
    ui_path=dict(type="str"),
    values=dict(type="dict"),
    instructions=dict(type="list", elements="str"),
    secret_refs=dict(type="dict", no_log=False),
    username=dict(type="str"),
    profile=dict(type="str"),
    identifier=dict(type="str"),
)


def tenant_or_fail(tenant):
    """The validated tenant name, or a PSAError (kind invalid_input) before any request."""
    try:
        return validate_tenant_name(tenant)
    except TenantNameError as exc:
        raise PSAError(str(exc), kind="invalid_input", fix="Use the inventory host name of a valid tenant.")


def external_key(tenant, limit):
    """The key a tenant's hand-off ticket is found again by, at most ``limit`` characters and stable:
    ``msp.psa:handoff:<tenant>`` when it fits (the key of every existing ticket), otherwise the prefix, the
    start of the name, ``~`` (never in a tenant name) and 10 hex digits of the name's SHA-256."""
    key = KEY_PREFIX + tenant
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(tenant.encode("utf-8")).hexdigest()[:10]
    room = limit - len(KEY_PREFIX) - 1 - len(digest)
    return "%s%s~%s" % (KEY_PREFIX, tenant[:max(room, 0)], digest)


def handoff_title(tenant, steps):
    return "[msp.psa] %s: %d manual step(s) for integration API users" % (tenant, len(steps))


def ticket_title(tenant, steps, limit):
    """The title within ``limit`` characters: the long form, else the short one, else with the name cut."""
    title = handoff_title(tenant, steps)
    if len(title) <= limit:
        return title
    short = "[msp.psa] %s: %d manual step(s)" % (tenant, len(steps))
    if len(short) <= limit:
        return short
    room = max(limit - (len(short) - len(tenant)) - 3, 0)
    return ("[msp.psa] %s...: %d manual step(s)" % (tenant[:room], len(steps)))[:limit]


def describe_steps(steps):
    """The hand-off text of a tenant's manual steps (tickets in either PSA)."""
    lines = [TEXT_HEADER + "%d step(s) only an admin can do. The next run verifies them and closes this ticket."
             % len(steps), ""]
    for n, s in enumerate(steps, 1):
        lines.append("%d. [%s] %s" % (n, s.get("system") or "", s.get("title") or ""))
        if s.get("ui_path"):
            lines.append("   Where: %s" % s["ui_path"])
        for line in s.get("instructions") or []:
            lines.append("   - %s" % line)
    return "\n".join(lines)


def fit_text(text, limit):
    """``text`` within ``limit`` characters, cut at a line and saying so (deterministic, so a stored text
    compares equal on the next run)."""
    if len(text) <= limit:
        return text
    tail = "\n[... cut to fit the PSA's %d characters: the run's hand-off report has every step]" % limit
    head = text[:max(limit - len(tail), 0)]
    if "\n" in head:
        head = head[:head.rindex("\n")]
    return head + tail


def pick(rows):
    """The ticket to keep when several match (duplicates from before): the oldest."""
    return sorted(rows, key=lambda r: r.get("id") or 0)[0] if rows else None


# -- Autotask ticket fields a tenant declares (issue 14) ---------------------------------------------
# module option -> Ticket field; each is declared by id or by label, else the picklist's default is sent
AUTOTASK_TICKET_CHOICES = (("queue", "queueID"), ("ticket_category", "ticketCategory"),
                           ("billing_code", "billingCodeID"), ("issue_type", "issueType"))
DEFAULT_DUE_IN_HOURS = 72
AUTOTASK_TICKET_OPTIONS = dict(
    due_in_hours=dict(type="int", default=DEFAULT_DUE_IN_HOURS),
    queue=dict(type="str", aliases=["queue_id"]),
    ticket_category=dict(type="str"),
    billing_code=dict(type="str"),
    issue_type=dict(type="str"),
    assigned_resource_id=dict(type="int"),
    assigned_resource_role_id=dict(type="int"),
)
AUTOTASK_TICKET_TOGETHER = [["assigned_resource_id", "assigned_resource_role_id"]]


def due_date_time(hours, now=None):
    """``dueDateTime`` for a new ticket: ``hours`` from now, UTC, in the API's format."""
    if hours is None or hours < 0:
        raise PSAError("due_in_hours must be 0 or more (got %s)." % hours, kind="invalid_input",
                       fix="Set due_in_hours (api_user_handoff_due_in_hours) to the hours a ticket is due in.")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _options(field):
    values = field.get("picklistValues") or []
    return ", ".join("%s (%s)" % (v.get("label"), v.get("value")) for v in values if v.get("isActive", True)) or "none"


def choose(fields, field_name, declared, option):
    """The value to send for one Ticket picklist field: the declared id or label, else the picklist's default
    (``isDefaultValue``), else None. A declared value the database does not have, or a required field with
    neither, fails naming the option and what the database offers."""
    meta = next((f for f in fields if (f.get("name") or "").lower() == field_name.lower()), None)
    if declared not in (None, ""):
        if meta is None or not meta.get("isPickList"):
            text = str(declared).strip()
            if text.lstrip("-").isdigit():
                return int(text)
            raise PSAError("%s %r: this Autotask database offers no picklist for Ticket.%s, so give an id." % (
                option, declared, field_name), kind="invalid_input", fix="Set %s to the numeric id." % option)
        text = str(declared).strip()
        for value in meta.get("picklistValues") or []:
            if str(value.get("value")) == text or str(value.get("label") or "").lower() == text.lower():
                raw = str(value.get("value"))
                return int(raw) if raw.lstrip("-").isdigit() else raw
        raise PSAError("%s %r is not a Ticket %s of this Autotask database; it has: %s." % (
            option, declared, field_name, _options(meta)), kind="invalid_input",
            fix="Set %s (per tenant) to one of those labels or ids." % option)
    if meta is None:
        return None
    default = next((v for v in meta.get("picklistValues") or [] if v.get("isDefaultValue")), None)
    if default is not None:
        raw = str(default.get("value"))
        return int(raw) if raw.lstrip("-").isdigit() else raw
    if meta.get("isRequired"):
        raise PSAError("This Autotask database requires Ticket.%s and has no default for it; it has: %s." % (
            field_name, _options(meta)), kind="invalid_input",
            fix="Declare %s for this tenant (api_user_handoff_%s)." % (option, option))
    return None
