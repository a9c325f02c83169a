#!/usr/bin/env bash
# National-scale benchmark of core (patient search, audit extract) on a throwaway PostgreSQL.
# Full size by default (1,000,000 patients, 10,000,000 audit rows: ~10-20 minutes on 2 cores);
# a quick run: BENCH_PATIENTS=20000 BENCH_AUDIT_ROWS=200000 scripts/run_bench.sh
# Other knobs (BENCH_SEARCHES, BENCH_EXTRACTS, BENCH_SEED, ...) are listed in bench/core_bench.py.
# Prints load timings and p50/p95/max; writes bench/results/core-<timestamp>.json.
# Set BENCH_KEEP_DB=1 to keep the cluster (its directory and URL are printed) for EXPLAIN by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export PG_EXTRA_OPTIONS="${PG_EXTRA_OPTIONS:--c shared_buffers=1GB -c maintenance_work_mem=1GB -c max_wal_size=8GB -c work_mem=64MB}"
pgdir=$(mktemp -d /tmp/samverkan-bench-XXXXXX)
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
$PY bench/core_bench.py
