"""The contact entry's follow-up: the figures of contact.rules.followup over the matters a unit
received (or its region's, for coordinators), in the last DAYS days. Aggregates only: no patient
is shown, so nothing is logged as a read."""

from datetime import timedelta

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
    rows = found.values_list("created_at", "channel", "priority", "first_response_at", "closed_at",
                             "booking__form", "routed_to_fixed_contact", "breached_at", "due_at")
    records = []
    for created, channel, priority, first, closed, form, fixed, breached, due in rows.iterator():
        # Over the target: answered late, or still unanswered past it (the breach task may not have run yet).
        late = breached is not None or (first > due if first is not None else now > due)
        local = timezone.localtime(created)
        records.append(Record(
            hour=local.hour, weekday=local.weekday(), channel=channel, priority=priority,
            first_response_minutes=_minutes(first, created), resolution_minutes=_minutes(closed, created),
            physical_visit=form == VisitForm.PHYSICAL, fixed_contact=fixed, breached=late))
    return figures(records, PRIORITY_KEYS)
