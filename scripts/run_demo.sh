#!/usr/bin/env bash
# `make run`: the demo's web server and its background task worker (`manage.py db_worker`, which
# sends the mail), started together and stopped together: when the server stops (Ctrl-C, or a
# signal to this script), the worker is stopped too.
set -uo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PY" manage.py print_demo_logins || exit 1

pids=()
stop() {
  trap - EXIT INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

"$PY" manage.py db_worker &
pids+=($!)
"$PY" manage.py runserver "$HOST:$PORT" &
pids+=($!)
# Both run in the background so this script answers signals at once; it ends when the server does.
wait "${pids[1]}"
