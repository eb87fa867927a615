#!/usr/bin/env bash
# Where a create's time goes in PostgreSQL, per statement and per trigger, this release and the one
# before the three-phase create side by side: ./bench/profile.sh (about 4 minutes; docs/performance.md)
# Builds both fast-jars as bench/run.sh does, starts a throwaway PostgreSQL on 127.0.0.1 with
# pg_stat_statements (track = all, so the statements triggers run are counted too) and function
# tracking, and runs bench/profile.py. Knobs: BENCH_DURATION (20), BENCH_WARMUP (30),
# BENCH_CONNECTIONS (32), BENCH_PREVIOUS (as bench/run.sh), PROFILE_PERF=1 to sample PostgreSQL with
# perf too (Debian's linux-perf; needs perf_event_paranoid <= 1 or root), PROFILE_ALSO="NAME=DIR ..."
# for more fast-jars (a build from before a change), PROFILE_BUILD=0 to profile the jars built before.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_tools wrk:wrk
bench_java

mkdir -p target/bench
[ "${PROFILE_BUILD:-1}" = 0 ] || bench_build_plain
if [ "${PROFILE_BUILD:-1}" = 0 ] && [ -d target/bench/previous ] && [ "${BENCH_PREVIOUS-x}" != "" ]; then
  PREVIOUS_ARGS=(--previous target/bench/previous)
else
  bench_build_previous
fi
ALSO_ARGS=()
for also in ${PROFILE_ALSO:-}; do ALSO_ARGS+=(--also "$also"); done
PERF_ARGS=()
if [ "${PROFILE_PERF:-0}" = 1 ]; then
  bench_tools perf:linux-perf
  PERF_ARGS=(--perf)
fi

PGPORT=${BENCH_PG_PORT:-55434}
bench_postgres "$(mktemp -d /tmp/payments-profile-pg.XXXXXX)" "$PGPORT" \
  shared_preload_libraries=pg_stat_statements pg_stat_statements.track=all track_functions=all

python3 bench/profile.py --java "$JAVA" --plain target/bench/plain "${ALSO_ARGS[@]}" "${PREVIOUS_ARGS[@]}" "${PERF_ARGS[@]}" \
  --pg-port "$PGPORT" --connections "${BENCH_CONNECTIONS:-32}" --duration "${BENCH_DURATION:-20}" \
  --warmup "${BENCH_WARMUP:-30}" --jvm-opts "$JVM_OPTS"
