"""Tenants the integration tests converge: one Autotask database with users in every state."""
ADMIN = {"username": "msppsa01@tenant1.example", "secret": "Tenant1AutomationSecret26",
         "code": "TENANT1CUSTOMTRACKING000001"}
READER = {"username": "report01@tenant1.example", "secret": "Tenant1ReporterSecret2026",
          "code": "TENANT1CUSTOMTRACKING000002"}


JCLOUD = {"username": "jcloud01@tenant1.example", "secret": "JumpCloudTenant1Secret26"}
CW = {"company": "tenant2", "public": "T2PublicKey00001", "private": "T2PrivateKey0001xyz", "client_id": "c1d2-test"}
SYNC365_ROLE = [
    {"module": "Companies", "function": "Company Maintenance", "inquire": "All"},
    {"module": "Companies", "function": "Contacts", "add": "All", "edit": "All", "inquire": "All"},
    {"module": "Finance", "function": "Agreement Invoicing", "inquire": "All"},
    {"module": "Finance", "function": "Agreements", "add": "All", "edit": "All", "inquire": "All"},
    {"module": "Finance", "function": "Invoicing", "inquire": "All"},
    {"module": "Procurement", "function": "Product Catalog", "inquire": "All"},
    {"module": "Procurement", "function": "Products", "inquire": "All"},
    {"module": "System", "function": "Table Setup", "edit": "All", "inquire": "All",
     "custom_items": ["Agreements / Batch", "Agreements / Agreement Type"]},
]


def seed():
    return {"connectwise": connectwise(), "autotask": autotask()}


def connectwise():
    return {"companies": [{
        "id": CW["company"], "name": "Tenant Two", "site": "eu", "codebase": "v2025_1/",
        "departments": [{"identifier": "Admin", "name": "Administration"}, {"identifier": "Svc", "name": "Service"}],
        "locations": [{"name": "Head Office"}, {"name": "Remote"}],
        "security_roles": [{"name": "Admin", "admin": True}, {"name": "Technician"}],
        "members": [{"identifier": "msppsa", "name": "MSP Automation", "securityRole": {"name": "Admin"},
                     "keys": [{"public": CW["public"], "private": CW["private"], "description": "msp.psa"}]},
                    {"identifier": "jdoe", "licenseClass": "F", "firstName": "Jane", "lastName": "Doe",
                     "securityRole": {"name": "Technician"}}]}]}


def autotask():
    return {"databases": [{
        "name": "tenant1", "zone": "webservices14", "ci": 700001, "domain": "tenant1.example",
        "locations": [{"name": "HQ", "isDefault": True}, {"name": "Branch"}],
        "departments": [{"name": "Administration"}, {"name": "Service"}],
        "roles": [{"name": "Integration"}, {"name": "Technician"}],
        "companies": [{"id": 0, "companyName": "Tenant One MSP", "companyType": 7, "phone": "555-0001",
                       "ownerResourceID": 0, "isActive": True}],
        "security_levels": [{"name": "API User - Reporting", "api_only": True,
                             "permissions": {"resources": {"query": "All"}, "companies": {"query": "All"}}}],
        "resources": [
            {"userName": "msppsa01", "firstName": "MSP", "lastName": "Automation", "email": "auto@tenant1.example",
             "secret": ADMIN["secret"], "customIntegration": True, "trackingIdentifier": ADMIN["code"]},
            {"userName": "wisesync01", "firstName": "Wise-Sync", "lastName": "Integration", "email": "ws@tenant1.example",
             "secret": "WiseSyncTenant1Secret2026", "integrationVendor": "Wise-Sync", "internalCost": 12.5,
             "location": "Branch"},
            {"userName": "report01", "firstName": "Reporting", "lastName": "API", "email": "rep@tenant1.example",
             "secret": READER["secret"], "customIntegration": True, "trackingIdentifier": READER["code"],
             "securityLevel": "API User - Reporting"},
            {"userName": "jcloud01", "firstName": "JumpCloud", "lastName": "API", "email": "jc@tenant1.example",
             "secret": JCLOUD["secret"], "integrationVendor": "JumpCloud"},
        ]}]}
