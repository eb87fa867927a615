#!/usr/bin/env bash
# Growth, from a fresh clone: ./bench/growth.sh
# Builds the fast-jar, starts a throwaway PostgreSQL on 127.0.0.1, and runs bench/growth.py: the
# same workloads on the empty database, then seeded (bench/seed.sql) to 1 M and to 10 M payments.
# About 40 minutes here, most of it seeding; about 12 GB of disk at 10 M. Loopback only.
#   BENCH_SIZES (1000000,10000000)  BENCH_DURATION (20)  BENCH_WARMUP (120)  BENCH_CONNECTIONS (32)
#   BENCH_PURGE_BACKLOG (300000)  BENCH_JAVA_HOME  BENCH_JVM_OPTS (see bench/lib.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_tools wrk:wrk gnuplot:gnuplot-nox psql:postgresql-client
bench_java
echo "[bench] building the fast-jar"
./mvnw -B -q package -DskipTests
rm -rf target/bench/growth-app && mkdir -p target/bench && cp -a target/quarkus-app target/bench/growth-app
PGPORT=${BENCH_PG_PORT:-55444}
bench_postgres "$(mktemp -d /tmp/payments-growth-pg.XXXXXX)" "$PGPORT"
python3 bench/growth.py --java "$JAVA" --plain target/bench/growth-app --jvm-opts "$JVM_OPTS" --pg-port "$PGPORT" \
  --sizes "${BENCH_SIZES:-1000000,10000000}" --duration "${BENCH_DURATION:-20}" --warmup "${BENCH_WARMUP:-120}" \
  --connections "${BENCH_CONNECTIONS:-32}" --purge-backlog "${BENCH_PURGE_BACKLOG:-300000}"
