"""Patients' fees for a file of visits, with the same engine as the pages and the API:

    python manage.py fees --visits VISITS.csv --schedule SCHEDULE.toml --charges OUT.csv [--timings]

A bad input file is refused whole: every problem is printed with its line number, nothing is
written, and the command exits with status 2. So does a schedule that lacks a year the visits need.
`--timings` prints the seconds of each step (read, parse and validate, calculate, format, write) to
stderr. A plain file of valid visits takes fees/batch.py (columns, both cores), anything
else the exact reader, row by row; the answer is the same either way.
"""

import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.batch import collector_paused
from core.files import FileErrors, read_input
from fees import batch as fee_batch
from fees.files import charges_csv, read_schedule, read_visits
from fees.rules import FeeError, calculate_charges

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Calculate patient fees from a visits CSV and a fee schedule TOML (meetings-and-fees.md)."

    def add_arguments(self, parser):
        parser.add_argument("--visits", required=True, help="VISITS.csv")
        parser.add_argument("--schedule", required=True, help="SCHEDULE.toml")
        parser.add_argument("--charges", required=True, help="OUT.csv to write")
        parser.add_argument("--timings", action="store_true", help="Print each step's seconds to stderr.")

    def run_from_argv(self, argv):
        """From the command line (not call_command): once the answer is written, leave without
        freeing a region's year of objects one by one, which took several seconds a million visits
        (the operating system takes the memory back at once). A refused file still exits 2 as before."""
        super().run_from_argv(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    def handle(self, *args, visits, schedule, charges, timings, **options):
        steps = {}
        clock = time.perf_counter()

        def step(name):
            nonlocal clock
            now = time.perf_counter()
            steps[name] = now - clock
            clock = now

        # Millions of rows, none in a reference cycle: the cyclic collector would walk them again and
        # again as they are made (core/batch.py).
        with collector_paused():
            try:
                fee_schedule = read_schedule(read_input(schedule), filename=schedule)
            except FileErrors as error:
                self.refuse(error)
            answer = self.fast_answer(visits, fee_schedule, step)
            if answer is None:
                answer = self.exact_answer(visits, fee_schedule, schedule, step)
            text, count, total = answer
            Path(charges).write_text(text, encoding="utf-8")
            step("write")
        self.stdout.write(f"{count} besök, {total} kr i avgifter; skrev {charges}.")
        if timings:
            self.stderr.write("  ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items()))

    def refuse(self, error):
        for line in error.lines():
            self.stderr.write(line)
        raise CommandError(f"{len(error.problems)} fel i indata; ingenting skrevs.", returncode=BAD_INPUT) from None

    def fast_answer(self, visits, fee_schedule, step):
        """A plain file of valid visits (nearly every region's file) through fee_batch: columns, both
        cores. None when the file needs the exact reader (a problem to report, quoting, ...)."""
        try:
            data = Path(visits).read_bytes()
        except OSError:
            return None  # read_input below says why
        step("read")
        columns = fee_batch.plain_columns(data, fee_schedule)
        del data
        if columns is None:
            return None
        step("parse and validate")
        try:
            answer = fee_batch.priced(columns, fee_schedule, fee_batch.workers())
        except FeeError:
            return None  # the exact path names the first missing figure, as it always has
        step("calculate and format")
        return answer

    def exact_answer(self, visits, fee_schedule, schedule, step):
        """Row by row with Python's csv, every problem reported with its line number."""
        try:
            text = read_input(visits)
            step("read")
            # Visit kinds are checked against the schedule, so the visits are read after it.
            visit_list = read_visits(text, fee_schedule, filename=visits)
            del text
            step("parse and validate")
        except FileErrors as error:
            self.refuse(error)
        try:
            result = calculate_charges(visit_list, fee_schedule)
        except FeeError as error:
            raise CommandError(f"{schedule}: {error}", returncode=BAD_INPUT) from None
        step("calculate")
        text = charges_csv(result)
        step("format")
        # Kept on the command until the process ends (run_from_argv), instead of freed at return.
        self.kept = (visit_list, result)
        return text, len(result), sum(c.fee_sek for c in result)
