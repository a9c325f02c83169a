"""Writes in the unit calendars: booking, rebooking, cancelling and registering the outcome of a
visit, and opening free times. Each action checks who may do it and what the calendar allows, runs in
one transaction with its audit event, and once the transaction has committed queues the task that
mails the participants (with iCalendar; meetings/tasks.py)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Membership
from meetings import charging, tasks
from meetings.permissions import may_book_visits, may_change_own_visit
from meetings.queries import calendar_of, region_of
from meetings.models import Booking, Slot, VisitForm
from meetings.video import provider


Status = Booking.Status


BOOKING_FIELDS = ["staff", "visit_kind", "form", "starts_at", "ends_at", "status", "note", "cancel_reason"]


def _require_calendar_staff(actor):
    if actor.unit_id is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")
    if not may_book_visits(actor):
        raise NotPermitted("Din roll får inte boka besök.")


def _require_own_unit(actor, booking):
    _require_calendar_staff(actor)
    if booking.unit_id != actor.unit_id:
        raise NotPermitted("Besöket hör till en annan enhet.")


def _check_time(unit, staff, patient, starts_at, ends_at, *, visit_kind, form, slot=None, booking=None):
    """What the calendar refuses: the past, a staff member outside the unit, a kind or form the
    slot does not offer, and overlaps for the staff member or the patient."""
    if starts_at < timezone.now():
        raise ActionError("Tiden har redan varit. Välj en tid framåt.", field="starts_at")
    if ends_at <= starts_at:
        raise ActionError("Besöket måste sluta efter att det börjat.", field="ends_at")
    if form not in VisitForm.values:
        raise ActionError("Välj fysiskt besök, telefon eller video.", field="form")
    if visit_kind.region_id != getattr(region_of(unit), "pk", None):
        raise ActionError("Besökstypen hör till en annan region.", field="visit_kind")
    if not Membership.objects.filter(user=staff, unit=unit, active=True).exists():
        raise ActionError("Personen arbetar inte på enheten.", field="staff")
    if slot is not None:
        if slot.unit_id != unit.pk or slot.staff_id != staff.pk:
            raise ActionError("Tiden hör till någon annan.", field="slot")
        if (starts_at, ends_at) != (slot.starts_at, slot.ends_at):
            raise ActionError("Besöket ska ha tidens början och slut.", field="slot")
        if slot.visit_kind_id != visit_kind.pk or not slot.offers(form):
            raise ActionError("Tiden är inte öppen för den besökstypen eller besöksformen.", field="slot")
        if slot.booked:
            raise ActionError("Tiden är redan bokad. Välj en annan.", field="slot")
    overlapping = Booking.objects.filter(status__in=Booking.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if booking is not None:
        overlapping = overlapping.exclude(pk=booking.pk)
    if overlapping.filter(staff=staff).exists():
        raise ActionError("Personen har redan ett besök den tiden.", field="starts_at")
    if overlapping.filter(patient=patient).exists():
        raise ActionError("Patienten har redan ett besök den tiden.", field="starts_at")


def _locked_slot(slot):
    return Slot.objects.select_for_update().get(pk=slot.pk) if slot is not None else None


def _take(slot, booked):
    if slot is not None:
        Slot.objects.filter(pk=slot.pk).update(booked=booked)


def _mail_after_commit(booking, kind):
    # A task mails the participants once the booking is committed (meetings/tasks.py); it gets the id only.
    transaction.on_commit(lambda: tasks.mail_visit.enqueue(str(booking.pk), kind))


@transaction.atomic
def book_visit(actor, patient, *, staff, visit_kind, form, starts_at, ends_at=None, slot=None, note="", notify=True):
    """Book a visit for the patient at the acting unit. A video visit gets its room here.
    `notify=False` is for demo data and imports, which must not mail anyone."""
    if visit_kind.is_sip:
        # A SIP meeting belongs to a plan (its minutes, the follow-up's counts): booked from the plan.
        raise ActionError("SIP-möten bokas från planen: SIP → planen → Boka SIP-möte.", field="visit_kind")
    return _book(actor, patient, staff=staff, visit_kind=visit_kind, form=form, starts_at=starts_at, ends_at=ends_at,
                 slot=slot, note=note, notify=notify)


def _book(actor, patient, *, staff, visit_kind, form, starts_at, ends_at=None, slot=None, note="", notify=True):
    _require_calendar_staff(actor)
    # A booking gives the unit a relation: only a unit that may already open the patient books.
    require_access(actor, patient)
    unit = actor.unit
    ends_at = ends_at or starts_at + timedelta(minutes=visit_kind.minutes)
    # Lock the staff member's row: two bookings of the same time must not both pass the checks.
    type(staff).objects.select_for_update().get(pk=staff.pk)
    slot = _locked_slot(slot)
    _check_time(unit, staff, patient, starts_at, ends_at, visit_kind=visit_kind, form=form, slot=slot)
    _take(slot, True)
    booking = Booking.objects.create(
        patient=patient, unit=unit, staff=staff, slot=slot, visit_kind=visit_kind, form=form, starts_at=starts_at,
        ends_at=ends_at, note=note.strip()[:500], created_by=actor.user,
        room=provider().new_room() if form == VisitForm.VIDEO else None,
    )
    record_write(actor, "meetings.book", booking, patient=patient, changes=diff({}, snapshot(booking, BOOKING_FIELDS)))
    if notify:
        _mail_after_commit(booking, "invitation")
    return booking


def _locked(booking):
    return Booking.objects.select_for_update().select_related("unit", "patient", "visit_kind").get(pk=booking.pk)


@transaction.atomic
def rebook(actor, booking, *, starts_at, ends_at=None, staff=None, slot=None, form=None):
    """Move an open booking to another time (or staff member, or form)."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Besöket är redan avslutat eller avbokat.")
    staff = staff or booking.staff
    form = form or booking.form
    ends_at = ends_at or starts_at + (booking.ends_at - booking.starts_at)
    type(staff).objects.select_for_update().get(pk=staff.pk)
    slot = _locked_slot(slot)
    _check_time(booking.unit, staff, booking.patient, starts_at, ends_at, visit_kind=booking.visit_kind, form=form,
                slot=slot, booking=booking)
    before = snapshot(booking, BOOKING_FIELDS)
    _take(booking.slot, False)
    _take(slot, True)
    booking.staff, booking.slot, booking.starts_at, booking.ends_at = staff, slot, starts_at, ends_at
    if form != booking.form:
        booking.form = form
        booking.room = provider().new_room() if form == VisitForm.VIDEO else None
    booking.sequence += 1
    booking.save()
    record_write(actor, "meetings.rebook", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)))
    _mail_after_commit(booking, "update")
    return booking


