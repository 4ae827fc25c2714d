"""Tenants the integration tests converge: one Autotask database with users in every state."""
ADMIN = {"username": "msppsa01@tenant1.example", "secret": "Tenant1AutomationSecret26",
         "code": "TENANT1CUSTOMTRACKING000001"}
READER = {"username": "report01@tenant1.example", "secret": "Tenant1ReporterSecret2026",
          "code": "TENANT1CUSTOMTRACKING000002"}


def seed():
    return {"autotask": {"databases": [{
        "name": "tenant1", "zone": "webservices14", "ci": 700001, "domain": "tenant1.example",
        "locations": [{"name": "HQ", "isDefault": True}, {"name": "Branch"}],
        "departments": [{"name": "Administration"}, {"name": "Service"}],
        "roles": [{"name": "Integration"}, {"name": "Technician"}],
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
        ]}]}}
