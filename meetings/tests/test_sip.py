"""SIP: a plan with the person's consent, participants from region and municipality and
relatives, efforts, overall responsibility, versions kept, and meetings booked free of charge."""

from datetime import date, timedelta

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from core.access import access_basis, visible_patients
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent, Patient, Unit
from core.tests.factories import make_actor, make_care_relation, make_municipality, make_patient, make_unit
from meetings import actions, queries
from meetings.models import Booking, SipParticipant, VisitKind
from fees.tests.factories import make_fee_schedule
from meetings.tests.factories import later, make_clinic

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


def invite_home_care(sip, plan, **consent):
    return actions.add_sip_participant(sip["nurse"], plan, name="Lena Mårtensson", role="Sjuksköterska hemsjukvård",
                                       unit=sip["home_care"], **(consent or {"consent_given": True}))


def test_a_municipal_participant_gets_access_once_it_has_accepted(sip):
    plan = start(sip)
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    invitation = invite_home_care(sip, plan)
    actions.add_sip_participant(sip["nurse"], plan, name="Anna Svensson", role="Dotter", is_relative=True)
    actions.answer_sip_invitation(sip["home_nurse"], invitation, accept=True)
    basis = access_basis(sip["home_nurse"], sip["patient"])
    assert basis.reason == "Samordnad individuell plan (SIP)"
    # The municipality now writes its own effort and can hold the overall responsibility.
    actions.add_sip_effort(sip["home_nurse"], plan, unit=sip["home_care"], description="Hemsjukvård två gånger i veckan")
    actions.update_sip(sip["home_nurse"], plan, person_goals="Klara mig hemma, gå ut själv",
                       overall_responsible=sip["home_care"], follow_up_on=plan.follow_up_on)
    with pytest.raises(ActionError, match="deltar i planen"):
        actions.add_sip_effort(sip["nurse"], plan, unit=make_unit(), description="Något")


def test_an_invited_unit_does_not_open_the_person_before_it_accepts(sip):
    plan = start(sip)
    invite_home_care(sip, plan)
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    assert not visible_patients(sip["home_nurse"], Patient.objects.all()).exists()
    with pytest.raises(NotPermitted):  # nor writes to the plan
        actions.add_sip_effort(sip["home_nurse"], plan, unit=sip["home_care"], description="Hemsjukvård")
    with pytest.raises(ActionError, match="deltar i planen"):  # nor is given an effort or the responsibility
        actions.add_sip_effort(sip["nurse"], plan, unit=sip["home_care"], description="Hemsjukvård")


def test_a_unit_is_invited_only_with_the_persons_consent_to_its_organisation(sip):
    plan = start(sip)
    assert [c.organisation for c in plan.consents.all()] == [sip["region"]]
    with pytest.raises(ActionError, match="samtycke omfattar inte Lunds kommun") as refused:
        invite_home_care(sip, plan, consent_given=False)
    assert "consent_given" in refused.value.errors and not plan.participants.filter(unit=sip["home_care"]).exists()
    invite_home_care(sip, plan, consent_given=True, consent_note="Muntligt vid hembesök")
    consent = plan.consents.get(organisation=sip["home_care"].organisation)
    assert (consent.recorded_by, consent.recorded_by_unit, consent.note) == (
        sip["nurse"].user, sip["unit"], "Muntligt vid hembesök")
    event = AuditEvent.objects.get(action="meetings.sip.consent")
    assert event.patient == sip["patient"] and event.changes["consent_organisation"] == [None, "1281"]


def test_a_consent_at_the_start_may_name_more_organisations(sip):
    plan = start(sip, consent_organisations=[sip["home_care"].organisation])
    invite_home_care(sip, plan, consent_given=False)  # no further consent needed
    assert plan.consents.count() == 2


