"""Run the queued background tasks in a test the way production does: the real `db_worker`
command in batch mode, which runs every task that is ready and exits when the queue is empty."""

from unittest import mock

from django.core.management import call_command
from django.db import connection


def run_queued_tasks():
    if connection.in_atomic_block:
        # Inside the test's transaction (the usual django_db test) the worker must not do what a
        # long-running worker does between tasks, close stale connections: that would close the
        # test's connection and its transaction (PostgreSQL). Everything else is the real worker.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    else:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
