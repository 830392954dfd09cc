#!/usr/bin/env bash
# Several coordinator servers on one PostgreSQL database behind nginx, all on 127.0.0.1, from
# this build (docs/DEPLOYMENT.md). Used by the cluster failover test and the benchmark.
#
#   scripts/cluster.sh up          PostgreSQL on a fresh data folder, N Liberty servers, nginx
#   scripts/cluster.sh down        stops everything `up` started (only by the recorded pids)
#   scripts/cluster.sh status      prints the state file
#   scripts/cluster.sh db-stop     stops PostgreSQL (the servers keep running)
#   scripts/cluster.sh db-start    starts it again on the same data folder
#   scripts/cluster.sh db-dump FILE  pg_dump -Fc of the coordinator's database (servers may run)
#   scripts/cluster.sh db-restore FILE NAME  restores a dump into a new database NAME (owned by the
#                                  coordinator's user), the way docs/OPERATIONS.md restores one
#   scripts/cluster.sh kill NAME   SIGKILLs one server (e.g. coordinator-a)
#   scripts/cluster.sh pause NAME  SIGSTOPs one server (it hangs, holding its connections)
#   scripts/cluster.sh resume NAME SIGCONTs it
#   scripts/cluster.sh start NAME  starts a server that was stopped or killed, waits until ready
#   scripts/cluster.sh restart NAME  stops one server cleanly (requests in flight finish, it gives
#                                  up the leadership), starts it again and waits until it is ready:
#                                  one step of a rolling restart
#   scripts/cluster.sh lb-stop     stops nginx (connections through it break)
#   scripts/cluster.sh lb-start    starts nginx again with the configuration `up` wrote
#   scripts/cluster.sh lb-restart  both: a restart of the load balancer, not a reload
#
# Settings (environment; defaults in brackets):
#   CLUSTER_DIR [target/cluster]       state: cluster.env, nginx config, logs
#   CLUSTER_PORTS ["9881 9882"]        one HTTP port per server; HTTPS is port + 360
#   CLUSTER_LB_PORT [9880]             nginx
#   CLUSTER_PG_PORT [55432]            PostgreSQL
#   CLUSTER_SERVER_ENV [src/test/liberty/server.env]  server.env of every server (admin key,
#                                      leases, rate limits); the database settings are added
#   CLUSTER_JVM_OPTIONS [none]         a jvm.options file added to the end of every server's
#                                      (the tests add src/test/liberty/jvm.options)
#   CLUSTER_STAGGER [false]            true: start servers one after another instead of at once
#   CLUSTER_STORE [s3]                 s3: result files and inputs in a bucket of s3proxy (started
#                                      here on loopback), each server with a local folder of its
#                                      own (CLUSTER_DIR/local/NAME): no directory is shared;
#                                      file: one results directory for all (CLUSTER_DIR/results)
#   CLUSTER_S3_PORT [9879]             s3proxy's port (CLUSTER_STORE=s3)
#   CLUSTER_S3PROXY_JAR [target/s3proxy/s3proxy.jar]  s3proxy with its dependencies; copied from
#                                      the local Maven repository (or fetched) when missing
# After `up`, CLUSTER_DIR/cluster.env holds the URLs, ports, admin key and server names.
#
# Installs PostgreSQL and nginx from Debian when they are missing (needs root, as CI has).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER_DIR="${CLUSTER_DIR:-$ROOT/target/cluster}"
CLUSTER_PORTS="${CLUSTER_PORTS:-9881 9882}"
CLUSTER_LB_PORT="${CLUSTER_LB_PORT:-9880}"
CLUSTER_PG_PORT="${CLUSTER_PG_PORT:-55432}"
CLUSTER_SERVER_ENV="${CLUSTER_SERVER_ENV:-$ROOT/src/test/liberty/server.env}"
CLUSTER_STAGGER="${CLUSTER_STAGGER:-false}"
CLUSTER_JVM_OPTIONS="${CLUSTER_JVM_OPTIONS:-}"
CLUSTER_STORE="${CLUSTER_STORE:-s3}"
CLUSTER_S3_PORT="${CLUSTER_S3_PORT:-9879}"
CLUSTER_S3PROXY_JAR="${CLUSTER_S3PROXY_JAR:-$ROOT/target/s3proxy/s3proxy.jar}"
WLP="$ROOT/target/liberty/wlp"
WAR="$ROOT/target/aitbc-coordinator.war"
STATE="$CLUSTER_DIR/cluster.env"
DB_NAME=aitbc
DB_USER=aitbc
DB_PASSWORD=aitbc-cluster

