"""Health checks for load balancers and orchestrators. No login, no patient data.

`/healthz` is liveness: the process answers requests. It does not touch the database, so a
database outage does not make an orchestrator restart every application process.
`/readyz` is readiness: send traffic here only when the database answers and every migration in
the code is applied (an upgrade migrates before traffic is switched; see README.md).

There is no background task worker in Samverkan: mail is sent in the request that causes it (after
its transaction commits), and the scheduled jobs (`send_reminders`, `backup`) are commands run by
cron or systemd timers. So readiness reports the worker as "none" instead of pretending to watch one.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET

WORKER_STATUS = "none"  # see the module docstring: no worker process exists to be alive


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def unapplied_migrations(connection):
    """The migrations in the code that the database has not applied, as "app.name" strings."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def readiness(connection):
    """(ready, report) for the database behind `connection`."""
    report = {"database": "ok", "migrations": "ok", "worker": WORKER_STATUS}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"; the reason goes to the log, not the answer
        report.update(database="unavailable", migrations="unknown")
        return False, report
    pending = unapplied_migrations(connection)
    if pending:
        report["migrations"] = "pending"
        report["unapplied_migrations"] = len(pending)
    return not pending, report


@require_GET
def readyz(request):
    ready, report = readiness(connections[DEFAULT_DB_ALIAS])
    return JsonResponse({"status": "ok" if ready else "unavailable", **report}, status=200 if ready else 503)
