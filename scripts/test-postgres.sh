#!/usr/bin/env bash
# Start a local PostgreSQL for tests and create a fresh database for them.
#
#   eval "$(scripts/test-postgres.sh start [DBNAME] [ROLE])"   # exports SD_TEST_DATABASE_URL and PGPORT
#   scripts/test-postgres.sh stop                               # stops the cluster when its last user stops
#   SD_PG_CLUSTER=mine eval "$(scripts/test-postgres.sh start)"  # a cluster of your own, on its own port
#
# Runs side by side (helpers, parallel test runs) share the cluster "main" safely: each start is counted
# and the server stops only when every start has had its stop; or give each run its own SD_PG_CLUSTER.
#
# Idempotent: installs Debian's postgresql package when no server is there (needs root and the package
# registry), starts the cluster if it is down, drops and recreates DBNAME (default sd_test) owned by a
# login ROLE (default sd_app, password = role name). Extra roles for row-level-security tests can be made
# with psql as the postgres user: see `psql_admin` below. Prints only `export` lines on stdout.
set -euo pipefail
cmd=${1:-start}
db=${2:-sd_test}
role=${3:-sd_app}
cluster=${SD_PG_CLUSTER:-main}
marker=/tmp/.sd-pg-started-by-ci-$cluster   # exists while this script's start owns the running server
users=/tmp/.sd-pg-users-$cluster            # one line per start not yet stopped

need_server() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "postgres.sh: PostgreSQL is not installed and this is not root" >&2; exit 3; }
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h | awk -v v="$PGVER" -v c="$cluster" '$1==v && $2==c' | grep -q .; then
    pg_createcluster "$PGVER" "$cluster" >&2
  fi
  PGPORT=$(pg_lsclusters -h | awk -v v="$PGVER" -v c="$cluster" '$1==v && $2==c {print $3}')
}

psql_admin() {  # run SQL as the postgres superuser: psql_admin -c "…"
  (cd / && runuser -u postgres -- psql -p "$PGPORT" -v ON_ERROR_STOP=1 -q "$@")
}

case "$cmd" in
  start)
    need_server
    if ! pg_ctlcluster "$PGVER" "$cluster" status >/dev/null 2>&1; then
      pg_ctlcluster "$PGVER" "$cluster" start >&2
      touch "$marker"
    fi
    echo "$$" >> "$users"
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
               -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$role') THEN CREATE ROLE $role LOGIN PASSWORD '$role' CREATEROLE; END IF; END\$\$" \
               -c "CREATE DATABASE $db OWNER $role"
    echo "export PGPORT=$PGPORT"
    echo "export SD_TEST_DATABASE_URL=postgresql+psycopg://$role:$role@127.0.0.1:$PGPORT/$db"
    ;;
  stop)
    need_server
    [ -f "$users" ] && sed -i '1d' "$users"
    if [ -f "$marker" ] && [ ! -s "$users" ]; then
      pg_ctlcluster "$PGVER" "$cluster" stop >&2 || true
      rm -f "$marker" "$users"
    fi
    ;;
  *) echo "usage: postgres.sh start [DBNAME] [ROLE] | stop" >&2; exit 2 ;;
esac
