#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when either is missing, for the web console's
# browser tests (src/test/java/.../it/console, Selenium driving a headless Chromium). Needs root,
# as CI has; run by .ci/run next to ensure-prometheus.sh.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "chromium/chromedriver missing: apt-get install -y chromium chromium-driver (as root)" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver
fi
