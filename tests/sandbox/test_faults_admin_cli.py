"""Fault injection, the request log, reset and seeding, and the command line."""
import os
import subprocess
import sys
import time

import pytest
import requests

from .seed import AT_ADMIN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_latency_429_5xx_and_dropped_connections_at_run_time(sandbox, http, at):
    settings = sandbox.url + "/_sandbox/settings"
    http.patch(settings, json={"faults": {"latency_ms": 120}})
    started = time.time()
    assert at("GET", "ThresholdInformation").status_code == 200
    assert time.time() - started >= 0.12
    http.patch(settings, json={"faults": {"latency_ms": 0, "rate_429": 1.0, "retry_after": 2}})
    r = at("GET", "ThresholdInformation")
    assert r.status_code == 429 and r.headers["Retry-After"] == "2" and r.json()["errors"]
    http.patch(settings, json={"faults": {"rate_429": 0, "rate_5xx": 1.0}})
    assert at("GET", "ThresholdInformation").status_code == 503
    http.patch(settings, json={"faults": {"rate_5xx": 0, "drop_rate": 1.0}})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(at.base + "ThresholdInformation", headers=at.headers, timeout=5)
    http.patch(settings, json={"faults": {"drop_rate": 0}})
    assert at("GET", "ThresholdInformation").status_code == 200
    faults = [e.get("fault") for e in http.get(sandbox.url + "/_sandbox/requests").json()["requests"]]
    assert {"429", "5xx", "dropped"} <= set(faults)
    r = http.patch(settings, json={"faults": {"no_such_fault": 1}})
    assert r.status_code == 400 and "faults.no_such_fault" in r.json()["error"]


def test_fault_rates_are_shares_and_repeatable_with_a_seed(sandbox, http, at):
    http.patch(sandbox.url + "/_sandbox/settings", json={"faults": {"rate_5xx": 0.5, "seed": 7}})
    first = [at("GET", "ThresholdInformation").status_code for _ in range(40)]
    http.patch(sandbox.url + "/_sandbox/settings", json={"faults": {"seed": 7}})
    second = [at("GET", "ThresholdInformation").status_code for _ in range(40)]
    assert first == second and 8 < first.count(503) < 32


def test_request_log_records_method_path_status_and_who_never_secrets(sandbox, http, at, cw):
    http.delete(sandbox.url + "/_sandbox/requests")
    at.query("Resources", [{"op": "eq", "field": "licenseType", "value": 7}])
    cw("GET", "system/apiMembers")
    log = http.get(sandbox.url + "/_sandbox/requests").json()
    entries = log["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/webservices5/ATServicesRest/V1.0/Resources/query", 200),
        ("GET", "/v2025_1/apis/3.0/system/apiMembers", 200)]
    assert entries[0]["who"] == AT_ADMIN["UserName"] and entries[0]["database"] == "alpha"
    assert entries[1]["who"] == "alpha+AlphaPub00000001" and entries[1]["member"] == "automation"
    assert AT_ADMIN["Secret"] not in str(log) and AT_ADMIN["ApiIntegrationCode"] not in str(log)
    since = http.get(sandbox.url + "/_sandbox/requests", params={"since": log["last"]}).json()
    assert since["requests"] == []


def test_reset_and_seed_at_run_time(sandbox, http, at):
    at("PATCH", "Roles", json={"id": at.query("Roles", [{"op": "gte", "field": "id", "value": 0}]).json()["items"][0]["id"],
                               "name": "Changed"})
    r = http.post(sandbox.url + "/_sandbox/seed?merge=1", data="autotask:\n  databases:\n    - name: gamma\n      zone: webservices3\n")
    assert r.status_code == 200 and r.json()["autotask"] == ["alpha", "beta", "gamma"]
    assert http.post(sandbox.url + "/_sandbox/seed?merge=1", json={"autotask": {"databases": [{"zone": "x"}]}}).status_code == 400
    http.post(sandbox.url + "/_sandbox/reset")
    assert http.get(sandbox.url + "/_sandbox/health").json()["autotask"] == ["alpha", "beta"]
    names = [r["name"] for r in at.query("Roles", [{"op": "gte", "field": "id", "value": 0}]).json()["items"]]
    assert "Changed" not in names


def test_command_line_serves_the_demo_seed(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, "-m", "psa_sandbox", "--port", "0", "--port-file", str(port_file),
                             "--latency-ms", "5", "--hourly-limit", "50"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        url = "http://127.0.0.1:%s" % port_file.read_text()
        health = requests.get(url + "/_sandbox/health", timeout=5).json()
        assert health["autotask"] == ["contoso", "northwind"] and health["connectwise"] == ["lakeside"]
        settings = requests.get(url + "/_sandbox/settings", timeout=5).json()
        assert settings["faults"]["latency_ms"] == 5 and settings["autotask"]["hourly_limit"] == 50
    finally:
        proc.terminate()
        proc.wait(10)


def test_command_line_refuses_a_bad_seed(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("autotask:\n  databases:\n    - zone: webservices5\n")
    proc = subprocess.run([sys.executable, "-m", "psa_sandbox", "--port", "0", "--seed", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "autotask database needs 'name'" in proc.stderr
