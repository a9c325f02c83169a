"""Booking, rebooking, cancelling and the outcome of a visit: what the calendar refuses, the care
relation a booking gives, the audit and the iCalendar mail."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from core.access import access_basis
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent, CareRelation
from core.tests.factories import make_actor, make_patient, make_resident
from core.tests.worker import run_queued_tasks
from meetings import actions
from meetings.models import Booking, UnitCalendar
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic()


def book(clinic, patient=None, *, starts_at=None, form="video", **extra):
    return actions.book_visit(clinic["nurse"], in_care(clinic, patient or make_patient()), staff=clinic["physician"].user,
                              visit_kind=clinic["kind"], form=form, starts_at=starts_at or later(), **extra)


def test_a_video_visit_gets_an_unguessable_room_without_patient_data(clinic):
    patient = make_patient(first_name="Greta", last_name="Testsson")
    booking = book(clinic, patient)
    assert booking.room.startswith("samverkan") and len(booking.room) == len("samverkan") + 32
    assert "greta" not in booking.room.lower() and patient.personal_number not in booking.room
    assert book(clinic, starts_at=later(72), form="physical").room is None
    assert booking.ends_at - booking.starts_at == timedelta(minutes=30)


def test_a_booking_is_a_care_relation_for_the_unit(clinic):
    booking = book(clinic)
    # The unit's own care relation let it book; once that ends, the booking still is one.
    CareRelation.objects.filter(patient=booking.patient).update(valid_until=timezone.now())
    basis = access_basis(clinic["nurse"], booking.patient)
    assert (basis.basis, basis.reason) == ("relation", "Bokat besök")
    assert access_basis(make_actor(), booking.patient) is None


def test_booking_is_audited_in_the_same_transaction(clinic):
    booking = book(clinic)
    event = AuditEvent.objects.get(action="meetings.book")
    assert event.patient_id == booking.patient_id and event.object_id == str(booking.pk)


def test_overlapping_bookings_are_refused_for_the_staff_member_and_for_the_patient(clinic):
    patient = make_patient()
    start = later()
    book(clinic, patient, starts_at=start)
    with pytest.raises(ActionError, match="Personen har redan ett besök"):
        book(clinic, starts_at=start + timedelta(minutes=15))
    other_physician = make_actor(unit=clinic["unit"], profession="lakare")
    with pytest.raises(ActionError, match="Patienten har redan ett besök"):
        actions.book_visit(clinic["nurse"], in_care(clinic, patient), staff=other_physician.user, visit_kind=clinic["kind"],
                           form="phone", starts_at=start + timedelta(minutes=10))
    # Back to back is fine.
    assert book(clinic, starts_at=start + timedelta(minutes=30))


def test_booking_in_the_past_is_refused(clinic):
    with pytest.raises(ActionError, match="redan varit"):
        book(clinic, starts_at=timezone.now() - timedelta(hours=1))


def test_only_staff_of_the_unit_can_be_booked_and_only_care_roles_book(clinic):
    outsider = make_actor()
    with pytest.raises(ActionError, match="arbetar inte på enheten"):
        actions.book_visit(clinic["nurse"], in_care(clinic, make_patient()), staff=outsider.user, visit_kind=clinic["kind"],
                           form="video", starts_at=later())
    finance = make_actor(unit=clinic["unit"], roles=("finance",))
    with pytest.raises(NotPermitted):
        actions.book_visit(finance, in_care(clinic, make_patient()), staff=clinic["physician"].user, visit_kind=clinic["kind"],
                           form="video", starts_at=later())


def test_the_invitation_is_mailed_with_an_icalendar_request_and_no_patient_name(clinic, django_capture_on_commit_callbacks):
    resident = make_resident(make_patient(first_name="Greta"))
    resident.email = "greta@example.se"
    resident.save()
    clinic["physician"].user.email = "doktor@example.se"
    clinic["physician"].user.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(clinic, resident.patient)
    run_queued_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["doktor@example.se", "greta@example.se"]
    message = next(m for m in mail.outbox if m.to == ["greta@example.se"])
    assert "Greta" not in message.subject + message.body and f"/mina-sidor/besok/{booking.pk}/anslut/" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "besok.ics" and mimetype.startswith("text/calendar; method=REQUEST")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{booking.pk}@samverkan" and int(event["sequence"]) == 0
    assert event.decoded("dtstart") == booking.starts_at
    assert "Greta" not in content


def test_rebooking_moves_the_visit_and_sends_an_update_with_a_higher_sequence(clinic, django_capture_on_commit_callbacks):
    clinic["physician"].user.email = "doktor@example.se"
    clinic["physician"].user.save()
    booking = book(clinic)
    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.rebook(clinic["nurse"], booking, starts_at=later(96))
    run_queued_tasks()
    assert moved.sequence == 1 and moved.starts_at == later(96)
    event = Calendar.from_ical(mail.outbox[-1].attachments[0][1]).walk("VEVENT")[0]
    assert int(event["sequence"]) == 1 and mail.outbox[-1].subject.startswith("Ändrad tid")


def test_a_patient_cancelling_late_is_a_late_cancellation_and_the_unit_sets_the_limit(clinic, django_capture_on_commit_callbacks):
    UnitCalendar.objects.create(unit=clinic["unit"], late_cancel_hours=24)
    soon = book(clinic, starts_at=later(hours=5))
    assert actions.cancel(clinic["nurse"], soon, reason="Förhindrad", by_patient=True).status == "late_cancel"
    early = book(clinic, starts_at=later(hours=5))
    assert actions.cancel(clinic["nurse"], early, reason="Läkaren sjuk", by_patient=False).status == "cancelled"
    far = book(clinic, starts_at=later(hours=30))
    clinic["physician"].user.email = "doktor@example.se"
    clinic["physician"].user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.cancel(clinic["nurse"], far, reason="Mår bättre", by_patient=True).status == "cancelled"
    run_queued_tasks()
    name, content, mimetype = mail.outbox[-1].attachments[0]
    assert "method=CANCEL" in mimetype and Calendar.from_ical(content).walk("VEVENT")[0]["status"] == "CANCELLED"
    with pytest.raises(ActionError, match="redan avslutat eller avbokat"):
        actions.cancel(clinic["nurse"], far, reason="igen", by_patient=True)
    with pytest.raises(ActionError, match="varför"):
        actions.cancel(clinic["nurse"], book(clinic, starts_at=later(200)), reason=" ", by_patient=True)


def test_the_outcome_is_registered_after_the_start_only(clinic):
    booking = book(clinic)
    with pytest.raises(ActionError, match="när besöket har börjat"):
        actions.register_outcome(clinic["physician"], booking, outcome="attended")
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(minutes=20),
                                                 ends_at=timezone.now() + timedelta(minutes=10))
    done = actions.register_outcome(clinic["physician"], booking, outcome="attended", form="phone")
    assert (done.status, done.form, done.closed_at is not None) == ("attended", "phone", True)
    with pytest.raises(ActionError, match="redan registrerat"):
        actions.register_outcome(clinic["physician"], booking, outcome="no_show")


def test_another_unit_cannot_touch_the_booking(clinic):
    booking = book(clinic)
    with pytest.raises(NotPermitted):
        actions.cancel(make_actor(), booking, reason="x", by_patient=False)


def test_reminders_go_out_once_for_visits_within_the_next_day(clinic, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    clinic["physician"].user.email = "doktor@example.se"
    clinic["physician"].user.save()
    soon = book(clinic, starts_at=later(hours=5))
    book(clinic, starts_at=later(hours=60))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=io.StringIO())
    run_queued_tasks()
    assert [m.subject.startswith("Påminnelse") for m in mail.outbox] == [True]
    assert f"/besok/{soon.pk}/anslut/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=io.StringIO())
    run_queued_tasks()
    assert len(mail.outbox) == 1


def test_a_unit_books_only_a_patient_it_may_open(clinic):
    """A booking gives the unit a relation, so the action itself asks for one first (a view or an
    import that forgot to open the patient cannot hand out access)."""
    stranger = make_patient()
    with pytest.raises(NotPermitted, match="vårdrelation"):
        actions.book_visit(clinic["nurse"], stranger, staff=clinic["physician"].user, visit_kind=clinic["kind"],
                           form="physical", starts_at=later(), notify=False)
    assert not Booking.objects.filter(patient=stranger).exists()
