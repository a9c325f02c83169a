"""Reads of patient data in the emergency-access flow: nothing identifying before the access is
started, and the administrators' report logs a read of each patient it lists."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core import queries
from core.models import AuditEvent, EmergencyAccess
from core.tests.factories import login, make_actor, make_patient

pytestmark = pytest.mark.django_db


def identifying(patient):
    return [patient.first_name, patient.last_name, patient.personal_number, patient.formatted_personal_number,
            patient.personal_number[2:], f"{patient.birth_date:%Y-%m-%d}", patient.street_address]


def test_the_emergency_access_page_shows_nothing_that_identifies_the_patient_before_the_access(client):
    nurse = make_actor(roles=["clinical"])
    patient = make_patient(first_name="Okänd", last_name="Främling", street_address="Hemliga vägen 3")
    login(client, nurse)
    url = reverse("core:patient_emergency", args=[patient.pk])
    for response in (client.get(url), client.post(url, {"reason": "kort"})):
        body = response.content.decode()
        assert response.status_code == 200 and "Öppna med nödåtkomst" in body
        assert [text for text in identifying(patient) if text in body] == []
    assert not AuditEvent.objects.filter(patient=patient).exists()


def test_the_emergency_report_logs_a_read_of_each_patient_it_lists(client):
    nurse, other = make_actor(roles=["clinical"]), make_actor(roles=["clinical"])
    listed = {}
    for actor in (nurse, nurse, other):
        patient = make_patient()
        EmergencyAccess.objects.create(patient=patient, user=actor.user, unit=actor.unit, reason="Medvetslös patient",
                                       expires_at=timezone.now())
        listed.setdefault(actor, []).append(patient)
    unit_admin = make_actor(unit=nurse.unit, roles=["unit_admin"])
    login(client, unit_admin)
    body = client.get(reverse("core:emergency_report")).content.decode()
    assert all(p.formatted_personal_number in body for p in listed[nurse])
    reads = AuditEvent.objects.filter(kind="read", user=unit_admin.user)
    assert sorted(reads.values_list("patient_id", "basis", "action", "endpoint")) == sorted(
        (p.pk, "admin", "emergency_access.report", "core:emergency_report") for p in listed[nurse])

    system_admin = make_actor(roles=["system_admin"])
    login(client, system_admin)
    client.get(reverse("core:emergency_report"))
    assert set(AuditEvent.objects.filter(kind="read", user=system_admin.user).values_list("patient_id", flat=True)) == {
        p.pk for patients in listed.values() for p in patients}


def test_the_emergency_report_logs_nothing_for_a_role_that_sees_no_accesses(client):
    nurse = make_actor(roles=["clinical"])
    EmergencyAccess.objects.create(patient=make_patient(), user=nurse.user, unit=nurse.unit,
                                   reason="Medvetslös patient", expires_at=timezone.now())
    today = timezone.localdate()
    assert queries.emergency_access_report(nurse, today, today, endpoint="x") == []
    assert not AuditEvent.objects.filter(kind="read").exists()
