"""The Autotask entities the sandbox serves, described once: the one table of field metadata.

Each entity's fields are its vendor model's full field list, GENERATED into ``models.py`` from the committed
Swagger excerpt by ``scripts/derive_specs.py``. Read-only, required, length, picklist and reference metadata
(what ``entityInformation/fields`` reports and writes are checked against) is here and nowhere else:
``Entity`` descriptors, ``FIELD_LENGTHS`` / ``field_length`` and ``STATIC_PICKLISTS``; the tests import it.
Routes are derived from these descriptors, so the dispatcher cannot serve a verb the descriptor (and
therefore the conformance test) does not know about.
"""
from dataclasses import dataclass, field

from .models import MODEL_FIELDS

# String lengths (entityInformation/fields ``length``; longer values are refused). Resources: the vendor's
# ResourcesEntity help page and the SOAP metadata (moldypenguins/AutotaskNET Entities/Resource.cs); Tickets:
# the Tickets entity page. Other string fields: COMMON_LENGTHS by name, else DEFAULT_LENGTH. userName: the SOAP
# metadata says 32, but the sandbox's wire value is the whole login (name@domain) while public REST records show
# the name alone (django-autotask fixture "administrator"); which one 32 bounds is unconfirmed, so 50 (see
# docs/sandbox.md).
FIELD_LENGTHS = {
    "Resources": {"accountingReferenceID": 100, "dateFormat": 20, "email": 254, "email2": 254, "email3": 254,
                  "emailTypeCode": 20, "emailTypeCode2": 20, "emailTypeCode3": 20, "firstName": 50, "gender": 1,
                  "homePhone": 25, "initials": 32, "lastName": 50, "middleName": 50, "mobilePhone": 25,
                  "numberFormat": 20, "officeExtension": 10, "officePhone": 25, "resourceType": 15, "timeFormat": 20,
                  "title": 50, "travelAvailabilityPct": 15, "userName": 50},
    "Tickets": {"title": 255, "description": 8000, "externalID": 50},
}
COMMON_LENGTHS = {"firstName": 50, "lastName": 50, "middleName": 50, "email": 254, "email2": 254, "email3": 254,
                  "userName": 50, "title": 50, "name": 100, "description": 2000}
DEFAULT_LENGTH = 100


def field_length(entity, name):
    """The ``length`` of a string field (0 for other types), as entityInformation/fields reports it."""
    if entity.fields.get(name) != "string":
        return 0
    return FIELD_LENGTHS.get(entity.path, {}).get(name, COMMON_LENGTHS.get(name, DEFAULT_LENGTH))


@dataclass(frozen=True)
class Entity:
    path: str                  # URL segment, e.g. "Resources"
    name: str                  # entityInformation name, e.g. "Resource"
    model: str                 # Swagger definition, e.g. "ResourceModel"
    fields: dict               # camelCase name -> type
    root_verbs: tuple = ()     # verbs on /V1.0/{path} (POST create, PATCH/PUT update)
    can_delete: bool = False   # DELETE /V1.0/{path}/{id}
    read_only: frozenset = frozenset({"id"})
    required: frozenset = frozenset()
    not_queryable: frozenset = frozenset()
    picklists: tuple = ()      # field names whose values come from a picklist
    references: dict = field(default_factory=dict)  # field -> referenced entity name
    parent: str = ""           # for child collections: parent entity path
    child_path: str = ""       # URL segment under the parent, e.g. "RoleDepartments"
    child_verbs: tuple = ()    # verbs on /V1.0/{parent}/{parentId}/{child_path}
    parent_field: str = ""     # field holding the parent id

    @property
    def can_create(self):
        return "POST" in self.root_verbs or "POST" in self.child_verbs

    @property
    def can_update(self):
        return bool({"PATCH", "PUT"} & (set(self.root_verbs) | set(self.child_verbs)))