def test_an_accepted_unit_whose_organisation_the_consent_does_not_name_does_not_open_the_person(sip):
    """As a plan from before invitations looks: the unit is in the plan, the consent is not."""
    plan = start(sip)
    SipParticipant.objects.create(plan=plan, unit=sip["home_care"], name="Lena", role="Sjuksköterska",
                                  status=SipParticipant.Status.ACCEPTED)
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    with pytest.raises(NotPermitted):
        actions.add_sip_effort(sip["home_nurse"], plan, unit=sip["home_care"], description="Hemsjukvård")
    with pytest.raises(ActionError, match="Bekräfta"):
        actions.record_sip_consent(sip["nurse"], plan, organisation=sip["home_care"].organisation, consent_given=False)
    actions.record_sip_consent(sip["nurse"], plan, organisation=sip["home_care"].organisation, consent_given=True)
    assert access_basis(sip["home_nurse"], sip["patient"]).reason == "Samordnad individuell plan (SIP)"


def test_only_a_member_of_the_invited_unit_answers_its_invitation(sip):
    plan = start(sip)
    invitation = invite_home_care(sip, plan)
    finance = make_actor(unit=sip["home_care"], roles=("finance",))
    for someone in (sip["nurse"], make_actor(), finance):
        with pytest.raises(NotPermitted):
            actions.answer_sip_invitation(someone, invitation, accept=True)
    invitation.refresh_from_db()
    assert invitation.status == SipParticipant.Status.INVITED
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    admin = make_actor(unit=sip["home_care"], roles=("unit_admin",))
    actions.answer_sip_invitation(admin, invitation, accept=True)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == (SipParticipant.Status.ACCEPTED, admin.user)
    event = AuditEvent.objects.get(action="meetings.sip.accept")
    assert event.patient == sip["patient"] and event.unit_id == sip["home_care"].pk


def test_declining_leaves_the_unit_out_of_the_plan(sip):
    plan = start(sip)
    invitation = invite_home_care(sip, plan)
    assert [row for row, _consented in queries.unit_sip_invitations(sip["home_nurse"])] == [invitation]
    actions.answer_sip_invitation(sip["home_nurse"], invitation, accept=False)
    invitation.refresh_from_db()
    assert invitation.status == SipParticipant.Status.DECLINED
    assert AuditEvent.objects.filter(action="meetings.sip.decline", patient=sip["patient"]).exists()
    assert queries.unit_sip_invitations(sip["home_nurse"]) == []
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    with pytest.raises(ActionError, match="redan besvarad"):
        actions.answer_sip_invitation(sip["home_nurse"], invitation, accept=True)
    assert access_basis(sip["home_nurse"], sip["patient"]) is None
    # Published versions name the units that take part, not the invited or declined ones.
    actions.add_sip_effort(sip["nurse"], plan, unit=sip["unit"], description="Läkemedelsgenomgång")
    version = actions.publish_sip_version(sip["nurse"], plan, reason="Första planen")
    assert [p["unit"] for p in version.content["participants"]] == [sip["unit"].name]


def test_a_unit_that_takes_part_is_not_asked_again_for_another_of_its_staff(sip):
    plan = start(sip)
    actions.answer_sip_invitation(sip["home_nurse"], invite_home_care(sip, plan), accept=True)
    second = actions.add_sip_participant(sip["nurse"], plan, name="Per", role="Fysioterapeut", unit=sip["home_care"])
    assert second.status == SipParticipant.Status.ACCEPTED


def test_plans_from_before_invitations_keep_the_starting_unit_and_ask_the_others(sip):
    migration = importlib.import_module("meetings.migrations.0006_sip_invitations_and_consent")
    plan = start(sip)
    invite_home_care(sip, plan)
    relative = actions.add_sip_participant(sip["nurse"], plan, name="Anna", role="Dotter", is_relative=True)
    # As the rows stood before the migration: no states, no consents.
    SipParticipant.objects.update(status=SipParticipant.Status.INVITED, answered_by=None, answered_at=None)
    plan.consents.all().delete()
    migration.existing_plans(django_apps, None)
    states = dict(plan.participants.values_list("pk", "status"))
    first = plan.participants.get(unit=sip["unit"])
    assert states == {first.pk: "accepted", relative.pk: "accepted",
                      plan.participants.get(unit=sip["home_care"]).pk: "invited"}
    assert [c.organisation for c in plan.consents.all()] == [sip["region"]]
    assert access_basis(sip["nurse"], sip["patient"]).reason == "Vårdrelation"
    assert access_basis(sip["home_nurse"], sip["patient"]) is None


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