@transaction.atomic
def cancel(actor, booking, *, reason, by_patient, at=None):
    """Cancel an open booking. When the patient cancels later than the unit's limit before the
    visit, it is a late cancellation (which may carry a fee); the unit cancelling never is."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Besöket är redan avslutat eller avbokat.")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Ange varför besöket avbokas.", field="reason")
    at = at or timezone.now()
    limit = timedelta(hours=calendar_of(booking.unit).late_cancel_hours)
    late = by_patient and booking.starts_at - at < limit
    before = snapshot(booking, BOOKING_FIELDS)
    booking.status = Status.LATE_CANCEL if late else Status.CANCELLED
    booking.cancel_reason = reason[:300]
    _take(booking.slot, False)  # the time can be given to someone else
    booking.closed_at = at
    booking.sequence += 1
    booking.save()
    changes = diff(before, snapshot(booking, BOOKING_FIELDS)) | {"by_patient": [None, by_patient]}
    if late:
        charge = charging.charge_booking(booking, region_of(booking.unit))
        changes |= {"fee_sek": [None, charge.fee_sek], "fee_reason": [None, charge.reason]}
    record_write(actor, "meetings.cancel", booking, patient=booking.patient, changes=changes)
    _mail_after_commit(booking, "cancellation")
    return booking


@transaction.atomic
def register_outcome(actor, booking, *, outcome, form=None):
    """After the visit: attended or no-show, and the form it was in the end (a video visit held by
    phone when the video failed is a phone visit)."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Utfallet är redan registrerat eller besöket avbokat.")
    if outcome not in (Status.ATTENDED, Status.NO_SHOW):
        raise ActionError("Välj genomfört eller uteblev.", field="outcome")
    if timezone.now() < booking.starts_at:
        raise ActionError("Utfallet registreras när besöket har börjat.")
    if form is not None and form not in VisitForm.values:
        raise ActionError("Välj fysiskt besök, telefon eller video.", field="form")
    before = snapshot(booking, BOOKING_FIELDS)
    booking.status = outcome
    booking.form = form or booking.form
    booking.closed_at = timezone.now()
    booking.save()
    charge = charging.charge_booking(booking, region_of(booking.unit))
    record_write(actor, "meetings.outcome", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)) | {"fee_sek": [None, charge.fee_sek],
                                                                            "fee_reason": [None, charge.reason]})
    return booking


