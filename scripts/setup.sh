#!/usr/bin/env bash
# Installs what saturn needs and is missing: npm packages (when package-lock.json changed since the
# last install) and Debian's nats-server; with --browser (scripts/test), also Debian's chromium for
# the dashboard's browser test. Safe to run every time; quiet when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null 2>&1; then
  echo "saturn: Node.js 20 or newer is required (apt-get install nodejs npm)" >&2
  exit 1
fi

stamp=node_modules/.saturn-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "saturn: installing npm packages (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

if ! command -v nats-server >/dev/null 2>&1; then
  echo "saturn: installing nats-server (Debian package)…" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >&2
fi

# The dashboard's page is tested in a real headless browser; only the test suite asks for one.
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "saturn: installing chromium (Debian package) for the dashboard's browser test…" >&2
  if ! { as_root apt-get update -qq >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; }; then
    echo "saturn: chromium could not be installed; the browser test will be skipped" >&2
  fi
fi
