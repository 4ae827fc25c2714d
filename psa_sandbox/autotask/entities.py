"""The Autotask entities the sandbox serves, described once.

Field names and types follow the vendor Swagger (``shared/specs/autotask/v1.json``) in the camelCase
the wire uses; ``tests/sandbox/test_conformance.py`` checks every name, type and route here against
that document. Routes are derived from these descriptors, so the dispatcher cannot serve a verb the
descriptor (and therefore the conformance test) does not know about.
"""
from dataclasses import dataclass, field

from .ticket_model import TICKET_FIELDS

S, I, L, D, B, T = "string", "integer", "long", "double", "boolean", "datetime"


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


RESOURCE_FIELDS = {
    "id": L, "accountingReferenceID": S, "dateFormat": S, "defaultServiceDeskRoleID": L,
    "email": S, "email2": S, "email3": S, "emailTypeCode": S, "emailTypeCode2": S, "emailTypeCode3": S,
    "firstName": S, "gender": S, "greeting": I, "hireDate": T, "homePhone": S, "initials": S,
    "internalCost": D, "isActive": B, "lastName": S, "licenseType": I, "locationID": I, "middleName": S,
    "mobilePhone": S, "numberFormat": S, "officeExtension": S, "officePhone": S, "payrollType": I,
    "resourceType": S, "suffix": I, "surveyResourceRating": D, "timeFormat": S, "title": S,
    "travelAvailabilityPct": S, "userName": S, "userType": I,
}

ENTITIES = {e.path.lower(): e for e in [
    Entity(
        path="Resources", name="Resource", model="ResourceModel", fields=RESOURCE_FIELDS,
        root_verbs=("PATCH", "PUT"),
        # userName, security level (userType) and license type are set in the UI only (see
        # shared/notes/autotask-api.md addendum); the sandbox's --writable-security-level flips userType.
        read_only=frozenset({"id", "userName", "userType", "licenseType", "resourceType", "hireDate",
                             "surveyResourceRating"}),
        required=frozenset({"firstName", "lastName", "email", "userName", "locationID"}),
        not_queryable=frozenset({"defaultServiceDeskRoleID"}),
        picklists=("userType", "licenseType", "payrollType", "emailTypeCode"),
        references={"locationID": "InternalLocation", "defaultServiceDeskRoleID": "Role"},
    ),
    Entity(
        path="Roles", name="Role", model="RoleModel", root_verbs=("POST", "PATCH", "PUT"),
        fields={"id": L, "description": S, "hourlyFactor": D, "hourlyRate": D, "isActive": B,
                "isExcludedFromNewContracts": B, "isSystemRole": B, "name": S,
                "quoteItemDefaultTaxCategoryId": I, "roleType": I},
        read_only=frozenset({"id", "isSystemRole", "roleType"}), required=frozenset({"name"}),
    ),
    Entity(
        path="Departments", name="Department", model="DepartmentModel", root_verbs=("POST", "PATCH", "PUT"),
        fields={"id": L, "description": S, "name": S, "number": S, "primaryLocationID": I},
        required=frozenset({"name", "primaryLocationID"}),
        references={"primaryLocationID": "InternalLocation"},
    ),
    Entity(
        path="InternalLocations", name="InternalLocation", model="InternalLocationModel",
        fields={"id": L, "additionalAddressInfo": S, "address1": S, "address2": S, "city": S, "country": S,
                "holidaySetId": L, "isDefault": B, "name": S, "postalCode": S, "state": S, "timeZone": S},
    ),
    Entity(
        path="ResourceRoles", name="ResourceRole", model="ResourceRoleModel",
        fields={"id": L, "departmentID": L, "isActive": B, "queueID": L, "resourceID": L, "roleID": L},
        references={"resourceID": "Resource", "roleID": "Role", "departmentID": "Department"},
    ),
    Entity(
        path="ResourceRoleDepartments", name="ResourceRoleDepartment", model="ResourceRoleDepartmentModel",
        fields={"id": L, "departmentID": I, "isActive": B, "isDefault": B, "isDepartmentLead": B,
                "resourceID": I, "roleID": I},
        required=frozenset({"departmentID", "roleID", "resourceID"}),
        references={"resourceID": "Resource", "roleID": "Role", "departmentID": "Department"},
        parent="Resources", child_path="RoleDepartments", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="resourceID",
    ),
    Entity(
        path="ResourceServiceDeskRoles", name="ResourceServiceDeskRole", model="ResourceServiceDeskRoleModel",
        fields={"id": L, "isActive": B, "isDefault": B, "resourceID": I, "roleID": I},
        required=frozenset({"roleID", "resourceID"}),
        references={"resourceID": "Resource", "roleID": "Role"},
        parent="Resources", child_path="ServiceDeskRoles", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="resourceID",
    ),
    Entity(
        path="Companies", name="Company", model="CompanyModel", root_verbs=("POST", "PATCH", "PUT"),
        fields={"id": L, "companyName": S, "companyNumber": S, "companyType": I, "isActive": B, "phone": S,
                "ownerResourceID": I, "webAddress": S, "city": S, "createDate": T},
        read_only=frozenset({"id", "createDate"}),
        required=frozenset({"companyName", "companyType", "ownerResourceID", "phone"}),
        picklists=("companyType",),
    ),
    Entity(
        path="Contacts", name="Contact", model="ContactModel",
        fields={"id": L, "companyID": I, "firstName": S, "lastName": S, "emailAddress": S, "isActive": I,
                "title": S, "phone": S},
        required=frozenset({"companyID", "firstName", "lastName", "isActive"}),
        references={"companyID": "Company"},
        parent="Companies", child_path="Contacts", child_verbs=("GET", "POST", "PATCH", "PUT"),
        parent_field="companyID",
    ),
    Entity(
        path="Contracts", name="Contract", model="ContractModel", root_verbs=("POST", "PATCH", "PUT"),
        fields={"id": L, "companyID": I, "contractName": S, "contractNumber": S, "contractType": I,
                "status": I, "startDate": T, "endDate": T, "description": S},
        required=frozenset({"companyID", "contractName", "contractType", "status", "startDate", "endDate"}),
        picklists=("contractType", "status"),
    ),
    Entity(
        path="Products", name="Product", model="ProductModel", root_verbs=("POST", "PATCH", "PUT"),
        fields={"id": L, "name": S, "description": S, "isActive": B, "sku": S, "unitCost": D, "unitPrice": D,
                "productBillingCodeID": I},
        required=frozenset({"name", "isActive"}),
    ),
    Entity(
        # Every field of the vendor TicketModel (generated: ticket_model.py); the rules the real API adds on
        # top of isRequired (dueDateTime, the resource/role pair, per-database queue/billing code) are in
        # api.AutotaskAPI.ticket_rules.
        path="Tickets", name="Ticket", model="TicketModel", root_verbs=("POST", "PATCH", "PUT"),
        fields=TICKET_FIELDS,
        read_only=frozenset({"id", "ticketNumber", "createDate", "completedDate", "creatorResourceID",
                             "creatorType", "lastActivityDate", "lastActivityPersonType", "lastActivityResourceID",
                             "lastTrackedModificationDateTime", "impersonatorCreatorResourceID"}),
        required=frozenset({"companyID", "title", "status", "priority"}),
        picklists=("status", "priority", "queueID", "ticketType", "ticketCategory", "issueType", "billingCodeID",
                   "source"),
        references={"assignedResourceID": "Resource", "assignedResourceRoleID": "Role"},
    ),
]}

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
