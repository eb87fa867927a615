#!/usr/bin/env bash
# Webhook delivery, measured: ./bench/webhooks.sh
# The packaged jar (demo processor) on a throwaway PostgreSQL, and a receiver (bench/webhooks/
# Receiver.java) that verifies every signature and times each event from its commit to its arrival.
# Runs of BENCH_DURATION seconds of creates at BENCH_CONNECTIONS connections (wrk), after a warm-up:
#   1. as fast as it goes, no endpoint: the create's own cost;
#   2. as fast as it goes, one endpoint for every event: what delivery costs creates, and how fast
#      the backlog that builds up drains once the load stops (deliveries/s);
#   3. at about half of run 1's rate, one endpoint: the delivery latency from commit to receiver;
#   4. the same with a dead endpoint too (connection refused, retried): the healthy one's latency.
# Prints one table: creates/s, create p99, events delivered, delivery latency p50/p99/max,
# duplicates, bad signatures, backlog drained. Loopback only, every wait bounded.
#   BENCH_DURATION (20)  BENCH_WARMUP (60)  BENCH_CONNECTIONS (32)
#   BENCH_JAVA_HOME (a JDK 25 under /usr/lib/jvm if present, else java on PATH)
#   BENCH_JVM_OPTS (as bench/run.sh: a 96 MiB heap and serial GC, as a small container would set)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-20}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WARMUP=${BENCH_WARMUP:-60}
. bench/lib.sh
bench_tools wrk:wrk
bench_java
read -r -a JVM_OPTS <<<"$JVM_OPTS"
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
WORK=$PWD/target/bench/webhooks; mkdir -p "$WORK"
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
PAYMENTS_DEMO=true PAYMENTS_DEMO_MERCHANTS=true PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL=true \
PAYMENTS_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 PAYMENTS_RATE_LIMIT_BURST=1000000 \
QUARKUS_HTTP_PORT=$PORT QUARKUS_MANAGEMENT_PORT=$MGMT MALLOC_ARENA_MAX=2 \
  "$JAVA" "${JVM_OPTS[@]}" -jar target/quarkus-app/quarkus-run.jar >"$WORK/service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -fs --max-time 2 "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null 2>&1 && break; sleep 1; done
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
psql_count() {
  PGPASSWORD=payments_owner psql -qtA -h 127.0.0.1 -p "$PGPORT" -U payments_owner payments -c \
    "SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND e.url LIKE '%:$RPORT/%'"
}
drain() { # seconds until no delivery is pending for the live endpoint (bounded by 300 s)
  local start=$(date +%s%N)
  for _ in $(seq 1 1500); do [ "$(psql_count)" = 0 ] && break; sleep 0.2; done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}
stats() { curl -fs "http://127.0.0.1:$RPORT/stats"; curl -fs "http://127.0.0.1:$RPORT/reset" >/dev/null; }
echo "[webhooks] service JVM: $("$JAVA" -version 2>&1 | head -1); warm-up ${WARMUP} s"
BENCH_DURATION=$WARMUP load warmup >/dev/null
echo "[webhooks] 1. creates without an endpoint"
NONE=$(load none)
RATE=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['rps'])" "$NONE")
DELAY=$(python3 -c "print(int($CONNECTIONS * 1000 / ($RATE / 2)))")
read -r HOOK SECRET < <(register "http://127.0.0.1:$RPORT/hook")
"$JAVA" bench/webhooks/Receiver.java "$RPORT" "$SECRET" >"$WORK/receiver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$RPORT/stats" >/dev/null 2>&1 && break; sleep 0.5; done
echo "[webhooks] 2. creates as fast as they go, one endpoint"
FULL=$(load full); BACKLOG=$(psql_count); DRAIN=$(drain); S_FULL=$(stats)
echo "[webhooks] 3. creates at half that rate (${DELAY} ms between a connection's requests), one endpoint"
HALF=$(BENCH_DELAY_MS=$DELAY load half); DRAIN3=$(drain); S_HALF=$(stats)
read -r DEADHOOK _ < <(register "http://127.0.0.1:$DEAD/hook")
echo "[webhooks] 4. the same with a dead endpoint too"
DEADRUN=$(BENCH_DELAY_MS=$DELAY load dead); DRAIN4=$(drain); S_DEAD=$(stats)
python3 - "$NONE" "$FULL" "$S_FULL" "$BACKLOG" "$DRAIN" "$HALF" "$S_HALF" "$DEADRUN" "$S_DEAD" <<'PY'
import json, sys
none, full, s_full, backlog, drain, half, s_half, dead, s_dead = sys.argv[1:]
none, full, s_full, half, s_half, dead, s_dead = map(json.loads, (none, full, s_full, half, s_half, dead, s_dead))
backlog, drain = int(backlog), int(drain)
print("| run | creates/s | create p99 ms | events received | delivery p50 ms | p99 ms | max ms | duplicates | bad signatures |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| 1. no endpoint, full speed | {none['rps']:.0f} | {none['p99_us']/1000:.1f} | | | | | | |")
for name, load, s in (("2. one endpoint, full speed", full, s_full), ("3. one endpoint, half rate", half, s_half),
                      ("4. and a dead endpoint, half rate", dead, s_dead)):
    print(f"| {name} | {load['rps']:.0f} | {load['p99_us']/1000:.1f} | {s['received']} of {load['requests']} created "
          f"| {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} | {s['duplicates']} | {s['bad_signatures']} |")
print()
print(f"creates with an endpoint at full speed / without: {full['rps']/none['rps']:.2f}")
rate = backlog / (drain / 1000) if drain else 0
print(f"backlog left when run 2's load stopped: {backlog} deliveries, drained in {drain/1000:.1f} s: {rate:.0f} deliveries/s with no other load")
PY
