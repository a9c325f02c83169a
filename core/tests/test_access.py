from datetime import timedelta

import pytest
from django.utils import timezone

from core.access import access_basis
from core.actor import Actor
from core.models import CareRelation, EmergencyAccess, Patient
from core.tests.factories import make_actor, make_staff, make_municipality, make_patient, make_resident, make_unit

pytestmark = pytest.mark.django_db


def relate(actor, patient, **kwargs):
    return CareRelation.objects.create(patient=patient, unit=actor.unit, reason="Inskriven", created_by=actor.user, **kwargs)


def test_staff_without_relation_see_no_patient():
    actor = make_actor()
    make_patient()
    assert list(Patient.objects.visible_to(actor)) == []


def test_active_care_relation_makes_the_patient_visible_to_the_unit():
    actor = make_actor()
    patient, other = make_patient(), make_patient()
    relate(actor, patient)
    assert list(Patient.objects.visible_to(actor)) == [patient]
    assert access_basis(actor, patient).basis == "relation"
    assert access_basis(actor, other) is None


def test_relation_belongs_to_the_unit_not_to_the_person():
    ward = make_unit()
    nurse, colleague_elsewhere = make_actor(unit=ward), make_actor()
    patient = make_patient()
    relate(nurse, patient)
    same_person_other_unit = Actor.for_membership(make_staff(user=nurse.user, unit=make_unit()))
    assert list(Patient.objects.visible_to(colleague_elsewhere)) == []
    assert list(Patient.objects.visible_to(same_person_other_unit)) == []
    assert list(Patient.objects.visible_to(make_actor(unit=ward))) == [patient]


def test_ended_and_future_relations_give_no_access():
    actor = make_actor()
    ended, future = make_patient(), make_patient()
    now = timezone.now()
    relate(actor, ended, valid_from=now - timedelta(days=10), valid_until=now - timedelta(minutes=1))
    relate(actor, future, valid_from=now + timedelta(days=1))
    assert list(Patient.objects.visible_to(actor)) == []


def test_municipality_unit_does_not_see_the_hospitals_patients():
    hospital_nurse = make_actor()
    home_care = make_actor(unit=make_unit(make_municipality(), kind="home_care"))
    patient = make_patient()
    relate(hospital_nurse, patient)
    assert list(Patient.objects.visible_to(home_care)) == []


def test_emergency_access_opens_for_that_person_at_that_unit_until_it_expires():
    actor = make_actor()
    patient = make_patient()
    now = timezone.now()
    EmergencyAccess.objects.create(patient=patient, user=actor.user, unit=actor.unit, reason="Medvetslös patient",
                                   expires_at=now + timedelta(hours=1))
    assert access_basis(actor, patient).basis == "emergency"
    assert list(Patient.objects.visible_to(make_actor(unit=actor.unit))) == []
    assert access_basis(actor, patient, now=now + timedelta(hours=2)) is None


def test_resident_sees_only_themselves():
    resident_user = make_resident()
    other = make_patient()
    actor = Actor.resident(resident_user)
    assert list(Patient.objects.visible_to(actor)) == [resident_user.patient]
    assert access_basis(actor, other) is None


def test_staff_without_acting_unit_see_nothing():
    actor = make_actor()
    relate(actor, make_patient())
    assert list(Patient.objects.visible_to(Actor(user=actor.user))) == []
