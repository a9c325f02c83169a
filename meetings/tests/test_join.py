"""The video join page: only the booked staff member and the patient, from a short time before
the start until the visit is closed; the provider's address with a token when the server wants one."""

from datetime import timedelta

import jwt
import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.tests.factories import login, make_actor, make_patient, make_resident
from meetings import actions
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic
from meetings.video import JitsiMeet

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    clinic = make_clinic()
    resident = make_resident(make_patient())
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, resident.patient), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=later())
    return clinic, resident, booking


def starts_in(booking, minutes):
    start = timezone.now() + timedelta(minutes=minutes)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + timedelta(minutes=30))


def test_the_room_opens_a_short_time_before_the_start(client, visit):
    clinic, resident, booking = visit
    login(client, resident)
    url = reverse("meetings:portal_join", kwargs={"booking_id": booking.pk})
    page = client.get(url).content.decode()
    assert "Det är inte dags än" in page and booking.room not in page and "Teknikkontroll" in page
    starts_in(booking, 10)
    page = client.get(url).content.decode()
    assert 'data-testid="join-button"' in page and f"https://meet.jit.si/{booking.room}" in page
    assert resident.patient.first_name not in page.split("join-button")[1][:400]  # not in the room address


def test_only_the_booked_participants_get_in(client, visit):
    clinic, resident, booking = visit
    starts_in(booking, 5)
    login(client, clinic["physician"])
    assert client.get(reverse("meetings:join", kwargs={"booking_id": booking.pk})).status_code == 200
    login(client, clinic["nurse"])  # same unit, but not booked for the visit
    assert client.get(reverse("meetings:join", kwargs={"booking_id": booking.pk})).status_code == 404
    login(client, make_resident(make_patient()))  # someone else's room
    assert client.get(reverse("meetings:portal_join", kwargs={"booking_id": booking.pk})).status_code == 404
    login(client, make_actor())
    assert client.get(reverse("meetings:join", kwargs={"booking_id": booking.pk})).status_code == 404


def test_a_join_link_after_the_visit_closed_is_refused(client, visit):
    clinic, resident, booking = visit
    starts_in(booking, -5)
    actions.register_outcome(clinic["physician"], booking, outcome="attended")
    login(client, resident)
    response = client.get(reverse("meetings:portal_join", kwargs={"booking_id": booking.pk}))
    assert response.status_code == 410 and "Besöket är avslutat" in response.content.decode()
    assert booking.room not in response.content.decode()


def test_the_staff_join_is_logged_as_a_read(client, visit):
    clinic, resident, booking = visit
    login(client, clinic["physician"])
    client.get(reverse("meetings:join", kwargs={"booking_id": booking.pk}))
    assert AuditEvent.objects.filter(patient=booking.patient, kind="read", endpoint="meetings:join").count() == 1


def test_the_patient_sees_upcoming_visits_in_the_portal(client, visit):
    clinic, resident, booking = visit
    login(client, resident)
    page = client.get(reverse("meetings:portal_visits")).content.decode()
    assert "Vårdcentralen Norr" in page and "Läkarbesök" in page and "Teknikkontroll" in page
    assert "Mina bokade besök" in client.get(reverse("core:portal")).content.decode()


def test_with_token_authentication_the_address_carries_a_token_for_that_room_only():
    until = timezone.now() + timedelta(hours=1)
    url = JitsiMeet("https://video.example.se/", app_id="samverkan", secret="s" * 32).join_url(
        "samverkanabc", display_name="Patient", moderator=False, valid_until=until)
    assert url.startswith("https://video.example.se/samverkanabc?jwt=")
    token = url.split("jwt=")[1].split("#")[0]
    claims = jwt.decode(token, "s" * 32, algorithms=["HS256"], audience="jitsi")
    assert (claims["room"], claims["sub"], claims["context"]["user"]) == (
        "samverkanabc", "video.example.se", {"name": "Patient", "moderator": False})
    assert claims["exp"] == int(until.timestamp())
