from datetime import timedelta

from django.utils import timezone

from core.actor import Actor
from core.models import Unit
from core.tests.factories import make_care_relation, make_municipality, make_patient, make_region, make_staff, make_unit
from discharge import actions


def make_parties():
    """A ward, a primary-care centre and a municipality with its needs-assessment unit, with one
    clinical coordinator actor at each."""
    region = make_region()
    municipality = make_municipality()
    ward = make_unit(region, name="Avdelning 2 Ortopedi", kind=Unit.Kind.WARD)
    primary = make_unit(region, name="Vårdcentralen Centrum", kind=Unit.Kind.PRIMARY_CARE)
    needs = make_unit(municipality, name="Biståndshandläggning Lund", kind=Unit.Kind.NEEDS_ASSESSMENT)

    def actor(unit):
        return Actor.for_membership(make_staff(unit=unit, roles=["clinical", "coordinator"]))

    return {"municipality": municipality, "ward": actor(ward), "primary": actor(primary), "needs": actor(needs)}


def make_case(parties=None, *, admitted_hours_ago=30, **extra):
    parties = parties or make_parties()
    patient = make_patient()
    make_care_relation(parties["ward"], patient)  # admitted: the ward may open the patient
    case = actions.open_case(
        parties["ward"], patient, municipality=parties["municipality"],
        admitted_at=timezone.now() - timedelta(hours=admitted_hours_ago),
        primary_care=parties["primary"].unit, **extra,
    )
    return parties, case
