#!/usr/bin/env bash
# The spec's contract tests (tests/contract/*.py) run on Debian's Python with pytest,
# httpx and pytest-asyncio from Debian's packages: the machines reach apt, not PyPI.
set -euo pipefail
PY=/usr/bin/python3
if "$PY" -c 'import pytest, httpx, pytest_asyncio' 2>/dev/null; then exit 0; fi
echo "Installing python3-pytest, python3-httpx and python3-pytest-asyncio from Debian's packages..." >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends python3-pytest python3-httpx python3-pytest-asyncio >&2
"$PY" -c 'import pytest, httpx, pytest_asyncio'
