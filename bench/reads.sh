#!/usr/bin/env bash
# The reads of this build and of another revision side by side on one database:
# BENCH_PREVIOUS=<revision> ./bench/reads.sh (about 8 minutes; docs/performance.md). For a change
# that should not touch the reads: bench/run.sh runs its reads on the payments its own run made,
# and a faster create makes more of them, so two runs of it do not compare reads. Builds both
# fast-jars as bench/run.sh does, starts a throwaway PostgreSQL on 127.0.0.1, starts both services
# on one database (the revision must have the same migrations), fills it with this build's creates
# for BENCH_FILL seconds (120), then runs GET /payments/{id}, the first page and a deep page on each
# in alternating rounds (BENCH_ROUNDS, 3) of BENCH_DURATION seconds (10) at BENCH_CONNECTIONS (32).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_tools wrk:wrk psql:postgresql-client
bench_java
[ -n "${BENCH_PREVIOUS:-}" ] || { echo "BENCH_PREVIOUS=<revision> names the build to compare with" >&2; exit 2; }

mkdir -p target/bench
bench_build_plain
bench_build_previous
# kept apart from target/bench/previous, which the other scripts take as the release before the phases
rm -rf target/bench/reads-previous && mv target/bench/previous target/bench/reads-previous

PGPORT=${BENCH_PG_PORT:-55440}
bench_postgres "$(mktemp -d /tmp/payments-reads-pg.XXXXXX)" "$PGPORT"

python3 bench/reads.py --java "$JAVA" --plain target/bench/plain --previous target/bench/reads-previous \
  --pg-port "$PGPORT" --fill "${BENCH_FILL:-120}" --rounds "${BENCH_ROUNDS:-3}" \
  --duration "${BENCH_DURATION:-10}" --connections "${BENCH_CONNECTIONS:-32}" --jvm-opts "$JVM_OPTS"