log() { echo "[cluster] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

server_names() {
  local i=0 letters=(a b c d e f g h)
  for _ in $CLUSTER_PORTS; do echo "coordinator-${letters[$i]}"; i=$((i + 1)); done
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# Runs a command as the PostgreSQL owner: the postgres user when we are root (the server
# refuses to run as root), else ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
  local need=()
  [ -n "$(pg_bin)" ] || need+=(postgresql)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}: install them (apt-get install -y ${need[*]}) or run as root"
  log "installing ${need[*]} from Debian"
  # Keep the packages from starting their default services (nginx on port 80, the main
  # PostgreSQL cluster): this script starts its own and must leave nothing else running.
  local policy=/usr/sbin/policy-rc.d created=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created=true
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2 || { $created && rm -f "$policy"; die "apt-get install failed"; }
  $created && rm -f "$policy"
  [ -n "$(pg_bin)" ] || die "PostgreSQL binaries not found after install"
}

ensure_build() {
  # server.xml names usr:aitbcPathGuard-1.0, which `mvn package` unpacks into $WLP/usr/extension.
  if [ -f "$WAR" ] && [ -x "$WLP/bin/server" ] && [ -f "$WLP/usr/shared/resources/jdbc/postgresql.jar" ] \
    && [ -f "$WLP/usr/extension/lib/features/aitbcPathGuard-1.0.mf" ]; then
    return 0
  fi
  log "building the war and installing Open Liberty (mvn package liberty:create)"
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package liberty:create) >&2
}

start_postgres() {
  local bin; bin=$(pg_bin)
  PG_DIR=$(mktemp -d /tmp/aitbc-cluster-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  # Recorded before anything starts, so that `down` can clean up after a failed `up`.
  write_state
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  local pw="$PG_DIR/pw"
  echo "$DB_PASSWORD" | as_pg tee "$pw" >/dev/null
  as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$pw" -E UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log" >&2; die "initdb failed"; }
  pg_start
  as_pg "$bin/psql" -h "$PG_DIR" -p "$CLUSTER_PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'" \
    -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
  log "PostgreSQL on 127.0.0.1:$CLUSTER_PG_PORT, data in $PG_DIR/data"
}

pg_start() {
  local bin; bin=$(pg_bin)
  # Loopback only; the socket lives in the data folder's parent, not in /var/run.
  as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgresql.log" -w -t 60 \
    -o "-p $CLUSTER_PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2
}

pg_stop() {
  local bin; bin=$(pg_bin)
  as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >&2 || true
}

# The cluster's webhook sealing key (base64 of 32 random bytes), made once per CLUSTER_DIR.
webhook_key() {
  local f=$CLUSTER_DIR/webhook-secret.key
  if [ ! -s "$f" ]; then
    mkdir -p "$CLUSTER_DIR"
    (umask 077 && head -c 32 /dev/urandom | base64 > "$f")
  fi
  cat "$f"
}

create_server() {
  local name=$1 port=$2 dir="$WLP/usr/servers/$1"
  rm -rf "$dir"
  mkdir -p "$dir/apps"
  cp "$ROOT/server.xml" "$dir/server.xml"
  cp -r "$ROOT/liberty/." "$dir/"
  cp "$WAR" "$dir/apps/"
  cp "$CLUSTER_SERVER_ENV" "$dir/server.env"
  if [ -n "$CLUSTER_JVM_OPTIONS" ]; then
    { echo; echo "# Added by scripts/cluster.sh from $CLUSTER_JVM_OPTIONS"; cat "$CLUSTER_JVM_OPTIONS"; } >> "$dir/jvm.options"
  fi
  {
    echo
    echo "# Added by scripts/cluster.sh: every server shares the database and the result store."
    store_env "$name"
    echo "# The leadership moves within lease + renewal (about 12 s); liveness allows a few minutes."
    echo "AITBC_HEALTH_SWEEPER_STALE_SECONDS=300"
    echo "# One key seals the webhook secrets for all: any server's sender must open what another sealed."
    echo "AITBC_WEBHOOKS_SECRET_KEY=$(webhook_key)"
  } >> "$dir/server.env"
  cat > "$dir/bootstrap.properties" <<EOF
# Written by scripts/cluster.sh
http.port=$port
https.port=$((port + 360))
db.kind=postgresql
db.url=jdbc:postgresql://127.0.0.1:$CLUSTER_PG_PORT/$DB_NAME
db.user=$DB_USER
db.password=$DB_PASSWORD
EOF
}

