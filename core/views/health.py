"""Health checks for load balancers and orchestrators. No login, no patient data.

`/healthz` is liveness: the process answers requests. It does not touch the database, so a
database outage does not make an orchestrator restart every application process.
`/readyz` is readiness: send traffic here only when the database answers and every migration in
the code is applied (an upgrade migrates before traffic is switched; see README.md).

It also judges the background task worker (`manage.py db_worker`, docs/decisions.md "Background
tasks") by its work rather than by a heartbeat: the worker is "ok" while no task has waited to run
longer than TASK_MAX_WAIT_SECONDS. A stopped worker, or one that cannot keep up, leaves tasks
waiting, and readiness then answers 503 with the time the oldest one has waited since.
"""

from datetime import timedelta

from django.conf import settings

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def unapplied_migrations(connection):
    """The migrations in the code that the database has not applied, as "app.name" strings."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def oldest_waiting_task(using, now=None):
    """When the task that has waited longest past TASK_MAX_WAIT_SECONDS became due, or None.
    A task is due when enqueued, or at its `run_after` time if it was scheduled for later."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.TASK_MAX_WAIT_SECONDS)
    overdue = (DBTaskResult.objects.using(using)
               .filter(status=TaskResultStatus.READY, enqueued_at__lt=limit)
               .filter(Q(run_after=get_date_max()) | Q(run_after__lt=limit))
               .order_by("enqueued_at").first())
    if overdue is None:
        return None
    return overdue.enqueued_at if overdue.run_after == get_date_max() else max(overdue.enqueued_at, overdue.run_after)


def readiness(connection):
    """(ready, report) for the database behind `connection`."""
    report = {"database": "ok", "migrations": "ok", "worker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"; the reason goes to the log, not the answer
        report.update(database="unavailable", migrations="unknown", worker="unknown")
        return False, report
    pending = unapplied_migrations(connection)
    if pending:
        report.update(migrations="pending", unapplied_migrations=len(pending), worker="unknown")
        return False, report
    waiting_since = oldest_waiting_task(connection.alias)
    if waiting_since is not None:
        report["worker"] = f"tasks waiting since {waiting_since.isoformat()}"
    return waiting_since is None, report


@require_GET
def readyz(request):
    ready, report = readiness(connections[DEFAULT_DB_ALIAS])
    return JsonResponse({"status": "ok" if ready else "unavailable", **report}, status=200 if ready else 503)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page names: sent on to the icon in static/."""
    return redirect(static("favicon.svg"), permanent=True)
