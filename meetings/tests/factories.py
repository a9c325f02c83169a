from datetime import timedelta

from django.utils import timezone

from core.models import Unit
from core.tests.factories import make_actor, make_care_relation, make_region, make_unit
from fees.tests.factories import make_fee_schedule
from meetings.models import VisitKind


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


def later(hours=48, minute=0):
    """A whole time some hours ahead (visits are booked forward)."""
    return (timezone.now() + timedelta(hours=hours)).replace(minute=minute, second=0, microsecond=0)
