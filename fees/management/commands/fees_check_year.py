"""A region's year of patient fees recalculated from the bookings and checked against the charges
registered when each visit's outcome was registered (`fees.charges.region_year`): after a change of
schedule, or before the year's report, region finance sees whether the stored charges still hold.

    python manage.py fees_check_year --region 12 --year 2026

Progress is printed step by step (reading and calculating, comparing). The answer holds counts,
kronor and booking ids only, never a person's data, so it may be mailed from cron like any job's
output. Exits 1 when a registered charge differs from the recalculation.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.models import Organisation
from fees.charges import region_year
from fees.models import PatientCharge
from fees.rules import FeeError

SHOWN = 20  # differing booking ids printed at most


class Command(BaseCommand):
    help = "Recalculate a region's year of patient fees and compare them with the registered charges."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="The region's county code, e.g. 12")
        parser.add_argument("--year", required=True, type=int)

    def handle(self, *args, region, year, **options):
        organisation = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=region).first()
        if organisation is None:
            raise CommandError(f"Ingen region med länskod {region}.")
        started = time.perf_counter()
        self.stdout.write(f"{organisation.name} {year}: läser bokningarna och räknar om …")
        try:
            charges = region_year(organisation, year)
        except FeeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"  {len(charges)} avgifter omräknade på {time.perf_counter() - started:.1f} s; jämför …")
        stored = dict(PatientCharge.objects.filter(region=organisation, date__year=year)
                      .values_list("booking_id", "fee_sek"))
        recalculated = {str(c.visit_id): c.fee_sek for c in charges}
        stored = {str(k): v for k, v in stored.items()}
        differing = sorted(k for k in stored.keys() & recalculated.keys() if stored[k] != recalculated[k])
        missing = sorted(recalculated.keys() - stored.keys())
        self.stdout.write(
            f"  registrerade {len(stored)} avgifter, {sum(stored.values())} kr; omräknat "
            f"{sum(recalculated[k] for k in stored.keys() & recalculated.keys())} kr för samma besök")
        self.stdout.write(f"  {len(differing)} avviker, {len(missing)} besök utan registrerad avgift")
        for booking_id in differing[:SHOWN]:
            self.stdout.write(f"  avviker: bokning {booking_id}: {stored[booking_id]} kr registrerat, "
                              f"{recalculated[booking_id]} kr omräknat")
        self.stdout.write(f"Klart på {time.perf_counter() - started:.1f} s.")
        if differing:
            raise SystemExit(1)
