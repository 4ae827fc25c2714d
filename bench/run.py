#!/usr/bin/env python
"""`make bench`: the fleet drift check against the PSA sandbox, side by side with the floor and a baseline.

Starts the sandbox (its own process) with a per-request latency, seeds N tenants x 4 vendor profiles
(half Autotask databases, half ConnectWise companies, every 10th tenant with drift), then times:
  (a) the collection's drift check (playbooks/drift_check.yml), cold (empty caches) and warm;
  (b) the floor: the same inventory with one ansible.builtin.ping task per tenant;
  (c) the baseline a user would write without this collection: ansible.builtin.uri tasks per user
      (zone lookup / companyinfo, query, assert fields), on a sample of tenants when N is large.
For each: wall, CPU (user+sys of ansible and its workers), peak RSS of one process, HTTP requests
(from the sandbox's log), requests per tenant, and the highest concurrency one tenant saw.
Writes bench/results/bench-<N>.json and bench-<N>.svg.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
BIN = os.path.dirname(sys.executable)
PROFILES = ["wise_sync", "datto_workplace", "autoelevate", "sync365"]


def profile_data():
    sys.path.insert(0, os.path.join(ROOT, ".collections"))
    from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
    return load_profiles([os.path.join(HERE, "profiles")])


def build(n, workdir):
    profiles = profile_data()
    seed = {"autotask": {"databases": []}, "connectwise": {"companies": []}}
    hosts_at, hosts_cw = {}, {}
    for i in range(n):
        name = "t%04d" % i
        drift = i % 10 == 3
        if i % 2 == 0:
            domain = "%s.example" % name
            code = ("BENCH%022d" % i)[:27]
            users = [{"userName": "msppsa%04d" % i, "firstName": "MSP", "lastName": "Automation",
                      "email": "auto@" + domain, "secret": "BenchSecret%04dabcdefgh" % i, "customIntegration": True,
                      "trackingIdentifier": code}]
            for p in PROFILES:
                at = profiles[p]["autotask"]
                users.append({"userName": at["username"], "firstName": at["first_name"],
                              "lastName": ("Drifted" if drift and p == "wise_sync" else at["last_name"]),
                              "email": "%s@%s" % (at.get("email_local", at["username"]), domain),
                              "secret": "BenchUser%04d%sabc1" % (i, p[:4]), "integrationVendor": at["integration_vendor"],
                              "internalCost": at.get("internal_cost")})
            seed["autotask"]["databases"].append({"name": name, "zone": "webservices%d" % (1 + i % 29), "ci": 900000 + i,
                                                  "domain": domain, "resources": users})
            hosts_at[name] = {"autotask_domain": domain, "autotask_username": "msppsa%04d@%s" % (i, domain),
                              "autotask_secret": "BenchSecret%04dabcdefgh" % i, "autotask_integration_code": code}
        else:
            members = [{"identifier": "msppsa", "name": "MSP Automation", "securityRole": {"name": "Admin"},
                        "keys": [{"public": "BenchPub%08d" % i, "private": "BenchPriv%08dxx" % i}]}]
            for p in PROFILES:
                cw = profiles[p]["connectwise"]
                members.append({"identifier": cw["identifier"], "securityRole": {"name": cw["security_role"]},
                                "name": ("Drifted" if drift and p == "sync365" else cw["name"]),
                                "defaultDepartment": {"identifier": "Admin"}})
            seed["connectwise"]["companies"].append({"id": name, "name": name, "members": members,
                                                     "security_roles": [{"name": "Admin", "admin": True},
                                                                        {"name": "Sync 365"}]})
            hosts_cw[name] = {"connectwise_company": name, "connectwise_public_key": "BenchPub%08d" % i,
                              "connectwise_private_key": "BenchPriv%08dxx" % i, "connectwise_own_identifier": "msppsa"}
    inventory = {"tenants": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                      "vendor_profiles": PROFILES, "vendor_profiles_dirs": [os.path.join(HERE, "profiles")]},
                             "children": {"autotask_tenants": {"hosts": hosts_at, "vars": {"psa": "autotask"}},
                                          "connectwise_tenants": {"hosts": hosts_cw, "vars": {
                                              "psa": "connectwise", "connectwise_client_id": "bench-client"}}}}}
    with open(os.path.join(workdir, "seed.yml"), "w") as h:
        yaml.safe_dump(seed, h)
    with open(os.path.join(workdir, "inventory.yml"), "w") as h:
        yaml.safe_dump(inventory, h)
    return hosts_at, hosts_cw, profiles


BASELINE = """---
- name: Baseline without the collection (Autotask)
  hosts: autotask_tenants
  gather_facts: false
  tasks:
    - name: Zone of each user
      ansible.builtin.uri:
        url: "{{ sandbox_url }}/atservicesrest/v1.0/zoneInformation?user={{ item | urlencode }}"
      loop: "{{ bench_users }}"
      register: zones
    - name: Query each user
      ansible.builtin.uri:
        url: "{{ zones.results[0].json.url }}V1.0/Resources/query"
        method: POST
        body_format: json
        body: {filter: [{op: eq, field: userName, value: "{{ item }}"}]}
        headers: {UserName: "{{ autotask_username }}", Secret: "{{ autotask_secret }}", ApiIntegrationCode: "{{ autotask_integration_code }}"}
      loop: "{{ bench_users }}"
      register: found
    - name: Assert each user's fields
      ansible.builtin.assert:
        that:
          - item.json['items'] | length == 1
          - item.json['items'][0].isActive
          - item.json['items'][0].licenseType == 7
      loop: "{{ found.results }}"
      loop_control: {label: "{{ item.item }}"}
      ignore_errors: true
