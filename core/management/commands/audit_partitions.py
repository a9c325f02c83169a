"""Keeps the audit log's monthly partitions (PostgreSQL; core/partitions.py): creates this month's and
the coming months' partitions, and detaches the months older than AUDIT_RETENTION_YEARS. Run it
daily from cron (README.md, "Running in production"):

    python manage.py audit_partitions [--months-ahead 3] [--no-detach]

A detached partition is printed by name: an ordinary table outside the log now, for the database
administrator to archive (pg_dump -t NAME) and drop. On SQLite the log is one table: nothing to do.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from core import partitions


class Command(BaseCommand):
    help = "Create the audit log's coming monthly partitions and detach those past the retention time."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)
        parser.add_argument("--no-detach", action="store_true", help="Only create partitions.")

    def handle(self, *args, months_ahead, no_detach, **options):
        if not partitions.is_partitioned(connection):
            self.stdout.write("The audit log is one table on this database: no partitions to keep.")
            return
        today = timezone.now().date()
        with transaction.atomic():
            created, skipped = partitions.ensure_months(connection, today, months_ahead)
        for name in created:
            self.stdout.write(f"created {name}")
        for name in skipped:
            self.stderr.write(f"not created {name}: its month has rows in the default partition already")
        if not no_detach:
            with transaction.atomic():
                detached = partitions.detach_expired(connection, today, settings.AUDIT_RETENTION_YEARS)
            for name in detached:
                self.stdout.write(f"detached {name} (older than {settings.AUDIT_RETENTION_YEARS} years): "
                                  "archive it and drop it")
        if skipped:
            raise SystemExit(1)