# ---- the result store (CLUSTER_STORE): an s3proxy bucket, or one shared directory ----------

S3_BUCKET=aitbc-cluster
S3_PREFIX=results/
S3_ACCESS_KEY=cluster-access-key
S3_SECRET_KEY=cluster-secret-key-0123456789

# The lines of a server's server.env that say where it keeps files. On s3 every server gets a
# folder of its own for whatever else it might write there (live logs are in the database with
# s3): nothing on disk is shared.
store_env() {
  local name=$1
  if [ "$CLUSTER_STORE" = s3 ]; then
    echo "AITBC_RESULTS_STORE=s3"
    echo "AITBC_RESULTS_S3_ENDPOINT=http://127.0.0.1:$CLUSTER_S3_PORT"
    echo "AITBC_RESULTS_S3_REGION=us-east-1"
    echo "AITBC_RESULTS_S3_BUCKET=$S3_BUCKET"
    echo "AITBC_RESULTS_S3_PREFIX=$S3_PREFIX"
    echo "AITBC_RESULTS_S3_ACCESS_KEY=$S3_ACCESS_KEY"
    echo "AITBC_RESULTS_S3_SECRET_KEY=$S3_SECRET_KEY"
    echo "AITBC_RESULTS_S3_PATH_STYLE=true"
    echo "AITBC_RESULTS_DIR=$(local_dir "$name")/results"
  else
    echo "AITBC_RESULTS_DIR=$CLUSTER_DIR/results"
  fi
}

local_dir() { echo "$CLUSTER_DIR/local/$1"; }

# The s3proxy jar: the one the build fetched, else from the local Maven repository (fetched from
# Maven Central into it when missing), at the version src/pom.xml names.
s3proxy_jar() {
  [ -f "$CLUSTER_S3PROXY_JAR" ] && return 0
  local v jar
  v=$(sed -n 's:.*<s3proxy.version>\(.*\)</s3proxy.version>.*:\1:p' "$ROOT/src/pom.xml" | head -1)
  jar="$HOME/.m2/repository/org/gaul/s3proxy/$v/s3proxy-$v-jar-with-dependencies.jar"
  if [ ! -f "$jar" ]; then
    log "fetching s3proxy $v from Maven Central"
    (cd "$ROOT" && mvn -B -ntp -q dependency:get -Dtransitive=false \
      -Dartifact="org.gaul:s3proxy:$v:jar:jar-with-dependencies") >&2
  fi
  mkdir -p "$(dirname "$CLUSTER_S3PROXY_JAR")"
  cp "$jar" "$CLUSTER_S3PROXY_JAR"
}

