#!/usr/bin/env bash
# Debian's chromium for the browser test (Playwright drives it; never `playwright install`, which downloads).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-browser: chromium missing and apt-get unavailable; the browser test will be skipped" >&2
  exit 0
fi
echo "install-browser: installing Debian chromium (about 80 s)"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
