#!/usr/bin/env python
"""`make demo`: the collection's main job on the PSA sandbox, told as a short story.

1. Sandbox (Autotask + ConnectWise imitations with demo tenants) and a real OpenBao start.
2. The collection's own credentials per tenant go into OpenBao, as an MSP would keep them.
3. converge: API users verified, drift fixed, secrets generated, missing users and UI-only work
   handed out as manual steps (reports/demo/handoff/<tenant>.json).
4. An admin (here: this script, through the sandbox's UI endpoints) does the manual steps.
5. converge again: everything verified, registrations confirmed, the orphan retired.
6. drift check: in sync, exit 0. 7. A deliberate change in the PSA: drift, exit 2, naming the field.
8. The collection's own secret for one tenant stops working: could not check, exit 4, with the reason.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import hvac
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from psa_sandbox.__main__ import DEFAULT_SEED  # noqa: E402
from psa_sandbox.openbao import OpenBao  # noqa: E402
from psa_sandbox.server import SandboxServer  # noqa: E402
from psa_sandbox.state import load_seed_file  # noqa: E402

REPORTS = os.path.join(ROOT, "reports", "demo")
BIN = os.path.dirname(sys.executable)
COLLECTION_CREDENTIALS = {
    "northwind": {"username": "msppsa01@northwind-msp.example", "secret": "Nw7sandboxAutomation2026x",
                  "integration_code": "NWSANDBOXCUSTOM000000000001"},
    "contoso": {"username": "msppsa02@contoso-it.example", "secret": "Ct9sandboxAutomation2026y",
                "integration_code": "CTSANDBOXCUSTOM000000000002"},
    "lakeside": {"public_key": "LkPubSandbox0001", "private_key": "LkPrivSandbox0001x",
                 "client_id": "msp-psa-demo-client"},
}

# The second converge: the operator confirms the vendor registrations done by hand, and the tenants opt in
# to retiring API users declared nowhere.
SECOND_CONVERGE = {"api_user_registration_confirmed": ["wise_sync", "sync365", "datto_workplace", "autoelevate"],
                   "retire_orphans": True}

OUTCOMES = {0: "in sync", 2: "DRIFT", 4: "COULD NOT CHECK"}  # the drift check's exit codes


def say(text=""):
    print(text, flush=True)


class Demo:
    def __init__(self, sandbox, bao, reports=REPORTS, seed=None):
        self.seed = seed if seed is not None else load_seed_file(DEFAULT_SEED)
        self.sandbox = sandbox
        self.bao = bao
        self.reports = reports
        self.vault = hvac.Client(url=bao.url, token=bao.token)
        self.cache = tempfile.mkdtemp(prefix="msp-psa-demo-cache-")

    def store_collection_credentials(self):
        for tenant, cred in COLLECTION_CREDENTIALS.items():
            self.vault.secrets.kv.v2.create_or_update_secret(path="msp/%s/collection" % tenant, mount_point="secret",
                                                             secret=cred)

    def playbook(self, name, label, extra=None):
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), VAULT_ADDR=self.bao.url,
                   VAULT_TOKEN=self.bao.token, MSP_PSA_SANDBOX_URL=self.sandbox.url, MSP_PSA_CACHE_DIR=self.cache,
                   ANSIBLE_NOCOLOR="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(ROOT, "inventories", "demo"),
               os.path.join(ROOT, "playbooks", name), "-e", json.dumps(dict({"reports_dir": self.reports}, **(extra or {})))]
        if os.environ.get("MSP_PSA_DEMO_VERBOSE"):
            cmd.append("-vvvv")
        started = time.time()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        log = os.path.join(self.reports, "%s.log" % label)
        with open(log, "w", encoding="utf-8") as handle:
            handle.write(proc.stdout + proc.stderr)
        say("   (ansible-playbook %s: exit %d in %.1fs, log %s)" % (name, proc.returncode, time.time() - started,
                                                                   os.path.relpath(log, ROOT)))
        return proc

    def drift_check(self, label):
        """drift_check.yml, then drift_check_fleet.yml: prints the exit code and the summary; returns both codes."""
        proc = self.playbook("drift_check.yml", label + "-drift-check")
        with open(os.path.join(self.reports, "drift", "drift-summary.txt"), encoding="utf-8") as handle:
            summary = handle.read()
        say("   exit %d (%s)" % (proc.returncode, OUTCOMES.get(proc.returncode, "?")))
        for line in summary.splitlines():
            say("   " + line)
        fleet = self.playbook("drift_check_fleet.yml", label + "-drift-check-fleet")
        say("   the same check as one controller task for large fleets (drift_check_fleet.yml): exit %d (%s)" % (
            fleet.returncode, OUTCOMES.get(fleet.returncode, "?")))
        return proc.returncode, fleet.returncode

    def handoff(self, tenant):
        with open(os.path.join(self.reports, "handoff", tenant + ".json"), encoding="utf-8") as handle:
            return json.load(handle)

    def secret(self, ref):
        path = ref.split("#")[0].split("/", 1)[1]
        return self.vault.secrets.kv.v2.read_secret_version(path=path, mount_point="secret",
                                                            raise_on_deleted_version=False)["data"]["data"]

    def story_of_converge(self):
        for tenant in ("northwind", "contoso", "lakeside"):
            report = self.handoff(tenant)
            result = report["result"]
            items = result.get("users") or result.get("members") or []
            states = ", ".join("%s=%s" % (i.get("profile"), i["state"]) for i in items)
            say("   %-10s %-11s %s" % (tenant, report["psa"], states))
            for i in items:
                for f in i.get("fixed") or []:
                    say("              fixed by API: %s %s: %r -> %r" % (i["profile"], f["field"], f["have"], f["want"]))
            for o in result.get("orphans") or []:
                say("              orphan (declared nowhere): %s%s" % (o.get("username") or o.get("identifier"),
                                                                     " -> deactivated" if o.get("inactivated") else ""))
            for s in report.get("manual_steps") or []:
                say("              manual step: [%s] %s" % (s["system"], s["title"]))

    def password_manager(self, tenant, username):
        """What the MSP's password manager holds for an API user set up before the collection: the demo's seed."""
        local = username.split("@")[0]
        for db in self.seed["autotask"]["databases"]:
            if db["name"] == tenant:
                return [r["secret"] for r in db["resources"] if r["userName"] == local][0]

    def admin_does_the_steps(self):
        url = self.sandbox.url
        for tenant in ("northwind", "contoso"):
            for step in self.handoff(tenant)["manual_steps"]:
                if not step["title"].startswith("Adopt the existing API user"):
                    continue
                username = step["title"].split("Adopt the existing API user ")[1].split(":")[0]
                path = step["values"]["path"].split("/", 1)[1]
                self.vault.secrets.kv.v2.patch(path=path, mount_point="secret",
                                               secret={"secret": self.password_manager(tenant, username)})
                say("   Secret store %-5s adopted %s: its existing secret stored at %s (path a; nothing rotated)" % (
                    tenant, username, step["values"]["path"]))
            for user in self.handoff(tenant)["result"]["users"]:
                if user["state"] != "missing":
                    continue
                step = user["manual_steps"][0]
                values = step["values"]
                secret = self.secret(step["secret_refs"]["secret"])["secret"]
                form = {"firstName": values["First Name"], "lastName": values["Last Name"],
                        "email": values["Email Address"], "userName": values["Username"],
                        "securityLevel": values["Security Level"], "secret": secret,
                        "integrationVendor": values.get("Integration Vendor"),
                        "notRequiredToSubmitTimesheets": True}
                r = requests.post("%s/_sandbox/autotask/%s/api-users" % (url, tenant), json=form, timeout=10)
                r.raise_for_status()
                say("   Autotask %-9s New API User %s, secret pasted from %s" % (
                    tenant, r.json()["userName"], step["secret_refs"]["secret"]))
        lakeside = self.handoff("lakeside")
        for role in lakeside.get("roles") or []:
            levels = [{"moduleName": g["module"], "moduleFunctionName": g["function"],
                       **({"customItems": g["want"]} if g["level"] == "customize" else {g["level"] + "Level": g["want"]})}
                      for g in role["permissions_missing"]]
            requests.put("%s/_sandbox/connectwise/lakeside/security-roles/%s/settings" % (url, role["role"]["name"]),
                         json=levels, timeout=10).raise_for_status()
            say("   ConnectWise lakeside security role %s: %d levels set in System > Security Roles" % (
                role["role"]["name"], len(levels)))
        for member in lakeside["result"]["users"]:
            keys = requests.post("%s/_sandbox/connectwise/lakeside/members/%s/api-keys" % (url, member["identifier"]),
                                 json={"description": "s365"}, timeout=10).json()
            path = "msp/lakeside/connectwise/%s" % member["profile"]
            self.vault.secrets.kv.v2.patch(path=path, mount_point="secret", secret={
                "public_key": keys["publicKey"], "private_key": keys["privateKey"]}) if self._exists(path) else \
                self.vault.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={
                    "public_key": keys["publicKey"], "private_key": keys["privateKey"]})
            say("   ConnectWise lakeside API key pair for %s created in the UI, stored at secret/%s" % (
                member["identifier"], path))
        say("   Vendor tools: registration steps followed (Sync 365 Test and Save, Workplace Manager Connect, "
            "AutoElevate ticket); the operator confirms them in the next run.")

    def all_secret_values(self):
        """Every value the store holds under msp/, plus the store's token: what must never be printed."""
        values = {self.bao.token}

        def walk(prefix):
            try:
                keys = self.vault.secrets.kv.v2.list_secrets(path=prefix, mount_point="secret")["data"]["keys"]
            except hvac.exceptions.InvalidPath:
                return
            for key in keys:
                if key.endswith("/"):
                    walk(prefix + key)
                elif key == "_lock":  # the tenant's lock: who converges it, not a secret
                    continue
                else:
                    data = self.vault.secrets.kv.v2.read_secret_version(
                        path=prefix + key, mount_point="secret", raise_on_deleted_version=False)["data"]["data"]
                    public = ("username", "public_key", "client_id")  # identifiers, not secrets
                    # keys starting with _ are the credential's state (phase, timestamps), not secrets
                    values.update(v for k, v in data.items() if k not in public and not k.startswith("_")
                                  and isinstance(v, str) and len(v) >= 8)
        walk("msp/")
        return values

    def scan_reports(self):
        values = self.all_secret_values()
        hits = []
        for folder, _, files in os.walk(self.reports):
            for name in files:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
                hits += ["%s in %s" % (v[:3] + "...", name) for v in values if v in text]
        return len(values), hits

    def _exists(self, path):
        try:
            self.vault.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)
            return True
        except hvac.exceptions.InvalidPath:
            return False


