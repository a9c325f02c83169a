"""Fees over the API, at the addresses they had under meetings: a patient's fees, and the fee
calculation on files."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.tests.factories import make_actor, make_api_token, make_patient
from fees.tests.test_fees_command import SCHEDULE, VISITS, run
from meetings import actions
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


def key(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(actor.membership)[1]}"}


@pytest.fixture
def clinic():
    return make_clinic()


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
    assert answer.status_code == 200
    body = json.loads(b"".join(answer.streaming_content))  # streamed: a region's year is tens of MB
    assert (body["visits"], body["total_sek"]) == (8, 1800)
    bad = client.post("/api/v1/meetings/fees/calculate", {
        "visits": SimpleUploadedFile("v.csv", VISITS.replace("2024-05-01", "2024-13-01").encode()),
        "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}, **key(finance))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "visits" and "rad 2" in bad.json()["detail"][0]["message"]
    nurse_only = make_actor(unit=clinic["unit"], roles=("clinical",))
    assert client.post("/api/v1/meetings/fees/calculate", {
        "visits": SimpleUploadedFile("v.csv", VISITS.encode()),
        "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}, **key(nurse_only)).status_code == 403


def test_the_fee_calculation_streams_the_charges_as_json_or_as_the_commands_csv(client, clinic, tmp_path, monkeypatch):
    monkeypatch.setattr("fees.files.ROWS_PER_PIECE", 3)  # several pieces from the small file
    finance = make_actor(unit=clinic["unit"], roles=("finance",))

    def files():
        return {"visits": SimpleUploadedFile("v.csv", VISITS.encode()),
                "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())}

    as_json = client.post("/api/v1/meetings/fees/calculate", files(), **key(finance))
    assert as_json.streaming and as_json["Content-Type"] == "application/json"
    pieces = list(as_json.streaming_content)
    assert len(pieces) > 3
    body = json.loads(b"".join(pieces))
    as_csv = client.post("/api/v1/meetings/fees/calculate?format=csv", files(), **key(finance))
    assert as_csv.streaming and as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(as_csv.streaming_content).decode())))
    command_rows, _output = run(tmp_path, VISITS)
    assert rows == command_rows == body["charges"]
    assert "no-store" in as_csv["Cache-Control"]
