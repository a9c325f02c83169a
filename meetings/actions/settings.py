"""Writes of a unit's own booking rules: when a cancellation is late and when the video room opens."""

from django.db import transaction

from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from meetings.permissions import may_manage_calendar
from meetings.models import UnitCalendar


CALENDAR_FIELDS = ["late_cancel_hours", "join_opens_minutes"]


@transaction.atomic
def save_booking_rules(actor, unit, *, late_cancel_hours, join_opens_minutes):
    """The unit's rule for a late cancellation (which costs the no-show fee) and when its video
    rooms open. Cancellations already registered keep what they were."""
    if not may_manage_calendar(actor, unit):
        raise NotPermitted("Bokningsreglerna ändras av enhetens administratör eller samordnare.")
    errors = {}
    if not 0 <= late_cancel_hours <= 168:
        errors["late_cancel_hours"] = ["Ange 0–168 timmar (högst en vecka)."]
    if not 0 <= join_opens_minutes <= 60:
        errors["join_opens_minutes"] = ["Ange 0–60 minuter."]
    if errors:
        raise ActionError.many(errors)
    calendar = UnitCalendar.objects.select_for_update().filter(unit=unit).first() or UnitCalendar(unit=unit)
    before = snapshot(calendar, CALENDAR_FIELDS) if calendar.pk else {}
    calendar.late_cancel_hours, calendar.join_opens_minutes = late_cancel_hours, join_opens_minutes
    calendar.save()
    record_write(actor, "meetings.booking_rules.update", calendar,
                 changes=diff(before, snapshot(calendar, CALENDAR_FIELDS)))
    return calendar
