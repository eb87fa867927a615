#!/usr/bin/env bash
# With and without PgBouncer, from a fresh clone: ./bench/pgbouncer.sh
# Builds the fast-jar, starts a throwaway PostgreSQL and PgBouncer (transaction pooling, from
# Debian's packages, docker/ha/ha.sh's configuration) in front of it on 127.0.0.1, and runs
# bench/pgbouncer.py: the service connected directly and through PgBouncer, alternating, create and
# mixed at 32 connections. About 8 minutes. Loopback only.
#   BENCH_DURATION (20)  BENCH_WARMUP (60)  BENCH_JAVA_HOME  BENCH_JVM_OPTS (see bench/lib.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_tools wrk:wrk pgbouncer:pgbouncer psql:postgresql-client
bench_java
echo "[bench] building the fast-jar"
./mvnw -B -q package -DskipTests
rm -rf target/bench/pgbouncer-app && mkdir -p target/bench && cp -a target/quarkus-app target/bench/pgbouncer-app
PGPORT=55447; BOUNCER=55448
export HA_DIR=$PWD/target/bench/pgbouncer
bench_postgres "$(mktemp -d /tmp/payments-pgbouncer-pg.XXXXXX)" "$PGPORT"
trap 'docker/ha/ha.sh stop >/dev/null 2>&1 || true; .ci/postgres.sh stop "$BENCH_PGDIR"; rm -rf "$BENCH_PGDIR"' EXIT
docker/ha/ha.sh pgbouncer "$BOUNCER" "$PGPORT"
python3 bench/pgbouncer.py --java "$JAVA" --plain target/bench/pgbouncer-app --jvm-opts "$JVM_OPTS" \
  --pg-port "$PGPORT" --pgbouncer-port "$BOUNCER" --duration "${BENCH_DURATION:-20}" --warmup "${BENCH_WARMUP:-60}"
