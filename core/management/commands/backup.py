"""Back up the database to a file: SQLite's online backup, or pg_dump's custom format.

    python manage.py backup var/backups/samverkan-2026-11-23.sqlite3   (SQLite)
    python manage.py backup var/backups/samverkan-2026-11-23.dump      (PostgreSQL)

Restore with `python manage.py restore FILE --yes`.
"""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.management.dbtools import pg_command


class Command(BaseCommand):
    help = "Back up the database to a file."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} finns redan; välj ett nytt filnamn.")
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(target) as destination:
                connection.connection.backup(destination)
            destination.close()
        elif connection.vendor == "postgresql":
            pg_command("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"])
        else:
            raise CommandError(f"Unsupported database: {connection.vendor}")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target} ({target.stat().st_size} bytes)."))
