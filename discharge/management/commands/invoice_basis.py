"""`manage.py invoice_basis`: compute and store the invoice basis of every region's month (the
pages and exports read what is stored). Run it nightly from a timer for the month just ended and
the current one (the default), or with --month for a backfill. A month once stored is kept up to
date by the task queued whenever one of its cases changes (discharge.tasks.restore_basis)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import Organisation
from discharge.actions import store_basis
from discharge.rules.liability import Month


class Command(BaseCommand):
    help = "Compute and store the month's invoice basis (default: last month and this month) for every region."

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", help="YYYY-MM (repeatable); default last and this month")
        parser.add_argument("--region", help="only the region with this organisation code")

    def handle(self, *args, **options):
        try:
            months = [Month.parse(text) for text in options["month"] or []]
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        if not months:
            this = Month.of(timezone.localdate())
            months = [this.previous(), this]
        regions = Organisation.objects.filter(kind=Organisation.Kind.REGION).order_by("code")
        if options["region"]:
            regions = regions.filter(code=options["region"])
            if not regions.exists():
                raise CommandError(f"Ingen region med koden {options['region']}.")
        for region in regions:
            for month in months:
                started = timezone.now()
                store_basis(None, region, month)
                seconds = (timezone.now() - started).total_seconds()
                self.stdout.write(f"{region.code} {month}: stored in {seconds:.1f} s")