def main():
    os.makedirs(REPORTS, exist_ok=True)
    say("== msp.psa demo: integration API users across three tenants, on the PSA sandbox")
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        demo = Demo(sandbox, bao)
        say("\n1. Sandbox on %s (Autotask: northwind, contoso; ConnectWise: lakeside); OpenBao on %s" % (
            sandbox.url, bao.url))
        demo.store_collection_credentials()
        say("2. The collection's own API credentials stored at secret/msp/<tenant>/collection")
        say("\n3. converge (first run)")
        proc = demo.playbook("converge.yml", "1-converge")
        if proc.returncode != 0:
            say(proc.stdout[-4000:])
            return 1
        demo.story_of_converge()
        say("\n4. The admin does the manual steps (through the sandbox's UI endpoints)")
        demo.admin_does_the_steps()
        say("\n5. converge (second run): verify, confirm registrations, retire the orphan")
        proc = demo.playbook("converge.yml", "2-converge", SECOND_CONVERGE)
        if proc.returncode != 0:
            say(proc.stdout[-4000:])
            return 1
        demo.story_of_converge()
        say("\n6. drift check (exit codes: 0 in sync, 2 drift, 4 could not check)")
        green = demo.drift_check("3") == (0, 0)
        say("\n7. Someone edits the Wise-Sync API user in Autotask (last name -> 'Sync Account')")
        state = requests.get(sandbox.url + "/_sandbox/autotask/northwind", timeout=10).json()
        wise = next(u for u in state["resources"] if u["userName"].startswith("wisesync01@"))
        requests.patch("%s/_sandbox/autotask/northwind/resources/%d" % (sandbox.url, wise["id"]),
                       json={"lastName": "Sync Account"}, timeout=10).raise_for_status()
        red = demo.drift_check("4") == (2, 2)
        say("\n8. The collection's own secret for contoso stops working (changed in the PSA, not in the store)")
        path = "msp/contoso/collection"
        demo.vault.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret=dict(
            COLLECTION_CREDENTIALS["contoso"], secret="NotTheSecretAnymore2026z"))
        unchecked = demo.drift_check("5") == (4, 4)
        demo.vault.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret",
                                                         secret=COLLECTION_CREDENTIALS["contoso"])
        say("\nReports: %s (handoff/<tenant>.json, drift/drift-report.json, drift/drift-report.junit.xml, "
            "drift/drift-summary.txt, *.log)" % os.path.relpath(REPORTS, ROOT))
        say("Open in a browser: %s (the last drift check) and %s (the last converge); "
            "scripts/report_screenshot.py makes docs/img/fleet-report.png from the first" % (
                os.path.relpath(os.path.join(REPORTS, "drift", "drift-report.html"), ROOT),
                os.path.relpath(os.path.join(REPORTS, "converge-report.html"), ROOT)))
        count, hits = demo.scan_reports()
        say("Secret scan: %d secret values from the store, searched in every log and report: %d hits" % (count, len(hits)))
        if hits:
            say("demo: secrets leaked: %s" % ", ".join(hits))
            return 1
        if not (green and red and unchecked):
            say("demo: the drift check did not go in sync (0), drift (2), could not check (4) as expected")
            return 1
        say("demo: done - converge, hand-off, verify; drift check in sync (0), drift (2), could not check (4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
