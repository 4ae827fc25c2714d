"""Sliced runs: a 40-tenant fleet (20 Autotask databases, 20 ConnectWise companies, drift seeded on both PSAs)
checked by drift_check_fleet.yml once over the whole fleet, and in 4 slices run in parallel (--limit with the
hosts AWX/AAP job slicing would give each slice: every 4th host); each slice checks and reports only its own
tenants, and playbooks/merge_reports.yml combines the slices' reports into the unsliced run's report - the same
JSON, JUnit XML, summary and HTML, and the same exit code. Not timed.

The only differences allowed are the run's time: ``generated_at`` in drift-report.json and the page's
"generated <time>" line (RUN_TIME_FIELDS)."""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from psa_sandbox.server import SandboxServer

from .harness import BIN, ROOT

PROFILES_DIR = os.path.join(ROOT, "bench", "profiles")
PROFILES = ["wise_sync", "datto_workplace", "autoelevate"]
TENANTS = 40
SLICES = 4
RUN_TIME_FIELDS = ("generated_at",)  # drift-report.json; drift-report.html shows it as "generated <time>"


def profile_data():
    from ansible_collections.msp.psa.plugins.lookup.vendor_profiles import load_profiles
    return load_profiles([PROFILES_DIR])


def drifted(i):
    """Every 5th tenant drifts: t0000, t0010, ... (Autotask: a last name) and t0005, t0015, ... (ConnectWise: a name)."""
    return i % 5 == 0


def build_fleet(sandbox_url_placeholder="{sandbox}"):
    """(seed, inventory): even tenants Autotask databases, odd ones ConnectWise companies, each with the
    declared API users of three profiles; drift on both PSAs."""
    profiles = profile_data()
    seed = {"autotask": {"databases": []}, "connectwise": {"companies": []}}
    hosts_at, hosts_cw = {}, {}
    for i in range(TENANTS):
        name = "t%04d" % i
        if i % 2 == 0:
            domain = "%s.example" % name
            code = ("SLICE%022d" % i)[:27]
            users = [{"userName": "msppsa%04d" % i, "firstName": "MSP", "lastName": "Automation",
                      "email": "auto@" + domain, "secret": "SliceSecret%04dabcdefgh" % i, "customIntegration": True,
                      "trackingIdentifier": code}]
            for p in PROFILES:
                at = profiles[p]["autotask"]
                users.append({"userName": at["username"], "firstName": at["first_name"],
                              "lastName": "Drifted" if drifted(i) and p == "wise_sync" else at["last_name"],
                              "email": "%s@%s" % (at.get("email_local", at["username"]), domain),
                              "secret": "SliceUser%04d%sabc1" % (i, p[:4]), "integrationVendor": at["integration_vendor"],
                              "internalCost": at.get("internal_cost")})
            seed["autotask"]["databases"].append({"name": name, "zone": "webservices%d" % (1 + i % 29),
                                                  "ci": 800000 + i, "domain": domain, "resources": users})
            hosts_at[name] = {"autotask_domain": domain, "autotask_username": "msppsa%04d@%s" % (i, domain),
                              "autotask_secret": "SliceSecret%04dabcdefgh" % i, "autotask_integration_code": code}
        else:
            members = [{"identifier": "msppsa", "name": "MSP Automation", "securityRole": {"name": "Admin"},
                        "keys": [{"public": "SlicePub%08d" % i, "private": "SlicePriv%08dxx" % i}]}]
            for p in PROFILES:
                cw = profiles[p]["connectwise"]
                member = {"identifier": cw["identifier"], "securityRole": {"name": cw["security_role"]},
                          "name": "Drifted" if drifted(i) and p == "datto_workplace" else cw["name"],
                          "defaultDepartment": {"identifier": "Admin"}}
                if cw.get("email"):
                    member["emailAddress"] = cw["email"]
                members.append(member)
            seed["connectwise"]["companies"].append({"id": name, "name": name, "members": members,
                                                     "security_roles": [{"name": "Admin", "admin": True}]})
            hosts_cw[name] = {"connectwise_company": name, "connectwise_public_key": "SlicePub%08d" % i,
                              "connectwise_private_key": "SlicePriv%08dxx" % i, "connectwise_own_identifier": "msppsa"}
    inventory = {"tenants": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "vendor_profiles": PROFILES, "vendor_profiles_dirs": [PROFILES_DIR],
                 "autotask_discovery_url": sandbox_url_placeholder + "/atservicesrest/",
                 "connectwise_base_url": sandbox_url_placeholder},
        "children": {"autotask_tenants": {"hosts": hosts_at, "vars": {"psa": "autotask"}},
                     "connectwise_tenants": {"hosts": hosts_cw, "vars": {"psa": "connectwise",
                                                                         "connectwise_client_id": "slice-client"}}}}}
    return seed, inventory


