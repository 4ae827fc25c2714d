"""One name per variable: the inventory variables that docs/fleet.md documents are exactly the ones the
playbooks, the roles' defaults and the fleet filter read, and every playbook reads the extra vendor-profile
folders from the variable the docs tell users to set."""
import glob
import os
import re

import jinja2
import jinja2.meta
import yaml

from ansible_collections.msp.psa.plugins.filter import declarations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs", "fleet.md")
PLAYBOOKS = sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))
DEFAULTS = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "defaults", "main.yml")))
# what Ansible itself provides (magic variables, lookups, loop variables)
MAGIC = {"hostvars", "groups", "inventory_hostname", "playbook_dir", "omit", "item", "lookup", "query", "q"}
CONDITIONS = ("when", "changed_when", "failed_when", "until", "that", "loop")


class Anything(dict):
    """Filters and tests by any name: the test reads variable names, it does not render."""

    def __contains__(self, key):
        return True

    def get(self, key, default=None):
        return super().get(key) or (lambda *args, **kwargs: None)


ENV = jinja2.Environment()
ENV.filters = Anything(ENV.filters)
ENV.tests = Anything(ENV.tests)


def expressions(node, key=None):
    """Every Jinja template in a loaded YAML document: strings with {{ }}, and bare conditions."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from expressions(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from expressions(v, key)
    elif isinstance(node, str):
        if "{{" in node or "{%" in node:
            yield node
        elif key in CONDITIONS:
            yield "{{ %s }}" % node


def defined(node):
    """Names a playbook defines itself: play and task vars, registered results, set_fact keys, loop vars."""
    names = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "vars" and isinstance(v, dict):
                names.update(v)
            elif k == "register":
                names.add(v)
            elif k in ("ansible.builtin.set_fact", "set_fact") and isinstance(v, dict):
                names.update(v)
            elif k == "loop_control" and isinstance(v, dict) and v.get("loop_var"):
                names.add(v["loop_var"])
            names |= defined(v)
    elif isinstance(node, list):
        for v in node:
            names |= defined(v)
    return names


def read_by(path, own=()):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    own = set(own) | defined(data) | (set(data) if path in DEFAULTS else set())
    names = set()
    for text in expressions(data):
        names |= jinja2.meta.find_undeclared_variables(ENV.parse(text))
    # ansible_* are Ansible's, api_user_* the role's own variables (roles/api_user/meta/argument_specs.yml)
    return {n for n in names - own - MAGIC if not n.startswith(("ansible_", "api_user_", "_"))}


def read_by_fleet_filter():
    """fleet_tenants reads host variables in Python: hv.get("name") and the connection option tuples."""
    with open(declarations.__file__, encoding="utf-8") as handle:
        source = handle.read()
    body = source[source.index("def fleet_tenants"):source.index("class FilterModule")]
    return set(re.findall(r'hv\.get\("(\w+)"\)', body)) | set(declarations.AT_CONNECTION) | set(declarations.CW_CONNECTION)


def documented():
    """The rows of the Variables table in docs/fleet.md: | `name` | where | what |."""
    with open(DOCS, encoding="utf-8") as handle:
        text = handle.read()
    if "\n## Variables\n" not in text:
        return set(), text
    section = text.split("\n## Variables\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, re.M)), text


def test_documented_variables_are_the_ones_read():
    used = {}
    for path in PLAYBOOKS + DEFAULTS:
        for name in read_by(path):
            used.setdefault(name, []).append(os.path.relpath(path, ROOT))
    for name in read_by_fleet_filter():
        used.setdefault(name, []).append("plugins/filter/declarations.py (fleet_tenants)")
    names = documented()[0]
    assert names, "docs/fleet.md has no Variables table"
    undocumented = {n: w for n, w in used.items() if n not in names}
    assert not undocumented, "read but not in docs/fleet.md's Variables table: %s" % undocumented
    unread = names - set(used)
    assert not unread, "documented in docs/fleet.md but read by no playbook, role default or filter: %s" % sorted(unread)


def test_role_variables_in_the_docs_exist():
    """Role variables the docs mention (`api_user_x: ...`) are the role's (declared in its defaults)."""
    text = documented()[1]
    roles = set()
    for path in DEFAULTS:
        with open(path, encoding="utf-8") as handle:
            roles |= set(yaml.safe_load(handle))
    mentioned = set(re.findall(r"`(api_user_\w+)", text))
    assert mentioned <= roles, "docs/fleet.md mentions role variables the role does not have: %s" % (mentioned - roles)


def test_one_name_for_the_extra_profile_folders():
    """The docs tell users which variable holds extra vendor-profile folders; every playbook reads that
    variable, and the role's api_user_profiles_dirs defaults from it."""
    names, text = documented()
    told = set(re.findall(r"`(\w*profiles_dirs): ", text)) | {n for n in names if n.endswith("profiles_dirs")}
    assert len(told) == 1, "docs/fleet.md names %s for the extra profile folders" % sorted(told)
    (name,) = told
    assert not name.startswith("api_user_"), "the inventory variable is not the role's own variable"
    for path in PLAYBOOKS:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        for read in re.findall(r"lookup\('msp\.psa\.vendor_profiles'(.*?)\)\s*(?:\||}})", source):
            assert set(re.findall(r"\w*profiles_dirs", read)) == {name}, \
                "%s reads the extra profile folders from other than %s: %s" % (os.path.basename(path), name, read)
    with open(os.path.join(ROOT, "roles", "api_user", "defaults", "main.yml"), encoding="utf-8") as handle:
        role = yaml.safe_load(handle)
    assert name in jinja2.meta.find_undeclared_variables(ENV.parse(str(role["api_user_profiles_dirs"]))), \
        "api_user_profiles_dirs does not default from %s: %r" % (name, role["api_user_profiles_dirs"])
