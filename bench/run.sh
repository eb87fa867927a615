#!/usr/bin/env bash
# The benchmark, from a fresh clone: ./bench/run.sh
# Installs wrk, pgbench and gnuplot from Debian's packages if missing, builds the plain fast-jar
# and (with a JDK 25) the aot-jar, whose cache bench.py trains under load, starts a throwaway
# PostgreSQL on 127.0.0.1, and runs bench/bench.py, which prints the one table of
# docs/performance.md. Every load runs for a bounded time and targets loopback only.
#
# Knobs (environment):
#   BENCH_JAVA_HOME   JDK that runs the service (default: a JDK 25 under /usr/lib/jvm if present, else java on PATH)
#   BENCH_JVM_OPTS    JVM options of the service (default below: a 96 MiB heap and serial GC, as a small container would set)
#   BENCH_DURATION    seconds per workload (20)     BENCH_WARMUP  seconds of warm-up load (300)
#   BENCH_CONNECTIONS wrk and pgbench concurrency (32)
#   BENCH_AOT         0 to skip the AOT-cache build and its training run (about 2 minutes)
#   BENCH_CONTAINER_MEMORY  the container configuration's memory limit (512m, docker-compose.yml's)
#   BENCH_PREVIOUS    the release to compare create with (a git revision; default: the one before the
#                     three-phase create); empty to skip
#   MALLOC_ARENA_MAX  glibc malloc arenas of the service (default 2, as docker/Dockerfile.jvm sets)
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_tools wrk:wrk gnuplot:gnuplot-nox pgbench:postgresql-contrib
bench_java

mkdir -p target/bench
bench_build_plain
bench_build_previous
AOT_ARGS=()
if [ "${BENCH_AOT:-1}" != 0 ] && [ "$JAVA_MAJOR" -ge 25 ]; then
  echo "[bench] building the aot-jar (JDK $JAVA_MAJOR); bench.py trains its cache under load"
  JAVA_HOME=$BENCH_JAVA_HOME ./mvnw -B -q package -DskipTests -Dquarkus.package.jar.aot.enabled=true
  rm -rf target/bench/aot && cp -a target/quarkus-app target/bench/aot && rm -f target/bench/aot/app.aot
  # trained and run in target/bench/aot: the cache checks the class path, jar timestamps included
  AOT_ARGS=(--aot target/bench/aot)
else
  echo "[bench] no AOT-cache build (needs JDK 25+; BENCH_AOT=${BENCH_AOT:-1})"
fi

PGPORT=${BENCH_PG_PORT:-55433}
bench_postgres "$(mktemp -d /tmp/payments-bench-pg.XXXXXX)" "$PGPORT"

python3 bench/bench.py --java "$JAVA" --plain target/bench/plain "${AOT_ARGS[@]}" "${PREVIOUS_ARGS[@]}" \
  --pg-port "$PGPORT" --connections "${BENCH_CONNECTIONS:-32}" --duration "${BENCH_DURATION:-20}" \
  --warmup "${BENCH_WARMUP:-300}" --jvm-opts "$JVM_OPTS" --container-memory "${BENCH_CONTAINER_MEMORY:-512m}"
