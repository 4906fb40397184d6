#!/usr/bin/env bash
# Browser tests (tests/browser/) drive Debian's Chromium at /usr/bin/chromium through Playwright;
# Playwright's own browser download is never used. Install it when we can (root with apt-get);
# otherwise say once that those tests will be skipped (pytest prints the reason for each).
# Under CI (CI=true) a failed install fails the run, so a green CI never hides skipped browser tests.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "$CHROMIUM not found and cannot install it (needs root and apt-get): browser tests will be skipped"
  exit 0
fi

# fonts-nanum (10 MB): Korean text in the screenshots, which otherwise shows empty boxes.
echo "Installing Debian's chromium for the browser tests (up to 160 MB download, under a minute)"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq chromium fonts-nanum >/dev/null; then
  exit 0
fi

if [ "${CI:-}" = "true" ]; then
  echo "apt-get could not install chromium" >&2
  exit 1
fi
echo "apt-get could not install chromium: browser tests will be skipped"
