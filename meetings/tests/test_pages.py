"""The calendar pages: booking from the patient's page, the day's list, a new time, a
cancellation and the outcome, with the refusals shown on the form."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError
from core.models import AuditEvent
from core.tests.factories import login, make_actor, make_care_relation, make_patient
from meetings import actions
from meetings.models import Booking, UnitCalendar
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    clinic = make_clinic()
    clinic["patient"] = make_patient(first_name="Greta", last_name="Testsson")
    make_care_relation(clinic["nurse"], clinic["patient"])
    return clinic


def fields(clinic, starts_at, **extra):
    return {"staff": clinic["physician"].user.pk, "visit_kind": clinic["kind"].pk, "form": "video",
            "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"), "note": "Ha läkemedelslistan nära"} | extra


def test_a_nurse_books_from_the_patients_page_and_finds_it_in_the_calendar(client, clinic):
    login(client, clinic["nurse"])
    patient_page = client.get(reverse("core:patient_detail", args=[clinic["patient"].pk])).content.decode()
    book_url = reverse("meetings:book", args=[clinic["patient"].pk])
    assert book_url in patient_page
    form = client.get(book_url).content.decode()
    assert "Passar bra för video: Läkarbesök" in form
    response = client.post(book_url, fields(clinic, later()))
    assert response.status_code == 302
    booking = Booking.objects.get()
    day = client.get(response["Location"]).content.decode()
    assert "Greta Testsson" in day and "Läkarbesök" in day and "Video" in day
    assert AuditEvent.objects.filter(patient=clinic["patient"], kind="read", endpoint="meetings:calendar").exists()
    assert booking.note == "Ha läkemedelslistan nära"


def test_refusals_are_shown_on_the_form(client, clinic):
    login(client, clinic["nurse"])
    book_url = reverse("meetings:book", args=[clinic["patient"].pk])
    past = client.post(book_url, fields(clinic, timezone.now() - timedelta(days=1)))
    assert past.status_code == 400 and "Tiden har redan varit" in past.content.decode()
    client.post(book_url, fields(clinic, later()))
    overlap = client.post(book_url, fields(clinic, later() + timedelta(minutes=10)))
    assert "redan ett besök den tiden" in overlap.content.decode()


def test_a_patient_without_relation_cannot_be_booked_from_here(client, clinic):
    login(client, clinic["nurse"])
    assert client.get(reverse("meetings:book", args=[make_patient().pk])).status_code == 404


def test_rebook_cancel_and_outcome_from_the_booking_page(client, clinic):
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, clinic["patient"]), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="phone", starts_at=later())
    login(client, clinic["nurse"])
    url = reverse("meetings:booking", kwargs={"booking_id": booking.pk})
    assert "Boka om" in client.get(url).content.decode()
    new_time = later(120)
    client.post(url, {"action": "rebook", "starts_at": timezone.localtime(new_time).strftime("%Y-%m-%dT%H:%M")})
    booking.refresh_from_db()
    assert booking.starts_at == new_time and booking.sequence == 1
    bad = client.post(url, {"action": "cancel", "reason": "", "by_patient": "yes"})
    assert bad.status_code == 400
    client.post(url, {"action": "cancel", "reason": "Patienten mår bättre", "by_patient": "yes"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    started = actions.book_visit(clinic["nurse"], in_care(clinic, clinic["patient"]), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=later(300))
    Booking.objects.filter(pk=started.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    page = reverse("meetings:booking", kwargs={"booking_id": started.pk})
    assert "Registrera utfall" in client.get(page).content.decode()
    client.post(page, {"action": "outcome", "outcome": "no_show", "form": "video"})
    started.refresh_from_db()
    assert started.status == "no_show"


def test_another_units_booking_is_not_found(client, clinic):
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, clinic["patient"]), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="phone", starts_at=later())
    login(client, make_actor())
    assert client.get(reverse("meetings:booking", kwargs={"booking_id": booking.pk})).status_code == 404


def test_an_empty_day_says_so(client, clinic):
    login(client, clinic["nurse"])
    assert "Inga besök bokade" in client.get(reverse("meetings:calendar") + "?dag=2030-01-02").content.decode()


def test_free_slots_are_listed_and_booking_one_takes_it(client, clinic):
    from datetime import time

    day = (timezone.localtime() + timedelta(days=3)).date()
    slots = actions.create_slots(clinic["nurse"], staff=clinic["physician"].user, visit_kind=clinic["kind"], day=day,
                                 start=time(8, 0), end=time(10, 0), minutes=30, forms=["physical", "video"])
    assert len(slots) == 4
    login(client, clinic["nurse"])
    url = reverse("meetings:book", args=[clinic["patient"].pk])
    page = client.get(f"{url}?besokstyp={clinic['kind'].pk}").content.decode()
    assert page.count("Boka den här tiden") == 4 and '<option value="phone">' not in page
    response = client.post(url, {"slot": slots[1].pk, "visit_kind": clinic["kind"].pk, "form": "video"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.slot_id, booking.starts_at, booking.form) == (slots[1].pk, slots[1].starts_at, "video")
    assert client.get(f"{url}?besokstyp={clinic['kind'].pk}").content.decode().count("Boka den här tiden") == 3
    again = client.post(url, {"slot": slots[1].pk, "visit_kind": clinic["kind"].pk, "form": "video"})
    assert "Tiden är redan bokad" in again.content.decode() or "redan ett besök" in again.content.decode()
    # A phone visit in a slot open only for physical and video visits is refused.
    refused = client.post(url, {"slot": slots[2].pk, "visit_kind": clinic["kind"].pk, "form": "phone"})
    assert "inte öppen för den besökstypen eller besöksformen" in refused.content.decode()
    # Cancelling gives the time back.
    actions.cancel(clinic["nurse"], booking, reason="Mår bättre", by_patient=True)
    assert client.get(f"{url}?besokstyp={clinic['kind'].pk}").content.decode().count("Boka den här tiden") == 4


def test_slots_cannot_overlap_the_persons_other_times_or_lie_in_the_past(clinic):
    from datetime import time

    day = (timezone.localtime() + timedelta(days=3)).date()
    make = lambda **kw: actions.create_slots(clinic["nurse"], **{  # noqa: E731
        "staff": clinic["physician"].user, "visit_kind": clinic["kind"], "day": day, "start": time(8, 0),
        "end": time(10, 0), "minutes": 30, "forms": ["physical"]} | kw)
    make()
    with pytest.raises(ActionError, match="redan tider"):
        make(start=time(9, 0), end=time(11, 0))
    with pytest.raises(ActionError, match="framåt i tiden"):
        make(day=day - timedelta(days=10))
    with pytest.raises(ActionError, match="minst en besöksform"):
        make(start=time(13, 0), end=time(14, 0), forms=[])


def test_times_are_laid_out_from_the_slots_page(client, clinic):
    login(client, clinic["nurse"])
    day = (timezone.localtime() + timedelta(days=2)).date()
    response = client.post(reverse("meetings:slots"), {
        "staff": clinic["physician"].user.pk, "visit_kind": clinic["kind"].pk, "day": day.isoformat(),
        "start": "13:00", "end": "15:00", "minutes": "20", "forms": ["physical", "video"]})
    assert response.status_code == 302
    page = client.get(reverse("meetings:slots")).content.decode()
    assert "6 tider är upplagda" in page and 'data-testid="slot-days"' in page
    bad = client.post(reverse("meetings:slots"), {
        "staff": clinic["physician"].user.pk, "visit_kind": clinic["kind"].pk, "day": day.isoformat(),
        "start": "14:00", "end": "16:00", "minutes": "20", "forms": ["physical"]})
    assert bad.status_code == 400 and "redan tider" in bad.content.decode()


def test_the_week_view_has_a_column_per_staff_member_and_a_row_per_day(client, clinic):
    from meetings import actions

    starts = later(24 * 3)
    actions.book_visit(clinic["nurse"], clinic["patient"], staff=clinic["physician"].user, visit_kind=clinic["kind"],
                       form="phone", starts_at=starts, notify=False)
    login(client, clinic["nurse"])
    day = timezone.localtime(starts).date()
    page = client.get(reverse("meetings:calendar") + f"?vy=vecka&dag={day:%Y-%m-%d}").content.decode()
    assert 'data-testid="calendar-week"' in page
    assert f"<th>{clinic['physician'].user.display_name()}</th>" in page
    assert "Greta Testsson" in page and "Läkarbesök, telefon" in page
    assert f"Vecka {day.isocalendar().week}:" in page
    assert AuditEvent.objects.filter(patient=clinic["patient"], kind="read", endpoint="meetings:calendar").count() == 1
    # Without a day asked for, the calendar opens on this week.
    assert 'data-testid="calendar-week"' in client.get(reverse("meetings:calendar")).content.decode()


def test_a_resident_moves_their_own_visit_to_a_free_time_and_then_cancels_it(client, clinic):
    from core.tests.factories import make_resident
    from meetings.models import Slot

    resident = make_resident(clinic["patient"])
    booking = actions.book_visit(clinic["nurse"], clinic["patient"], staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="physical", starts_at=later(24 * 5), notify=False)
    free = Slot.objects.create(unit=clinic["unit"], staff=clinic["physician"].user, visit_kind=clinic["kind"],
                               starts_at=later(24 * 7), ends_at=later(24 * 7) + timedelta(minutes=30),
                               created_by=clinic["nurse"].user)
    login(client, resident)
    url = reverse("meetings:portal_visit", args=[booking.pk])
    assert url in client.get(reverse("meetings:portal_visits")).content.decode()
    page = client.get(url).content.decode()
    assert "Boka om" in page and "Avboka besöket" in page
    assert client.post(url, {"action": "rebook", "slot": free.pk}).status_code == 302
    booking.refresh_from_db()
    free.refresh_from_db()
    assert (booking.starts_at, booking.slot_id, free.booked) == (free.starts_at, free.pk, True)
    assert client.post(url, {"action": "cancel", "reason": "Bortrest"}).status_code == 302
    booking.refresh_from_db()
    free.refresh_from_db()
    assert (booking.status, booking.cancel_reason, free.booked) == ("cancelled", "Bortrest", False)
    assert AuditEvent.objects.filter(action="meetings.cancel", user=resident, changes__by_patient=[None, True]).exists()


def test_within_the_late_cancellation_limit_the_resident_is_told_to_call(client, clinic):
    from core.tests.factories import make_resident

    resident = make_resident(clinic["patient"])
    booking = actions.book_visit(clinic["nurse"], clinic["patient"], staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="physical", starts_at=later(5), notify=False)
    login(client, resident)
    url = reverse("meetings:portal_visit", args=[booking.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="call-the-unit"' in page and "Avboka besöket" not in page
    assert client.post(url, {"action": "cancel"}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == "booked"
    other = make_resident()
    login(client, other)
    assert client.get(url).status_code == 404


def test_the_video_room_opens_in_the_calendar_as_early_as_the_units_rules_say(client, clinic):
    """The booked staff member's "Anslut" shows once the unit's rules open the room, and only for them."""
    starts = timezone.now() + timedelta(minutes=20)
    booking = actions.book_visit(clinic["nurse"], clinic["patient"], staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=starts, notify=False)
    url = reverse("meetings:calendar") + f"?vy=dag&dag={timezone.localtime(starts):%Y-%m-%d}"
    join = reverse("meetings:join", kwargs={"booking_id": booking.pk})
    login(client, clinic["physician"])
    assert join not in client.get(url).content.decode()  # by default the room opens 15 minutes before
    UnitCalendar.objects.create(unit=clinic["unit"], join_opens_minutes=30)
    page = client.get(url).content.decode()
    assert join in page and "Anslut" in page
    assert join in client.get(reverse("meetings:calendar") + f"?vy=vecka&dag={timezone.localtime(starts):%Y-%m-%d}"
                              ).content.decode()
    login(client, clinic["nurse"])
    assert join not in client.get(url).content.decode()


def test_a_calendar_without_video_visits_does_not_read_the_units_rules(client, clinic):
    starts = later()
    actions.book_visit(clinic["nurse"], clinic["patient"], staff=clinic["physician"].user, visit_kind=clinic["kind"],
                       form="phone", starts_at=starts, notify=False)
    login(client, clinic["nurse"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("meetings:calendar") + f"?vy=dag&dag={timezone.localtime(starts):%Y-%m-%d}")
    assert "Greta Testsson" in page.content.decode()
    assert not [q for q in queries.captured_queries if "meetings_unitcalendar" in q["sql"]]
