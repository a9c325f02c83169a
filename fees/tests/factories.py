"""Fee schedules and the prisbasbelopp for tests (a clinic with its schedules: `meetings.tests.factories.make_clinic`)."""

import importlib

from fees.models import FeeSchedule, FeeScheduleRow, Prisbasbelopp

PRISBASBELOPP = {2023: 52500, 2024: 57300, 2025: 58800, 2026: 59200, 2027: 59200}


def make_fee_schedule(region, year, fees=None):
    """Seed 001's unit fee: 300 kr for an agreed visit whatever the form. The prisbasbelopp is
    made here too: transactional tests empty the table the migration filled."""
    for pbb_year in (year - 1, year):
        Prisbasbelopp.objects.get_or_create(year=pbb_year, defaults={"amount_sek": PRISBASBELOPP.get(pbb_year, 59200)})
    schedule = FeeSchedule.objects.get_or_create(region=region, year=year)[0]
    for key, by_form in (fees or {"lakarbesok": {"physical": 300, "phone": 300, "video": 300}}).items():
        for form, fee in by_form.items():
            FeeScheduleRow.objects.update_or_create(schedule=schedule, visit_kind_key=key, form=form,
                                                    defaults={"fee_sek": fee})
    return schedule


def load_national_prisbasbelopp():
    """The national figures the migration loads (meetings/migrations/0002_fees.py): a transactional
    test run earlier may have emptied the table."""
    figures = importlib.import_module("meetings.migrations.0002_fees").PRISBASBELOPP
    for year, (amount, source) in figures.items():
        Prisbasbelopp.objects.update_or_create(year=year, defaults={"amount_sek": amount, "source": source})