@transaction.atomic
def create_slots(actor, *, staff, visit_kind, day, start, end, minutes, forms):
    """Open a staff member's bookable times on a day: back-to-back slots of `minutes` from `start`
    to `end` (local times), for one visit kind and the forms given. Refused when they would overlap
    the person's existing times."""
    _require_calendar_staff(actor)
    unit = actor.unit
    if not Membership.objects.filter(user=staff, unit=unit, active=True).exists():
        raise ActionError("Personen arbetar inte på enheten.", field="staff")
    if visit_kind.region_id != getattr(region_of(unit), "pk", None):
        raise ActionError("Besökstypen hör till en annan region.", field="visit_kind")
    if not forms or any(f not in VisitForm.values for f in forms):
        raise ActionError("Välj minst en besöksform.", field="forms")
    if not 5 <= minutes <= 240:
        raise ActionError("Längden ska vara mellan 5 och 240 minuter.", field="minutes")
    first = timezone.make_aware(datetime.combine(day, start))
    last = timezone.make_aware(datetime.combine(day, end))
    if last <= first:
        raise ActionError("Sluttiden ska vara efter starttiden.", field="end")
    if first < timezone.now():
        raise ActionError("Tiderna måste ligga framåt i tiden.", field="day")
    type(staff).objects.select_for_update().get(pk=staff.pk)
    if Slot.objects.filter(staff=staff, starts_at__lt=last, ends_at__gt=first).exists():
        raise ActionError("Personen har redan tider under den perioden.", field="start")
    step = timedelta(minutes=minutes)
    starts = []
    while first + step <= last:
        starts.append(first)
        first += step
    slots = Slot.objects.bulk_create([
        Slot(unit=unit, staff=staff, visit_kind=visit_kind, starts_at=at, ends_at=at + step, created_by=actor.user,
             **{form: form in forms for form in VisitForm.values})
        for at in starts])
    record_write(actor, "meetings.create_slots", unit, changes={
        "staff": [None, staff.pk], "visit_kind": [None, visit_kind.key], "day": [None, day.isoformat()],
        "slots": [None, len(slots)]})
    return slots


def _require_own_visit(actor, booking, at):
    if not may_change_own_visit(actor, booking, at):
        hours = calendar_of(booking.unit).late_cancel_hours
        raise NotPermitted(f"Besöket kan inte ändras här längre: kortare tid än {hours} timmar före besöket "
                           f"ringer du mottagningen, {booking.unit.name}.")


@transaction.atomic
def cancel_own_visit(actor, booking, *, reason=""):
    """The resident cancels their own visit from Mina sidor, in time (never a late cancellation:
    later than the unit's limit they call the unit)."""
    booking = _locked(booking)
    at = timezone.now()
    _require_own_visit(actor, booking, at)
    before = snapshot(booking, BOOKING_FIELDS)
    booking.status = Status.CANCELLED
    booking.cancel_reason = (reason or "").strip()[:300] or "Avbokat av patienten på Mina sidor"
    _take(booking.slot, False)
    booking.closed_at = at
    booking.sequence += 1
    booking.save()
    record_write(actor, "meetings.cancel", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)) | {"by_patient": [None, True]})
    _mail_after_commit(booking, "cancellation")
    return booking


@transaction.atomic
def rebook_own_visit(actor, booking, *, slot):
    """The resident moves their own visit to another free time of the same unit and visit kind,
    in time (as cancelling)."""
    booking = _locked(booking)
    _require_own_visit(actor, booking, timezone.now())
    slot = _locked_slot(slot)
    if slot is None or slot.unit_id != booking.unit_id:
        raise ActionError("Välj en av de lediga tiderna.", field="slot")
    _check_time(booking.unit, slot.staff, booking.patient, slot.starts_at, slot.ends_at, visit_kind=booking.visit_kind,
                form=booking.form, slot=slot, booking=booking)
    before = snapshot(booking, BOOKING_FIELDS)
    _take(booking.slot, False)
    _take(slot, True)
    booking.staff, booking.slot, booking.starts_at, booking.ends_at = slot.staff, slot, slot.starts_at, slot.ends_at
    booking.sequence += 1
    booking.save()
    record_write(actor, "meetings.rebook", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)) | {"by_patient": [None, True]})
    _mail_after_commit(booking, "update")
    return booking
