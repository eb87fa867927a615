#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for CI and benchmarks, from Debian's packages.
#   .ci/postgres.sh start DIR PORT [SETTING=VALUE...]
#                                    initdb in DIR (removed first), start on 127.0.0.1:PORT (with these
#                                    server settings, if any: bench/profile.sh's statistics), create
#                                    the database "payments" owned by the role "payments_owner" (which
#                                    Flyway migrates as) and the role "payments_app" (which the service
#                                    runs as; no DDL); each role's password is its name
#   .ci/postgres.sh stop DIR
# Installs postgresql from Debian's packages if no server binaries are found. Durability settings
# stay at PostgreSQL's defaults.
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "[postgres] installing postgresql from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    port=${3:?port}; settings=""
    for setting in "${@:4}"; do settings+=" -c $setting"; done
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 >/dev/null
    if ! as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200$settings" start >/dev/null; then
      echo "[postgres] the server did not start on 127.0.0.1:$port; its log:" >&2
      tail -20 "$dir/server.log" >&2 || true
      exit 1
    fi
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE ROLE payments_owner LOGIN PASSWORD 'payments_owner'" \
      -c "CREATE ROLE payments_app LOGIN PASSWORD 'payments_app'" \
      -c "CREATE DATABASE payments OWNER payments_owner"
    echo "[postgres] $("$bin/postgres" --version) on 127.0.0.1:$port, data in $dir"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
