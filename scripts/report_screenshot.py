#!/usr/bin/env python
"""Headless Chromium (Debian's /usr/bin/chromium, see scripts/ensure-chromium.sh) for the HTML fleet reports:
render a report, read back its DOM, measure its width at 1280 px, take a screenshot.

    python scripts/report_screenshot.py            # runs the demo (scripts/demo.py), then writes
                                                   # docs/img/fleet-report.png from its drift report
    python scripts/report_screenshot.py --html reports/demo/drift/drift-report.html --png /tmp/report.png

Chromium runs offline and stateless: no network services, no first-run, no sync, a throwaway profile."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = os.environ.get("MSP_PSA_CHROMIUM", "/usr/bin/chromium")
WIDTH = 1280
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--mute-audio")
# Added to a copy of the page only (the report itself has no script): the page's width after layout, readable
# through --dump-dom.
MEASURE = ("<script>document.documentElement.setAttribute('data-scroll-width',"
           "document.documentElement.scrollWidth);</script>")


def chromium(html_path, *args, height=1600, timeout=120):
    """Run Chromium on a local file with ``args`` (``--dump-dom``, ``--screenshot=...``); returns its stdout."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError("%s is missing: run scripts/ensure-chromium.sh (as root; `make setup` does)" % CHROMIUM)
    profile = tempfile.mkdtemp(prefix="msp-psa-chromium-")
    try:
        cmd = [CHROMIUM] + list(FLAGS) + ["--user-data-dir=%s" % profile, "--window-size=%d,%d" % (WIDTH, height)]
        cmd += list(args) + ["file://" + os.path.abspath(html_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError("chromium exited %d: %s" % (proc.returncode, proc.stderr[-2000:]))
        return proc.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom(html_path):
    return chromium(html_path, "--dump-dom")


def scroll_width(html_path):
    """The rendered page's document.documentElement.scrollWidth in a 1280 px window (measured on a copy)."""
    folder = tempfile.mkdtemp(prefix="msp-psa-measure-")
    try:
        copy = os.path.join(folder, "measured.html")
        with open(html_path, encoding="utf-8") as src, open(copy, "w", encoding="utf-8") as dst:
            dst.write(src.read().replace("</body>", MEASURE + "</body>"))
        found = re.search(r'data-scroll-width="(\d+)"', dump_dom(copy))
        if not found:
            raise RuntimeError("chromium did not report the page's width")
        return int(found.group(1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def screenshot(html_path, png_path, height=1600):
    os.makedirs(os.path.dirname(os.path.abspath(png_path)), exist_ok=True)
    chromium(html_path, "--screenshot=%s" % os.path.abspath(png_path), height=height)
    return png_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", help="the report to render (default: run the demo and use its drift report)")
    parser.add_argument("--png", default=os.path.join(ROOT, "docs", "img", "fleet-report.png"))
    parser.add_argument("--height", type=int, default=1230)
    args = parser.parse_args()
    html = args.html
    if not html:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py")], check=True)
        html = os.path.join(ROOT, "reports", "demo", "drift", "drift-report.html")
    width = scroll_width(html)
    if width > WIDTH:
        print("report_screenshot: %s is %d px wide at %d px" % (html, width, WIDTH), file=sys.stderr)
        return 1
    print("report_screenshot: %s -> %s (width %d px)" % (html, screenshot(html, args.png, args.height), width))
    return 0


if __name__ == "__main__":
    sys.exit(main())
