#!/usr/bin/env bash
# A highly available PostgreSQL on loopback, from Debian's packages: etcd, three PostgreSQL 15
# servers managed by Patroni (one primary, two replicas, synchronous replication), and HAProxy in
# front, routing to whichever server Patroni's REST API says is the primary.
#
#   docker/ha/ha.sh start     installs what is missing, starts everything, waits for a primary and
#                             both replicas, creates the payments database and its two roles
#   docker/ha/ha.sh stop      stops what start started, by pid; removes nothing
#   docker/ha/ha.sh status    Patroni's view of the cluster
#   docker/ha/ha.sh start-node N   starts node N's Patroni again (after a test killed it): it
#                             rejoins as a replica, rewinding its data if it was the primary
#   docker/ha/ha.sh partition N    cuts node N off (iptables on its loopback ports: PostgreSQL and
#                             its delayed link, its Patroni's REST API, its own etcd port), as a
#                             network partition would
#   docker/ha/ha.sh heal           removes every cut
#   docker/ha/ha.sh pgbouncer PORT [TARGET_PORT]   PgBouncer on PORT in transaction pooling mode, in
#                             front of HAProxy's primary port (or TARGET_PORT), for the two roles
#   docker/ha/ha.sh balancer PORT APP:MGMT...   an HTTP HAProxy on PORT in front of service
#                             instances (their API and management ports): round robin among the
#                             ready ones, a request whose instance dies unanswered sent to another
#
# Environment: HA_DIR (target/ha: data, configuration, logs, pids; the postgres user must be able to
# read it, which start checks first), HA_SYNC (true: a commit is
# acknowledged only once a replica has it; false: asynchronous, the counter-case),
# HA_REPLICATION_DELAY_MS (0: none; else each server is reached by the others through a link that
# delays every byte that long each way, docker/ha/delay.py, so that replicas lag as in another
# region; the link is part of its node: start-node starts it again). Ports (all on 127.0.0.1): etcd
# 23790 (and 23791-23793, one for each node's Patroni, so that a partition can cut one node's),
# PostgreSQL 54401-54403, their delayed links 54411-54413, Patroni REST 58008-58010, HAProxy 54400
# (the primary) and 54409 (its statistics page). The service's JDBC URL:
#   jdbc:postgresql://127.0.0.1:54400/payments   (payments_app / payments_app)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=$(realpath -m "${HA_DIR:-target/ha}")
SYNC=${HA_SYNC:-true}
DELAY_MS=${HA_REPLICATION_DELAY_MS:-0}
ETCD_PORT=23790; HAPROXY_PORT=54400; STATS_PORT=54409
NODES=(1 2 3)
pg_port() { echo $((54400 + $1)); }
link_port() { echo $((54410 + $1)); }
# where the other nodes reach node N's PostgreSQL (Patroni's connect_address): directly, or through its link
pg_address() { if [ "$DELAY_MS" -gt 0 ]; then echo "127.0.0.1:$(link_port "$1")"; else echo "127.0.0.1:$(pg_port "$1")"; fi; }
rest_port() { echo $((58007 + $1)); }
log() { echo "[ha] $*"; }

