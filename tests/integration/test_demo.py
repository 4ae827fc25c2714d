"""`make demo` end to end: converge, hand-off, admin steps, then the drift check's three outcomes: in sync
(exit 0), drift on a deliberate change (exit 2), could not check with a wrong collection secret (exit 4)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_story():
    env = dict(os.environ, MSP_PSA_DEMO_VERBOSE="1")  # every playbook at -vvvv, then the demo scans all output
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, check=False, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert "wise_sync=updated, sync365=missing, datto_workplace=missing" in out
    assert "exit 0 (in sync)" in out and "exit 2 (DRIFT)" in out and "exit 4 (COULD NOT CHECK)" in out
    assert "drift_check_fleet.yml): exit 4 (COULD NOT CHECK)" in out
    assert "contoso (autotask): COULD NOT CHECK (credentials) - Autotask refused the credentials" in out
    assert ": 0 hits" in out and "Secret scan: " in out
    assert "northwind (autotask): DRIFT - wise_sync fields: last_name: want 'API User', have 'Sync Account'" in out
    junit = os.path.join(ROOT, "reports", "demo", "drift", "drift-report.junit.xml")
    import xml.etree.ElementTree as ET
    suites = ET.parse(junit).getroot()
    # the last check: northwind's drift is a failure, contoso (wrong secret) an error
    assert suites.get("failures") == "1" and suites.get("errors") == "1" and int(suites.get("tests")) > 10
