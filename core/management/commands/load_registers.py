"""Load the national registers of regions and municipalities (idempotent; rerun after SCB changes)."""

from django.core.management.base import BaseCommand, CommandError

from core.files import FileErrors
from core.registers import load_registers


class Command(BaseCommand):
    help = "Load or update the 21 regions and 290 municipalities from core/data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, write nothing.")

    def handle(self, *args, dry_run, **options):
        try:
            report = load_registers(dry_run=dry_run)
        except FileErrors as error:
            raise CommandError("\n".join(error.lines())) from None
        for code, name, changes in report.created + report.changed:
            fields = ", ".join(f"{key}: {old!r} → {new!r}" for key, (old, new) in changes.items())
            self.stdout.write(f"{code} {name}: {fields}")
        prefix = "Skulle ge: " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
