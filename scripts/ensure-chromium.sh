#!/usr/bin/env bash
# Headless Chromium for the browser test of the HTML fleet report (tests/integration/test_html_report.py)
# and scripts/report_screenshot.py: Debian's `chromium` package, installed only where /usr/bin/chromium is
# missing. Installing needs root (the CI image and the dev container run as root); otherwise it says what to do.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  # setup goes on (everything but the browser test works); the browser test fails naming this script
  echo "ensure-chromium: $CHROMIUM is missing and this is not root; as root run:" \
       "apt-get install -y --no-install-recommends chromium" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
"$CHROMIUM" --version
