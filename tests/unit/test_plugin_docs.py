"""Every filter and lookup plugin of msp.psa has documentation of its own, as `ansible-doc` renders it.

Several filters live in one Python file (plugins/filter/declarations.py); each one is documented in a file of its
own next to it (plugins/filter/<name>.yml). The test asks `ansible-doc` itself, for every filter the FilterModule
exports and every lookup plugin file, and checks that each renders with its own name, a short description and
description no other plugin shares, examples that use it, and options that are its Python parameters.
"""
import glob
import inspect
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.msp.psa.plugins.filter import declarations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
FILTERS = declarations.FilterModule().filters()
LOOKUPS = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(ROOT, "plugins", "lookup", "*.py"))
                 if not os.path.basename(p).startswith("_"))


def _ansible_doc(plugin_type, names):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", plugin_type, "--json"]
                          + ["msp.psa." + n for n in names], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def docs():
    found = {("filter", k.split(".")[-1]): v for k, v in _ansible_doc("filter", sorted(FILTERS)).items()}
    found.update({("lookup", k.split(".")[-1]): v for k, v in _ansible_doc("lookup", LOOKUPS).items()})
    return found


def test_every_filter_and_lookup_has_docs_of_its_own(docs):
    expected = {("filter", n) for n in FILTERS} | {("lookup", n) for n in LOOKUPS}
    assert set(docs) == expected, sorted(set(docs) ^ expected)
    problems = []
    for (kind, name), doc in sorted(docs.items()):
        documentation = doc.get("doc") or {}
        if documentation.get("name") != name:
            problems.append("%s %s: documented as %r" % (kind, name, documentation.get("name")))
        if not documentation.get("short_description") or not documentation.get("description"):
            problems.append("%s %s: no short_description or description" % (kind, name))
        if "msp.psa.%s" % name not in (doc.get("examples") or ""):
            problems.append("%s %s: no example uses msp.psa.%s" % (kind, name, name))
        if not doc.get("return"):
            problems.append("%s %s: no RETURN" % (kind, name))
    assert not problems, "\n".join(problems)
    for field in ("short_description", "description"):
        seen = {}
        for (kind, name), doc in docs.items():
            seen.setdefault(json.dumps(doc["doc"][field]), []).append("%s %s" % (kind, name))
        shared = [names for names in seen.values() if len(names) > 1]
        assert not shared, "plugins sharing one %s: %s" % (field, shared)


def test_each_filter_is_documented_in_its_own_file(docs):
    for name in FILTERS:
        source = docs[("filter", name)]["doc"]["filename"]
        assert os.path.basename(source) == name + ".yml", (name, source)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filters_options_are_its_parameters(docs, name):
    """_input is the value piped in; the other options are the filter function's own parameters."""
    parameters = list(inspect.signature(FILTERS[name]).parameters.values())
    options = docs[("filter", name)]["doc"].get("options") or {}
    assert set(options) == {"_input"} | {p.name for p in parameters[1:]}, (name, sorted(options))
    for parameter in parameters[1:]:
        required = parameter.default is inspect.Parameter.empty
        assert bool(options[parameter.name].get("required")) == required, (name, parameter.name)
