"""The Autotask TicketModel field list, GENERATED from the vendor Swagger excerpt: do not edit by hand.

Regenerate (and commit) after the excerpt changes:

    .venv/bin/python -m psa_sandbox.autotask.ticket_model tests/sandbox/specs/autotask/v1.excerpt.json

``tests/sandbox/test_ticket_rules.py`` checks that ``TICKET_FIELDS`` is exactly what ``derive`` makes of the
committed excerpt. Wire names are camelCase (``RMMAlertID`` -> ``rmmAlertID``); the sandbox matches names
case-insensitively like the real API. ``UserDefinedFields`` (an array) is handled apart, as for every entity.
"""
import json
import re
import sys

MARK = "\n# --- generated ---\n"
SWAGGER_TO_SANDBOX = {("integer", "int32"): "integer", ("integer", "int64"): "long", ("number", "double"): "double",
                      ("boolean", None): "boolean", ("string", "date-time"): "datetime", ("string", None): "string"}


def wire_name(name):
    if name == "Id":
        return "id"
    m = re.match(r"^([A-Z]+)(?=[A-Z][a-z]|$)", name)
    head = m.group(1) if m and len(m.group(1)) > 1 else name[0]
    return head.lower() + name[len(head):]


def derive(doc):
    props = doc["definitions"]["TicketModel"]["properties"]
    out = {}
    for name, prop in props.items():
        kind = SWAGGER_TO_SANDBOX.get((prop.get("type"), prop.get("format")))
        if kind is not None:
            out[wire_name(name)] = kind
    return out


def render(fields):
    lines = ["TICKET_FIELDS = {"]
    lines += ["    %r: %r," % (k, v) for k, v in fields.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv):
    here = __file__
    with open(argv[0], encoding="utf-8") as handle:
        fields = derive(json.load(handle))
    with open(here, encoding="utf-8") as handle:
        text = handle.read()
    head = text[:text.rindex(MARK) + 1]
    with open(here, "w", encoding="utf-8") as handle:
        handle.write(head + MARK.lstrip("\n") + render(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# --- generated ---
TICKET_FIELDS = {
    'apiVendorID': 'integer',
    'assignedResourceID': 'integer',
    'assignedResourceRoleID': 'integer',
    'billingCodeID': 'integer',
    'changeApprovalBoard': 'integer',
    'changeApprovalStatus': 'integer',
    'changeApprovalType': 'integer',
    'changeInfoField1': 'string',
    'changeInfoField2': 'string',
    'changeInfoField3': 'string',
    'changeInfoField4': 'string',
    'changeInfoField5': 'string',
    'companyID': 'integer',
    'companyLocationID': 'integer',
    'completedByResourceID': 'integer',
    'completedDate': 'datetime',
    'configurationItemID': 'integer',
    'contactID': 'integer',
    'contractID': 'integer',
    'contractServiceBundleID': 'long',
    'contractServiceID': 'long',
    'createDate': 'datetime',
    'creatorResourceID': 'integer',
    'creatorType': 'integer',
    'currentServiceThermometerRating': 'integer',
    'description': 'string',
    'dueDateTime': 'datetime',
    'estimatedHours': 'double',
    'externalID': 'string',
    'firstResponseAssignedResourceID': 'integer',
    'firstResponseDateTime': 'datetime',
    'firstResponseDueDateTime': 'datetime',
    'firstResponseInitiatingResourceID': 'integer',
    'hoursToBeScheduled': 'double',
    'id': 'long',
    'impersonatorCreatorResourceID': 'integer',
    'issueType': 'integer',
    'lastActivityDate': 'datetime',
    'lastActivityPersonType': 'integer',
    'lastActivityResourceID': 'integer',
    'lastCustomerNotificationDateTime': 'datetime',
    'lastCustomerVisibleActivityDateTime': 'datetime',
    'lastTrackedModificationDateTime': 'datetime',
    'monitorID': 'integer',
    'monitorTypeID': 'integer',
    'opportunityID': 'integer',
    'organizationalLevelAssociationID': 'integer',
    'previousServiceThermometerRating': 'integer',
    'priority': 'integer',
    'problemTicketId': 'integer',
    'projectID': 'integer',
    'purchaseOrderNumber': 'string',
    'queueID': 'integer',
    'rmmAlertID': 'string',
    'resolution': 'string',
    'resolutionPlanDateTime': 'datetime',
    'resolutionPlanDueDateTime': 'datetime',
    'resolvedDateTime': 'datetime',
    'resolvedDueDateTime': 'datetime',
    'rmaStatus': 'integer',
    'rmaType': 'integer',
    'serviceLevelAgreementHasBeenMet': 'boolean',
    'serviceLevelAgreementID': 'integer',
    'serviceLevelAgreementPausedNextEventHours': 'double',
    'serviceThermometerTemperature': 'integer',
    'source': 'integer',
    'status': 'integer',
    'subIssueType': 'integer',
    'ticketCategory': 'integer',
    'ticketNumber': 'string',
    'ticketType': 'integer',
    'title': 'string',
}
