"""inventories/example, the template of a user's own fleet (README, "Your own fleet"): the demo inventory without the
sandbox. Same groups, the same variables as the demo's group_vars except the ones that point the PSAs at the
sandbox, and declarations the collection accepts (checked as docs/declarations.md says, without any PSA or store).
"""
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EXAMPLE = os.path.join(ROOT, "inventories", "example")
DEMO = os.path.join(ROOT, "inventories", "demo")
# what only the demo sets: the PSAs are the sandbox when MSP_PSA_SANDBOX_URL is set
SANDBOX_ONLY = {"msp_psa_sandbox_url", "autotask_discovery_url", "connectwise_base_url"}
VALIDATE = """
- name: Validate every tenant's declaration (reads no PSA, no secret store)
  hosts: tenants
  gather_facts: false
  tasks:
    - name: Validate the declaration
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}: {{ (declaration | msp.psa.validate_declaration(profiles, name=inventory_hostname)).vendor_profiles | join(', ') }}"
      vars:
        profiles: "{{ lookup('msp.psa.vendor_profiles', *(vendor_profiles_dirs | default([]))) }}"
        declaration:
          psa: "{{ psa }}"
          vendor_profiles: "{{ vendor_profiles }}"
          profile_overrides: "{{ profile_overrides | default({}) }}"
          autotask_domain: "{{ autotask_domain | default(none) }}"
"""


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VAULT_"))}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""),
               ANSIBLE_NOCOLOR="1")
    return env


def _group_vars(inventory):
    out = {}
    for name in sorted(os.listdir(os.path.join(inventory, "group_vars"))):
        with open(os.path.join(inventory, "group_vars", name), encoding="utf-8") as handle:
            out[os.path.splitext(name)[0]] = yaml.safe_load(handle)
    return out


def _groups(inventory):
    with open(os.path.join(inventory, "hosts.yml"), encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)
    return {group: sorted(data.get("hosts") or {}) for group, data in hosts["tenants"]["children"].items()}


def test_the_example_is_the_demo_without_the_sandbox():
    demo, example = _group_vars(DEMO), _group_vars(EXAMPLE)
    assert sorted(example) == sorted(demo)
    for group in demo:
        assert set(example[group]) == set(demo[group]) - SANDBOX_ONLY, group
        for name, value in example[group].items():
            assert value == demo[group][name], (group, name)  # the same credentials, from the same store paths
    assert sorted(_groups(EXAMPLE)) == sorted(_groups(DEMO)) == ["autotask_tenants", "connectwise_tenants"]
    assert all(_groups(EXAMPLE).values())
    assert "sandbox" not in open(os.path.join(EXAMPLE, "hosts.yml"), encoding="utf-8").read().lower()


def test_the_example_declarations_are_valid(tmp_path):
    playbook = tmp_path / "validate.yml"
    playbook.write_text(VALIDATE, encoding="utf-8")
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", EXAMPLE, str(playbook)], cwd=str(tmp_path),
                          env=_env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hosts = [h for hosts in _groups(EXAMPLE).values() for h in hosts]
    for host in hosts:
        assert "ok: [%s]" % host in proc.stdout, proc.stdout
