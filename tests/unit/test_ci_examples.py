"""The CI examples (docs/ci/) gate on the drift check's exit code: their drift-check step, run as the CI runs it
(bash -e), with an `ansible-playbook` that exits 0, 2 or 4, ends with that code and says which outcome it was; the
reports are kept in every case; they install the collection version of galaxy.yml with the tested ansible-core."""
import importlib.metadata
import os
import stat
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CI = os.path.join(ROOT, "docs", "ci")
OUTCOMES = {0: "in sync", 2: "drift found", 4: "could not check"}


def _load(name):
    with open(os.path.join(CI, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def github():
    steps = _load("github-actions.yml")["jobs"]["drift-check"]["steps"]
    return steps, next(s for s in steps if s.get("name") == "Drift check")["run"]


def gitlab():
    job = _load("gitlab-ci.yml")["psa-drift-check"]
    return job, "\n".join(job["script"])


def _run(script, tmp_path, rc):
    """The step's shell with a stand-in ansible-playbook that writes a summary and exits ``rc``."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    stub = bindir / "ansible-playbook"
    stub.write_text("#!/bin/sh\necho \"$@\" > args\nmkdir -p reports/drift\n"
                    "echo 'outcome: stub (exit %d)' > reports/drift/drift-summary.txt\nexit %d\n" % (rc, rc),
                    encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=30, check=False)
    return proc, (tmp_path / "args").read_text(encoding="utf-8").split()


@pytest.mark.parametrize("rc", sorted(OUTCOMES))
@pytest.mark.parametrize("example", [github, gitlab])
def test_the_job_ends_with_the_drift_checks_exit_code_and_says_which(example, rc, tmp_path):
    script = example()[1]
    proc, args = _run(script, tmp_path, rc)
    assert proc.returncode == rc, proc.stdout + proc.stderr
    assert args[-1] == "msp.psa.drift_check" and args[:2] == ["-i", "inventories/prod"], args
    said = proc.stdout.lower()
    assert OUTCOMES[rc] in said and all(o not in said for c, o in OUTCOMES.items() if c != rc), said
    assert "outcome: stub" in said or "outcome: stub" in (tmp_path / "summary").read_text(encoding="utf-8")


def test_the_reports_are_kept_in_every_case():
    steps = github()[0]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/drift/"
    job = gitlab()[0]
    assert job["artifacts"]["when"] == "always" and job["artifacts"]["paths"] == ["reports/drift/"]
    assert job["artifacts"]["reports"]["junit"] == "reports/drift/drift-report.junit.xml"
    with open(os.path.join(ROOT, "plugins", "modules", "drift_report.py"), encoding="utf-8") as handle:
        assert "drift-report.junit.xml" in handle.read()


def test_they_install_the_released_collection_with_the_tested_ansible_core():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    core = "ansible-core==%s" % importlib.metadata.version("ansible-core")
    install = [" ".join(s["run"] for s in github()[0] if "run" in s), " ".join(gitlab()[0]["before_script"])]
    for text in install:
        assert "msp.psa:==%s" % version in text and core in text, text
        assert "ansible_collections/msp/psa/requirements.txt" in text
