#!/usr/bin/env bash
# National-scale benchmarks on a throwaway PostgreSQL (one fresh cluster per benchmark).
#   scripts/run_bench.sh [core|discharge|fees|meetings|http|contact|forums|all]     (default: core)
# Every cluster is durable (PG_MODE=durable: fsync, synchronous_commit, full_page_writes on), as in production.
# http: the pages over HTTP under gunicorn with production settings (bench/http_bench.py); a quick run:
#   BENCH_CASES=60000 BENCH_SECONDS=5 BENCH_RUNS=1 scripts/run_bench.sh http
# contact: a burst of new matters through the API with a worker killed, and the queue page over HTTP
#   (bench/contact_bench.py); forums: search and the chair's goal page over HTTP (bench/forums_bench.py).
# core: patient search and audit extract at 1,000,000 patients, 10,000,000 audit rows (~10-20 minutes
#   on 2 cores); a quick run: BENCH_PATIENTS=20000 BENCH_AUDIT_ROWS=200000 scripts/run_bench.sh
# discharge: the month's liability basis for all municipalities and the worklists of a large unit, at
#   1,400,000 cases over a year (~15-20 minutes on 2 cores); a quick run:
#   BENCH_CASES=50000 scripts/run_bench.sh discharge
# Other knobs (BENCH_SEARCHES, BENCH_WORKLIST_RUNS, BENCH_SEED, ...) are listed in bench/*_bench.py.
# Prints load timings and p50/p95/max; writes bench/results/<benchmark>-<timestamp>.json.
# Set BENCH_KEEP_DB=1 to keep the cluster (its directory and URL are printed) for EXPLAIN by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

which=${1:-core}
case "$which" in
  core | discharge | fees | meetings | http | contact | forums) benches=("$which") ;;
  all) benches=(core discharge fees meetings http contact forums) ;;
  *) echo "usage: $0 [core|discharge|fees|meetings|http|contact|forums|all]" >&2; exit 2 ;;
esac

export PG_MODE="${PG_MODE:-durable}"
export PG_EXTRA_OPTIONS="${PG_EXTRA_OPTIONS:--c shared_buffers=1GB -c maintenance_work_mem=1GB -c max_wal_size=8GB -c work_mem=64MB}"

run_one() {
  # Not local: the EXIT trap reads pgdir after the function has returned (this runs in a subshell).
  local bench=$1
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/samverkan-bench-XXXXXX")
  if [ "${BENCH_KEEP_DB:-0}" = 1 ]; then
    trap 'echo "=== Kept the cluster in $pgdir (stop it: scripts/pg_cluster.sh stop $pgdir)"' EXIT
  else
    trap 'scripts/pg_cluster.sh stop "$pgdir"' EXIT
  fi
  if ! url=$(scripts/pg_cluster.sh start "$pgdir"); then
    echo "=== Could not start PostgreSQL; see $pgdir/*.log" >&2
    cat "$pgdir"/*.log >&2 || true
    exit 1
  fi
  export DATABASE_URL="$url"
  echo "=== PostgreSQL at $url ($pgdir)"
  $PY manage.py migrate --noinput -v 0
  $PY "bench/${bench}_bench.py"
}

status=0
for bench in "${benches[@]}"; do
  # Each benchmark in its own subshell: its cluster is stopped (or kept) when it ends, and a missed
  # target in one does not skip the next.
  set +e
  (set -e; run_one "$bench")
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || status=$rc
done
exit $status
