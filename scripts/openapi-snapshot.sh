#!/usr/bin/env bash
# Writes docs/openapi.json from a running server's /openapi, with the server URL the README uses
# (http://localhost:8000), so that the committed document is the one the server serves.
# OpenApiDocumentIT fails when the two differ; it leaves the served one in target/openapi-served.json.
#   scripts/openapi-snapshot.sh [BASE_URL]     (default http://localhost:8000)
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-http://localhost:8000}"
curl -fsS -H 'Accept: application/json' "$base/openapi?format=JSON" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d["servers"]=[{"url":"http://localhost:8000"}]; print(json.dumps(d, indent=2, ensure_ascii=False))' \
  > docs/openapi.json
echo "docs/openapi.json written from $base"
