"""Onboarding an existing fleet (issue 13): the first converge over 10 tenants whose API users already work
(Autotask users with the vendors' secrets, ConnectWise members with the vendors' key pairs, nothing in the
secret store yet) overwrites no secret, makes no failed login and hands out only safe steps; after the admin
stores the credentials they have (the safe path (a)), the next converge adopts them, verifies the ConnectWise
pairs with one login each, and still never asks to enter or reset a credential."""
import json
import os
import time

import hvac
import pytest
import requests

from psa_sandbox.openbao import OpenBao

from .harness import ROOT, run_playbook

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "tenant_role.yml")
AT_PROFILES = ["wise_sync", "sync365"]
CW_PROFILES = ["sync365"]
UNSAFE_TITLES = ("Create the API user", "Create an API key pair", "Rotate the secret", "Rotate the API key pair",
                 "Register the credential with")


def profiles():
    from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
    return load_profiles([os.path.join(ROOT, "roles", "api_user", "files", "profiles")])


def levels(permissions):
    names = {"add": "addLevel", "edit": "editLevel", "delete": "deleteLevel", "inquire": "inquireLevel"}
    out = []
    for p in permissions:
        item = {"moduleName": p["module"], "moduleFunctionName": p["function"]}
        item.update((names[k], v) for k, v in p.items() if k in names)
        if p.get("custom_items"):
            item["customItems"] = p["custom_items"]
        out.append(item)
    return out


def fleet(prefix, n=10, custom=None):
    """A seed and an inventory of ``n`` tenants (even: Autotask, odd: ConnectWise) whose declared API users
    already exist and work, with the secrets and key pairs that only the PSA and the vendor tools know.
    ``custom``: an extra Autotask custom-integration user per Autotask tenant (profile name -> settings)."""
    prof = profiles()
    seed = {"autotask": {"databases": []}, "connectwise": {"companies": []}}
    hosts, secrets = {}, {}
    for i in range(n):
        name = "%s%02d" % (prefix, i)
        if i % 2 == 0:
            domain = "%s.example" % name
            code = ("ADOPT%s%020d" % (prefix.upper()[:2], i))[:27]
            users = [{"userName": "msppsa%02d" % i, "firstName": "MSP", "lastName": "Automation",
                      "email": "auto@" + domain, "secret": "AdminSecret%02dabcdefgh1" % i, "customIntegration": True,
                      "trackingIdentifier": code}]
            for p in AT_PROFILES:
                at = prof[p]["autotask"]
                secret = "Vendor%s%02dSecret%s9" % (p[:4].title(), i, prefix[:3].title())
                users.append({"userName": at["username"], "firstName": at["first_name"], "lastName": at["last_name"],
                              "email": "%s@%s" % (at.get("email_local", at["username"]), domain), "secret": secret,
                              "integrationVendor": at["integration_vendor"], "internalCost": at.get("internal_cost")})
                secrets[(name, p)] = {"secret": secret}
            for p, c in (custom or {}).items():
                users.append({"userName": c["username"], "firstName": c["first_name"], "lastName": c["last_name"],
                              "email": "%s@%s" % (c["username"], domain), "secret": c["secret"],
                              "customIntegration": True, "trackingIdentifier": c["code"]})
                secrets[(name, p)] = {"secret": c["secret"], "integration_code": c["code"]}
            seed["autotask"]["databases"].append({"name": name, "zone": "webservices14", "ci": 810000 + i,
                                                  "domain": domain, "resources": users})
            hosts[name] = {"psa": "autotask", "autotask_domain": domain,
                           "vendor_profiles": AT_PROFILES + sorted(custom or {}),
                           "at_username": "msppsa%02d@%s" % (i, domain), "at_secret": "AdminSecret%02dabcdefgh1" % i,
                           "at_code": code}
        else:
            members = [{"identifier": "msppsa", "name": "MSP Automation", "securityRole": {"name": "Admin"},
                        "keys": [{"public": "AdoptPub%s%02d" % (prefix, i), "private": "AdoptPriv%s%02dxyz" % (prefix, i)}]}]
            roles = [{"name": "Admin", "admin": True}]
            for p in CW_PROFILES:
                cw = prof[p]["connectwise"]
                pair = {"public_key": "VendPub%s%02d" % (prefix, i), "private_key": "VendPriv%s%02dSecretKey" % (prefix, i)}
                members.append({"identifier": cw["identifier"], "name": cw["name"],
                                "securityRole": {"name": cw["security_role"]}, "defaultDepartment": {"identifier": "Admin"},
                                "keys": [{"public": pair["public_key"], "private": pair["private_key"],
                                          "description": cw.get("key_description", "")}]})
                roles.append({"name": cw["security_role"], "levels": levels(cw.get("role_permissions") or [])})
                secrets[(name, p)] = pair
            seed["connectwise"]["companies"].append({"id": name, "name": name, "site": "eu", "members": members,
                                                     "security_roles": roles})
            hosts[name] = {"psa": "connectwise", "vendor_profiles": CW_PROFILES, "connectwise_own_identifier": "msppsa",
                           "cw": {"company": name, "public": "AdoptPub%s%02d" % (prefix, i),
                                  "private": "AdoptPriv%s%02dxyz" % (prefix, i), "client_id": "adopt-test"}}
    return seed, hosts, secrets


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def seed_fleet(sandbox, seed):
    requests.post(sandbox.url + "/_sandbox/seed", params={"merge": "1"}, json=seed, timeout=30).raise_for_status()


