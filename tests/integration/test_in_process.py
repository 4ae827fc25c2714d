"""The per-tenant drift check runs its modules (msp.psa.autotask_api_users, msp.psa.connectwise_api_members)
inside Ansible's worker when the connection is local and the interpreter is the controller's Python, instead of
starting a Python process per tenant (issue 16: the per-tenant path near the ping floor). The outcome, the
report, check mode and the redaction of secrets are the same as a module process's; any other interpreter runs
the module as a process, as before."""
import json
import os
import subprocess
import sys

import pytest

from psa_sandbox.server import SandboxServer

from .harness import BIN, ROOT
from .test_cold_run_requests import EXPECTED, SECRETS, ColdFleet, seed


@pytest.fixture(scope="module")
def cold_fleet(tmp_path_factory):
    with SandboxServer(seed()) as server:
        yield ColdFleet(server, tmp_path_factory.mktemp("in-process"))


def report_tenants(folder):
    with open(os.path.join(str(folder), "reports", "drift", "drift-report.json"), encoding="utf-8") as handle:
        return json.load(handle)["tenants"]


def writes(log):
    return [(r["method"], r["path"]) for r in log if r["method"] in ("PATCH", "PUT", "DELETE")
            or (r["method"] == "POST" and "/query" not in r["path"])]


def test_the_per_tenant_check_starts_no_module_process(cold_fleet, tmp_path):
    rc, outcomes, log, output = cold_fleet.drift_check(tmp_path / "run", tmp_path / "cache", extra_args=["-vvv"])
    assert outcomes == EXPECTED, output[-3000:]
    # Ansible builds an AnsiballZ payload for every module process it starts; -vvv names it
    assert "AnsiballZ_autotask_api_users" not in output and "AnsiballZ_connectwise_api_members" not in output
    assert "AnsiballZ_drift_report" in output, "the report module still runs as a process (the control)"
    assert not writes(log), "check mode wrote to the PSA"
    leaked = [s for s in SECRETS if s in output]
    assert not leaked, "secrets in the -vvv output: %s" % leaked


def test_another_interpreter_runs_the_module_as_a_process_with_the_same_report(cold_fleet, tmp_path):
    cold_fleet.drift_check(tmp_path / "in-process", tmp_path / "cache-a")
    rc, outcomes, log, output = cold_fleet.drift_check(
        tmp_path / "process", tmp_path / "cache-b",
        extra_args=["-vvv", "-e", "ansible_python_interpreter=%s" % wrapper_python(tmp_path)])
    assert outcomes == EXPECTED, output[-3000:]
    assert "AnsiballZ_autotask_api_users" in output and "AnsiballZ_connectwise_api_members" in output
    assert report_tenants(tmp_path / "process") == report_tenants(tmp_path / "in-process")
    assert not [s for s in SECRETS if s in output]


PLAYBOOK = """
- name: Check at0 with the cache directory set on the task
  hosts: at0
  gather_facts: false
  tasks:
    - name: Check at0
      msp.psa.autotask_api_users:
        autotask_username: "{{ autotask_username }}"
        autotask_secret: "{{ autotask_secret }}"
        autotask_integration_code: "{{ autotask_integration_code }}"
        autotask_discovery_url: "{{ autotask_discovery_url }}"
        users: []
      check_mode: true
      environment:
        MSP_PSA_CACHE_DIR: "%s"
"""


def playbook(fleet, tmp_path, name):
    """ansible-playbook -vvv on the fleet's inventory: its output (it must succeed)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), MSP_PSA_CACHE_DIR=str(tmp_path / "run-cache"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", fleet.inventory(tmp_path / "inventory.yml"),
                           str(tmp_path / name), "-vvv"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout + proc.stderr


def test_the_task_environment_applies_in_process(cold_fleet, tmp_path):
    """A task's ``environment:`` reaches the module in the worker as it reaches a module process."""
    task_cache = tmp_path / "task-cache"
    (tmp_path / "check.yml").write_text(PLAYBOOK % task_cache)
    output = playbook(cold_fleet, tmp_path, "check.yml")
    assert "AnsiballZ_autotask_api_users" not in output
    assert os.listdir(str(task_cache)) and not os.path.exists(str(tmp_path / "run-cache"))



def wrapper_python(tmp_path):
    """Another interpreter path for this same Python: Ansible starts the module as a process with it."""
    wrapper = tmp_path / "python"
    wrapper.write_text("#!/bin/sh\nexec %s \"$@\"\n" % sys.executable)
    wrapper.chmod(0o755)
    return str(wrapper)


def test_an_interpreter_configured_outside_the_inventory_is_respected(cold_fleet, tmp_path):
    """interpreter_python from the configuration (here ANSIBLE_PYTHON_INTERPRETER), not only the host variable,
    decides where the module runs, as it decides for any module."""
    import yaml
    (tmp_path / "check.yml").write_text(PLAYBOOK % (tmp_path / "task-cache"))
    inventory = yaml.safe_load(open(cold_fleet.inventory(tmp_path / "inventory.yml")))
    del inventory["tenants"]["vars"]["ansible_python_interpreter"]
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=wrapper_python(tmp_path))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
                           str(tmp_path / "check.yml"), "-vvv"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "AnsiballZ_autotask_api_users" in proc.stdout


def test_a_task_with_a_timeout_runs_as_a_process(cold_fleet, tmp_path):
    """Ansible interrupts a timed-out task wherever it is: a module process runs to its end, a module in the worker
    would stop half-way, so a task with timeout: keeps its process."""
    (tmp_path / "check.yml").write_text((PLAYBOOK % (tmp_path / "task-cache")).replace(
        "      check_mode: true\n", "      check_mode: true\n      timeout: 120\n"))
    output = playbook(cold_fleet, tmp_path, "check.yml")
    assert "AnsiballZ_autotask_api_users" in output
