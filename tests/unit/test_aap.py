"""AWX / AAP: the custom credential types inject exactly the variables the collection reads for its credentials.

The credentials are the required options of the collection's connection argument specs (the Autotask API user, the
ConnectWise API member, the secret store). The variables the collection reads for them are the ones the playbooks
and roles pass to those options (task arguments and module_defaults) and the ones the fleet filter reads from the
host variables. Each credential type must inject exactly those as extra vars, and the options' own environment
fallbacks as env; its secret fields are the options the modules never log. The setup playbook registers every
credential type file and passes Ansible's syntax check.
"""
import glob
import json
import os
import subprocess
import sys

import jinja2
import jinja2.meta
import pytest
import yaml

from ansible_collections.msp.psa.plugins.filter import declarations
from ansible_collections.msp.psa.plugins.module_utils import _autotask, _connectwise, _secret_store

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
TYPES_DIR = os.path.join(ROOT, "playbooks", "files", "aap", "credential_types")
SETUP = os.path.join(ROOT, "playbooks", "aap_setup.yml")
# credential type file -> the argument spec whose required options it supplies
SPECS = {"autotask": _autotask.AUTH_SPEC, "connectwise": _connectwise.AUTH_SPEC, "secret_store": _secret_store.STORE_SPEC}
READERS = sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))
                 + glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")))
ENV = jinja2.Environment()


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _credentials(spec):
    return {name for name, option in spec.items() if option.get("required")}


def _variables(text):
    return jinja2.meta.find_undeclared_variables(ENV.parse(text)) if isinstance(text, str) else set()


def _passed_to(options, node, found):
    """Variables in the values given to ``options`` anywhere in a playbook or task file (module arguments,
    module_defaults)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in options:
                found.setdefault(key, set()).update(_variables(value))
            _passed_to(options, value, found)
    elif isinstance(node, list):
        for value in node:
            _passed_to(options, value, found)
    return found


def read_for(options):
    """{option: variables the collection reads for it}."""
    found = {}
    for path in READERS:
        _passed_to(options, _load(path), found)
    for option in options & set(declarations.AT_CONNECTION + declarations.CW_CONNECTION):  # fleet_tenants: hv.get(option)
        found.setdefault(option, set()).add(option)
    return found


def credential_type(name):
    return _load(os.path.join(TYPES_DIR, name + ".yml"))


def test_there_is_a_credential_type_per_connection_and_the_setup_registers_each():
    assert sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(TYPES_DIR, "*.yml"))) \
        == sorted(SPECS)
    play = _load(SETUP)[0]
    assert sorted(play["vars"]["msp_psa_aap_credential_types"]) == sorted(SPECS)
    register = next(t for t in play["tasks"] if "awx.awx.credential_type" in t)
    assert register["loop"] == "{{ msp_psa_aap_credential_types }}"
    assert "'aap/credential_types/' ~ item ~ '.yml'" in register["vars"]["msp_psa_aap_type"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_injected_variables_are_exactly_the_ones_the_collection_reads(name):
    spec = SPECS[name]
    options = _credentials(spec)
    read = read_for(options)
    assert set(read) == options, "options never given a variable by the playbooks or roles: %s" % (options - set(read))
    read_vars = set().union(*read.values())
    injectors = credential_type(name)["injectors"]
    assert set(injectors["extra_vars"]) == read_vars, (
        "credential type %s injects %s; the playbooks and roles read %s for %s" % (
            name, sorted(injectors["extra_vars"]), sorted(read_vars), sorted(options)))
    fallbacks = {env for option in options for env in spec[option].get("fallback", (None, []))[1]}
    assert set(injectors["env"]) == fallbacks, (sorted(injectors["env"]), sorted(fallbacks))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_credential_type_is_valid_for_the_controller(name):
    """What the controller checks when the type is registered: fields with an id, a label and a known type; required
    names declared fields; injectors are templates of declared fields only; every field is injected."""
    data = credential_type(name)
    assert set(data) == {"name", "description", "kind", "inputs", "injectors"}, sorted(data)
    assert data["kind"] == "cloud" and data["name"].startswith("msp.psa ")
    fields = {field["id"]: field for field in data["inputs"]["fields"]}
    assert len(fields) == len(data["inputs"]["fields"]), "duplicate field ids"
    for field in fields.values():
        assert field.get("label") and field.get("type") == "string", field
    assert set(data["inputs"]["required"]) == set(fields)
    used = set()
    for kind in ("extra_vars", "env"):
        for key, template in data["injectors"][kind].items():
            names = _variables(template)
            assert names and names <= set(fields), (kind, key, template)
            used |= names
    assert used == set(fields), "fields never injected: %s" % (set(fields) - used)
    # each extra var carries the field of the same name, each env var the field of its option
    spec = SPECS[name]
    for option in _credentials(spec):
        variables = read_for({option})[option]
        assert len(variables) == 1, (option, variables)
        variable = variables.pop()
        assert data["injectors"]["extra_vars"][variable] == "{{ %s }}" % variable
        for env in spec[option]["fallback"][1]:
            assert data["injectors"]["env"][env] == "{{ %s }}" % variable
        # a value the modules never log is a secret field, kept encrypted and masked by the controller
        assert bool(fields[variable].get("secret")) == bool(spec[option].get("no_log")), variable


def test_the_setup_playbook_passes_the_syntax_check():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", SETUP], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _playbook(tmp_path, name, plays, *args):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(plays), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), str(path)] + list(args), cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_each_job_writes_its_reports_to_a_folder_of_its_own(tmp_path):
    """The job templates' extra vars as the setup playbook renders them for the controller, then as a job renders
    them with the ids the controller sets: <root>/<workflow job id>/<job id>, or <root>/<job id>/<job id>."""
    play = _load(SETUP)[0]
    templates = {t["name"]: t["awx.awx.job_template"]["extra_vars"] for t in play["tasks"] if "awx.awx.job_template" in t}
    assert len(templates) == 2, sorted(templates)
    _playbook(tmp_path, "setup.yml", [{"hosts": "localhost", "gather_facts": False, "vars": play["vars"], "tasks": [
        {"ansible.builtin.copy": {"content": "{{ job_templates | to_json }}", "dest": str(tmp_path / "jt.json"),
                                  "mode": "0644"}, "vars": {"job_templates": templates}}]}])
    stored = json.loads((tmp_path / "jt.json").read_text(encoding="utf-8"))
    assert len({json.dumps(v["reports_dir"]) for v in stored.values()}) == 1, stored
    stored = next(iter(stored.values()))
    assert "{{ awx_job_id }}" in stored["reports_dir"], stored  # a template for the job, not rendered by the setup

    converge = _load(os.path.join(ROOT, "playbooks", "converge.yml"))[0]
    where = converge["vars"]["msp_psa_reports_dir"]  # how the playbooks resolve reports_dir
    root = play["vars"]["msp_psa_aap_reports_root"]
    for ids, expected in (({"awx_job_id": 813, "awx_workflow_job_id": 812}, "812/813"), ({"awx_job_id": 813}, "813/813")):
        out = tmp_path / ("job-%s.txt" % "-".join(str(v) for v in ids.values()))
        _playbook(tmp_path, "job.yml", [{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"ansible.builtin.copy": {"content": where, "dest": str(out), "mode": "0644"}}]}],
            "-e", json.dumps(dict(stored, **ids)))
        assert out.read_text(encoding="utf-8") == "%s/%s" % (root, expected)
