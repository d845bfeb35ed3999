#!/usr/bin/env bash
# Makes sure redis-server (and redis-cli) are on PATH: the tests and the demo spawn their own servers.
# Installs Debian's redis-server package when missing and allowed (root with apt-get).
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "redis-server not found: installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server redis-tools >/dev/null
  exit 0
fi
echo "redis-server is not installed and cannot be installed automatically here." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and retry." >&2
exit 1
