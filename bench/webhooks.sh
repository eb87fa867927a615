#!/usr/bin/env bash
# Webhook delivery, measured: ./bench/webhooks.sh
# The packaged jar (demo processor) on a throwaway PostgreSQL, and a receiver (bench/webhooks/
# Receiver.java) that verifies every signature and times each event from its commit to its arrival.
# Three runs of BENCH_DURATION seconds of creates at BENCH_CONNECTIONS connections (wrk, closed loop):
#   1. no endpoint (the create's own cost), 2. one endpoint for every event, 3. two endpoints, one
#      of them dead (connection refused, retried): the healthy one must not be slowed.
# Then waits for the backlog to drain and prints, per run: creates/s, deliveries/s, delivery
# latency p50/p99/max, duplicates, and how long the backlog took to drain. Loopback only, bounded.
#   BENCH_DURATION (20)  BENCH_CONNECTIONS (32)  BENCH_JAVA_HOME (java on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-20}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
JAVA=${BENCH_JAVA_HOME:+$BENCH_JAVA_HOME/bin/}java
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null 2>&1 || true;
  apt-get install -y -qq wrk >/dev/null; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
WORK=target/bench/webhooks; mkdir -p "$WORK"
PGPORT=55441; PORT=18480; MGMT=19480; RPORT=18490; DEAD=18491
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  .ci/postgres.sh stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
.ci/postgres.sh start "$WORK/pg" "$PGPORT"
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$PGPORT/payments \
QUARKUS_DATASOURCE_USERNAME=payments_app QUARKUS_DATASOURCE_PASSWORD=payments_app \
QUARKUS_FLYWAY_USERNAME=payments_owner QUARKUS_FLYWAY_PASSWORD=payments_owner \
PAYMENTS_DEMO_MERCHANTS=true PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL=true \
PAYMENTS_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 PAYMENTS_RATE_LIMIT_BURST=1000000 \
QUARKUS_HTTP_PORT=$PORT QUARKUS_MANAGEMENT_PORT=$MGMT MALLOC_ARENA_MAX=2 \
  "$JAVA" -Xmx256m -jar target/quarkus-app/quarkus-run.jar >"$WORK/service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null 2>&1 && break; sleep 1; done
BASE=http://127.0.0.1:$PORT
register() { # url events -> "id secret"
  curl -fs -X POST "$BASE/webhook_endpoints" -H 'Authorization: Bearer sk_test_acme' \
    -H "Idempotency-Key: bench-hook-$RANDOM-$(date +%s%N)" -H 'Content-Type: application/json' \
    -d "{\"url\":\"$1\",\"enabled_events\":[\"*\"]}" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["id"], b["secret"])'
}
load() { # name -> wrk's result line
  BENCH_RUN="wh-$1-$(date +%s%N)" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/wrk/create.lua "$BASE" \
    | grep BENCH_RESULT | sed 's/BENCH_RESULT //'
}
drain() { # seconds until no delivery is pending for a live endpoint (bounded by 120 s)
  local start=$(date +%s)
  for _ in $(seq 1 600); do
    local due=$(PGPASSWORD=payments_owner psql -qtA -h 127.0.0.1 -p "$PGPORT" -U payments_owner payments -c \
      "SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND e.url LIKE '%:$RPORT/%'")
    [ "$due" = 0 ] && break
    sleep 0.2
  done
  echo $(( $(date +%s) - start ))
}
echo "[webhooks] warm-up"
BENCH_DURATION=10 load warmup >/dev/null
echo "[webhooks] 1. creates without an endpoint"
NONE=$(load none)
read -r HOOK SECRET < <(register "http://127.0.0.1:$RPORT/hook")
"$JAVA" bench/webhooks/Receiver.java "$RPORT" "$SECRET" >"$WORK/receiver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$RPORT/stats" >/dev/null 2>&1 && break; sleep 0.5; done
echo "[webhooks] 2. creates with one endpoint"
ONE=$(load one); DRAIN1=$(drain); STATS1=$(curl -fs "http://127.0.0.1:$RPORT/stats")
curl -fs "http://127.0.0.1:$RPORT/reset" >/dev/null
read -r DEADHOOK _ < <(register "http://127.0.0.1:$DEAD/hook")
echo "[webhooks] 3. creates with that endpoint and a dead one"
TWO=$(load two); DRAIN2=$(drain); STATS2=$(curl -fs "http://127.0.0.1:$RPORT/stats")
python3 - "$NONE" "$ONE" "$STATS1" "$DRAIN1" "$TWO" "$STATS2" "$DRAIN2" "$DURATION" <<'PY'
import json, sys
none, one, s1, d1, two, s2, d2, duration = sys.argv[1:]
none, one, s1, two, s2 = map(json.loads, (none, one, s1, two, s2))
def rate(s):
    span = max(1, s["last_ms"] - s["first_ms"]) / 1000
    return s["received"] / span
print("| run | creates/s | create p99 ms | events delivered | deliveries/s | delivery p50 ms | p99 ms | max ms | duplicates | bad signatures | drained after load |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| no endpoint | {none['rps']:.0f} | {none['p99_us']/1000:.1f} | - | - | - | - | - | - | - | - |")
for name, load, s, d in (("one endpoint", one, s1, d1), ("one endpoint + a dead one", two, s2, d2)):
    print(f"| {name} | {load['rps']:.0f} | {load['p99_us']/1000:.1f} | {s['received']} of {load['requests']} | {rate(s):.0f} "
          f"| {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} | {s['duplicates']} | {s['bad_signatures']} | {d} s |")
print(f"creates with one endpoint / without: {one['rps']/none['rps']:.2f}; with a dead one too / one: {two['rps']/one['rps']:.2f}")
PY