ENTITIES = {e.path.lower(): e for e in [
    Entity(
        path="Resources", name="Resource", model="ResourceModel", fields=MODEL_FIELDS["ResourceModel"],
        root_verbs=("PATCH", "PUT"),
        # Read-only by the evidence (docs/sandbox.md): the SOAP-era entity metadata third-party clients ship
        # (internalCost, locationID, userType, licenseType; moldypenguins/AutotaskNET Entities/Resource.cs adds
        # dateFormat, timeFormat, hireDate, surveyResourceRating). The switch autotask.resource_writable_fields
        # makes the RESOURCE_SWITCHABLE ones writable (the REST Swagger marks none of them read-only).
        read_only=frozenset({"id", "internalCost", "locationID", "userType", "licenseType", "dateFormat", "timeFormat",
                             "hireDate", "surveyResourceRating"}),
        required=frozenset({"firstName", "lastName", "email", "userName", "locationID"}),
        not_queryable=frozenset({"defaultServiceDeskRoleID"}),
        picklists=("userType", "licenseType", "payrollType", "emailTypeCode"),
        references={"locationID": "InternalLocation", "defaultServiceDeskRoleID": "Role"},
    ),
    Entity(
        path="Roles", name="Role", model="RoleModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["RoleModel"],
        read_only=frozenset({"id", "isSystemRole", "roleType"}), required=frozenset({"name"}),
    ),
    Entity(
        path="Departments", name="Department", model="DepartmentModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["DepartmentModel"],
        required=frozenset({"name", "primaryLocationID"}),
        references={"primaryLocationID": "InternalLocation"},
    ),
    Entity(
        path="InternalLocations", name="InternalLocation", model="InternalLocationModel",
        fields=MODEL_FIELDS["InternalLocationModel"],
    ),
    Entity(
        path="ResourceRoles", name="ResourceRole", model="ResourceRoleModel",
        fields=MODEL_FIELDS["ResourceRoleModel"], read_only=frozenset({"id", "soapParentPropertyId"}),
        references={"resourceID": "Resource", "roleID": "Role", "departmentID": "Department"},
    ),
    Entity(
        path="ResourceRoleDepartments", name="ResourceRoleDepartment", model="ResourceRoleDepartmentModel",
        fields=MODEL_FIELDS["ResourceRoleDepartmentModel"],
        required=frozenset({"departmentID", "roleID", "resourceID"}),
        references={"resourceID": "Resource", "roleID": "Role", "departmentID": "Department"},
        parent="Resources", child_path="RoleDepartments", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="resourceID",
    ),
    Entity(
        path="ResourceServiceDeskRoles", name="ResourceServiceDeskRole", model="ResourceServiceDeskRoleModel",
        fields=MODEL_FIELDS["ResourceServiceDeskRoleModel"],
        required=frozenset({"roleID", "resourceID"}),
        references={"resourceID": "Resource", "roleID": "Role"},
        parent="Resources", child_path="ServiceDeskRoles", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="resourceID",
    ),
    Entity(
        path="Companies", name="Company", model="CompanyModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["CompanyModel"],
        read_only=frozenset({"id", "createDate"}),
        required=frozenset({"companyName", "companyType", "ownerResourceID", "phone"}),
        picklists=("companyType",),
    ),
    Entity(
        path="Contacts", name="Contact", model="ContactModel",
        fields=MODEL_FIELDS["ContactModel"],
        required=frozenset({"companyID", "firstName", "lastName", "isActive"}),
        references={"companyID": "Company"},
        parent="Companies", child_path="Contacts", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="companyID",
    ),
    Entity(
        path="Contracts", name="Contract", model="ContractModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["ContractModel"],
        required=frozenset({"companyID", "contractName", "contractType", "status", "startDate", "endDate"}),
        picklists=("contractType", "status"),
    ),
    Entity(
        path="Products", name="Product", model="ProductModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["ProductModel"],
        required=frozenset({"name", "isActive"}),
    ),
    Entity(
        # Every field of the vendor TicketModel (generated: models.py); the rules the real API adds on
        # top of isRequired (dueDateTime, the resource/role pair, per-database queue/billing code) are in
        # api.AutotaskAPI.ticket_rules.
        path="Tickets", name="Ticket", model="TicketModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=MODEL_FIELDS["TicketModel"],
        read_only=frozenset({"id", "ticketNumber", "createDate", "completedDate", "creatorResourceID",
                             "creatorType", "lastActivityDate", "lastActivityPersonType", "lastActivityResourceID",
                             "lastTrackedModificationDateTime", "impersonatorCreatorResourceID"}),
        required=frozenset({"companyID", "title", "status", "priority"}),
        picklists=("status", "priority", "queueID", "ticketType", "ticketCategory", "issueType", "billingCodeID",
                   "source"),
        references={"assignedResourceID": "Resource", "assignedResourceRoleID": "Role"},
    ),
]}

