"""Meetings over the API: free times, a patient's fees, and the fee calculation on files."""

from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.tests.factories import make_actor, make_api_token, make_patient
from meetings import actions
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic
from meetings.tests.test_fees_command import SCHEDULE, VISITS

pytestmark = pytest.mark.django_db


def key(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(actor.membership)[1]}"}


@pytest.fixture
def clinic():
    return make_clinic()


def test_free_slots_of_a_visit_kind(client, clinic):
    day = (timezone.localtime() + timedelta(days=4)).date()
    actions.create_slots(clinic["nurse"], staff=clinic["physician"].user, visit_kind=clinic["kind"], day=day,
                         start=time(9, 0), end=time(10, 0), minutes=30, forms=["physical", "video"])
    answer = client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=video", **key(clinic["nurse"]))
    assert answer.status_code == 200, answer.content
    assert [s["forms"] for s in answer.json()] == [["physical", "video"]] * 2
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=phone",
                      **key(clinic["nurse"])).json() == []
    assert client.get("/api/v1/meetings/free-slots?visit_kind=okand", **key(clinic["nurse"])).status_code == 404
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=fax",
                      **key(clinic["nurse"])).status_code == 422


def test_a_patients_fees_for_a_unit_with_a_relation_only(client, clinic):
    patient = make_patient(birth=date(1970, 6, 15))
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, patient), staff=clinic["physician"].user, visit_kind=clinic["kind"],
                                 form="phone", starts_at=later())
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    actions.register_outcome(clinic["physician"], booking, outcome="attended")
    answer = client.get(f"/api/v1/meetings/patients/{patient.pk}/fees", **key(clinic["nurse"]))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["paid_in_period_sek"], body["charges"][0]["fee_sek"], body["charges"][0]["reason"]) == (300, 300, "fee")
    assert body["left_to_free_card_sek"] == body["ceiling_sek"] - 300
    stranger = make_actor()
    assert client.get(f"/api/v1/meetings/patients/{patient.pk}/fees", **key(stranger)).status_code == 404


def test_the_fee_calculation_on_uploaded_files(client, clinic):
    finance = make_actor(unit=clinic["unit"], roles=("finance",))
    answer = client.post("/api/v1/meetings/fees/calculate", {
        "visits": SimpleUploadedFile("v.csv", VISITS.encode()),
        "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}, **key(finance))
    assert answer.status_code == 200, answer.content
    assert (answer.json()["visits"], answer.json()["total_sek"]) == (8, 1800)
    bad = client.post("/api/v1/meetings/fees/calculate", {
        "visits": SimpleUploadedFile("v.csv", VISITS.replace("2024-05-01", "2024-13-01").encode()),
        "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}, **key(finance))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "visits" and "rad 2" in bad.json()["detail"][0]["message"]
    nurse_only = make_actor(unit=clinic["unit"], roles=("clinical",))
    assert client.post("/api/v1/meetings/fees/calculate", {
        "visits": SimpleUploadedFile("v.csv", VISITS.encode()),
        "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}, **key(nurse_only)).status_code == 403
