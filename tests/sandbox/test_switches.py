"""Every sandbox switch is documented (docs/sandbox.md) and the fleet_alternative molecule scenario starts the
sandbox with every disagreement switch at its alternative (psa_sandbox.core.ALTERNATIVES)."""
import json
import os

import yaml

from psa_sandbox.autotask import api  # noqa: F401  (registers the per-database ticket switch)
from psa_sandbox.core import ALTERNATIVES, DEFAULT_SETTINGS, Settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_docs_name_every_switch_and_setting():
    with open(os.path.join(ROOT, "docs", "sandbox.md"), encoding="utf-8") as handle:
        docs = handle.read()
    missing = ["%s.%s" % (section, key) for section in ("autotask", "connectwise")
               for key in DEFAULT_SETTINGS[section] if "`%s.%s`" % (section, key) not in docs]
    assert missing == []


def test_alternatives_differ_from_the_defaults_and_are_valid_settings():
    for section, values in ALTERNATIVES.items():
        for key, value in values.items():
            assert DEFAULT_SETTINGS[section][key] != value, (section, key)
    Settings(ALTERNATIVES)  # known keys only
    Settings().update(ALTERNATIVES)


def test_the_alternative_scenario_sets_every_alternative_and_reuses_the_fleet_playbooks():
    scenario = os.path.join(ROOT, "extensions", "molecule", "fleet_alternative", "molecule.yml")
    with open(scenario, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    assert json.loads(config["provisioner"]["env"]["MSP_PSA_SANDBOX_SETTINGS"]) == ALTERNATIVES
    playbooks = config["provisioner"]["playbooks"]
    assert playbooks == {name: "../fleet/%s.yml" % name for name in ("create", "converge", "verify", "destroy")}
    assert os.listdir(os.path.dirname(scenario)) == ["molecule.yml"], "no copies of the fleet playbooks"
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as handle:
        assert "molecule test -s fleet_alternative" in handle.read()