def command(tmp_path, playbook, extra, *args):
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
           os.path.join(ROOT, "playbooks", playbook), "-e", json.dumps(extra)] + list(args)
    return cmd


def environment(tmp_path, name):
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                MSP_PSA_CACHE_DIR=str(tmp_path / ("cache-" + name)), ANSIBLE_LOCAL_TEMP=str(tmp_path / ("tmp-" + name)),
                PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


def run(tmp_path, name, playbook, extra, *args):
    return subprocess.run(command(tmp_path, playbook, extra, *args), cwd=ROOT, env=environment(tmp_path, name),
                          capture_output=True, text=True, timeout=900, check=False)


def report_files(reports_dir):
    """The four report files of a run, without the run's time (RUN_TIME_FIELDS)."""
    folder = os.path.join(str(reports_dir), "drift")
    with open(os.path.join(folder, "drift-report.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    for field in RUN_TIME_FIELDS:
        data.pop(field)
    texts = {}
    for name in ("drift-report.junit.xml", "drift-summary.txt", "drift-report.html"):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            texts[name] = handle.read()
    texts["drift-report.html"] = re.sub(r"generated [0-9TZ:-]+", "generated <time>", texts["drift-report.html"])
    return data, texts


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sliced")
    seed, inventory = build_fleet()
    with SandboxServer(seed) as sandbox:
        text = yaml.safe_dump(inventory).replace("{sandbox}", sandbox.url)
        (tmp_path / "inventory.yml").write_text(text)
        yield tmp_path, sorted(inventory["tenants"]["children"]["autotask_tenants"]["hosts"]) + sorted(
            inventory["tenants"]["children"]["connectwise_tenants"]["hosts"])


def test_merged_slices_equal_the_unsliced_run(fleet):
    tmp_path, hosts = fleet
    whole = run(tmp_path, "whole", "drift_check_fleet.yml", {"reports_dir": str(tmp_path / "whole")})
    whole_data, whole_texts = report_files(tmp_path / "whole")
    assert whole.returncode == 2, whole.stdout[-3000:] + whole.stderr[-2000:]
    drift = {t: v["psa"] for t, v in whole_data["tenants"].items() if v["outcome"] == "drift"}
    assert drift == {"t%04d" % i: "autotask" if i % 2 == 0 else "connectwise" for i in range(TENANTS) if drifted(i)}
    assert set(drift.values()) == {"autotask", "connectwise"}  # drift on both PSAs, and found on both
    assert len(whole_data["tenants"]) == TENANTS

    # AWX/AAP job slicing: slice k gets every SLICES-th host of the inventory, starting at k
    ordered = sorted(hosts)
    slices = [ordered[k::SLICES] for k in range(SLICES)]
    procs = [subprocess.Popen(command(tmp_path, "drift_check_fleet.yml", {"reports_dir": str(tmp_path / ("slice%d" % k))},
                                      "--limit", ",".join(part)),
                              cwd=ROOT, env=environment(tmp_path, "slice%d" % k), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for k, part in enumerate(slices)]
    outputs = [p.communicate(timeout=900) for p in procs]
    for k, part in enumerate(slices):
        data, _texts = report_files(tmp_path / ("slice%d" % k))
        # each slice checked and reported exactly its own hosts
        assert sorted(data["tenants"]) == sorted(part), outputs[k][0][-2000:]
        assert procs[k].returncode == (2 if any(t in drift for t in part) else 0), outputs[k][0][-3000:]

    merged = run(tmp_path, "merge", "merge_reports.yml", {
        "slice_reports_dirs": [str(tmp_path / ("slice%d" % k)) for k in range(SLICES)],
        "reports_dir": str(tmp_path / "merged")})
    assert merged.returncode == whole.returncode, merged.stdout[-3000:] + merged.stderr[-2000:]
    merged_data, merged_texts = report_files(tmp_path / "merged")
    assert merged_data == whole_data
    for name, text in whole_texts.items():
        assert merged_texts[name] == text, name


def test_a_failed_merge_is_could_not_check_not_drift(fleet):
    """A slice report that is missing: exit 4 (could not check), never 2 (drift) or 0."""
    tmp_path, _hosts = fleet
    proc = run(tmp_path, "merge-missing", "merge_reports.yml", {
        "slice_reports_dirs": [str(tmp_path / "whole"), str(tmp_path / "no-such-slice")],
        "reports_dir": str(tmp_path / "merged-missing")})
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "cannot read the slice report" in proc.stdout
