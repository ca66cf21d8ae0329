#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: its own temp dir, a free port on 127.0.0.1, trust auth.
#   tools/postgres.sh start     prints PGDIR=<dir> and URL=postgresql+psycopg://... (one per line)
#   tools/postgres.sh stop DIR  stops that cluster and deletes DIR
# As root, initdb/pg_ctl run as the postgres user (initdb refuses root); otherwise as the caller.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "postgres.sh: no initdb in $PGBIN (apt-get install postgresql)" >&2; exit 2; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir port log
  dir=$(mktemp -d /tmp/videoatencio-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  log=$dir/server.log
  as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { echo "postgres.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
  # A port can be taken between choosing and binding: retry a few times.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # fsync off: a test cluster trades durability for speed; sockets stay inside the temp dir.
    if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
      as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres videoatencio
      echo "PGDIR=$dir"
      echo "URL=postgresql+psycopg://postgres@127.0.0.1:$port/videoatencio"
      return 0
    fi
  done
  echo "postgres.sh: the server did not start:" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}

stop() {
  local dir=${1:?usage: postgres.sh stop DIR}
  case "$dir" in /tmp/videoatencio-pg.*) ;; *) echo "postgres.sh: refusing to remove $dir" >&2; exit 2 ;; esac
  if [ -d "$dir/data" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,5p' "$0"; exit 2 ;;
esac
