"""The contact entry's follow-up: the figures of contact.rules.followup over the matters a unit
received (or its region's, for coordinators), in the last DAYS days. Aggregates only: no patient
is shown, so nothing is logged as a read."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from contact.models import Matter, Priority
from contact.rules.followup import Record, figures
from core.models import Role
from meetings.models import VisitForm

DAYS = 90
PRIORITY_KEYS = ["", *Priority.values]


def may_see_region(actor):
    return actor.has_role(Role.COORDINATOR, Role.FINANCE)


def _minutes(later, earlier):
    return None if later is None else (later - earlier).total_seconds() / 60


def unit_figures(actor, *, region_wide=False, now=None):
    now = now or timezone.now()
    found = Matter.objects.filter(created_at__gte=now - timedelta(days=DAYS))
    if region_wide:
        from contact.actions import region_of

        found = found.filter(region=region_of(actor.unit))
    else:
        found = found.filter(unit_id=actor.unit_id)
    return figures([record for record, _month, _unit in _records(found, now)], PRIORITY_KEYS)


def _records(matters, now):
    """(Record, first day of the local month, (unit id, unit name)) for each matter."""
    rows = matters.values_list("created_at", "channel", "priority", "first_response_at", "closed_at",
                               "booking__form", "routed_to_fixed_contact", "breached_at", "due_at", "unit_id",
                               "unit__name")
    for created, channel, priority, first, closed, form, fixed, breached, due, unit_id, unit in rows.iterator():
        # Over the target: answered late, or still unanswered past it (the breach task may not have run yet).
        late = breached is not None or (first > due if first is not None else now > due)
        local = timezone.localtime(created)
        record = Record(
            hour=local.hour, weekday=local.weekday(), channel=channel, priority=priority,
            first_response_minutes=_minutes(first, created), resolution_minutes=_minutes(closed, created),
            physical_visit=form == VisitForm.PHYSICAL, fixed_contact=fixed, breached=late)
        yield record, local.date().replace(day=1), (unit_id, unit)


def region_months(region, *, since, now=None):
    """{(first day of month, (unit id, unit name)): Figures} of the region's matters received since the date
    `since`, and (first day, None) for the whole region: the same figures as the follow-up page, per month,
    for goal follow-up. By the unit's id: two units of one name are two."""
    now = now or timezone.now()
    start = timezone.make_aware(datetime.combine(since, time.min))  # local midnight
    grouped = {}
    for record, month, unit in _records(Matter.objects.filter(region=region, created_at__gte=start), now):
        grouped.setdefault((month, None), []).append(record)
        grouped.setdefault((month, unit), []).append(record)
    return {key: figures(records, PRIORITY_KEYS) for key, records in grouped.items()}
