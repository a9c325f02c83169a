#!/usr/bin/env bash
# Lint, then run the whole suite on SQLite and on a throwaway PostgreSQL. Exits non-zero if either run
# fails or collects no tests (pytest's exit 5 counts as a failure).
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
PY=.venv/bin/python
status=0

run_suite() {
  local label=$1
  echo "=== Test suite on $label"
  $PY -m pytest -p no:cacheprovider "${PYTEST_ARGS[@]}"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "=== $label: pytest exited $rc" >&2
    status=1
  fi
}

PYTEST_ARGS=("${@:2}")

if [ "$which" = all ] || [ "$which" = lint ]; then
  echo "=== Lint (ruff)"
  if ! .venv/bin/ruff check .; then
    echo "=== lint: ruff found problems" >&2
    status=1
  fi
fi

if [ "$which" = all ] || [ "$which" = sqlite ]; then
  DATABASE_URL="sqlite:///$(mktemp -d)/test.sqlite3" run_suite SQLite
fi

if [ "$which" = all ] || [ "$which" = postgres ]; then
  pgdir=$(mktemp -d /tmp/samverkan-pg-XXXXXX)
  trap 'scripts/pg_cluster.sh stop "$pgdir"' EXIT
  if url=$(scripts/pg_cluster.sh start "$pgdir"); then
    DATABASE_URL="$url" run_suite PostgreSQL
  else
    echo "=== Could not start PostgreSQL; see $pgdir/*.log" >&2
    cat "$pgdir"/*.log >&2 || true
    status=1
  fi
fi

exit $status