def converge(sandbox, bao, tmp_path, hosts, tag, **extra):
    work = tmp_path / tag
    work.mkdir()
    inventory = work / "inventory.json"
    inventory.write_text(json.dumps({"tenants": {"hosts": hosts}}))
    variables = {"sandbox_url": sandbox.url, "vault_url": bao.url, "vault_token": bao.token}
    variables.update(extra)
    started = time.time()
    run = run_playbook(PLAYBOOK, work, variables, inventory=str(inventory), env={"ANSIBLE_FORKS": "10"})
    run.seconds = time.time() - started
    assert run.rc == 0, failures(run) or (run.stdout[-4000:] + run.stderr[-2000:])
    return run


def failures(run):
    """The failed tasks of a run: [(task, host, msg)]."""
    return [(t["task"]["name"], host, [i.get("msg") for i in r.get("results", []) if i.get("failed")] or r.get("msg"))
            for play in run.data.get("plays", []) for t in play["tasks"]
            for host, r in t["hosts"].items() if r.get("failed")]


def all_results(run, task_name):
    """{host: result} of every task with this name (the Autotask and the ConnectWise task files both have it)."""
    out = {}
    for play in run.data.get("plays", []):
        for task in play["tasks"]:
            if task["task"]["name"].split(" : ", 1)[-1] == task_name:  # role tasks: "msp.psa.api_user : <name>"
                out.update(task["hosts"])
    return out


def reports(run):
    return dict((host, r["ansible_facts"]["api_user_report"])
                for host, r in all_results(run, "Collect the tenant's result and its manual steps").items())


def login_failures(sandbox, since):
    """Refused logins in the request log (any PSA), and Autotask's own failed-login counters."""
    log = requests.get(sandbox.url + "/_sandbox/requests", params={"since": since}, timeout=10).json()["requests"]
    refused = [r for r in log if r["status"] == 401]
    return refused, log


def at_counters(sandbox, names):
    out = {}
    for name in names:
        for user in requests.get(sandbox.url + "/_sandbox/autotask/" + name, timeout=10).json()["resources"]:
            out[(name, user["userName"])] = user["credential"]
    return out


def assert_safe(steps, secrets, allowed=()):
    """Every hand-off step safe: no secret value, nothing that makes or enters a credential the PSA is not
    known to hold (no create / rotate / register steps), unless ``allowed`` names the title."""
    text = json.dumps(steps)
    for values in secrets.values():
        for value in values.values():
            assert value not in text
    for s in steps:
        assert not s["title"].startswith(UNSAFE_TITLES) or s["title"].startswith(allowed), s
        assert "paste the secret stored at" not in " ".join(s.get("instructions") or []), s


def kv(bao):
    return hvac.Client(url=bao.url, token=bao.token).secrets.kv.v2


def read(bao, path):
    try:
        resp = kv(bao).read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)
    except hvac.exceptions.InvalidPath:
        return None, {}
    return resp["data"]["data"], resp["data"]["metadata"]["custom_metadata"] or {}


