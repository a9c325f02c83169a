from datetime import timedelta

from django.utils import timezone

from core.models import Unit
from core.tests.factories import make_actor, make_care_relation, make_region, make_unit
from meetings.models import FeeSchedule, FeeScheduleRow, Prisbasbelopp, VisitKind


def make_clinic():
    """A primary-care centre in Region Skåne with a nurse who books and a physician to book with."""
    region = make_region()
    unit = make_unit(region, name="Vårdcentralen Norr", kind=Unit.Kind.PRIMARY_CARE)
    nurse = make_actor(unit=unit, roles=("clinical",))
    physician = make_actor(unit=unit, roles=("clinical",), profession="lakare")
    kind = VisitKind.objects.get_or_create(region=region, key="lakarbesok",
                                           defaults={"name": "Läkarbesök", "minutes": 30, "suits_video": True})[0]
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year, this_year + 1):
        make_fee_schedule(region, year)
    return {"region": region, "unit": unit, "nurse": nurse, "physician": physician, "kind": kind}


def in_care(clinic, patient):
    """The patient with a care relation to the clinic: a unit books only patients it may open."""
    make_care_relation(clinic["nurse"], patient)
    return patient


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


def later(hours=48, minute=0):
    """A whole time some hours ahead (visits are booked forward)."""
    return (timezone.now() + timedelta(hours=hours)).replace(minute=minute, second=0, microsecond=0)
