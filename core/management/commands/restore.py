"""Restore the database from a file made by `manage.py backup`. Replaces all current data."""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.management.dbtools import pg_restore_replacing


class Command(BaseCommand):
    help = "Restore the database from a backup file (replaces all data)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="Confirm that all current data is replaced.")

    def handle(self, *args, path, yes, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{source} finns inte.")
        if not yes:
            raise CommandError("Återställning ersätter all data. Kör igen med --yes för att bekräfta.")
        if connection.vendor == "sqlite":
            try:
                backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
                backup.execute("SELECT count(*) FROM django_migrations").fetchone()
            except sqlite3.DatabaseError as error:
                raise CommandError(f"{source} är ingen Samverkan-säkerhetskopia: {error}") from None
            connection.ensure_connection()
            with backup:
                backup.backup(connection.connection)
            backup.close()
        elif connection.vendor == "postgresql":
            connection.close()
            pg_restore_replacing(source)
        else:
            raise CommandError(f"Unsupported database: {connection.vendor}")
        self.stdout.write(self.style.SUCCESS(f"Database restored from {source}."))
