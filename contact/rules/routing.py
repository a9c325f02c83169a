"""Where a new matter goes, and by when it must be answered. Pure functions on plain values.

Routing: a resident listed at a primary-care centre lands in that centre's queue while the centre
is open, and in the region's night team's queue outside its opening hours (evenings, weekends and
Swedish public holidays, from the `holidays` package). A resident who is not listed, or whose
centre takes no matters here, lands in the region's intake unit's queue while it is open and in
the night team's otherwise.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

# The response-time targets (minutes) a region starts from; the region changes them per priority.
PRIORITIES = ("immediate", "same_day", "three_days", "planned", "self_care")
UNASSESSED = "unassessed"
DEFAULT_TARGET_MINUTES = {
    UNASSESSED: 4 * 60,  # first assessment of a matter nobody has triaged yet
    "immediate": 15,
    "same_day": 8 * 60,
    "three_days": 3 * 24 * 60,
    "planned": 14 * 24 * 60,
    "self_care": 24 * 60,
}
# A flagged matter waits for immediate assessment, whatever its priority.
FLAGGED_TARGET_KEY = "immediate"


@lru_cache(maxsize=16)
def _swedish_holidays(year):
    # The library counts every Sunday as a holiday in Sweden unless told not to; weekdays are
    # handled by the opening hours themselves.
    return frozenset(holidays.Sweden(years=year, include_sundays=False))


def is_public_holiday(day: date) -> bool:
    """Swedish public holidays (röda dagar), plus midsummer, christmas and new year's eves, when
    primary care is closed as on a holiday."""
    if day in _swedish_holidays(day.year):
        return True
    eves = {(12, 24), (12, 31)}
    if (day.month, day.day) in eves:
        return True
    # Midsummer eve: the Friday between 19 and 25 June.
    return day.month == 6 and 19 <= day.day <= 25 and day.weekday() == 4


def is_open(hours, local: datetime) -> bool:
    """`hours`: {weekday 0-6: [(opens, closes), ...]} in local time. Closed on public holidays."""
    if is_public_holiday(local.date()):
        return False
    now = local.time()
    return any(opens <= now < closes for opens, closes in hours.get(local.weekday(), ()))


def next_opening(hours, local: datetime, *, horizon_days=14):
    """When the unit next opens after `local` (naive local time), or None within the horizon."""
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        if is_public_holiday(day):
            continue
        for opens, _closes in sorted(hours.get(day.weekday(), ())):
            start = datetime.combine(day, opens)
            if start > local:
                return start
    return None


@dataclass(frozen=True)
class Route:
    unit_id: int
    reason: str  # shown on the matter's timeline


def route(*, listed_unit_id, listed_hours, intake_unit_id, intake_hours, night_unit_id, local: datetime) -> Route:
    """The unit whose queue a new matter from a resident joins."""
    if listed_unit_id is not None and listed_hours:
        if is_open(listed_hours, local):
            return Route(listed_unit_id, "Listad vid vårdcentralen, som har öppet")
        return Route(night_unit_id, "Vårdcentralen har stängt: till nattens team")
    if intake_unit_id is not None and is_open(intake_hours, local):
        return Route(intake_unit_id, "Inte listad här: till kontaktingången")
    return Route(night_unit_id, "Utanför öppettid: till nattens team")


def target_minutes(targets, *, priority, flagged):
    """Minutes from arrival to the expected answer. `targets`: {priority key: minutes} set by the
    region; what it has not set comes from DEFAULT_TARGET_MINUTES."""
    key = FLAGGED_TARGET_KEY if flagged and priority in ("", None, UNASSESSED) else (priority or UNASSESSED)
    return targets.get(key, DEFAULT_TARGET_MINUTES[key])


def always_open():
    return {day: [(time(0, 0), time(23, 59, 59))] for day in range(7)}