- name: Baseline without the collection (ConnectWise)
  hosts: connectwise_tenants
  gather_facts: false
  tasks:
    - name: Company info
      ansible.builtin.uri:
        url: "{{ sandbox_url }}/login/companyinfo/{{ connectwise_company }}"
      register: info
    - name: Query each member
      ansible.builtin.uri:
        url: "{{ sandbox_url }}/{{ info.json.Codebase }}apis/3.0/system/apiMembers?conditions=identifier%3D%22{{ item }}%22"
        headers:
          Authorization: "Basic {{ (connectwise_company ~ '+' ~ connectwise_public_key ~ ':' ~ connectwise_private_key) | b64encode }}"
          clientId: bench
      loop: "{{ bench_members }}"
      register: found
    - name: Assert each member's fields
      ansible.builtin.assert:
        that:
          - item.json | length == 1
          - not item.json[0].inactiveFlag
      loop: "{{ found.results }}"
      loop_control: {label: "{{ item.item }}"}
      ignore_errors: true
"""
PING = """---
- name: Floor
  hosts: tenants
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""


def http(url, method="GET", body=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def measure(label, cmd, env, sandbox):
    mark = http(sandbox + "/_sandbox/requests?since=999999999")["last"]
    http(sandbox + "/_sandbox/requests", "DELETE")
    wrapper = ("import resource,subprocess,sys,json,time;t=time.time();"
               "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
               "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
               "print(json.dumps({'rc':p.returncode,'wall':time.time()-t,'cpu':r.ru_utime+r.ru_stime,'maxrss_mb':r.ru_maxrss/1024}))")
    proc = subprocess.run([sys.executable, "-c", wrapper] + cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                          check=True)
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    log = http(sandbox + "/_sandbox/requests")["requests"]
    counters = http(sandbox + "/_sandbox/counters")["concurrency"]
    stats["requests"] = len(log)
    kinds = {}
    for entry in log:
        parts = entry["path"].split("/")
        key = "%s %s" % (entry["method"], "/".join(p for p in parts[-2:] if not p.isdigit()))
        kinds[key] = kinds.get(key, 0) + 1
    stats["requests_by_kind"] = kinds
    stats["max_concurrency_per_tenant_endpoint"] = max([c["max_in_flight"] for c in counters] or [0])
    stats["label"] = label
    del mark
    return stats


def svg(results, path):
    bars = [(r["label"], r["wall"]) for r in results]
    top = max(v for _, v in bars) or 1
    rows = []
    for n, (label, value) in enumerate(bars):
        y = 30 + n * 34
        w = 420 * value / top
        rows.append('<text x="10" y="%d" font-size="13">%s</text><rect x="230" y="%d" width="%.1f" height="22" '
                    'fill="#4a7ab5"/><text x="%.1f" y="%d" font-size="12">%.1f s</text>' % (
                        y + 16, label, y, w, 236 + w, y + 16, value))
    with open(path, "w") as h:
        h.write('<svg xmlns="http://www.w3.org/2000/svg" width="760" height="%d"><text x="10" y="18" font-size="14" '
                'font-weight="bold">msp.psa bench: wall time</text>%s</svg>' % (40 + 34 * len(bars), "".join(rows)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenants", type=int, default=int(os.environ.get("N", 40)))
    ap.add_argument("--latency-ms", type=float, default=float(os.environ.get("LATENCY", 50)))
    ap.add_argument("--forks", type=int, default=int(os.environ.get("FORKS", 20)))
    ap.add_argument("--baseline-sample", type=int, default=int(os.environ.get("BASELINE_SAMPLE", 200)))
    args = ap.parse_args()
    os.makedirs(RESULTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="msp-psa-bench-")
    hosts_at, hosts_cw, profiles = build(args.tenants, work)
    port_file = os.path.join(work, "port")
    sandbox_proc = subprocess.Popen([sys.executable, "-m", "psa_sandbox", "--port", "0", "--port-file", port_file,
                                     "--seed", os.path.join(work, "seed.yml"), "--latency-ms", str(args.latency_ms)],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if os.path.exists(port_file) and open(port_file).read():
                break
            time.sleep(0.1)
        sandbox = "http://127.0.0.1:%s" % open(port_file).read()
        cache = os.path.join(work, "cache")
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), MSP_PSA_CACHE_DIR=cache,
                   MSP_PSA_SANDBOX_URL=sandbox, ANSIBLE_NOCOLOR="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
                   ANSIBLE_HOST_KEY_CHECKING="False")
        playbook = os.path.join(BIN, "ansible-playbook")
        inv = os.path.join(work, "inventory.yml")
        common = ["-i", inv, "--forks", str(args.forks), "-e",
                  json.dumps({"autotask_discovery_url": sandbox + "/atservicesrest/", "connectwise_base_url": sandbox,
                              "vendor_profiles_dirs": [os.path.join(HERE, "profiles")],
                              "reports_dir": os.path.join(work, "reports"), "fail_on_drift": False})]
        print("bench: %d tenants (%d Autotask, %d ConnectWise) x 4 profiles, latency %g ms, forks %d" % (
            args.tenants, len(hosts_at), len(hosts_cw), args.latency_ms, args.forks), flush=True)
        drift_pb = os.path.join(ROOT, "playbooks", "drift_check.yml")
        results = [measure("drift check (cold)", [playbook, drift_pb] + common, env, sandbox)]
        print("  %-22s done" % results[-1]["label"], flush=True)
        results.append(measure("drift check (warm)", [playbook, drift_pb] + common, env, sandbox))
        print("  %-22s done" % results[-1]["label"], flush=True)
        fleet_pb = os.path.join(ROOT, "playbooks", "drift_check_fleet.yml")
        results.append(measure("fleet drift check (warm)", [playbook, fleet_pb] + common, env, sandbox))
        print("  %-22s done" % results[-1]["label"], flush=True)
        ping = os.path.join(work, "ping.yml")
        open(ping, "w").write(PING)
        results.append(measure("ping floor", [playbook, ping] + common, env, sandbox))
        print("  %-22s done" % results[-1]["label"], flush=True)
        sample = min(args.tenants, args.baseline_sample)
        base = os.path.join(work, "baseline.yml")
        open(base, "w").write(BASELINE)
        at_users = ["%s@%%s" % profiles[p]["autotask"]["username"] for p in PROFILES]
        sample_hosts = sorted(list(hosts_at) + list(hosts_cw))[:sample]
        extra = {"sandbox_url": sandbox, "bench_members": [profiles[p]["connectwise"]["identifier"] for p in PROFILES]}
        host_vars = os.path.join(work, "host_vars")
        os.makedirs(host_vars, exist_ok=True)
        for name, hv in hosts_at.items():
            with open(os.path.join(host_vars, name + ".yml"), "w") as h:
                yaml.safe_dump({"bench_users": [u % hv["autotask_domain"] for u in at_users]}, h)
        import shutil
        shutil.copy(inv, os.path.join(work, "inventory-baseline.yml"))
        base_cmd = [playbook, base, "-i", os.path.join(work, "inventory-baseline.yml"), "--forks", str(args.forks),
                    "-e", json.dumps(extra), "--limit", ",".join(sample_hosts)]
        results.append(measure("uri baseline%s" % ("" if sample == args.tenants else " (%d sample)" % sample),
                               base_cmd, env, sandbox))
        print("  %-22s done" % results[-1]["label"], flush=True)
        if sample != args.tenants:
            scale = args.tenants / float(sample)
            r = dict(results[-1])
            for k in ("wall", "cpu", "requests"):
                r[k] = r[k] * scale
            r["label"] = "uri baseline (scaled to %d)" % args.tenants
            r["extrapolated"] = True
            results.append(r)
    finally:
        sandbox_proc.terminate()
        sandbox_proc.wait(10)
    warm, fleet, ping_r, baseline = results[1], results[2], results[3], results[-1]
    per_tenant = warm["requests"] / float(args.tenants)
    summary = {"tenants": args.tenants, "latency_ms": args.latency_ms, "forks": args.forks, "results": results,
               "ratios": {"drift_vs_ping_wall": warm["wall"] / ping_r["wall"],
                          "baseline_vs_drift_wall": baseline["wall"] / warm["wall"],
                          "fleet_vs_ping_wall": fleet["wall"] / ping_r["wall"],
                          "baseline_vs_fleet_wall": baseline["wall"] / fleet["wall"],
                          "requests_per_tenant_fleet": fleet["requests"] / float(args.tenants),
                          "requests_per_tenant_per_psa_warm": per_tenant,
                          "requests_per_tenant_per_psa_cold": results[0]["requests"] / float(args.tenants)}}
    print("\n%-30s %9s %9s %9s %9s %8s %6s" % ("phase", "wall s", "cpu s", "peak MB", "requests", "req/ten", "conc"))
    for r in results:
        print("%-30s %9.1f %9.1f %9.1f %9d %8.2f %6s" % (r["label"], r["wall"], r["cpu"], r["maxrss_mb"],
                                                          r["requests"], r["requests"] / float(args.tenants),
                                                          r.get("max_concurrency_per_tenant_endpoint", "")))
    ratios = summary["ratios"]
    print("\nper-tenant drift check (warm) / ping floor wall: %.2fx (target <= 1.5x)" % ratios["drift_vs_ping_wall"])
    print("uri baseline / per-tenant drift check wall:      %.1fx (target >= 10x)" % ratios["baseline_vs_drift_wall"])
    print("fleet drift check (one task) / ping floor wall:  %.2fx" % ratios["fleet_vs_ping_wall"])
    print("uri baseline / fleet drift check wall:           %.1fx (target >= 10x)" % ratios["baseline_vs_fleet_wall"])
    print("HTTP requests per tenant per PSA:     %.2f warm, %.2f cold (target <= 2)" % (
        per_tenant, summary["ratios"]["requests_per_tenant_per_psa_cold"]))
    out = os.path.join(RESULTS, "bench-%d.json" % args.tenants)
    with open(out, "w") as h:
        json.dump(summary, h, indent=2)
    svg(results, os.path.join(RESULTS, "bench-%d.svg" % args.tenants))
    print("results: %s and bench-%d.svg" % (os.path.relpath(out, ROOT), args.tenants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
