#!/usr/bin/env python
"""Time (and with --cprofile profile) what ansible-playbook does for drift_check_fleet.yml before the fleet
module starts, in one process and without a sandbox:

    .venv/bin/python bench/profile_controller.py --tenants 10000 [--inventory ini|yaml] [--cprofile]

Writes the bench's inventory for N tenants (bench/run.py), then as ansible-playbook does: loads it
(InventoryManager), loads the playbook, computes the fleet task's variables for the first host
(VariableManager) and templates the task's options - ``hostvars | msp.psa.fleet_tenants(...)`` and the vendor
profiles - as the worker does before it starts the module. Prints the CPU of each step and the peak RSS.
"""
import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (bench/run.py)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--inventory", choices=["ini", "yaml"], default="ini")
    ap.add_argument("--cprofile", action="store_true", help="profile the inventory and the options")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    os.environ.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
    from ansible import context
    from ansible.module_utils.common.collections import ImmutableDict
    from ansible.plugins.loader import init_plugin_loader
    context.CLIARGS = ImmutableDict({"check": False, "diff": False, "forks": 20, "verbosity": 0})
    import ansible
    init_plugin_loader([os.path.join(ROOT, ".collections"),  # as ansible.cfg's collections_path
                        os.path.dirname(os.path.dirname(os.path.abspath(ansible.__file__)))])
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook import Playbook
    from ansible.template import Templar
    from ansible.vars.hostvars import HostVars
    from ansible.vars.manager import VariableManager
    # after the collection loader: build() imports the collection's lookup
    inv = bench.build(args.tenants, tempfile.mkdtemp(prefix="msp-psa-controller-"), args.inventory)[3]
    prof = cProfile.Profile() if args.cprofile else None
    t1 = cpu()
    if prof:
        prof.enable()
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[inv])
    t2 = cpu()
    variables = VariableManager(loader=loader, inventory=inventory)
    HostVars(inventory=inventory, variable_manager=variables, loader=loader)
    variables._extra_vars = {"vendor_profiles_dirs": [os.path.join(HERE, "profiles")],  # as -e does
                             "autotask_discovery_url": "http://127.0.0.1:9/atservicesrest/",
                             "connectwise_base_url": "http://127.0.0.1:9"}
    play = Playbook.load(os.path.join(ROOT, "playbooks", "drift_check_fleet.yml"), variable_manager=variables,
                         loader=loader).get_plays()[0]
    task = next(t for b in play.compile() for t in b.block if "msp.psa.fleet_drift_check" in str(t.action))
    hosts = [h.name for h in inventory.get_hosts(play.hosts)]
    task_vars = variables.get_vars(play=play, host=inventory.get_host(hosts[0]), task=task, _hosts=hosts, _hosts_all=hosts)
    t3 = cpu()
    options = Templar(loader=loader, variables=task_vars).template(task.args)
    t4 = cpu()
    if prof:
        prof.disable()
    print("N=%d (%s inventory): inventory %.2f s, playbook and task variables %.2f s, "
          "the fleet module's options %.2f s of CPU (%d tenants, %d profiles); peak RSS %.0f MB" % (
              args.tenants, args.inventory, t2 - t1, t3 - t2, t4 - t3, len(options["tenants"]),
              len(options["profiles"]), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    if prof:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
