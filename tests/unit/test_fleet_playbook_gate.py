"""drift_check_fleet.yml's gate hands each tenant not in sync its own entry of the drift report, not the whole
fleet's report: templating the 10,000-tenant report once per such tenant made the gate play quadratic (at 1,000
tenants with 351 drifting, 18 of 50 s of the playbook's CPU). The outcome each tenant ends with is the same."""
import os

import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.msp.psa.plugins.action.drift_gate import outcome_of

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def gate_report(drift, host):
    with open(os.path.join(ROOT, "playbooks", "drift_check_fleet.yml")) as handle:
        plays = yaml.safe_load(handle)
    (task,) = [t for t in plays[1]["tasks"] if "msp.psa.drift_gate" in t]
    templar = Templar(loader=DataLoader(), variables={"msp_psa_drift": drift, "inventory_hostname": host})
    return templar.template(trust_as_template(task["msp.psa.drift_gate"]["report"]))


REPORT = {"changed": True, "tenants": {"t%d" % i: {"psa": "autotask", "outcome": "in_sync", "reason": None}
                                       for i in range(50)},
          "summary": ["t%d (autotask): in sync" % i for i in range(50)], "not_in_sync": ["t3", "t7"]}
REPORT["tenants"]["t3"] = {"psa": "autotask", "outcome": "drift", "reason": "wise_sync fields: email"}
REPORT["tenants"]["t7"] = {"psa": "connectwise", "outcome": "could_not_check", "reason": "refused",
                           "error_kind": "credentials"}


def test_each_gate_gets_its_own_entry_not_the_whole_report():
    report = gate_report(REPORT, "t3")
    assert report["tenants"] == {"t3": REPORT["tenants"]["t3"]}
    assert "summary" not in report and "not_in_sync" not in report


def test_the_outcome_is_the_one_the_whole_report_gives():
    for host in ("t3", "t7", "t1", "t99"):
        assert outcome_of(gate_report(REPORT, host), host) == outcome_of(REPORT, host), host
    failed = {"failed": True, "msg": "the report could not be written"}
    assert outcome_of(gate_report(failed, "t3"), "t3") == outcome_of(failed, "t3")
    assert outcome_of(gate_report({}, "t3"), "t3") == outcome_of({}, "t3")
