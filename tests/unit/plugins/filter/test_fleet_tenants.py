"""fleet_tenants hands the bulk check every declared connection option of a tenant, the declared zone and
codebase included (a cold pipeline run then makes no lookup for them)."""
import os

from ansible_collections.msp.psa.plugins.filter.declarations import fleet_tenants
from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_declared_zone_and_codebase_reach_the_bulk_check():
    profiles = load_profiles([os.path.join(ROOT, "bench", "profiles")])
    hostvars = {
        "north": {"psa": "autotask", "vendor_profiles": ["wise_sync"], "autotask_domain": "north.example",
                  "autotask_username": "me@north.example", "autotask_secret": "s", "autotask_integration_code": "c",
                  "autotask_zone_url": "https://webservices5.autotask.net/ATServicesRest/"},
        "lake": {"psa": "connectwise", "vendor_profiles": ["sync365"], "connectwise_company": "lake",
                 "connectwise_public_key": "p", "connectwise_private_key": "k", "connectwise_client_id": "cid",
                 "connectwise_codebase": "v2025_1/"},
    }
    north, lake = fleet_tenants(hostvars, ["north", "lake"], profiles)
    assert north["autotask_zone_url"] == "https://webservices5.autotask.net/ATServicesRest/"
    assert lake["connectwise_codebase"] == "v2025_1/"
    assert [m["identifier"] for m in lake["members"]] == ["S365"]
