#!/usr/bin/env bash
# Makes sure redis-server (and redis-cli) are on PATH: the tests and the demo spawn their own servers.
# Installs Debian's redis-server package when missing and allowed (root with apt-get).
#
# That is all the scale-out tests need as well: the Redis Cluster is made of redis-server processes
# joined by `redis-cli --cluster create` (redis-tools, a dependency of redis-server), and a Sentinel
# is `redis-server <conf> --sentinel` (Debian's redis-server binary is also the Sentinel; the separate
# redis-sentinel package only adds a service unit). The cluster harness gives every node its own bus
# port (`cluster-port`), which needs Redis 7. The TLS tests make their certificates with openssl.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "redis-server or openssl not found: installing them with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server redis-tools openssl >/dev/null
  else
    echo "redis-server is not installed and cannot be installed automatically here." >&2
    echo "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and retry." >&2
    exit 1
  fi
fi
major="$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
if [ -n "$major" ] && [ "$major" -lt 7 ]; then
  echo "redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') is too old: the Redis Cluster tests need 7 or later." >&2
  exit 1
fi
