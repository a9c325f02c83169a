"""What the two import commands share (a module starting with _ is no command)."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ActionError
from core.files import FileErrors, read_input
from core.imports import command_actor, report_lines


class ImportCommand(BaseCommand):
    importer = None  # core.imports.import_units or import_staff
    roles = ()  # the roles of a membership the command may act through

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8), in the format of docs/imports.md.")
        parser.add_argument("--as", dest="username", required=True,
                            help="The administrator the import acts as (and is logged under).")
        parser.add_argument("--unit", default="",
                            help="The HSA-id of the unit to act for, when that administrator has several.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, write nothing.")

    def handle(self, *args, file, username, unit, dry_run, **options):
        try:
            actor = command_actor(username, unit_hsa_id=unit, roles=self.roles)
        except ActionError as error:
            raise CommandError(" ".join(m for ms in error.errors.values() for m in ms)) from None
        try:
            text = read_input(file)
            report = self.importer(actor, text, filename=file, dry_run=dry_run)
        except FileErrors as error:
            raise CommandError("Filen läses inte in; inget är sparat.\n" + "\n".join(error.lines())) from None
        lines = report_lines(report)
        for line in lines[:-1]:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(lines[-1]))
