"""The collection's modules give the same results as module processes as they do inside Ansible's worker.

Every other integration test runs with the controller's Python as the interpreter, so the per-tenant modules
run inside the worker (plugins/plugin_utils/_in_process.py). Here the demo's whole story (converge, the
admin's manual steps, converge with the registrations confirmed, drift check) runs twice on fresh sandboxes
and secret stores: once that way, once with another interpreter path for the same Python, which makes Ansible
start every module as a process. The hand-off files (each tenant's result, manual steps and registrations,
written from the modules' results) and the drift outcomes must be the same."""
import json
import os
import sys

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import ROOT
from .test_in_process import wrapper_python

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import SECOND_CONVERGE, Demo  # noqa: E402  pylint: disable=wrong-import-position

TENANTS = ("northwind", "contoso", "lakeside")


def story(work, extra):
    """(hand-offs after the first converge, after the second, drift outcomes, every playbook's output)."""
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        demo = Demo(sandbox, bao, reports=str(work))
        os.makedirs(demo.reports)
        demo.cache = str(work / "cache")
        demo.store_collection_credentials()
        outputs, handoffs = [], []
        for label, more in (("1-converge", None), ("2-converge", SECOND_CONVERGE)):
            proc = demo.playbook("converge.yml", label, dict(extra, **(more or {})))
            outputs.append(proc.stdout + proc.stderr)
            assert proc.returncode == 0, outputs[-1][-3000:]
            text = json.dumps(dict((t, demo.handoff(t)) for t in TENANTS))  # the two runs' servers differ by port
            handoffs.append(json.loads(text.replace(sandbox.url, "<sandbox>").replace(bao.url, "<secret store>")))
            if label == "1-converge":
                demo.admin_does_the_steps()
        drift = demo.playbook("drift_check.yml", "3-drift-check", dict(extra))
        outputs.append(drift.stdout + drift.stderr)
        with open(os.path.join(demo.reports, "drift", "drift-report.json"), encoding="utf-8") as handle:
            outcomes = dict((t, v["outcome"]) for t, v in json.load(handle)["tenants"].items())
        return handoffs, (drift.returncode, outcomes), "\n".join(outputs)


def test_module_processes_converge_and_check_the_demo_fleet_as_the_worker_does(tmp_path, monkeypatch):
    monkeypatch.setenv("MSP_PSA_DEMO_VERBOSE", "1")  # -vvvv: Ansible names each module process it starts
    in_worker = story(tmp_path / "worker", {})
    as_process = story(tmp_path / "process", {"ansible_python_interpreter": wrapper_python(tmp_path)})

    assert "AnsiballZ_api_credential" not in in_worker[2] and "AnsiballZ_autotask_api_users" not in in_worker[2]
    for module in ("api_credential", "vendor_registration", "tenant_lock", "autotask_api_users",
                   "connectwise_api_members", "connectwise_api_key"):
        assert "AnsiballZ_%s" % module in as_process[2], module
    assert as_process[1] == in_worker[1] == (0, dict.fromkeys(TENANTS, "in_sync"))
    for step in (0, 1):
        for tenant in TENANTS:
            assert as_process[0][step][tenant] == in_worker[0][step][tenant], (step, tenant)
