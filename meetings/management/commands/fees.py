"""Patients' fees for a file of visits, with the same engine as the pages and the API:

    python manage.py fees --visits VISITS.csv --schedule SCHEDULE.toml --charges OUT.csv

A bad input file is refused whole: every problem is printed with its line number, nothing is
written, and the command exits with status 2. So does a schedule that lacks a year the visits need.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.files import FileErrors, read_input
from meetings.fee_files import charges_csv, read_schedule, read_visits
from meetings.rules.fees import FeeError, calculate_charges

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Calculate patient fees from a visits CSV and a fee schedule TOML (meetings-and-fees.md)."

    def add_arguments(self, parser):
        parser.add_argument("--visits", required=True, help="VISITS.csv")
        parser.add_argument("--schedule", required=True, help="SCHEDULE.toml")
        parser.add_argument("--charges", required=True, help="OUT.csv to write")

    def handle(self, *args, visits, schedule, charges, **options):
        try:
            fee_schedule = read_schedule(read_input(schedule), filename=schedule)
            # Visit kinds are checked against the schedule, so the visits are read after it.
            visit_list = read_visits(read_input(visits), fee_schedule, filename=visits)
        except FileErrors as error:
            for line in error.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(error.problems)} fel i indata; ingenting skrevs.", returncode=BAD_INPUT) from None
        try:
            result = calculate_charges(visit_list, fee_schedule)
        except FeeError as error:
            raise CommandError(f"{schedule}: {error}", returncode=BAD_INPUT) from None
        Path(charges).write_text(charges_csv(result), encoding="utf-8")
        total = sum(c.fee_sek for c in result)
        self.stdout.write(f"{len(result)} besök, {total} kr i avgifter; skrev {charges}.")
