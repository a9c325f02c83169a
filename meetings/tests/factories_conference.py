from datetime import date, timedelta

from django.utils import timezone

from core.models import Unit
from core.tests.factories import make_actor, make_care_relation, make_patient, make_region, make_unit
from meetings import actions
from meetings.models import ConferenceSeries


def make_conference():
    """A lung-cancer conference owned by Skåne with a unit from Blekinge taking part."""
    skane, blekinge = make_region(), make_region("10", "Region Blekinge")
    owner = make_unit(skane, name="Lungmedicin Lund", kind=Unit.Kind.HOSPITAL)
    referrer = make_unit(blekinge, name="Lungmottagningen Karlskrona", kind=Unit.Kind.HOSPITAL)
    chair = make_actor(unit=owner, roles=("clinical", "coordinator"), profession="lakare")
    referring_doctor = make_actor(unit=referrer, roles=("clinical",), profession="lakare")
    series = ConferenceSeries.objects.create(
        name="Lungcancerkonferens Södra sjukvårdsregionen", specialty="Lungcancer", owner_unit=owner,
        chair=chair.user, schedule="Tisdagar 14.00", required_professions=["lakare"])
    series.participating_units.add(owner, referrer)
    session = actions.schedule_session(chair, series, starts_at=(timezone.now() + timedelta(days=5)).replace(
        minute=0, second=0, microsecond=0))
    patient = make_patient(birth=date(1955, 4, 1))
    make_care_relation(referring_doctor, patient)
    return {"series": series, "session": session, "chair": chair, "referrer": referring_doctor, "patient": patient,
            "owner": owner, "referring_unit": referrer}
