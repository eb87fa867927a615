#!/usr/bin/env bash
# What each guarantee of a create costs PostgreSQL, and what the phases alone cost against the
# release before them: ./bench/guarantees.sh (about 5 minutes; docs/performance.md). Builds both
# fast-jars as bench/run.sh does, starts a throwaway PostgreSQL on 127.0.0.1 and runs
# bench/guarantees.py. Knobs: BENCH_ROUNDS (3), BENCH_DURATION (8), BENCH_CONNECTIONS (16),
# BENCH_PREVIOUS (as bench/run.sh), GUARANTEES_BUILD=0 to use the jars built before.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_tools pgbench:postgresql-contrib psql:postgresql-client
bench_java

mkdir -p target/bench
[ "${GUARANTEES_BUILD:-1}" = 0 ] || bench_build_plain
if [ "${GUARANTEES_BUILD:-1}" = 0 ] && [ -d target/bench/previous ]; then
  echo "[guarantees] using the previous release built before (target/bench/previous)"
else
  bench_build_previous
fi

# the previous release's own create statements, as its bench/pgbench/create.sql has them
git show "$(bench_previous_revision):bench/pgbench/create.sql" > target/bench/previous-create.sql

PGPORT=${BENCH_PG_PORT:-55436}
bench_postgres "$(mktemp -d /tmp/payments-guarantees-pg.XXXXXX)" "$PGPORT"

python3 bench/guarantees.py --java "$JAVA" --plain target/bench/plain --previous target/bench/previous \
  --previous-script target/bench/previous-create.sql --pg-port "$PGPORT" \
  --rounds "${BENCH_ROUNDS:-3}" --duration "${BENCH_DURATION:-8}" --clients "${BENCH_CONNECTIONS:-16}"
