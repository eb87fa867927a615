#!/usr/bin/env bash
# Smoke test of a running service (compose, a container, the jar): health on the management
# interface, create, replay, 422, and 20 racing requests on one key resolving to one payment.
# Usage: docker/smoke.sh [base url] [management url]
set -euo pipefail
BASE=${1:-http://localhost:8080}
MANAGEMENT=${2:-http://localhost:9000}
KEY="smoke-$(date +%s)-$RANDOM"
BODY='{"amount":2500,"currency":"EUR","payment_method":"pm_card_visa","description":"smoke"}'
post() { # key body -> headers and body on stdout
  curl -s -i --max-time 30 "$BASE/payments" -H "Authorization: Bearer sk_test_acme" \
    -H "Idempotency-Key: $1" -H "Content-Type: application/json" -d "$2" | tr -d '\r'
}
status() { head -1 | awk '{print $2}'; }
id_of() { grep -o '"id":"[0-9a-f-]*"' | head -1 | cut -d'"' -f4; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

curl -fs --max-time 10 "$MANAGEMENT/q/health/ready" | grep '"UP"' >/dev/null || fail "readiness on $MANAGEMENT"
echo "ready (management interface)"

first=$(post "$KEY" "$BODY")
[ "$(status <<<"$first")" = 201 ] || fail "create: $first"
id=$(id_of <<<"$first")
grep -qi '^Cache-Control: no-store' <<<"$first" || fail "no Cache-Control: no-store on $first"
echo "created payment $id"

again=$(post "$KEY" "$BODY")
[ "$(status <<<"$again")" = 201 ] || fail "replay: $again"
grep -qi '^Idempotent-Replayed: true' <<<"$again" || fail "replay not marked Idempotent-Replayed: $again"
[ "$(id_of <<<"$again")" = "$id" ] || fail "replay returned another payment"
echo "replayed with Idempotent-Replayed: true"

changed=$(post "$KEY" "${BODY/2500/9900}")
[ "$(status <<<"$changed")" = 422 ] || fail "changed body: $changed"
echo "changed body: 422"

RACE="smoke-race-$(date +%s)-$RANDOM"
dir=$(mktemp -d)
for i in $(seq 1 20); do post "$RACE" "$BODY" > "$dir/$i" & done
wait
ids=$(for f in "$dir"/*; do [ "$(status < "$f")" = 201 ] || fail "racer: $(cat "$f")"; id_of < "$f"; done | sort -u)
rm -rf "$dir"
[ "$(wc -l <<<"$ids")" = 1 ] || fail "20 racing requests gave several payments: $ids"
echo "20 racing requests: one payment ($ids)"
echo "SMOKE PASSED"
