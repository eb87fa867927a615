# Shared by the benchmark scripts (sourced, not run): the tools from Debian's packages, the JVM
# that runs the service and its options, and a throwaway PostgreSQL on loopback.

# bench_tools CMD:PACKAGE...: installs each package whose command is missing
bench_tools() {
  local need=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "[bench] installing ${need[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# Sets JAVA (BENCH_JAVA_HOME's, else a JDK 25 under /usr/lib/jvm, else java on PATH), JAVA_MAJOR and
# JVM_OPTS (BENCH_JVM_OPTS, else a 96 MiB heap and serial GC, as a small container would set).
bench_java() {
  [ -n "${BENCH_JAVA_HOME:-}" ] || BENCH_JAVA_HOME=$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1 || true)
  JAVA=${BENCH_JAVA_HOME:+$BENCH_JAVA_HOME/bin/}java
  JAVA_MAJOR=$("$JAVA" -XshowSettings:properties -version 2>&1 \
    | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')
  JVM_OPTS=${BENCH_JVM_OPTS:--Xms96m -Xmx96m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m}
  echo "[bench] service JVM: $("$JAVA" -version 2>&1 | head -1) (major $JAVA_MAJOR), options: $JVM_OPTS"
}

# bench_postgres DIR PORT [SETTING=VALUE...]: a throwaway PostgreSQL (.ci/postgres.sh), stopped and
# removed on exit
bench_postgres() {
  BENCH_PGDIR=$1
  trap '.ci/postgres.sh stop "$BENCH_PGDIR"; rm -rf "$BENCH_PGDIR"' EXIT
  .ci/postgres.sh start "$BENCH_PGDIR" "$2" "${@:3}"
}

# bench_build_plain: this release's fast-jar, built into target/bench/plain
bench_build_plain() {
  echo "[bench] building the plain fast-jar"
  mkdir -p target/bench
  ./mvnw -B -q package -DskipTests
  rm -rf target/bench/plain && cp -a target/quarkus-app target/bench/plain
}

# bench_previous_revision: the release create is compared with (BENCH_PREVIOUS, a git revision;
# default: the one before the three-phase create); empty when BENCH_PREVIOUS is set empty
bench_previous_revision() {
  echo "${BENCH_PREVIOUS-$(git rev-list -1 HEAD -- src/main/resources/db/migration/V3__processing_phases.sql)^}"
}

# bench_build_previous: builds the release that create is compared with (BENCH_PREVIOUS, a git
# revision; default: the one before the three-phase create) into target/bench/previous, and sets
# PREVIOUS_ARGS for bench.py and profile.py (empty when BENCH_PREVIOUS is set empty)
bench_build_previous() {
  PREVIOUS_ARGS=()
  local previous
  previous=$(bench_previous_revision)
  [ -n "$previous" ] || return 0
  echo "[bench] building the previous release ($previous) for the side-by-side create"
  rm -rf target/bench/previous-src target/bench/previous && mkdir -p target/bench/previous-src
  git archive "$previous" | tar -x -C target/bench/previous-src
  (cd target/bench/previous-src && ./mvnw -B -q package -DskipTests)
  cp -a target/bench/previous-src/target/quarkus-app target/bench/previous
  PREVIOUS_ARGS=(--previous target/bench/previous)
}
