"""SIP: a plan with the person's consent, participants from region and municipality and
relatives, efforts, overall responsibility, versions kept, and meetings booked free of charge."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.access import access_basis
from core.errors import ActionError, NotPermitted
from core.models import Unit
from core.tests.factories import make_actor, make_care_relation, make_municipality, make_patient, make_unit
from meetings import actions
from meetings.models import Booking, VisitKind
from meetings.tests.factories import later, make_clinic, make_fee_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def sip():
    clinic = make_clinic()
    VisitKind.objects.create(region=clinic["region"], key="sip", name="SIP-möte", minutes=60, is_sip=True)
    municipality = make_municipality()
    home_care = make_unit(municipality, name="Hemsjukvården Lund", kind=Unit.Kind.HOME_CARE)
    clinic["home_nurse"] = make_actor(unit=home_care, roles=("clinical",))
    clinic["home_care"] = home_care
    clinic["patient"] = make_patient(birth=date(1948, 3, 2))
    make_care_relation(clinic["nurse"], clinic["patient"])
    return clinic


def start(sip, **extra):
    return actions.create_sip(sip["nurse"], sip["patient"], consent_given=True, consent_note="Muntligt samtycke",
                              person_goals="Klara mig hemma", follow_up_on=timezone.localdate() + timedelta(days=60),
                              **extra)


def test_a_sip_needs_consent_and_a_relation(sip):
    with pytest.raises(ActionError, match="samtycker"):
        actions.create_sip(sip["nurse"], sip["patient"], consent_given=False,
                           follow_up_on=timezone.localdate() + timedelta(days=30))
    with pytest.raises(NotPermitted):
        actions.create_sip(sip["home_nurse"], sip["patient"], consent_given=True,
                           follow_up_on=timezone.localdate() + timedelta(days=30))
    plan = start(sip)
    assert plan.participants.get().unit == sip["unit"]


def test_a_municipal_participant_gets_access_while_the_plan_is_active(sip):
    plan = start(sip)
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    actions.add_sip_participant(sip["nurse"], plan, name="Lena Mårtensson", role="Sjuksköterska hemsjukvård",
                                unit=sip["home_care"])
    actions.add_sip_participant(sip["nurse"], plan, name="Anna Svensson", role="Dotter", is_relative=True)
    basis = access_basis(sip["home_nurse"], sip["patient"])
    assert basis.reason == "Samordnad individuell plan (SIP)"
    # The municipality now writes its own effort and can hold the overall responsibility.
    actions.add_sip_effort(sip["home_nurse"], plan, unit=sip["home_care"], description="Hemsjukvård två gånger i veckan")
    actions.update_sip(sip["home_nurse"], plan, person_goals="Klara mig hemma, gå ut själv",
                       overall_responsible=sip["home_care"], follow_up_on=plan.follow_up_on)
    with pytest.raises(ActionError, match="deltar i planen"):
        actions.add_sip_effort(sip["nurse"], plan, unit=make_unit(), description="Något")


def test_versions_are_kept_as_they_were(sip):
    plan = start(sip)
    with pytest.raises(ActionError, match="minst en insats"):
        actions.publish_sip_version(sip["nurse"], plan, reason="Första planen")
    actions.add_sip_effort(sip["nurse"], plan, unit=sip["unit"], description="Läkemedelsgenomgång", goal="Färre fall")
    first = actions.publish_sip_version(sip["nurse"], plan, reason="Första planen")
    actions.add_sip_effort(sip["nurse"], plan, unit=sip["unit"], description="Fysioterapi")
    second = actions.publish_sip_version(sip["nurse"], plan, reason="Uppföljning")
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert [e["description"] for e in first.content["efforts"]] == ["Läkemedelsgenomgång"]
    assert len(second.content["efforts"]) == 2 and second.content["person_goals"] == "Klara mig hemma"


def test_a_sip_meeting_is_booked_in_the_calendar_and_is_free_whatever_the_schedule_says(sip):
    make_fee_schedule(sip["region"], timezone.localdate().year, fees={"sip": {"physical": 500, "phone": 500, "video": 500}})
    plan = start(sip)
    meeting = actions.book_sip_meeting(sip["nurse"], plan, staff=sip["physician"].user, form="video",
                                       starts_at=later())
    booking = meeting.booking
    assert booking.visit_kind.is_sip and booking.room
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    booking.refresh_from_db()
    actions.register_outcome(sip["physician"], booking, outcome="attended")
    assert (booking.charge.fee_sek, booking.charge.reason) == (0, "free_visit")
    meeting.refresh_from_db()
    actions.record_sip_minutes(sip["nurse"], meeting, minutes="Gick igenom insatserna.", person_took_part=True)
    meeting.refresh_from_db()
    assert meeting.person_took_part and meeting.minutes


def test_a_unit_outside_the_plan_cannot_write_to_it(sip):
    plan = start(sip)
    with pytest.raises(NotPermitted):
        actions.add_sip_effort(make_actor(), plan, unit=sip["unit"], description="x")
