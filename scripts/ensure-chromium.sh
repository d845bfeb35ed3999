#!/usr/bin/env bash
# Makes sure a Chromium the dashboard's browser test can drive (through playwright-core) is installed.
# Installs Debian's chromium package when missing and allowed (root with apt-get); playwright's own
# browser download is never used. CHROMIUM_PATH points the tests at another binary.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "chromium not found: installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # fonts-liberation (a Recommends of chromium) so that pages render text the same everywhere.
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  exit 0
fi
echo "Chromium is not installed and cannot be installed automatically here." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary, and retry." >&2
exit 1