def first_converge(sandbox, bao, tmp_path, prefix, n):
    """Seed ``n`` working tenants, converge once, and check: nothing generated, no refused login, every step safe."""
    seed, hosts, secrets = fleet(prefix, n)
    seed_fleet(sandbox, seed)
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]

    first = converge(sandbox, bao, tmp_path, hosts, "first")
    refused, log = login_failures(sandbox, mark)
    assert refused == [], "no failed login: %s" % refused[:3]
    creds = all_results(first, "Keep each credential in the secret store")
    creds.update(all_results(first, "Keep each key pair in the secret store"))
    states = sorted(set(r["state"] for host in creds.values() for r in host["results"]))
    assert states == ["unknown_secret"], states
    generated = 0
    for (tenant, profile) in secrets:
        psa = hosts[tenant]["psa"]
        data, meta = read(bao, "msp/%s/%s/%s" % (tenant, psa, profile))
        assert meta.get("secret_state") == "unknown_secret"
        generated += sum(1 for k in ("secret", "pending_secret", "public_key", "private_key") if (data or {}).get(k))
    assert generated == 0, "no secret invented for a user that exists"
    first_reports = reports(first)
    assert sorted(first_reports) == sorted(hosts)
    for tenant, report in first_reports.items():
        assert_safe(report["manual_steps"], secrets)
        adopt = [s for s in report["manual_steps"] if s["title"].startswith("Adopt the existing API user")]
        assert len(adopt) == len(hosts[tenant]["vendor_profiles"]), report["manual_steps"]
        assert report["registrations"] == [], "no registration step for an unknown secret"
    counters = at_counters(sandbox, [t for t in hosts if hosts[t]["psa"] == "autotask"])
    assert all(c["failedLogins"] == 0 and not c["locked"] for c in counters.values() if c)
    return first, hosts, secrets


def test_first_converge_of_ten_existing_tenants_overwrites_nothing_and_locks_nobody(sandbox, bao, tmp_path):
    first, hosts, secrets = first_converge(sandbox, bao, tmp_path, "adopt", 10)
    print("adopt: first converge of %d tenants (%d credentials) %.1fs: 0 generated, 0 refused logins, all steps safe"
          % (len(hosts), len(secrets), first.seconds))


def test_stored_credentials_are_adopted_verified_and_never_re_entered(sandbox, bao, tmp_path):
    first, hosts, secrets = first_converge(sandbox, bao, tmp_path, "adapt", 4)

    # the admin follows path (a): stores the credentials the vendor tools use today
    # (half with `kv patch`, which keeps the state keys, half with a plain `kv put`, which drops them)
    for n, ((tenant, profile), values) in enumerate(sorted(secrets.items())):
        path = "msp/%s/%s/%s" % (tenant, hosts[tenant]["psa"], profile)
        if n % 2:
            kv(bao).patch(path=path, mount_point="secret", secret=values)
        else:
            kv(bao).create_or_update_secret(path=path, mount_point="secret", secret=values)
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]

    second = converge(sandbox, bao, tmp_path, hosts, "second")
    refused, log = login_failures(sandbox, mark)
    assert refused == [], "no failed login after adoption: %s" % refused[:3]
    cw_logins = [r for r in log if r["path"].lower().endswith("/system/mysecurity")]
    assert len(cw_logins) == len([k for k in secrets if hosts[k[0]]["psa"] == "connectwise"]), \
        "one login per ConnectWise key pair, none for the Autotask vendor users (no login possible)"
    creds = all_results(second, "Keep each credential in the secret store")
    creds.update(all_results(second, "Keep each key pair in the secret store"))
    assert sorted(set(r["state"] for host in creds.values() for r in host["results"])) == ["adopted"]
    for (tenant, profile), values in secrets.items():
        data, meta = read(bao, "msp/%s/%s/%s" % (tenant, hosts[tenant]["psa"], profile))
        assert dict((k, data[k]) for k in values) == values, "the stored credential is the admin's, unchanged"
        assert meta["secret_state"] == "adopted"
        if hosts[tenant]["psa"] == "connectwise":
            assert meta.get("login_ok_fingerprint"), "the adopted pair was verified by its login"
    for tenant, report in reports(second).items():
        assert_safe(report["manual_steps"], secrets)
        confirm = [s for s in report["manual_steps"] if s["title"].startswith("Confirm that")]
        assert len(confirm) == len(hosts[tenant]["vendor_profiles"]), report["manual_steps"]
        assert not any(s.get("secret_refs") for s in confirm), "a confirmation cites no credential to enter"
    counters = at_counters(sandbox, [t for t in hosts if hosts[t]["psa"] == "autotask"])
    assert all(c["failedLogins"] == 0 and not c["locked"] for c in counters.values() if c)
    print("adopt: %d tenants, first converge %.1fs, second %.1fs, %d credentials adopted, 0 refused logins"
          % (len(hosts), first.seconds, second.seconds, len(secrets)))
