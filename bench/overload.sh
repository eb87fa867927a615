#!/usr/bin/env bash
# Overload, measured with an open model: ./bench/overload.sh
# The jar (demo processor; Temurin 25 and bench/run.sh's JVM options if present) on a throwaway
# PostgreSQL. After a warm-up, wrk finds the maximum create rate R (closed loop, 32 connections);
# then Gatling (bench/gatling, from Maven Central) sends creates at constant arrival rates, phase
# after phase with no pause: "warm-up" R/2 for 30 s (Gatling's own JIT; not reported), "before"
# R/2 for 20 s, "overload" 2R for 60 s, "recovery" R/2 for the first 5 s after it, "after" R/2 for
# 25 s more. Prints, per phase: requests, 201s, 503s, other
# failures and timeouts (10 s), and the served requests' latency percentiles. Loopback only.
#   BENCH_WARMUP (60)  BENCH_RATE (R; skip the measurement)  BENCH_JAVA_HOME  BENCH_JVM_OPTS
#   Any PAYMENTS_* variable set reaches the service (PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS, say).
set -euo pipefail
cd "$(dirname "$0")/.."
WARMUP=${BENCH_WARMUP:-60}
. bench/lib.sh
bench_tools wrk:wrk
bench_java
read -r -a JVM_OPTS <<<"$JVM_OPTS"
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
WORK=$PWD/target/bench/overload; mkdir -p "$WORK"
PGPORT=55442; PORT=18580; MGMT=19580
PIDS=()
cleanup() {
  # SIGTERM, then SIGKILL: a service swamped by an overload may take long to shut down
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0; for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  .ci/postgres.sh stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
.ci/postgres.sh start "$WORK/pg" "$PGPORT"
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$PGPORT/payments \
QUARKUS_DATASOURCE_USERNAME=payments_app QUARKUS_DATASOURCE_PASSWORD=payments_app \
QUARKUS_FLYWAY_USERNAME=payments_owner QUARKUS_FLYWAY_PASSWORD=payments_owner \
PAYMENTS_DEMO=true PAYMENTS_DEMO_MERCHANTS=true \
PAYMENTS_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 PAYMENTS_RATE_LIMIT_BURST=1000000 \
QUARKUS_HTTP_PORT=$PORT QUARKUS_MANAGEMENT_PORT=$MGMT MALLOC_ARENA_MAX=2 \
  "$JAVA" "${JVM_OPTS[@]}" -jar target/quarkus-app/quarkus-run.jar >"$WORK/service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -fs --max-time 2 "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs --max-time 2 "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null || { tail -20 "$WORK/service.log"; exit 1; }
BASE=http://127.0.0.1:$PORT
echo "[overload] service JVM: $("$JAVA" -version 2>&1 | head -1); warm-up ${WARMUP} s"
BENCH_RUN="ov-warm-$(date +%s)" wrk -t2 -c32 -d"${WARMUP}s" -s bench/wrk/create.lua "$BASE" >/dev/null
if [ -z "${BENCH_RATE:-}" ]; then
  BENCH_RATE=$(BENCH_RUN="ov-max-$(date +%s)" wrk -t2 -c32 -d20s -s bench/wrk/create.lua "$BASE" \
    | grep BENCH_RESULT | sed 's/BENCH_RESULT //' | python3 -c 'import json,sys; r = json.load(sys.stdin); print(int((r["requests"] - r["errors"]) / (r["duration_us"] / 1e6)))')
fi
HALF=$((BENCH_RATE / 2)); DOUBLE=$((BENCH_RATE * 2))
echo "[overload] maximum create rate (closed loop, 32 connections): $BENCH_RATE/s; open model: $HALF/s, $DOUBLE/s for 60 s, $HALF/s"
# the load generator holds a connection per request it waits for: many, if the service stalls
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
JAVA_HOME=${BENCH_GATLING_JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")} \
./mvnw -B -q -f bench/gatling/pom.xml gatling:test -Dgatling.simulationClass=bench.OverloadSimulation \
  -DbaseUrl="$BASE" -Drun="ov-$(date +%s)" \
  -Dphases="warm-up:$HALF:30,before:$HALF:20,overload:$DOUBLE:60,recovery:$HALF:5,after:$HALF:25" >"$WORK/gatling.log" 2>&1 || true
REPORT=$(ls -td bench/gatling/target/gatling/*/ 2>/dev/null | head -1)
python3 bench/overload_report.py "$REPORT" "$WORK/gatling.log"