# s3proxy over a fresh folder (filesystem blobstore) on loopback, and the bucket, created through
# the S3 API (a signed PUT) as on a real store. CLUSTER_STORE=file: the one shared directory.
start_store() {
  if [ "$CLUSTER_STORE" != s3 ]; then
    mkdir -p "$CLUSTER_DIR/results"
    return 0
  fi
  s3proxy_jar
  local dir="$CLUSTER_DIR/s3proxy" data pid i code
  rm -rf "$dir" "$CLUSTER_DIR/local"
  mkdir -p "$dir/data"
  # s3proxy refuses every bucket under a path with '..' in it: give it the canonical one.
  data=$(cd "$dir/data" && pwd -P)
  {
    echo "# Written by scripts/cluster.sh"
    echo "s3proxy.authorization=aws-v2-or-v4"
    echo "s3proxy.identity=$S3_ACCESS_KEY"
    echo "s3proxy.credential=$S3_SECRET_KEY"
    echo "jclouds.provider=filesystem"
  } > "$dir/s3proxy.properties"
  nohup java -Xmx256m -Ds3proxy.endpoint="http://127.0.0.1:$CLUSTER_S3_PORT" \
    -Djclouds.filesystem.basedir="$data" -jar "$CLUSTER_S3PROXY_JAR" \
    --properties "$dir/s3proxy.properties" </dev/null >"$dir/s3proxy.log" 2>&1 &
  pid=$!
  # Recorded at once, so that `down` stops it after a failed `up`.
  {
    echo "CLUSTER_S3_PID=$pid"
    echo "CLUSTER_S3_URL=http://127.0.0.1:$CLUSTER_S3_PORT"
    echo "CLUSTER_S3_BUCKET=$S3_BUCKET"
    echo "CLUSTER_S3_PREFIX=$S3_PREFIX"
    echo "CLUSTER_S3_DATA=$data"
  } >> "$STATE"
  code=000
  for i in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/s3proxy.log" >&2; die "s3proxy exited"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CLUSTER_S3_PORT/" || true)
    [ "$code" != 000 ] && break
    sleep 0.5
  done
  [ "$code" != 000 ] || die "s3proxy did not answer on 127.0.0.1:$CLUSTER_S3_PORT (see $dir/s3proxy.log)"
  code=$(curl -s -o "$dir/create-bucket.out" -w '%{http_code}' -X PUT \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "http://127.0.0.1:$CLUSTER_S3_PORT/$S3_BUCKET" || true)
  [ "$code" = 200 ] || { cat "$dir/create-bucket.out" >&2; die "creating bucket $S3_BUCKET: HTTP $code"; }
  log "s3proxy on 127.0.0.1:$CLUSTER_S3_PORT, bucket $S3_BUCKET, objects in $data"
}

stop_store() {
  [ -n "${CLUSTER_S3_PID:-}" ] || return 0
  kill "$CLUSTER_S3_PID" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$CLUSTER_S3_PID" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$CLUSTER_S3_PID" 2>/dev/null || true
  log "s3proxy stopped"
}

# Which store, and the folder each server writes to besides the store (CLUSTER_LOCAL_i), for
# the tests that check nothing of a result lands there.
write_store_state() {
  local i=0 name
  echo "CLUSTER_STORE=$CLUSTER_STORE" >> "$STATE"
  for name in $(server_names); do
    if [ "$CLUSTER_STORE" = s3 ]; then
      mkdir -p "$(local_dir "$name")"
      echo "CLUSTER_LOCAL_$i=$(local_dir "$name")" >> "$STATE"
    fi
    i=$((i + 1))
  done
}

wait_ready() {
  local name=$1 port=$2 i
  for i in $(seq 1 180); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" = 200 ]; then
      log "$name ready on 127.0.0.1:$port"
      return 0
    fi
    sleep 1
  done
  tail -50 "$WLP/usr/servers/$name/logs/messages.log" >&2 || true
  die "$name did not become ready on port $port"
}

start_nginx() {
  local ngx=$CLUSTER_DIR/nginx upstream="" port
  mkdir -p "$ngx/logs" "$ngx/tmp"
  for port in $CLUSTER_PORTS; do
    upstream+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  local user_line=""
  if [ "$(id -u)" = 0 ]; then user_line="user nobody nogroup;"; chown -R nobody:nogroup "$ngx/tmp"; fi
  cat > "$ngx/nginx.conf" <<EOF
# Written by scripts/cluster.sh: a round-robin load balancer on loopback in front of the servers.
$user_line
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log $ngx/logs/access.log;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  upstream coordinators {
$upstream    keepalive 64;
  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:$CLUSTER_LB_PORT;
    # The coordinator limits request sizes itself; streams stay streams through the proxy.
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_http_version 1.1;
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection \$connection_upgrade;
    # Long polls wait up to 30 s; WebSocket feeds stay open with pings.
    proxy_read_timeout 120s;
    proxy_send_timeout 120s;
    proxy_connect_timeout 2s;
    # A server that refuses the connection is skipped; a request already sent to a server
    # that then died is not sent again (POSTs are not idempotent): the client sees 502.
    proxy_next_upstream error timeout;
    location / { proxy_pass http://coordinators; }
    # The balancer's own failures in the coordinator's error shape (SPEC 2a), with Retry-After:
    # a client sees one kind of error whoever answers, and resends (a submission with its
    # Idempotency-Key) after the seconds given.
    error_page 502 = @bad_gateway;
    error_page 504 = @gateway_timeout;
    location @bad_gateway {
      default_type application/json;
      add_header Retry-After 1 always;
      add_header Cache-Control no-store always;
      return 502 '{"error":{"status":502,"code":"UPSTREAM_UNAVAILABLE","message":"no coordinator server answered this request; send it again after the seconds in Retry-After"}}';
    }
    location @gateway_timeout {
      default_type application/json;
      add_header Retry-After 1 always;
      add_header Cache-Control no-store always;
      return 504 '{"error":{"status":504,"code":"UPSTREAM_TIMEOUT","message":"no coordinator server answered this request in time; send it again after the seconds in Retry-After"}}';
    }
  }
}
EOF
  /usr/sbin/nginx -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" \
    || die "nginx did not start (see $ngx/logs/error.log)"
  log "nginx on 127.0.0.1:$CLUSTER_LB_PORT"
}

