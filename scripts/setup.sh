#!/bin/sh
# Installs everything Airlock needs on a fresh Debian machine with Node 20 and npm:
# pnpm (pinned), the system packages the tests use (when root), and the workspace's dependencies.
# Safe to run again: each step is skipped when already done.
set -eu
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
# Debian packages: libusb/libudev to build the Ledger HID transport, chromium for renderer tests,
# postgresql for the team-mode queue store, ffmpeg to turn QR frames into fake-camera videos.
APT_PACKAGES="${AIRLOCK_APT_PACKAGES-libusb-1.0-0-dev libudev-dev postgresql chromium ffmpeg fonts-dejavu-core}"

log() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install --global --no-fund --no-audit --loglevel=error "pnpm@$PNPM_VERSION" >&2
fi

if [ -n "$APT_PACKAGES" ]; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Debian packages:$missing"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
    else
      log "missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)"
    fi
  fi
fi

# pnpm is quick when node_modules already matches the lockfile.
pnpm install --frozen-lockfile --prefer-offline --reporter=silent >&2

# The airlock command runs from an esbuild bundle in apps/cli/dist (bin/airlock.mjs also rebuilds it
# whenever a source is newer), so it starts without compiling TypeScript.
node apps/cli/build.mjs
