"""The changelog: antsibull-changelog accepts the configuration and every fragment, and everything the collection
ships is in it - every module and plugin (listed by a fragment's ``add plugin.<type>``, or found by antsibull-changelog
itself from a ``version_added`` equal to the release), every role and playbook (an ``add object.<type>`` entry, or a
fragment that names it), and nothing listed that does not exist."""
import glob
import os
import re
import subprocess
import sys

import yaml

from ansible_collections.msp.psa.plugins.filter import declarations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CHANGELOGS = os.path.join(ROOT, "changelogs")


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _names(pattern):
    return {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(ROOT, pattern))
            if not os.path.basename(p).startswith("_")}


def _version_added(path):
    with open(path, encoding="utf-8") as handle:
        match = re.search(r"^version_added: *\"?([0-9.]+)", handle.read(), re.M)
    return match.group(1) if match else None


SHIPPED = {
    "plugin.module": _names("plugins/modules/*.py"),
    "plugin.filter": set(declarations.FilterModule().filters()),
    "plugin.lookup": _names("plugins/lookup/*.py"),
    "object.role": {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "roles", "*")) if os.path.isdir(p)},
    "object.playbook": _names("playbooks/*.yml"),
}
SOURCES = {"plugin.module": "plugins/modules/%s.py", "plugin.filter": "plugins/filter/%s.yml",
           "plugin.lookup": "plugins/lookup/%s.py"}


def _fragments():
    return {os.path.basename(p): _load(p) for p in sorted(glob.glob(os.path.join(CHANGELOGS, "fragments", "*.yml")))}


def _released():
    """What changelog.yaml already lists per kind (from earlier releases)."""
    listed = {kind: set() for kind in SHIPPED}
    for release in (_load(os.path.join(CHANGELOGS, "changelog.yaml")).get("releases") or {}).values():
        for kind, entries in (release.get("plugins") or {}).items():
            listed.setdefault("plugin." + kind, set()).update(e["name"] for e in entries)
        listed["plugin.module"].update(e["name"] for e in release.get("modules") or [])
        for kind, entries in (release.get("objects") or {}).items():
            listed.setdefault("object." + kind, set()).update(e["name"] for e in entries)
    return listed


def test_antsibull_changelog_accepts_the_configuration_and_every_fragment():
    config = _load(os.path.join(CHANGELOGS, "config.yaml"))
    assert config["title"] == "msp.psa"
    assert config["changelog_filename_template"] == "../CHANGELOG.rst"  # at the collection root, shipped
    assert config["notesdir"] == "fragments" and config["changes_file"] == "changelog.yaml"
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "antsibull-changelog"), "lint"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_everything_the_collection_ships_is_in_the_changelog():
    version = _load(os.path.join(ROOT, "galaxy.yml"))["version"]
    fragments = _fragments()
    listed = _released()
    for fragment in fragments.values():
        for kind in SHIPPED:
            listed[kind].update(entry["name"] for entry in fragment.get("add " + kind) or [])
    releases = (_load(os.path.join(CHANGELOGS, "changelog.yaml")).get("releases") or {}).values()
    text = "\n".join(yaml.safe_dump(f) for f in list(fragments.values()) + [r.get("changes") or {} for r in releases])
    missing = {}
    for kind, names in SHIPPED.items():
        for name in sorted(names - listed[kind]):
            if kind in SOURCES and _version_added(os.path.join(ROOT, SOURCES[kind] % name)) == version:
                continue  # antsibull-changelog lists it itself
            if kind.startswith("object.") and re.search(r"\b(%s\.yml|msp\.psa\.%s)\b" % (name, name), text):
                continue
            missing.setdefault(kind, []).append(name)
    assert not missing, ("shipped but in no changelog fragment (add it to an 'add %s' section, see "
                         "changelogs/fragments/release-%s.yml): %s" % ("/".join(missing), version, missing))
    unknown = {kind: sorted(listed[kind] - names) for kind, names in SHIPPED.items() if listed[kind] - names}
    assert not unknown, "the changelog lists what the collection does not have: %s" % unknown


def test_the_changelog_lists_the_modules_the_issue_found_missing():
    added = {e["name"] for f in _fragments().values() for e in f.get("add plugin.module") or []}
    added |= _released()["plugin.module"]
    assert {"connectwise_handoff_ticket", "fleet_drift_check"} <= added
