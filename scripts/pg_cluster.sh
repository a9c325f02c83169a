#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on a free local port, run by an
# unprivileged user. `start DIR` prints the DATABASE_URL; `stop DIR` stops it and removes DIR.
# `replica DIR PRIMARY_URL` starts a hot standby streaming from a cluster started here (pg_basebackup)
# and prints its URL: the read replica of core/db_router.py (tests/test_replica.py).
#
# PG_MODE chooses how the cluster treats the disk:
#   fast (the default, for tests): fsync, synchronous_commit and full_page_writes off. A crash can
#     lose or corrupt the cluster, which a throwaway test database does not mind, and tests run faster.
#   durable (the benchmarks, scripts/run_bench.sh): all three on, as production runs, so that every
#     commit (an audited read commits its audit row) waits for the WAL to reach the disk. Memory
#     settings (shared_buffers, work_mem, ...) come from PG_EXTRA_OPTIONS either way.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?directory}
PG_USER=samverkan-pg
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  if [ "$(id -u)" -eq 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$dir"
  case "${PG_MODE:-fast}" in
    fast) disk="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" ;;
    durable) disk="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" ;;
    *) echo "PG_MODE must be fast or durable" >&2; exit 2 ;;
  esac
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $disk -c max_connections=200 ${PG_EXTRA_OPTIONS:-}" >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
replica)
  primary=${3:?primary URL}
  if [ "$(id -u)" -eq 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$bindir/pg_basebackup" -D "$dir/data" -d "$primary" -R -X stream >"$dir/basebackup.log" 2>&1
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=200" >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR | replica DIR PRIMARY_URL" >&2
  exit 2
  ;;
esac
