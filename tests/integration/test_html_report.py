"""The HTML fleet reports in a real browser: a real converge and drift check of the demo fleet on the sandbox
and OpenBao write reports/converge-report.html and reports/drift/drift-report.html; headless Chromium renders
them, the test reads the rendered text (tenants, outcomes, a drift field, a hand-off step), measures the page
at 1280 px (no sideways scrolling, a long unbroken value included), and keeps a screenshot of each in
tests/output/screenshots/. No secret the store holds appears in either page."""
import json
import os
import sys
from html.parser import HTMLParser

import pytest
import requests

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import Demo  # noqa: E402  pylint: disable=wrong-import-position
import report_screenshot as browser  # noqa: E402  pylint: disable=wrong-import-position

SCREENSHOTS = os.path.join(ROOT, "tests", "output", "screenshots")
# an unbroken value as long as the field takes: it must wrap in its cell, not widen the page
LONG_LAST_NAME = "Sync-Account-" + "x" * 37


class Text(HTMLParser):
    """The text a reader sees: the DOM's text nodes outside <style>/<script>, one line per text node."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def rendered_text(html_path):
    parser = Text()
    parser.feed(browser.dump_dom(html_path))
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The demo fleet's first converge (hand-offs waiting), then a drift check with a drifted last name."""
    if not os.access(browser.CHROMIUM, os.X_OK):
        pytest.fail("%s is missing: run scripts/ensure-chromium.sh (make setup does)" % browser.CHROMIUM)
    work = tmp_path_factory.mktemp("html-report")
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        demo = Demo(sandbox, bao, reports=str(work / "reports"))
        os.makedirs(demo.reports)
        demo.cache = str(work / "cache")
        demo.store_collection_credentials()
        proc = demo.playbook("converge.yml", "1-converge")
        assert proc.returncode == 0, proc.stdout[-3000:]
        state = requests.get(sandbox.url + "/_sandbox/autotask/northwind", timeout=10).json()
        wise = next(u for u in state["resources"] if u["userName"].startswith("wisesync01@"))
        requests.patch("%s/_sandbox/autotask/northwind/resources/%d" % (sandbox.url, wise["id"]),
                       json={"lastName": LONG_LAST_NAME}, timeout=10).raise_for_status()
        proc = demo.playbook("drift_check_fleet.yml", "2-drift-check-fleet")
        assert proc.returncode in (2, 4), proc.stdout[-3000:]
        yield {"converge": os.path.join(demo.reports, "converge-report.html"),
               "drift": os.path.join(demo.reports, "drift", "drift-report.html"),
               "drift_json": os.path.join(demo.reports, "drift", "drift-report.json"),
               "secrets": demo.all_secret_values()}


def test_converge_report_renders_the_fleet_and_its_handoffs(reports):
    assert os.path.exists(reports["converge"]), "the converge wrote no converge-report.html"
    text = rendered_text(reports["converge"])
    for expected in ("msp.psa converge report", "At a glance", "northwind", "contoso", "lakeside", "autotask",
                     "connectwise", "hand-offs waiting", "Manual steps waiting", "Credentials",
                     "secret/msp/northwind/autotask/wise_sync", "Adopt the existing API user"):
        assert expected in text, "%r not in the rendered converge report:\n%s" % (expected, text[:3000])
    # the first converge leaves users the API cannot create: their hand-off steps wait, the tenant shows drift left
    assert "drift left" in text and "Create the API user" in text, text[:3000]
    assert browser.scroll_width(reports["converge"]) <= browser.WIDTH
    browser.screenshot(reports["converge"], os.path.join(SCREENSHOTS, "converge-report.png"), height=2400)


def test_drift_report_renders_outcomes_and_the_drifted_field(reports):
    assert os.path.exists(reports["drift"]), "the drift check wrote no drift-report.html"
    with open(reports["drift_json"], encoding="utf-8") as handle:
        outcomes = {t: v["outcome"] for t, v in json.load(handle)["tenants"].items()}
    assert outcomes["northwind"] == "drift", outcomes
    text = rendered_text(reports["drift"])
    for expected in ("msp.psa drift check report", "At a glance", "in sync", "drift", "could not check",
                     "hand-offs waiting", "northwind", "contoso", "lakeside", "last_name", "API User", LONG_LAST_NAME,
                     # every stored credential's standing, not only the ones with a finding
                     "Credentials", "msp/northwind/autotask/sync365", "age (days)", "rotation due"):
        assert expected in text, "%r not in the rendered drift report:\n%s" % (expected, text[:3000])
    width = browser.scroll_width(reports["drift"])
    assert width <= browser.WIDTH, "the drift report is %d px wide at %d px" % (width, browser.WIDTH)
    png = browser.screenshot(reports["drift"], os.path.join(SCREENSHOTS, "drift-report.png"), height=2400)
    assert os.path.getsize(png) > 10000


def test_no_secret_in_either_page(reports):
    assert len(reports["secrets"]) >= 3
    for name in ("converge", "drift"):
        with open(reports[name], encoding="utf-8") as handle:
            html = handle.read()
        assert not [s[:3] + "..." for s in reports["secrets"] if s in html], name
