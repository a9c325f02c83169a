"""Keeps the audit log's monthly partitions (PostgreSQL; core/partitions.py): creates this month's and
the coming months' partitions, detaches the months older than AUDIT_RETENTION_YEARS, and rewrites
each month that closed at least a day ago in patient order, once (the same rows, sorted as a patient's
log is read; readers go on meanwhile). Run it daily from cron (README.md, "Running in production"):

    python manage.py audit_partitions [--months-ahead 3] [--no-detach] [--no-compact]

While an index of the log is being built (core migration 0014) it does nothing and exits with 1.
A detached partition is printed by name: an ordinary table outside the log now, for the database
administrator to archive (pg_dump -t NAME) and drop. On SQLite the log is one table: nothing to do.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from core import partitions


class Command(BaseCommand):
    help = ("Create the audit log's coming monthly partitions, detach those past the retention time and rewrite "
            "closed months in patient order.")

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)
        parser.add_argument("--no-detach", action="store_true", help="Do not detach expired months.")
        parser.add_argument("--no-compact", action="store_true", help="Do not rewrite closed months in patient order.")

    def handle(self, *args, months_ahead, no_detach, no_compact, **options):
        if not partitions.is_partitioned(connection):
            self.stdout.write("The audit log is one table on this database: no partitions to keep.")
            return
        building = partitions.indexes_being_built(connection)
        if building:  # the coming months exist three months ahead: a few nights without this run do no harm
            self.stderr.write(f"nothing done: the audit log's index {', '.join(building)} is not complete; "
                              "run `manage.py migrate` to the end, then this run again")
            raise SystemExit(1)
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
        postponed = [] if no_compact else self.compact()
        if skipped or postponed:
            raise SystemExit(1)

    def compact(self):
        """Each closed month in patient order, once; a month that could not be swapped in (the log
        too busy, late rows) is left as it was and tried again on the next run."""
        done, postponed = partitions.compact_closed_months(connection, timezone.now())
        for c in done:
            self.stdout.write(f"compacted {c.name} in patient order: {c.rows} rows in {c.seconds:.1f} s "
                              f"(the log locked {1000 * c.lock_seconds:.0f} ms after waiting "
                              f"{1000 * c.lock_wait_seconds:.0f} ms; vacuum {c.vacuum_seconds:.1f} s)")
        for name, why in postponed:
            self.stderr.write(f"not compacted {name}: {why}; tried again on the next run")
        return postponed
