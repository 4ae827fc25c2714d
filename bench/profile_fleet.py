#!/usr/bin/env python
"""Profile msp.psa.fleet_drift_check in one process, as Ansible runs it (argument spec included).

    .venv/bin/python bench/profile_fleet.py --tenants 1000 [--latency-ms 0] [--workers 16] [--cprofile] [--cold]

Seeds the bench's fleet (bench/run.py) into a sandbox process, builds the module's ``tenants`` with the
msp.psa.fleet_tenants filter, then runs the module's main() here: a warm-up run (fills the caches), then
the measured run (with --cold, in a fresh empty cache directory). Prints the process CPU (user+sys, which includes the sandbox's share only if it is not a
separate process: it is) per tenant, the module's own phases (argument spec, checks), and with --cprofile
the top functions by cumulative time over all threads (threading.setprofile).
"""
import argparse
import copy
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, ".collections"))

import run as bench  # noqa: E402  (bench/run.py)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tenants_of(work, sandbox, profiles_all):
    from ansible_collections.msp.psa.plugins.filter.declarations import fleet_tenants
    with open(os.path.join(work, "inventory.yml")) as h:
        inv = yaml.safe_load(h)["tenants"]
    hostvars, hosts = {}, []
    extra = {"autotask_discovery_url": sandbox + "/atservicesrest/", "connectwise_base_url": sandbox}
    for group in ("autotask_tenants", "connectwise_tenants"):
        g = inv["children"][group]
        for host, hv in g["hosts"].items():
            hostvars[host] = dict(inv["vars"], **dict(g["vars"], **dict(hv, **extra)))
            hosts.append(host)
    return fleet_tenants(hostvars, hosts, profiles_all)


PHASES = {}


def run_module(args_dict):
    """main() of the module with these arguments; returns its JSON result. PHASES gets the process CPU of
    AnsibleModule's start (argument spec), run() (the checks and the result) and exit_json."""
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes
    from ansible_collections.msp.psa.plugins.modules import fleet_drift_check
    real_run = getattr(fleet_drift_check.run, "real", fleet_drift_check.run)

    def timed_run(module, client=None):
        PHASES["run_start"] = cpu()
        try:
            return real_run(module, client)
        finally:
            PHASES["run_end"] = cpu()
    timed_run.real = real_run
    fleet_drift_check.run = timed_run
    real_scrub = getattr(fleet_drift_check.remove_values, "real", fleet_drift_check.remove_values)

    def timed_scrub(value, secrets):  # runs in the module's main thread: its thread time is its own
        if PHASES.get("in_scrub"):   # a recursive call
            return real_scrub(value, secrets)
        PHASES["in_scrub"], t = True, time.thread_time()
        try:
            return real_scrub(value, secrets)
        finally:
            PHASES["scrub"] = PHASES.get("scrub", 0) + time.thread_time() - t
            PHASES["in_scrub"] = False
    timed_scrub.real = real_scrub
    fleet_drift_check.remove_values = timed_scrub
    PHASES["scrub"] = 0
    PHASES["start"] = cpu()
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args_dict}))
    basic._ANSIBLE_PROFILE = "legacy"
    out = io.StringIO()
    old = sys.stdout
    sys.stdout = out
    try:
        fleet_drift_check.main()
    except SystemExit:
        pass
    finally:
        sys.stdout = old
        PHASES["end"] = cpu()
    return json.loads(out.getvalue())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--no-log", action="store_true", help="run as a no_log task does (no invocation log), as playbooks/drift_check_fleet.yml runs it; "
                         "without it AnsibleModule's start logs the invocation, which grows with tenants x secrets "
                         "(measured: 5 ms per tenant at N=10,000, 0.6 at N=1000)")
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--results-file", action="store_true",
                    help="the results go to a JSON Lines file (results_file), as playbooks/drift_check_fleet.yml runs it")
    ap.add_argument("--cold", action="store_true",
                    help="measure a cold run: the measured run starts with a fresh, empty cache directory "
                         "(MSP_PSA_CACHE_DIR), as a pipeline job in a fresh container does")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="msp-psa-profile-")
    os.environ["MSP_PSA_CACHE_DIR"] = os.path.join(work, "cache")
    bench.build(args.tenants, work)
    port_file = os.path.join(work, "port")
    sandbox_proc = subprocess.Popen([sys.executable, "-m", "psa_sandbox", "--port", "0", "--port-file", port_file,
                                     "--seed", os.path.join(work, "seed.yml"), "--latency-ms", str(args.latency_ms)],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (os.path.exists(port_file) and open(port_file).read()):
            time.sleep(0.1)
        sandbox = "http://127.0.0.1:%s" % open(port_file).read()
        from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
        profiles = load_profiles([os.path.join(HERE, "profiles")])
        tenants = tenants_of(work, sandbox, profiles)
        module_args = {"tenants": tenants, "profiles": profiles, "workers": args.workers, "_ansible_check_mode": False, "_ansible_no_log": args.no_log}
        if args.results_file:
            module_args["results_file"] = os.path.join(work, "results.jsonl")
        result = run_module(copy.deepcopy(module_args))  # warm-up: the caches (zones, field metadata, codebases)
        if result.get("failed"):
            raise SystemExit("the module failed: %s" % result.get("msg"))
        if args.cold:  # the warm-up still ran (imports, the sandbox's first answers); the caches it filled are not used
            os.environ["MSP_PSA_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-cold-", dir=work)
        prof = cProfile.Profile() if args.cprofile else None
        if prof:
            threading.setprofile(lambda *a: prof.enable())  # every worker thread profiles into the same Profile
            prof.enable()
        c0, t0 = cpu(), time.time()
        result = run_module(module_args)
        c1, t1 = cpu(), time.time()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        if prof:
            prof.disable()
            threading.setprofile(None)
        if args.results_file:
            with open(module_args["results_file"]) as h:
                result["tenants"] = dict((e["tenant"], e) for e in map(json.loads, h))
        errors = [t for t, v in result["tenants"].items() if v.get("error")]
        with open(os.path.join(work, "result.json"), "w") as h:
            json.dump(result, h)
        print("%s N=%d workers=%d latency=%g ms: module CPU %.2f s = %.2f ms per tenant, wall %.2f s, %d requests, "
              "%d errors, peak RSS of this process %.0f MB" % ("cold" if args.cold else "warm", args.tenants, args.workers, args.latency_ms, c1 - c0, 1000 * (c1 - c0) / args.tenants,
                             t1 - t0, result["requests"], len(errors), peak))
        print("  CPU ms per tenant: AnsibleModule start %.2f, run() %.2f (of which clearing secrets %.2f), "
              "exit_json %.2f" % tuple(1000 * v / args.tenants for v in (
                  PHASES["run_start"] - PHASES["start"], PHASES["run_end"] - PHASES["run_start"], PHASES["scrub"],
                  PHASES["end"] - PHASES["run_end"])))
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.top)
            prof.dump_stats(os.path.join(work, "module.prof"))
            print("profile: %s" % os.path.join(work, "module.prof"))
            print(s.getvalue())
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(args.top)
            print(s.getvalue())
    finally:
        sandbox_proc.terminate()
        sandbox_proc.wait(30)


if __name__ == "__main__":
    main()
