"""The seed the sandbox tests run against: small, with every case the tests need."""
AT_ADMIN = {"UserName": "admin01@alpha.example", "Secret": "AlphaAdminSecret2026xyz1",
            "ApiIntegrationCode": "ALPHACUSTOMTRACKING00000001"}
AT_READER = {"UserName": "reader01@alpha.example", "Secret": "AlphaReaderSecret2026xy2",
             "ApiIntegrationCode": "ALPHACUSTOMTRACKING00000002"}
AT_VENDOR_USER = "wisesync01@alpha.example"
AT_BETA_ADMIN = {"UserName": "admin02@beta.example", "Secret": "BetaAdminSecret2026xyz01",
                 "ApiIntegrationCode": "BETACUSTOMTRACKING000000001"}
CW_ADMIN = ("alpha", "AlphaPub00000001", "AlphaPriv0000001x")
CW_TECH = ("alpha", "AlphaPub00000002", "AlphaPriv0000002x")
CLIENT_ID = "11111111-2222-3333-4444-555555555555"


def seed(companies=1203):
    return {
        "autotask": {
            "databases": [
                {
                    "name": "alpha", "zone": "webservices5", "ci": 500001, "domain": "alpha.example",
                    "locations": [{"name": "HQ", "isDefault": True}, {"name": "Branch"}],
                    "departments": [{"name": "Admin"}, {"name": "Ops"}],
                    "roles": [{"name": "Tech"}, {"name": "Integration"}],
                    "security_levels": [
                        {"name": "API User - Directory Read", "api_only": True,
                         "permissions": {"resources": {"query": "All"}, "companies": {"query": "All"}}},
                    ],
                    "companies": [{"companyName": "Company %04d" % n, "companyType": 1 + n % 7,
                                   "phone": "555-%04d" % n, "ownerResourceID": 1, "isActive": n % 3 != 0,
                                   "city": ["Seattle", "Boston", None][n % 3]} for n in range(companies)],
                    "contracts": [{"companyID": 1, "contractName": "Managed Services", "contractType": 7,
                                   "status": 1, "startDate": "2026-01-01T00:00:00", "endDate": "2026-12-31T00:00:00"}],
                    "products": [{"name": "Microsoft 365 Business Premium", "isActive": True, "unitPrice": 22.0}],
                    "resources": [
                        {"userName": "admin01", "firstName": "Test", "lastName": "Admin", "email": "a@alpha.example",
                         "secret": AT_ADMIN["Secret"], "customIntegration": True,
                         "trackingIdentifier": AT_ADMIN["ApiIntegrationCode"]},
                        {"userName": "reader01", "firstName": "Test", "lastName": "Reader", "email": "r@alpha.example",
                         "secret": AT_READER["Secret"], "customIntegration": True,
                         "trackingIdentifier": AT_READER["ApiIntegrationCode"],
                         "securityLevel": "API User - Directory Read"},
                        {"userName": "wisesync01", "firstName": "Wise-Sync", "lastName": "API User",
                         "email": "w@alpha.example", "secret": "WiseSyncSecret2026abc123", "integrationVendor": "Wise-Sync",
                         "internalCost": 10.0, "roleDepartments": [{"role": "Integration", "department": "Admin",
                                                                    "default": True}]},
                        {"userName": "gone01", "firstName": "Gone", "lastName": "User", "email": "g@alpha.example",
                         "secret": "GoneUserSecret2026abc123", "integrationVendor": "JumpCloud", "isActive": False},
                        {"userName": "jdoe01", "kind": "employee", "firstName": "Jane", "lastName": "Doe",
                         "email": "jane@alpha.example"},
                    ],
                },
                {
                    "name": "beta", "zone": "webservices19", "ci": 500002, "domain": "beta.example",
                    "resources": [
                        {"userName": "admin02", "firstName": "Beta", "lastName": "Admin", "email": "a@beta.example",
                         "secret": AT_BETA_ADMIN["Secret"], "customIntegration": True,
                         "trackingIdentifier": AT_BETA_ADMIN["ApiIntegrationCode"]},
                    ],
                },
            ],
        },
        "connectwise": {
            "companies": [
                {
                    "id": "alpha", "name": "Alpha MSP", "site": "na", "codebase": "v2025_1/",
                    "departments": [{"identifier": "Admin", "name": "Admin"}, {"identifier": "Svc", "name": "Service"}],
                    "locations": [{"name": "HQ"}, {"name": "Remote"}],
                    "security_roles": [{"name": "Admin", "admin": True}, {"name": "Technician", "levels": [
                        {"moduleName": "System", "moduleFunctionName": "Member Maintenance", "inquireLevel": "All"}]}],
                    "members": [
                        {"identifier": "automation", "name": "Automation", "securityRole": {"name": "Admin"},
                         "defaultDepartment": {"identifier": "Admin"}, "defaultLocation": {"name": "HQ"},
                         "keys": [{"public": CW_ADMIN[1], "private": CW_ADMIN[2], "description": "tests"}]},
                        {"identifier": "tech", "name": "Tech Member", "securityRole": {"name": "Technician"},
                         "keys": [{"public": CW_TECH[1], "private": CW_TECH[2], "description": "tests"}]},
                    ] + [{"identifier": "api%02d" % n, "name": "API Member %d" % n, "emailAddress": "api%d@x.example" % n,
                          "securityRole": {"name": "Technician"}, "inactiveFlag": n % 5 == 0} for n in range(1, 61)],
                },
            ],
        },
    }
