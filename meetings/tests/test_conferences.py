"""Clinical remote case conferences: registration before the deadline by a participating unit with
a relation to the patient, the session's order and attendance, and the recommendation that goes
back to the referring unit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.access import access_basis, visible_patients
from core.errors import ActionError, NotPermitted
from core.models import Membership, Patient, Unit
from core.tests.factories import make_actor, make_care_relation, make_patient, make_region, make_unit
from meetings import actions
from meetings.models import ConferenceSession
from meetings.tests.factories_conference import make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def mdk():
    return make_conference()


def register(mdk, **extra):
    return actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="Operabel?",
                                 legal_basis="consent", image_links="https://pacs.example/abc", **extra)


def test_a_case_is_registered_and_the_conference_may_open_the_patient(mdk):
    assert access_basis(mdk["chair"], mdk["patient"]) is None
    case = register(mdk)
    assert case.position == 1 and case.referring_unit == mdk["referring_unit"]
    assert access_basis(mdk["chair"], mdk["patient"]).reason == "Klinisk distanskonferens"


def test_a_case_gives_no_relation_to_the_other_participating_units_nor_without_consent(mdk):
    halland = make_unit(make_region("13", "Region Halland"), name="Lungmottagningen Halmstad", kind=Unit.Kind.HOSPITAL)
    mdk["series"].participating_units.add(halland)
    participant = make_actor(unit=halland, profession="lakare")
    register(mdk)
    # Another unit's registration does not open the patient's record to the units of the series.
    assert access_basis(participant, mdk["patient"]) is None
    assert not visible_patients(participant, Patient.objects.all()).exists()
    # A consultation (no consent) gives no relation to anyone, the owner included.
    other = make_patient()
    make_care_relation(mdk["referrer"], other)
    actions.register_case(mdk["referrer"], mdk["session"], other, question="Strålning?", legal_basis="consultation")
    assert access_basis(mdk["chair"], other) is None
    assert access_basis(mdk["chair"], mdk["patient"]).reason == "Klinisk distanskonferens"


def test_registration_needs_a_relation_a_question_a_legal_basis_and_the_deadline(mdk):
    with pytest.raises(NotPermitted):
        actions.register_case(mdk["referrer"], mdk["session"], make_patient(), question="x", legal_basis="consent")
    with pytest.raises(ActionError, match="frågeställningen"):
        actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question=" ", legal_basis="consent")
    with pytest.raises(ActionError, match="rättsliga grunden"):
        actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="x", legal_basis="")
    ConferenceSession.objects.filter(pk=mdk["session"].pk).update(starts_at=timezone.now() + timedelta(hours=10))
    mdk["session"].refresh_from_db()
    with pytest.raises(ActionError, match="stängde"):
        register(mdk)
    with pytest.raises(NotPermitted):
        actions.register_case(make_actor(), mdk["session"], mdk["patient"], question="x", legal_basis="consent")


def test_the_session_orders_cases_records_attendance_and_answers(mdk):
    first = register(mdk)
    second = actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="Strålning?",
                                   legal_basis="consent")
    actions.order_cases(mdk["chair"], mdk["session"], [str(second.pk), str(first.pk)])
    assert list(mdk["session"].cases.values_list("pk", flat=True)) == [second.pk, first.pk]
    with pytest.raises(ActionError):
        actions.order_cases(mdk["chair"], mdk["session"], [str(first.pk)])
    with pytest.raises(ActionError, match="har börjat"):
        actions.record_recommendation(mdk["chair"], first, recommendation="Operation", informs_patient="Remitterande",
                                      inform_by=None)
    ConferenceSession.objects.filter(pk=mdk["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=30))
    first.refresh_from_db()
    actions.record_attendance(mdk["chair"], mdk["session"],
                              Membership.objects.filter(pk__in=[mdk["chair"].membership.pk, mdk["referrer"].membership.pk]))
    assert mdk["session"].attendance.count() == 2
    actions.record_recommendation(mdk["chair"], first, recommendation="Lobektomi. Kompletterande PET först.",
                                  informs_patient="Remitterande läkare", inform_by=timezone.localdate() + timedelta(days=7))
    first.refresh_from_db()
    assert first.answered_by == mdk["chair"].user and first.answered_at
    with pytest.raises(NotPermitted):
        actions.record_recommendation(mdk["referrer"], first, recommendation="x", informs_patient="y", inform_by=None)
