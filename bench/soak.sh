#!/usr/bin/env bash
# Over time, from a fresh clone: ./bench/soak.sh
# Builds the fast-jar, starts a throwaway PostgreSQL on 127.0.0.1, and runs bench/soak.py: after a
# warm-up and wrk's maximum create rate R, Gatling (bench/gatling, from Maven Central) sends a mixed
# workload (80 % create, 15 % replay, 5 % list) at 0.7 R for 30 minutes, open model, while the
# service's memory, the pool and the database's size are sampled every 10 s; keys and events are kept
# 5 minutes in this run, so the purges reach their steady state. Writes
# bench/results/soak-<time>.png. About 35 minutes. Loopback only.
#   BENCH_SOAK_MINUTES (30)  BENCH_WARMUP (120)  BENCH_RATE (skip finding R; requests/s)
#   BENCH_JAVA_HOME  BENCH_JVM_OPTS (see bench/lib.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_tools wrk:wrk gnuplot:gnuplot-nox psql:postgresql-client
bench_java
echo "[bench] building the fast-jar"
./mvnw -B -q package -DskipTests
rm -rf target/bench/soak-app && mkdir -p target/bench && cp -a target/quarkus-app target/bench/soak-app
PGPORT=${BENCH_PG_PORT:-55446}
bench_postgres "$(mktemp -d /tmp/payments-soak-pg.XXXXXX)" "$PGPORT"
# the load generator holds a connection per request it waits for
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
python3 bench/soak.py --java "$JAVA" --plain target/bench/soak-app --jvm-opts "$JVM_OPTS" --pg-port "$PGPORT" \
  --minutes "${BENCH_SOAK_MINUTES:-30}" --warmup "${BENCH_WARMUP:-120}" ${BENCH_RATE:+--rate "$BENCH_RATE"}
