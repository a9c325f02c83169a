"""Follow-up figures of the contact entry from plain records (no Django): volumes per hour, weekday
and channel; time to first response and to resolution per priority (median and 90th percentile);
the share resolved without a physical visit; the share routed to the fixed care contact; breaches."""

import math
from dataclasses import dataclass

WEEKDAYS_SV = ["mån", "tis", "ons", "tors", "fre", "lör", "sön"]


@dataclass(frozen=True)
class Record:
    hour: int  # local hour of arrival, 0-23
    weekday: int  # 0 Monday
    channel: str
    priority: str  # "" when never triaged
    first_response_minutes: float | None
    resolution_minutes: float | None  # None while open
    physical_visit: bool  # a visit at the clinic was booked from it
    fixed_contact: bool
    breached: bool


def percentile(values, share):
    """Nearest-rank percentile (share in 0..1) of a non-empty list; None for an empty one."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Times:
    count: int
    median: float | None
    p90: float | None


def _times(values):
    return Times(len(values), percentile(values, 0.5), percentile(values, 0.9))


@dataclass(frozen=True)
class Figures:
    total: int
    per_hour: list  # 24 counts
    per_weekday: list  # 7 counts
    per_channel: dict  # channel -> count
    first_response: dict  # priority -> Times
    first_response_all: Times  # every matter answered, whatever its priority
    resolution: dict  # priority -> Times
    resolved: int
    resolved_without_visit: int
    fixed_contact: int
    breached: int

    def share(self, part, whole):
        return None if not whole else round(100 * part / whole, 1)

    @property
    def share_without_visit(self):
        return self.share(self.resolved_without_visit, self.resolved)

    @property
    def share_fixed_contact(self):
        return self.share(self.fixed_contact, self.total)

    @property
    def share_breached(self):
        return self.share(self.breached, self.total)


def figures(records, priorities):
    records = list(records)
    per_hour, per_weekday, per_channel = [0] * 24, [0] * 7, {}
    first, resolution = {p: [] for p in priorities}, {p: [] for p in priorities}
    answered = []
    resolved = without_visit = fixed = breached = 0
    for r in records:
        per_hour[r.hour] += 1
        per_weekday[r.weekday] += 1
        per_channel[r.channel] = per_channel.get(r.channel, 0) + 1
        key = r.priority if r.priority in first else ""
        if r.first_response_minutes is not None:
            answered.append(r.first_response_minutes)
            if key in first:
                first[key].append(r.first_response_minutes)
        if r.resolution_minutes is not None:
            resolved += 1
            without_visit += not r.physical_visit
            if key in resolution:
                resolution[key].append(r.resolution_minutes)
        fixed += r.fixed_contact
        breached += r.breached
    return Figures(
        total=len(records), per_hour=per_hour, per_weekday=per_weekday, per_channel=per_channel,
        first_response={p: _times(v) for p, v in first.items()}, first_response_all=_times(answered), resolution={p: _times(v) for p, v in resolution.items()},
        resolved=resolved, resolved_without_visit=without_visit, fixed_contact=fixed, breached=breached,
    )
