"""Recompute a month's payment liability from files, with the same engine as the pages and the API:

    python manage.py liability --events EVENTS.csv --agreement AGREEMENT.toml --month 2023-03 \\
        --per-case OUT_CASES.csv --summary OUT_SUMMARY.csv

A bad input file is refused whole: every problem is printed with its line number, nothing is
written, and the command exits with status 2.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.files import FileErrors, read_input
from discharge.liability_files import cases_csv, read_agreement, read_events, summary_csv
from discharge.rules.liability import LiabilityError, Month, calculate_month

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Calculate a month's payment liability from an events CSV and an agreement TOML (svu.md)."

    def add_arguments(self, parser):
        parser.add_argument("--events", required=True, help="EVENTS.csv")
        parser.add_argument("--agreement", required=True, help="AGREEMENT.toml")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--per-case", required=True, dest="per_case", help="OUT_CASES.csv to write")
        parser.add_argument("--summary", required=True, help="OUT_SUMMARY.csv to write")

    def handle(self, *args, events, agreement, month, per_case, summary, **options):
        try:
            month = Month.parse(month)
        except ValueError as error:
            raise CommandError(str(error), returncode=BAD_INPUT) from None
        problems = []
        terms = cases = None
        try:
            terms = read_agreement(read_input(agreement), filename=agreement)
        except FileErrors as error:
            problems += error.lines()
        try:
            cases = read_events(read_input(events), filename=events)
        except FileErrors as error:
            problems += error.lines()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} fel i indata; ingenting skrevs.", returncode=BAD_INPUT)
        try:
            result = calculate_month(cases, terms, month)
        except LiabilityError as error:
            raise CommandError(f"{agreement}: {error}", returncode=BAD_INPUT) from None
        # Both outputs are rendered before either is written.
        outputs = [(per_case, cases_csv(result)), (summary, summary_csv(result))]
        for path, text in outputs:
            Path(path).write_text(text, encoding="utf-8")
        self.stdout.write(f"{month}: {len(result.cases)} ärenden, {len(result.summaries)} summeringsrader; "
                          f"skrev {per_case} och {summary}.")
