#!/usr/bin/env python
"""`make demo`: start the PSA sandbox with the demo tenants and show what is there.

Uses only the sandbox's public surfaces (the vendor APIs and /_sandbox/), the way the collection and
an admin see them. Leaves a machine-readable copy in reports/demo/.
"""
import json
import os
import sys

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from psa_sandbox.__main__ import DEFAULT_SEED  # noqa: E402
from psa_sandbox.server import SandboxServer  # noqa: E402
from psa_sandbox.state import load_seed_file  # noqa: E402

REPORTS = os.path.join(ROOT, "reports", "demo")


def main():
    os.makedirs(REPORTS, exist_ok=True)
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as server:
        url = server.url
        print("== PSA sandbox on %s (Autotask and ConnectWise imitations, demo tenants)" % url)
        health = requests.get(url + "/_sandbox/health", timeout=5).json()
        snapshot = {"autotask": {}, "connectwise": {}}
        for name in health["autotask"]:
            db = requests.get(url + "/_sandbox/autotask/" + name, timeout=5).json()
            snapshot["autotask"][name] = db
            zone = requests.get(url + "/atservicesrest/v1.0/zoneInformation",
                                params={"user": db["resources"][0]["userName"]}, timeout=5).json()
            print("\nAutotask database %-10s zone %s (%s), API base %s" % (name, db["zone"], zone["zoneName"], zone["url"]))
            for user in db["resources"]:
                cred = user["credential"] or {}
                kind = ("vendor %s" % cred["vendor"]) if cred.get("trackingKind") == "vendor" else (
                    "custom integration" if cred else "-")
                print("  %-38s %-9s %-28s %-45s %s" % (
                    user["userName"], "API user" if user["apiUser"] else "employee", user["securityLevel"], kind,
                    "active" if user["isActive"] else "inactive"))
        for name in health["connectwise"]:
            company = requests.get(url + "/_sandbox/connectwise/" + name, timeout=5).json()
            snapshot["connectwise"][name] = company
            info = requests.get(url + "/login/companyinfo/" + name, timeout=5).json()
            print("\nConnectWise company %-10s site %s, codebase %s" % (name, info["SiteUrl"], info["Codebase"]))
            for member in company["members"]:
                keys = [k for k in company["keys"] if k["member"] == member["identifier"]]
                print("  API member %-12s role %-12s keys %d %s" % (
                    member["identifier"], (member.get("securityRole") or {}).get("name"), len(keys),
                    "inactive" if member["inactiveFlag"] else "active"))
            print("  security roles: %s" % ", ".join(r["name"] for r in company["securityRoles"]))
        path = os.path.join(REPORTS, "sandbox.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(snapshot, handle, indent=2)
        print("\nSandbox state written to %s" % os.path.relpath(path, ROOT))
        print("Serve it yourself with: make sandbox   (or .venv/bin/python -m psa_sandbox --port 8765)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
