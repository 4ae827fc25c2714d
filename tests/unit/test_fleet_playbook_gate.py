"""drift_check_fleet.yml's gate hands each tenant not in sync its own entry of the drift report, not the whole
fleet's report: templating the 10,000-tenant report once per such tenant made the gate play quadratic (at 1,000
tenants with 351 drifting, 18 of 50 s of the playbook's CPU). The outcome each tenant ends with is the same."""
import os

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.msp.psa.plugins.action.drift_gate import outcome_of
from ansible_collections.msp.psa.plugins.filter.declarations import gated_tenants

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


PLAYBOOKS = ["drift_check.yml", "drift_check_fleet.yml", "merge_reports.yml"]


def gate_report(drift, host, playbook="drift_check_fleet.yml"):
    with open(os.path.join(ROOT, "playbooks", playbook)) as handle:
        plays = yaml.safe_load(handle)
    (imported,) = [t["ansible.builtin.import_tasks"] for t in plays[-1]["tasks"] if "ansible.builtin.import_tasks" in t]
    with open(os.path.join(ROOT, "playbooks", imported)) as handle:  # the gate task the three playbooks share
        (task,) = [t for t in yaml.safe_load(handle) if "msp.psa.drift_gate" in t]
    templar = Templar(loader=DataLoader(), variables={"msp_psa_drift": drift, "inventory_hostname": host})
    return templar.template(trust_as_template(task["msp.psa.drift_gate"]["report"]))


class Counted(dict):
    """A dict that counts the reads of its entries."""
    reads = 0

    def __getitem__(self, key):
        Counted.reads += 1
        return dict.__getitem__(self, key)


REPORT = {"changed": True, "tenants": {"t%d" % i: {"psa": "autotask", "outcome": "in_sync", "reason": None}
                                       for i in range(50)},
          "summary": ["t%d (autotask): in sync" % i for i in range(50)], "not_in_sync": ["t3", "t7"]}
REPORT["tenants"]["t3"] = {"psa": "autotask", "outcome": "drift", "reason": "wise_sync fields: email"}
REPORT["tenants"]["t7"] = {"psa": "connectwise", "outcome": "could_not_check", "reason": "refused",
                           "error_kind": "credentials"}
REPORT["tenants_not_in_sync"] = {"t3": REPORT["tenants"]["t3"], "t7": REPORT["tenants"]["t7"]}


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_each_gate_gets_its_own_entry_not_the_whole_report(playbook):
    report = gate_report(REPORT, "t3", playbook)
    assert report["tenants"] == {"t3": REPORT["tenants"]["t3"]}
    assert "summary" not in report and "not_in_sync" not in report


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_a_gate_reads_its_entry_from_the_tenants_not_in_sync_not_from_every_tenant(playbook):
    """Ansible templates the dict a gate reads its entry from once per gated tenant: RV tenants of a 10,000-tenant
    fleet cost 7 ms per gate, its tenants_not_in_sync (a tenth of the size) under 1 ms."""
    Counted.reads = 0
    report = dict(REPORT, tenants=Counted(REPORT["tenants"]))
    assert gate_report(report, "t3", playbook)["tenants"] == {"t3": REPORT["tenants"]["t3"]}
    assert Counted.reads == 0


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_the_outcome_is_the_one_the_whole_report_gives(playbook):
    for host in ("t3", "t7"):
        assert outcome_of(gate_report(REPORT, host, playbook), host) == outcome_of(REPORT, host), host
    failed = {"failed": True, "msg": "the report could not be written"}
    assert outcome_of(gate_report(failed, "t3", playbook), "t3") == outcome_of(failed, "t3")
    assert outcome_of(gate_report({}, "t3", playbook), "t3") == outcome_of({}, "t3")


def gated(playbook, drift, fail_on_drift, hosts=("t1", "t3", "t7")):
    """The tenants the playbook's second play ends with their outcome, as its first play names them."""
    with open(os.path.join(ROOT, "playbooks", playbook)) as handle:
        plays = yaml.safe_load(handle)
    (task,) = [t for t in plays[-2]["tasks"] if "ansible.builtin.set_fact" in t]
    assert task.get("delegate_to") == "localhost" and task.get("delegate_facts") is True and task.get("run_once")
    assert plays[-1]["hosts"] == "{{ hostvars['localhost']['msp_psa_gated'] | default([]) }}"
    if not isinstance(fail_on_drift, dict):  # one value for every tenant (an extra var), or per tenant
        fail_on_drift = dict((h, fail_on_drift) for h in hosts)
    hostvars = dict((h, {} if fail_on_drift.get(h) is None else {"fail_on_drift": fail_on_drift[h]}) for h in hosts)
    variables = {"msp_psa_drift": drift, "ansible_play_hosts_all": list(hosts), "hostvars": hostvars}
    templar = Templar(loader=DataLoader(), variables=variables)
    # the collection's filters without an installed collection finder (what ansible-playbook installs)
    templar.environment.filters["msp.psa.gated_tenants"] = gated_tenants
    return templar.template(trust_as_template(task["ansible.builtin.set_fact"]["msp_psa_gated"]))


@pytest.mark.parametrize("playbook", ["drift_check.yml", "drift_check_fleet.yml"])
def test_the_tenants_to_gate_are_named_in_one_task_not_added_host_by_host(playbook):
    """add_host reconciles the whole inventory once per host it adds: 1,010 tenants not in sync of a 10,000-tenant
    fleet cost 41 ms each (41 s); one set_fact on localhost names them all."""
    with open(os.path.join(ROOT, "playbooks", playbook)) as handle:
        text = handle.read()
    assert "ansible.builtin.add_host" not in text
    report = dict(REPORT, could_not_check=["t7"])
    assert gated(playbook, report, None) == ["t3", "t7"]
    assert gated(playbook, report, True) == ["t3", "t7"]


@pytest.mark.parametrize("playbook", ["drift_check.yml", "drift_check_fleet.yml"])
def test_without_fail_on_drift_only_the_tenants_that_could_not_be_checked_are_gated(playbook):
    """A drifted tenant's gate with fail_on_drift false ends it ok, which it already is: no task for it. A tenant
    that could not be checked is still made unreachable (exit 4), and a report that failed gates every tenant."""
    report = dict(REPORT, could_not_check=["t7"])
    assert gated(playbook, report, False) == ["t7"]
    assert gated(playbook, {"failed": True, "msg": "no report"}, False) == ["t1", "t3", "t7"]
    assert gated(playbook, {"failed": True, "msg": "no report"}, True) == ["t1", "t3", "t7"]


@pytest.mark.parametrize("playbook", ["drift_check.yml", "drift_check_fleet.yml"])
def test_each_drifted_tenant_is_gated_by_its_own_fail_on_drift(playbook):
    """fail_on_drift may be set per group: a run_once task that read it from the first tenant alone gated (or
    not) every drifted tenant by that one tenant's value."""
    report = {"not_in_sync": ["t3", "t7", "t9"], "could_not_check": ["t7"]}
    hosts = ("t1", "t3", "t7", "t9")
    assert gated(playbook, report, {"t1": False, "t3": True, "t7": False, "t9": None}, hosts) == ["t3", "t7", "t9"]
    assert gated(playbook, report, {"t1": True, "t3": "false", "t7": False, "t9": "no"}, hosts) == ["t7"]
