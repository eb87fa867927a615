# Sourced by the stages that run the packaged jar (target/quarkus-app, built by ./mvnw verify):
# start_packaged_jar LOG starts a throwaway PostgreSQL (.ci/postgres.sh, on a free port unless
# CI_PG_PORT names one) and the jar against it on localhost:8080 with the demo settings, and waits
# until it is ready; stop_packaged_jar stops both (the caller traps it on EXIT).
BASE=http://localhost:8080
MANAGEMENT=http://localhost:9000
JAR_PID=
PGDIR=

start_packaged_jar() {
  local log=$1
  [ -f target/quarkus-app/quarkus-run.jar ] || { echo "no packaged jar: run ./mvnw verify first"; return 1; }
  PGDIR=$(mktemp -d /tmp/payments-ci-pg.XXXXXX)
  # a free port: a database the test stage started (embedded, or a container's mapped port) may
  # still hold any port in the ephemeral range for a moment after it ended
  local pgport=${CI_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  echo "== PostgreSQL for the packaged jar"
  .ci/postgres.sh start "$PGDIR" "$pgport"
  echo "== starting the packaged jar on $BASE (log: $log)"
  QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$pgport/payments \
  QUARKUS_DATASOURCE_USERNAME=payments_app QUARKUS_DATASOURCE_PASSWORD=payments_app \
  QUARKUS_FLYWAY_USERNAME=payments_owner QUARKUS_FLYWAY_PASSWORD=payments_owner \
  PAYMENTS_DEMO=true PAYMENTS_DEMO_MERCHANTS=true PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL=true \
    java -jar target/quarkus-app/quarkus-run.jar >"$log" 2>&1 &
  JAR_PID=$!
  for _ in $(seq 1 60); do
    curl -fs "$MANAGEMENT/q/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$JAR_PID" 2>/dev/null || { tail -30 "$log"; echo "the jar exited"; return 1; }
    sleep 1
  done
  tail -30 "$log"; echo "the jar did not become ready"; return 1
}

stop_packaged_jar() {
  if [ -n "$JAR_PID" ]; then kill "$JAR_PID" 2>/dev/null && wait "$JAR_PID" 2>/dev/null || true; fi
  JAR_PID=
  if [ -n "$PGDIR" ]; then .ci/postgres.sh stop "$PGDIR" || true; rm -rf "$PGDIR"; fi
  PGDIR=
}