server_pid() {
  cat "$WLP/usr/servers/.pid/$1.pid" 2>/dev/null || true
}

write_state() {
  local names ports admin
  names=$(server_names | tr '\n' ' ')
  admin=$(sed -n 's/^AITBC_ADMIN_KEY=//p' "$CLUSTER_SERVER_ENV" | tail -1)
  {
    echo "CLUSTER_LB_URL=http://127.0.0.1:$CLUSTER_LB_PORT"
    local i=0 name
    for port in $CLUSTER_PORTS; do
      name=$(server_names | sed -n "$((i + 1))p")
      echo "CLUSTER_SERVER_$i=$name"
      echo "CLUSTER_URL_$i=http://127.0.0.1:$port"
      i=$((i + 1))
    done
    echo "CLUSTER_SERVERS=\"${names% }\""
    echo "CLUSTER_SIZE=$i"
    echo "CLUSTER_PG_PORT=$CLUSTER_PG_PORT"
    echo "CLUSTER_PG_DIR=$PG_DIR"
    echo "CLUSTER_JDBC_URL=jdbc:postgresql://127.0.0.1:$CLUSTER_PG_PORT/$DB_NAME"
    echo "CLUSTER_DB_USER=$DB_USER"
    echo "CLUSTER_DB_PASSWORD=$DB_PASSWORD"
    echo "CLUSTER_ADMIN_KEY=$admin"
    echo "CLUSTER_WLP=$WLP"
    echo "CLUSTER_RESULTS_DIR=$CLUSTER_DIR/results"
    echo "CLUSTER_PORTS=\"$CLUSTER_PORTS\""
    echo "CLUSTER_LB_PORT=$CLUSTER_LB_PORT"
  } > "$STATE"
}

load_state() {
  [ -f "$STATE" ] || die "no cluster state in $STATE (not up?)"
  # shellcheck disable=SC1090
  . "$STATE"
  PG_DIR=$CLUSTER_PG_DIR
  CLUSTER_PORTS=${CLUSTER_PORTS}
}

up() {
  [ -f "$STATE" ] && die "a cluster is already up ($STATE); run: $0 down"
  case "$CLUSTER_STORE" in s3 | file) ;; *) die "CLUSTER_STORE is s3 or file, not $CLUSTER_STORE" ;; esac
  mkdir -p "$CLUSTER_DIR"
  install_packages
  ensure_build
  start_postgres
  start_store
  write_store_state
  local i=0 names=() ports=() name port
  for port in $CLUSTER_PORTS; do
    name=$(server_names | sed -n "$((i + 1))p")
    names+=("$name"); ports+=("$port")
    create_server "$name" "$port"
    i=$((i + 1))
  done
  if [ "$CLUSTER_STAGGER" = true ]; then
    for i in "${!names[@]}"; do
      "$WLP/bin/server" start "${names[$i]}" >&2
      wait_ready "${names[$i]}" "${ports[$i]}"
    done
  else
    # All at once, as after a whole-cluster restart: schema creation and the timers' start-up
    # logic must cope with servers racing on an empty database.
    local pids=()
    for i in "${!names[@]}"; do
      "$WLP/bin/server" start "${names[$i]}" >"$CLUSTER_DIR/start-${names[$i]}.log" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || true; done
    for i in "${!names[@]}"; do wait_ready "${names[$i]}" "${ports[$i]}"; done
  fi
  start_nginx
  log "up: $STATE"
  cat "$STATE"
}

