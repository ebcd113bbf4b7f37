#!/usr/bin/env bash
# The dashboard's browser test (tests/browser/) drives Debian's Chromium at /usr/bin/chromium
# through playwright-core: the machines reach apt, and `npx playwright install` cannot
# download its own browser here.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "Installing chromium from Debian's packages..." >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2
"$CHROMIUM" --version >&2
