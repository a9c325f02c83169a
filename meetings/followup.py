"""Follow-up of digital care meetings for an organisation's units, month by month: the share of held
visits by video against the goal, SIP plans and meetings (share digital, share with the person taking
part), and conference throughput (registered, answered, days from registration to recommendation).

A region's staff see the region's units; a municipality's staff see the municipality's units.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.errors import NotPermitted
from core.models import Organisation
from core.rules.month import Month
from meetings import permissions
from meetings.models import Booking, ConferenceCase, SipMeeting, SipParticipant, SipPlan, VisitForm

MONTHS = 12


def months_back(today, count=MONTHS):
    """The first days of the `count` months ending with today's, oldest first."""
    return [month.first_day for month in Month.of(today).ending_here(count)]


def scope(actor):
    """The organisation whose units the actor follows up (coordinators and finance staff)."""
    if not permissions.may_read_followup(actor):
        raise NotPermitted("Uppföljningen visas för den som har samordnar- eller ekonomibehörighet.")
    return actor.unit.organisation


def _first(value):
    """TruncMonth gives a datetime: its date is the month's first day."""
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _start(first_day):
    return timezone.make_aware(datetime.combine(first_day, time(0, 0)))


@dataclass
class VideoRow:
    unit: str
    by_month: dict = field(default_factory=dict)  # first day -> (video, held)
    unit_id: int | None = None  # None for the organisation's total

    def share(self, first_day):
        video, held = self.by_month.get(first_day, (0, 0))
        return round(100 * video / held, 1) if held else None


def video_share(organisation, today=None):
    """Held visits (attended) and those by video, per unit and month, and for the organisation."""
    firsts = months_back(today or timezone.localdate())
    counts = (Booking.objects.filter(unit__organisation=organisation, status=Booking.Status.ATTENDED,
                                     starts_at__gte=_start(firsts[0]))
              .annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))
              .values("unit_id", "unit__name", "month")
              .annotate(held=Count("pk"), video=Count("pk", filter=Q(form=VisitForm.VIDEO))))
    units, total = {}, VideoRow("Alla enheter")
    for row in counts:  # by the unit's id: two units of one name are two rows
        first = _first(row["month"])
        unit = units.setdefault(row["unit_id"], VideoRow(row["unit__name"], unit_id=row["unit_id"]))
        unit.by_month[first] = (row["video"], row["held"])
        video, held = total.by_month.get(first, (0, 0))
        total.by_month[first] = (video + row["video"], held + row["held"])
    return firsts, total, sorted(units.values(), key=lambda r: (r.unit, r.unit_id)), settings.VIDEO_SHARE_GOAL_PERCENT


def _held_sip_meetings(organisation, firsts):
    """SIP meetings held at the organisation's units since the first of the months `firsts`, with
    their month: what the SIP follow-up counts."""
    return (SipMeeting.objects.filter(booking__unit__organisation=organisation, booking__status=Booking.Status.ATTENDED,
                                      booking__starts_at__gte=_start(firsts[0]))
            .annotate(month=TruncMonth("booking__starts_at", tzinfo=timezone.get_current_timezone())))


def _counted(rows, key):
    """{key(row): {first day: {"n", "digital", "with_person"}}} of rows grouped by month and key."""
    found = {}
    for row in rows:
        found.setdefault(key(row), {})[_first(row["month"])] = {k: row[k] for k in ("n", "digital", "with_person")}
    return found


def sip_meetings_by_unit(organisation, firsts):
    """SIP meetings held at the organisation's units in the months `firsts`: {(unit id, unit name):
    {first day: {"n", "digital", "with_person"}}}. `sip_numbers` sums these for the organisation; the
    goal follow-up (forums.goals) shows them per unit."""
    rows = (_held_sip_meetings(organisation, firsts).values("booking__unit_id", "booking__unit__name", "month")
            .annotate(n=Count("pk"), digital=Count("pk", filter=Q(booking__form=VisitForm.VIDEO)),
                      with_person=Count("pk", filter=Q(person_took_part=True))))
    return _counted(rows, lambda row: (row["booking__unit_id"], row["booking__unit__name"]))


def sip_meetings_by_municipality(organisation, firsts):
    """The same meetings by the municipality taking part in the plan: {(municipality id, name): {first
    day: {"n", "digital", "with_person"}}}, for a region's goal (docs/decisions.md, "SIP meetings per
    municipality"). A municipality takes part when one of its units does (`units_taking_part`:
    accepted, and named in the person's consent). A meeting counts once for each municipality taking
    part in its plan, and for none while no municipality does."""
    taking_part = SipParticipant.objects.units_taking_part().filter(
        unit__organisation__kind=Organisation.Kind.MUNICIPALITY)
    # values() after filter() reads the participant the filter joined (one join, not a second).
    rows = (_held_sip_meetings(organisation, firsts).filter(plan__participants__in=taking_part)
            .values("plan__participants__unit__organisation_id", "plan__participants__unit__organisation__name", "month")
            .annotate(n=Count("pk", distinct=True),
                      digital=Count("pk", distinct=True, filter=Q(booking__form=VisitForm.VIDEO)),
                      with_person=Count("pk", distinct=True, filter=Q(person_took_part=True))))
    return _counted(rows, lambda row: (row["plan__participants__unit__organisation_id"],
                                       row["plan__participants__unit__organisation__name"]))


def sip_numbers(organisation, today=None):
    """Per month: plans started that the organisation's units take part in (not those it is only
    invited to), meetings held, share of them digital (video) and with the person."""
    firsts = months_back(today or timezone.localdate())
    plans = dict((_first(row["month"]), row["n"]) for row in
                 SipPlan.objects.filter(pk__in=SipParticipant.objects.units_taking_part()
                                        .filter(unit__organisation=organisation).values("plan_id"),
                                        created_at__gte=_start(firsts[0]))
                 .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
                 .values("month").annotate(n=Count("pk", distinct=True)))
    meetings = {}
    for months in sip_meetings_by_unit(organisation, firsts).values():
        for first, row in months.items():
            total = meetings.setdefault(first, {"n": 0, "digital": 0, "with_person": 0})
            for key in total:
                total[key] += row[key]
    return [{"month": first, "plans": plans.get(first, 0), "meetings": meetings.get(first, {}).get("n", 0),
             "digital": meetings.get(first, {}).get("digital", 0),
             "with_person": meetings.get(first, {}).get("with_person", 0)} for first in firsts]


def conference_throughput(organisation, today=None):
    """Per month of registration: cases registered by or to the organisation's units, answered, and
    the median days from registration to recommendation."""
    firsts = months_back(today or timezone.localdate())
    cases = (ConferenceCase.objects.filter(Q(referring_unit__organisation=organisation)
                                           | Q(session__series__owner_unit__organisation=organisation),
                                           registered_at__gte=_start(firsts[0]))
             .values_list("registered_at", "answered_at"))
    by_month = {first: [] for first in firsts}
    for registered, answered in cases:
        first = timezone.localtime(registered).date().replace(day=1)
        by_month.setdefault(first, []).append(None if answered is None else (answered - registered).days)
    return [{"month": first, "registered": len(days), "answered": sum(1 for d in days if d is not None),
             "median_days": statistics.median([d for d in days if d is not None])
             if any(d is not None for d in days) else None} for first, days in by_month.items() if first in firsts]