down() {
  if [ ! -f "$STATE" ]; then log "nothing to stop"; return 0; fi
  load_state
  local ngx=$CLUSTER_DIR/nginx name pid
  if [ -f "$ngx/nginx.pid" ]; then
    pid=$(cat "$ngx/nginx.pid")
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for name in $CLUSTER_SERVERS; do
    pid=$(server_pid "$name")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      "$WLP/bin/server" stop "$name" >&2 || true
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_stop
    rm -rf "$PG_DIR"
  fi
  stop_store
  rm -f "$STATE"
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) load_state; cat "$STATE" ;;
  db-stop) load_state; pg_stop; log "PostgreSQL stopped" ;;
  db-start) load_state; pg_start; log "PostgreSQL started" ;;
  db-dump)
    load_state
    [ -n "${2:-}" ] || die "usage: $0 db-dump FILE"
    # pg_dump writes to stdout, so the file belongs to whoever runs this script.
    as_pg "$(pg_bin)/pg_dump" -h "$PG_DIR" -p "$CLUSTER_PG_PORT" -U postgres -d "$DB_NAME" -Fc >"$2"
    log "dumped $DB_NAME to $2"
    ;;
  db-restore)
    load_state
    [ -n "${2:-}" ] && [ -n "${3:-}" ] || die "usage: $0 db-restore FILE NAME"
    as_pg "$(pg_bin)/createdb" -h "$PG_DIR" -p "$CLUSTER_PG_PORT" -U postgres -O "$DB_USER" "$3"
    as_pg "$(pg_bin)/pg_restore" -h "$PG_DIR" -p "$CLUSTER_PG_PORT" -U postgres -d "$3" \
      --no-owner --role="$DB_USER" --exit-on-error <"$2"
    log "restored $2 into $3"
    ;;
  pause|resume)
    load_state
    [ -n "${2:-}" ] || die "usage: $0 $1 SERVER_NAME"
    pid=$(server_pid "$2")
    [ -n "$pid" ] || die "no pid for $2"
    if [ "$1" = pause ]; then kill -STOP "$pid"; else kill -CONT "$pid"; fi
    log "$2 (pid $pid) ${1}d"
    ;;
  start|restart)
    load_state
    [ -n "${2:-}" ] || die "usage: $0 $1 SERVER_NAME"
    port=""
    i=0
    for p in $CLUSTER_PORTS; do
      [ "$(server_names | sed -n "$((i + 1))p")" = "$2" ] && port=$p
      i=$((i + 1))
    done
    [ -n "$port" ] || die "no server $2 in this cluster"
    if [ "$1" = restart ]; then
      "$WLP/bin/server" stop "$2" >&2 || true
      pid=$(server_pid "$2")
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    "$WLP/bin/server" start "$2" >&2
    wait_ready "$2" "$port"
    ;;
  kill)
    load_state
    [ -n "${2:-}" ] || die "usage: $0 kill SERVER_NAME"
    pid=$(server_pid "$2")
    [ -n "$pid" ] || die "no pid for $2"
    kill -KILL "$pid"
    log "$2 (pid $pid) killed with SIGKILL"
    ;;
  lb-stop|lb-start|lb-restart)
    load_state
    ngx=$CLUSTER_DIR/nginx
    if [ "$1" != lb-start ] && [ -f "$ngx/nginx.pid" ]; then
      pid=$(cat "$ngx/nginx.pid")
      # SIGTERM: a fast shutdown, open connections (WebSockets, long polls) are cut as a crash would.
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$ngx/nginx.pid"
      log "nginx stopped"
    fi
    if [ "$1" != lb-stop ]; then
      /usr/sbin/nginx -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" \
        || die "nginx did not start (see $ngx/logs/error.log)"
      log "nginx on 127.0.0.1:$CLUSTER_LB_PORT"
    fi
    ;;
  *) sed -n '2,41p' "$0"; exit 2 ;;
esac
