"""Run the queued background tasks in a test the way production does: the real `db_worker`
command in batch mode, which runs every task that is ready and exits when the queue is empty."""

from django.core.management import call_command


def run_queued_tasks():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
