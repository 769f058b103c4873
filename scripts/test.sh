#!/usr/bin/env bash
# Install everything the tests need into .venv (and tests/interop/node_modules), then run
# ruff and the whole pytest suite. Extra arguments go to pytest.
# DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test runs the suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

# The independent implementation the interop tests compare against (Node 20+).
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/interop --no-audit --no-fund --silent
  # axe-core, injected into every page by the browser tests' accessibility check.
  npm ci --prefix tests/browser --no-audit --no-fund --silent
else
  echo "npm not found: interop tests and the browser accessibility check will be skipped" >&2
fi

# From Debian: headless Chromium for the browser tests (Playwright drives it; no browser
# download) and nginx for the tests of the proxy configuration we ship (deploy/nginx).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null
  else
    echo "not found and cannot be installed:$missing (their tests will be skipped)" >&2
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
