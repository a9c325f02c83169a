"""Every write in the unit calendars: booking, rebooking, cancelling and registering the outcome of
a visit. Each action checks who may do it and what the calendar allows, runs in one transaction with
its audit event, and mails the participants (with iCalendar) once the transaction has committed."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Membership, Organisation, Role
from meetings import fees, invitations
from meetings.models import Booking, UnitCalendar, VisitForm
from meetings.video import provider

Status = Booking.Status
BOOKING_FIELDS = ["staff", "visit_kind", "form", "starts_at", "ends_at", "status", "note", "cancel_reason"]


def calendar_of(unit):
    return UnitCalendar.objects.get_or_create(unit=unit)[0]


def _require_calendar_staff(actor):
    if actor.unit_id is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")
    if not actor.has_role(Role.CLINICAL, Role.COORDINATOR):
        raise NotPermitted("Din roll får inte boka besök.")


def _require_own_unit(actor, booking):
    _require_calendar_staff(actor)
    if booking.unit_id != actor.unit_id:
        raise NotPermitted("Besöket hör till en annan enhet.")


def region_of(unit):
    organisation = unit.organisation
    if organisation.kind == Organisation.Kind.REGION:
        return organisation
    return Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=organisation.county_code).first()


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
        if form not in slot.forms or not slot.visit_kinds.filter(pk=visit_kind.pk).exists():
            raise ActionError("Tiden är inte öppen för den besökstypen eller besöksformen.", field="slot")
    overlapping = Booking.objects.filter(status__in=Booking.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if booking is not None:
        overlapping = overlapping.exclude(pk=booking.pk)
    if overlapping.filter(staff=staff).exists():
        raise ActionError("Personen har redan ett besök den tiden.", field="starts_at")
    if overlapping.filter(patient=patient).exists():
        raise ActionError("Patienten har redan ett besök den tiden.", field="starts_at")


def _mail_after_commit(booking, kind):
    transaction.on_commit(lambda: invitations.send(booking, kind))


@transaction.atomic
def book_visit(actor, patient, *, staff, visit_kind, form, starts_at, ends_at=None, slot=None, note="", notify=True):
    """Book a visit for the patient at the acting unit. A video visit gets its room here.
    `notify=False` is for demo data and imports, which must not mail anyone."""
    _require_calendar_staff(actor)
    unit = actor.unit
    ends_at = ends_at or starts_at + timedelta(minutes=visit_kind.minutes)
    # Lock the staff member's row: two bookings of the same time must not both pass the checks.
    type(staff).objects.select_for_update().get(pk=staff.pk)
    _check_time(unit, staff, patient, starts_at, ends_at, visit_kind=visit_kind, form=form, slot=slot)
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
    _check_time(booking.unit, staff, booking.patient, starts_at, ends_at, visit_kind=booking.visit_kind, form=form,
                slot=slot, booking=booking)
    before = snapshot(booking, BOOKING_FIELDS)
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
    booking.closed_at = at
    booking.sequence += 1
    booking.save()
    changes = diff(before, snapshot(booking, BOOKING_FIELDS)) | {"by_patient": [None, by_patient]}
    if late:
        charge = fees.charge_booking(booking, region_of(booking.unit))
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
    charge = fees.charge_booking(booking, region_of(booking.unit))
    record_write(actor, "meetings.outcome", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)) | {"fee_sek": [None, charge.fee_sek],
                                                                            "fee_reason": [None, charge.reason]})
    return booking
