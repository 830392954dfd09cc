#!/usr/bin/env bash
# Installs Debian's prometheus package (prometheus and promtool) when either is missing, for the
# alert-rule unit tests and PrometheusIT. Needs root, as CI has; run by .ci/run and, when a test
# finds promtool missing, by the test itself (so that the README's test command works on a fresh
# machine, as scripts/cluster.sh does for PostgreSQL and nginx). The package's own service is not
# started: a policy-rc.d denies it for the length of the install.
set -euo pipefail
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "prometheus/promtool missing: apt-get install -y prometheus (as root)" >&2; exit 1; }
  policy=/usr/sbin/policy-rc.d created=false
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created=true; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq prometheus || { $created && rm -f "$policy"; exit 1; }
  $created && rm -f "$policy"
fi
