#!/usr/bin/env bash
# The benchmark, from a fresh clone: ./bench/run.sh
# Installs wrk, pgbench and gnuplot from Debian's packages if missing, builds the plain fast-jar
# and (with a JDK 25) the AOT-cache jar trained by the *IT tests, starts a throwaway PostgreSQL on
# 127.0.0.1, and runs bench/bench.py. Every load runs for a bounded time and targets loopback only.
#
# Knobs (environment):
#   BENCH_JAVA_HOME   JDK that runs the service (default: a JDK 25 under /usr/lib/jvm if present, else java on PATH)
#   BENCH_JVM_OPTS    JVM options of the service (default below: a 96 MiB heap and serial GC, as a small container would set)
#   BENCH_DURATION    seconds per workload (20)     BENCH_WARMUP  seconds of warm-up load (300)
#   BENCH_CONNECTIONS wrk and pgbench concurrency (32)
#   BENCH_AOT         0 to skip the AOT-cache build (it runs the test suite once, about 3 minutes)
#   BENCH_PREVIOUS    the release to compare create with (a git revision; default: the one before the
#                     three-phase create); empty to skip
#   MALLOC_ARENA_MAX  glibc malloc arenas of the service (default 2, as docker/Dockerfile.jvm sets)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v pgbench >/dev/null || need+=(postgresql-contrib)
if [ ${#need[@]} -gt 0 ]; then
  echo "[bench] installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -z "${BENCH_JAVA_HOME:-}" ]; then
  BENCH_JAVA_HOME=$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1 || true)
fi
JAVA=${BENCH_JAVA_HOME:+$BENCH_JAVA_HOME/bin/}java
JAVA_MAJOR=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')
echo "[bench] service JVM: $("$JAVA" -version 2>&1 | head -1) (major $JAVA_MAJOR)"

mkdir -p target/bench
echo "[bench] building the plain fast-jar"
./mvnw -B -q package -DskipTests
rm -rf target/bench/plain && cp -a target/quarkus-app target/bench/plain
PREVIOUS_ARGS=()
PREVIOUS=${BENCH_PREVIOUS-$(git rev-list -1 HEAD -- src/main/resources/db/migration/V3__processing_phases.sql)^}
if [ -n "$PREVIOUS" ]; then
  echo "[bench] building the previous release ($PREVIOUS) for the side-by-side create"
  rm -rf target/bench/previous-src target/bench/previous && mkdir -p target/bench/previous-src
  git archive "$PREVIOUS" | tar -x -C target/bench/previous-src
  (cd target/bench/previous-src && ./mvnw -B -q package -DskipTests)
  cp -a target/bench/previous-src/target/quarkus-app target/bench/previous
  PREVIOUS_ARGS=(--previous target/bench/previous)
fi
AOT_ARGS=()
if [ "${BENCH_AOT:-1}" != 0 ] && [ "$JAVA_MAJOR" -ge 25 ]; then
  echo "[bench] building the AOT-cache jar, trained by the *IT tests (JDK $JAVA_MAJOR)"
  JAVA_HOME=$BENCH_JAVA_HOME ./mvnw -B -q verify -Dquarkus.package.jar.aot.enabled=true
  # run where it was trained: the cache checks the class path, jar timestamps included
  AOT_ARGS=(--aot target/quarkus-app)
else
  echo "[bench] no AOT-cache build (needs JDK 25+; BENCH_AOT=${BENCH_AOT:-1})"
fi

PGDIR=$(mktemp -d /tmp/payments-bench-pg.XXXXXX)
PGPORT=${BENCH_PG_PORT:-55433}
trap '.ci/postgres.sh stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
.ci/postgres.sh start "$PGDIR" "$PGPORT"

python3 bench/bench.py --java "$JAVA" --plain target/bench/plain "${AOT_ARGS[@]}" "${PREVIOUS_ARGS[@]}" \
  --pg-port "$PGPORT" --connections "${BENCH_CONNECTIONS:-32}" --duration "${BENCH_DURATION:-20}" \
  --warmup "${BENCH_WARMUP:-300}" --jvm-opts "${BENCH_JVM_OPTS:--Xms96m -Xmx96m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m}"