# Resource fields the metadata lists as read-only but a tenant may report writable (autotask.resource_writable_fields).
RESOURCE_SWITCHABLE = ("internalCost", "locationID", "userType", "dateFormat", "timeFormat")

CHILDREN = {(e.parent.lower(), e.child_path.lower()): e for e in ENTITIES.values() if e.parent}

# Fixed picklists (the same ids in every database). userType (security level) is per database.
LICENSE_TYPES = {1: "Administrator", 2: "Executive", 3: "Professional", 4: "Team Member",
                 5: "Time & Attendance Only", 6: "Dashboard User", 7: "API User", 8: "Contractor",
                 9: "Co-Managed Help Desk"}
API_USER_LICENSE = 7
STATIC_PICKLISTS = {
    ("resources", "licenseType"): LICENSE_TYPES,
    ("resources", "payrollType"): {1: "Salary", 2: "Hourly", 3: "Contractor"},
    ("resources", "emailTypeCode"): {"PRIMARY": "Primary", "WORK": "Work", "HOME": "Home"},
    ("companies", "companyType"): {1: "Customer", 2: "Lead", 3: "Prospect", 4: "Dead", 5: "Cancellation",
                                   6: "Vendor", 7: "Partner"},
    ("contracts", "contractType"): {1: "Time & Materials", 3: "Fixed Price", 4: "Block Hours",
                                    6: "Retainer", 7: "Recurring Service", 8: "Per Ticket"},
    ("contracts", "status"): {0: "Inactive", 1: "Active"},
    ("tickets", "status"): {1: "New", 5: "Complete", 8: "In Progress", 12: "Waiting Customer"},
    ("tickets", "priority"): {1: "High", 2: "Medium", 3: "Low", 4: "Critical"},
    ("tickets", "queueID"): {29682833: "Client Portal", 29683354: "Level I Support", 8: "Monitoring Alert"},
    ("tickets", "ticketType"): {1: "Service Request", 2: "Incident", 3: "Problem", 4: "Change Request",
                                5: "Alert"},
    ("tickets", "ticketCategory"): {2: "Standard", 3: "RMM Alert", 4: "Scheduled Maintenance"},
    ("tickets", "issueType"): {10: "Administration", 11: "Access / Accounts", 12: "Integration"},
    ("tickets", "billingCodeID"): {29682801: "Remote Support", 29682802: "Administration", 29682803: "Internal"},
    ("tickets", "source"): {-1: "Insourced", 2: "Phone", 4: "Email", 8: "Web Portal", 13: "API"},
}
# The value the UI preselects (entityInformation/fields ``isDefaultValue``), per picklist.
PICKLIST_DEFAULTS = {("tickets", "status"): 1, ("tickets", "priority"): 2, ("tickets", "queueID"): 29683354,
                     ("tickets", "ticketCategory"): 2, ("tickets", "billingCodeID"): 29682802,
                     ("tickets", "ticketType"): 1, ("tickets", "source"): 13}
# Ticket categories whose settings supply a due date (hours from creation) when a create omits dueDateTime.
CATEGORY_DUE_HOURS = {3: 4}


def spec_routes():
    """(METHOD, swagger path) for every route the sandbox serves under a zone's ``V1.0/``."""
    routes = {("GET", "/V1.0/ThresholdInformation"), ("GET", "/V1.0/ZoneInformation"),
              ("GET", "/VersionInformation")}
    for e in ENTITIES.values():
        base = "/V1.0/" + e.path
        if not e.parent:
            routes |= {("GET", base + "/query"), ("POST", base + "/query"), ("GET", base + "/query/count"),
                       ("POST", base + "/query/count"), ("GET", base + "/{id}"),
                       ("GET", base + "/entityInformation"), ("GET", base + "/entityInformation/fields"),
                       ("GET", base + "/entityInformation/userDefinedFields")}
            routes |= {(v, base) for v in e.root_verbs}
            if e.can_delete:
                routes.add(("DELETE", base + "/{id}"))
        else:
            child = "/V1.0/%s/{parentId}/%s" % (e.parent, e.child_path)
            routes |= {(v, child) for v in e.child_verbs}
            routes.add(("GET", child + "/{id}"))
            routes |= {("GET", base + "/query"), ("POST", base + "/query"), ("GET", base + "/query/count"),
                       ("POST", base + "/query/count"), ("GET", base + "/{id}"),
                       ("GET", base + "/entityInformation"), ("GET", base + "/entityInformation/fields")}
    return routes