# need CMD:PACKAGE...: installs from Debian's packages each package whose command is missing
need() {
  local missing=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# the cluster's programs; BIN: PostgreSQL's server binaries (not on PATH)
install() {
  need etcd:etcd-server patroni:patroni haproxy:haproxy
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need initdb:postgresql
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

# start_bg NAME USER CMD...: runs CMD in the background (as USER), output to NAME.log, pid to NAME.pid
start_bg() {
  local name=$1 user=$2; shift 2
  if [ "$user" = root ] || [ "$(id -u)" != 0 ]; then
    setsid "$@" >>"$DIR/$name.log" 2>&1 < /dev/null &
  else
    setsid runuser -u "$user" -- "$@" >>"$DIR/$name.log" 2>&1 < /dev/null &
  fi
  echo $! >"$DIR/$name.pid"
}

patroni_config() {
  local n=$1
  cat >"$DIR/pg$n.yml" <<YAML
scope: payments
name: pg$n
restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")
etcd3:
  hosts: 127.0.0.1:$((ETCD_PORT + n))
  # this port only, no discovery of etcd's other addresses: a partition cuts this node's way to etcd
  use_proxies: true
bootstrap:
  dcs:
    # the leader key lives 10 s without renewal: a primary that stops answering loses it within that
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    # a crashed primary is not restarted in place: a replica takes over at once
    primary_start_timeout: 0
    synchronous_mode: $SYNC
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 200
        wal_log_hints: "on"
        hot_standby: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  # the replicas stream from this address, and pg_rewind reads from it
  connect_address: $(pg_address "$n")
  data_dir: $DIR/pg$n/data
  bin_dir: $BIN
  pgpass: $DIR/pg$n/pgpass
  # Patroni talks to its own server over the Unix socket, as on a host of its own: a partition
  # (iptables on the TCP ports) cuts the node off from the others, never Patroni from its PostgreSQL
  use_unix_socket: true
  authentication:
    superuser: {username: postgres, password: postgres}
    replication: {username: replicator, password: replicator}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: $DIR/pg$n
YAML
}

haproxy_config() {
  {
    cat <<CFG
global
    maxconn 2000
defaults
    mode tcp
    timeout connect 2s
    timeout client 30m
    timeout server 30m
# writes: to the server whose Patroni answers 200 on /primary; a server that stops being the
# primary has its connections cut, so the service's pool reconnects to the new one
listen primary
    bind 127.0.0.1:$HAPROXY_PORT
    option httpchk
    http-check send meth GET uri /primary
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for n in "${NODES[@]}"; do
      echo "    server pg$n 127.0.0.1:$(pg_port "$n") maxconn 500 check port $(rest_port "$n")"
    done
    cat <<CFG
listen stats
    mode http
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
CFG
  } >"$DIR/haproxy.cfg"
}

wait_for() { # wait_for SECONDS WHAT COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  log "no $what after ${seconds}s"; return 1
}

# the primary's role reads "master" before Patroni 3.1 (Debian 12 has 3.0) and "primary" after
is_primary() { curl -s --max-time 1 "http://127.0.0.1:$(rest_port "$1")/patroni" | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["role"] in ("primary", "master") else 1)' 2>/dev/null; }

members_streaming() { # true when a primary and two replicas streaming (one of them sync, in sync mode)
  curl -s --max-time 1 "http://127.0.0.1:$(rest_port 1)/cluster" | python3 -c '
import json, sys
members = json.load(sys.stdin)["members"]
leaders = [m for m in members if m["role"] == "leader"]
replicas = [m for m in members if m["role"] in ("replica", "sync_standby") and m["state"] in ("running", "streaming")]
sync = [m for m in members if m["role"] == "sync_standby"]
sys.exit(0 if len(leaders) == 1 and len(replicas) == 2 and (sys.argv[1] != "true" or sync) else 1)' "$SYNC"
}

start() {
  install
  mkdir -p "$DIR"
  # Patroni runs as postgres and reads its configuration here: a directory above it that is closed
  # to other users (a clone under /root, a mktemp -d folder) would leave it "Config is empty"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$DIR"; then
    log "the postgres user cannot enter $DIR (a directory above it is closed to other users):"
    log "set HA_DIR to a directory of its own that postgres can read, e.g. HA_DIR=/var/tmp/payments-ha"
    exit 1
  fi
  trap 'log "start failed: stopping what was started (logs in $DIR)"; stop' ERR
  for name in etcd haproxy "${NODES[@]/#/pg}" "${NODES[@]/#/link}"; do
    if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
      log "$name is running already (pid $(cat "$DIR/$name.pid")): docker/ha/ha.sh stop first"; exit 1
    fi
  done
  rm -rf "$DIR/etcd" "${NODES[@]/#/$DIR/pg}"
  start_bg etcd root etcd --name ha --data-dir "$DIR/etcd" \
    --listen-client-urls "$(for p in 0 "${NODES[@]}"; do printf 'http://127.0.0.1:%s,' $((ETCD_PORT + p)); done | sed 's/,$//')" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster ha=http://127.0.0.1:23800
  wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  for n in "${NODES[@]}"; do
    mkdir -p "$DIR/pg$n"; [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg$n"
    patroni_config "$n"
    start_link "$n"
    start_bg "pg$n" postgres patroni "$DIR/pg$n.yml"
    # the first one bootstraps the cluster alone; the others then clone it
    if [ "$n" = 1 ]; then wait_for 60 "primary (pg1)" is_primary 1; fi
  done
  haproxy_config
  start_bg haproxy root haproxy -db -f "$DIR/haproxy.cfg"
  wait_for 120 "primary and two streaming replicas" members_streaming
  wait_for 10 "primary through HAProxy" "$BIN/pg_isready" -h 127.0.0.1 -p "$HAPROXY_PORT" -d postgres
  PGPASSWORD=postgres "$BIN/psql" -q -h 127.0.0.1 -p "$HAPROXY_PORT" -U postgres -d postgres \
    -c "CREATE ROLE payments_owner LOGIN PASSWORD 'payments_owner'" \
    -c "CREATE ROLE payments_app LOGIN PASSWORD 'payments_app'" \
    -c "CREATE DATABASE payments OWNER payments_owner"
  log "up: primary through HAProxy at 127.0.0.1:$HAPROXY_PORT (synchronous_mode: $SYNC, replication delay ${DELAY_MS} ms each way)"
  status
}

stop() {
  # HAProxy first (no new connections), then the three Patroni at once (each stops its PostgreSQL;
  # one at a time, each stop would be a failover), then etcd
  stop_pids balancer pgbouncer haproxy
  stop_pids pg1 pg2 pg3
  stop_pids link1 link2 link3
  # a PostgreSQL whose Patroni was SIGKILLed by a test is still running: its own pid file says which
  for n in "${NODES[@]}"; do
    pidfile="$DIR/pg$n/data/postmaster.pid"
    if [ -f "$pidfile" ]; then
      pid=$(head -1 "$pidfile")
      kill -0 "$pid" 2>/dev/null && kill -QUIT "$pid" 2>/dev/null || true
    fi
  done
  stop_pids etcd
  heal
  log "stopped"
}

# stop_pids NAME...: SIGTERM to each one's process group (started by start_bg), SIGKILL after 30 s
stop_pids() {
  local pids=() name pid
  for name in "$@"; do
    [ -f "$DIR/$name.pid" ] || continue
    pid=$(cat "$DIR/$name.pid"); rm -f "$DIR/$name.pid"
    kill -0 "$pid" 2>/dev/null || continue
    pids+=("$pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 60); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
}

status() {
  curl -s --max-time 2 "http://127.0.0.1:$(rest_port 1)/cluster" 2>/dev/null | python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    print("[ha] %-4s %-13s %-9s %s:%s timeline %s lag %s" % (m["name"], m["role"], m["state"], m["host"], m["port"],
          m.get("timeline", "-"), m.get("lag", 0)))' 2>/dev/null || log "no cluster answering on 127.0.0.1:$(rest_port 1)"
}

CHAIN=PAYMENTS_HA
partition() {
  local n=${1:?node number} port
  need iptables:iptables
  iptables -N "$CHAIN" 2>/dev/null || true
  iptables -C INPUT -j "$CHAIN" 2>/dev/null || iptables -I INPUT -j "$CHAIN"
  for port in "$(pg_port "$n")" "$(link_port "$n")" "$(rest_port "$n")" $((ETCD_PORT + n)); do
    iptables -A "$CHAIN" -i lo -p tcp --dport "$port" -j DROP
    iptables -A "$CHAIN" -i lo -p tcp --sport "$port" -j DROP
  done
  log "pg$n cut off (PostgreSQL $(pg_port "$n"), its link $(link_port "$n"), REST $(rest_port "$n"), etcd $((ETCD_PORT + n)))"
}

heal() {
  command -v iptables >/dev/null || return 0
  iptables -F "$CHAIN" 2>/dev/null || true
  iptables -D INPUT -j "$CHAIN" 2>/dev/null || true
  iptables -X "$CHAIN" 2>/dev/null || true
}

pgbouncer_start() {
  local port=${1:?port} target=${2:-$HAPROXY_PORT}
  need pgbouncer:pgbouncer
  mkdir -p "$DIR/pgbouncer"
  # the roles' passwords in clear, so that PgBouncer can answer the server's SCRAM exchange itself
  printf '"payments_app" "payments_app"\n"payments_owner" "payments_owner"\n"postgres" "postgres"\n' >"$DIR/pgbouncer/userlist.txt"
  cat >"$DIR/pgbouncer/pgbouncer.ini" <<INI
[databases]
payments = host=127.0.0.1 port=$target dbname=payments

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $DIR/pgbouncer
auth_type = scram-sha-256
auth_file = $DIR/pgbouncer/userlist.txt
; a server connection is the client's for one transaction only
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 32
; the JDBC driver sends it at start-up; harmless to ignore
ignore_startup_parameters = extra_float_digits
; a server that stops answering (a failover) is given up on, not waited for
server_connect_timeout = 2
server_login_retry = 1
query_wait_timeout = 5
INI
  [ "$(id -u)" = 0 ] && chown -R postgres "$DIR/pgbouncer"
  stop_pids pgbouncer
  # PgBouncer refuses to run as root
  start_bg pgbouncer postgres pgbouncer "$DIR/pgbouncer/pgbouncer.ini"
  wait_for 10 "PgBouncer on $port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  log "PgBouncer on 127.0.0.1:$port (transaction pooling) in front of 127.0.0.1:$target"
}

# error_page CASE STATUS TITLE DETAIL RETRY_AFTER: what the balancer answers in HAProxy's case CASE (its
# own status), as a problem (RFC 9457) with STATUS
error_page() {
  local case=$1 status=$2 title=$3 detail=$4 retry=$5 slug body
  slug=$(echo "$title" | tr 'A-Z ' 'a-z-')
  body=$(printf '{"type":"https://payments.example/problems/%s","title":"%s","status":%s,"detail":"%s"}' \
    "$slug" "$title" "$status" "$detail")
  {
    printf 'HTTP/1.1 %s %s\r\n' "$status" "$title"
    printf 'Content-Type: application/problem+json\r\n'
    printf 'Content-Length: %s\r\n' "${#body}"
    printf 'Cache-Control: no-store\r\n'
    [ -z "$retry" ] || printf 'Retry-After: %s\r\n' "$retry"
    printf 'Connection: close\r\n\r\n%s' "$body"
  } >"$DIR/errors/$case.http"
}

balancer() {
  local port=${1:?port} instance i=0
  shift
  [ $# -gt 0 ] || { echo "usage: $0 balancer PORT APP_PORT:MANAGEMENT_PORT..." >&2; exit 2; }
  need haproxy:haproxy
  mkdir -p "$DIR/errors"
  # what the balancer answers itself is application/problem+json too, like every answer of the API
  error_page 400 400 "Bad request" "The request could not be read. Nothing was done." ""
  error_page 408 408 "Request timeout" "The request did not arrive in time. Nothing was done: send it again." ""
  # an instance that died or hung under a request (HAProxy's 502 and 504) is unavailability, as the
  # API answers it everywhere: 503 with Retry-After, and the retry with the same key is safe
  error_page 502 503 "Service unavailable" "An instance failed while answering. Retry with the same Idempotency-Key: the payment is made at most once." 1
  error_page 503 503 "Service unavailable" "No instance of the service is ready. Retry with the same Idempotency-Key: the payment is made at most once." 1
  error_page 504 503 "Service unavailable" "An instance did not answer in time. Retry with the same Idempotency-Key: the payment is made at most once." 1
  {
    cat <<CFG
global
    maxconn 4000
    # the state of each instance as the balancer sees it (show stat), for whoever waits for them
    stats socket $DIR/balancer.sock mode 600 level user
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    errorfile 400 $DIR/errors/400.http
    errorfile 408 $DIR/errors/408.http
    errorfile 502 $DIR/errors/502.http
    errorfile 503 $DIR/errors/503.http
    errorfile 504 $DIR/errors/504.http
# every POST carries an Idempotency-Key, so a request whose instance died without answering can be
# sent to another one: the retry meets the same key (replayed, or finished by the lease's owner)
listen api
    bind 127.0.0.1:$port
    balance roundrobin
    option httpchk GET /q/health/ready
    retries 2
    retry-on conn-failure empty-response
    option redispatch
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
CFG
    for instance in "$@"; do
      i=$((i + 1))
      echo "    server app$i 127.0.0.1:${instance%%:*} check port ${instance##*:}"
    done
  } >"$DIR/balancer.cfg"
  stop_pids balancer
  start_bg balancer root haproxy -db -f "$DIR/balancer.cfg"
  wait_for 10 "balancer on $port" curl -s -o /dev/null "http://127.0.0.1:$port/"
  log "balancer on 127.0.0.1:$port in front of $*"
}

start_node() {
  local n=${1:?node number}
  if [ -f "$DIR/pg$n.pid" ] && kill -0 "$(cat "$DIR/pg$n.pid")" 2>/dev/null; then
    # the test killed Patroni itself (SIGKILL): its runuser parent may still be waiting
    kill -KILL -- "-$(cat "$DIR/pg$n.pid")" 2>/dev/null || true
  fi
  start_link "$n"
  start_bg "pg$n" postgres patroni "$DIR/pg$n.yml"
  log "pg$n started again"
}

# node N's delayed link (HA_REPLICATION_DELAY_MS), unless there is none or it runs already
start_link() {
  local n=$1
  [ "$DELAY_MS" -gt 0 ] || return 0
  if [ -f "$DIR/link$n.pid" ] && kill -0 "$(cat "$DIR/link$n.pid")" 2>/dev/null; then return 0; fi
  start_bg "link$n" root python3 docker/ha/delay.py "$(link_port "$n")" "$(pg_port "$n")" "$DELAY_MS"
}

case "${1:-}" in
  start) start ;;
  start-node) start_node "${2:-}" ;;
  partition) partition "${2:-}" ;;
  heal) heal; log "every cut healed" ;;
  balancer) shift; balancer "$@" ;;
  pgbouncer) shift; pgbouncer_start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start | stop | status | start-node N | partition N | heal | pgbouncer PORT [TARGET] | balancer PORT APP:MGMT..." >&2; exit 2 ;;
esac
