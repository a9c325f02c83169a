"""Pure rules of the forums app: decision labels, assignment order, and a goal's pace and movers.
No Django imports: the pages, the API and the seed share these."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HIGHER, LOWER = "higher", "lower"
PACE_MONTHS = 6  # the trend is drawn through the last six months with a value
HORIZON_MONTHS = 120  # beyond ten years, "at this pace" is no answer anyone plans by


def decision_label(number, year):
    return f"§ {number}/{year}"


def assignment_order(due, is_open, today):
    """Sort key: overdue first (oldest due first), then open ones by due date (none last), then closed."""
    overdue = is_open and due is not None and due < today
    return (0 if overdue else 1 if is_open else 2, due or date.max)


def add_months(first, count):
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def reached(value, target, direction):
    return value >= target if direction == HIGHER else value <= target


@dataclass(frozen=True)
class Pace:
    """When the goal is reached at the current pace.

    kind: "reached" (the latest value meets the target), "month" (reached in `month` if the trend
    holds), "not_at_pace" (the trend is flat or goes the wrong way, or takes over ten years), or
    "too_few" (fewer than three months with a value)."""

    kind: str
    month: date | None = None
    slope: Decimal | None = None  # change per month along the trend


def pace(values, target, direction):
    """`values`: [(first day of month, value)] oldest first. A least-squares line through the last
    PACE_MONTHS months with a value; the first month where the line meets the target."""
    points = [(m, Decimal(v)) for m, v in values if v is not None][-PACE_MONTHS:]
    if not points:
        return Pace("too_few")
    latest_month, latest = points[-1]
    target = Decimal(target)
    if reached(latest, target, direction):
        return Pace("reached")
    if len(points) < 3:
        return Pace("too_few")
    base = points[0][0]
    xs = [Decimal((m.year - base.year) * 12 + m.month - base.month) for m, _ in points]
    ys = [v for _, v in points]
    n = Decimal(len(points))
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    if slope == 0 or (slope > 0) != (direction == HIGHER):
        return Pace("not_at_pace", slope=slope)
    intercept = mean_y - slope * mean_x
    # x where the line reaches the target, counted in months from `base`.
    x_target = (target - intercept) / slope
    months_ahead = int((x_target - xs[-1]).to_integral_value(rounding="ROUND_CEILING"))
    if months_ahead > HORIZON_MONTHS:
        return Pace("not_at_pace", slope=slope)
    return Pace("month", month=add_months(latest_month, max(months_ahead, 1)), slope=slope)


def change(values):
    """The latest value and its change from the month before (None where a month has no value)."""
    present = [(m, v) for m, v in values if v is not None]
    if not present:
        return None, None
    latest = Decimal(present[-1][1])
    if len(present) < 2:
        return latest, None
    return latest, latest - Decimal(present[-2][1])


@dataclass(frozen=True)
class Mover:
    area: object  # what tells the area from the others (the goal page's area key)
    before: Decimal
    after: Decimal
    better: bool
    # How much the area moved the whole's figure (in the figure's unit), when weights are known.
    contribution: Decimal | None = None

    @property
    def delta(self):
        return self.after - self.before


def movers(before, after, direction, count=3, *, weights_before=None, weights_after=None):
    """The areas (units, municipalities) that moved the figure most from one month to the next.
    `before` and `after` map area -> value. With weights (area -> how many the value stands for, in
    every area of both months), the whole is the weighted mean and each area's contribution is
    w'v'/W' - wv/W: the contributions add up to the whole's change, and the areas are ranked by
    them, so a municipality with one case and a big swing does not outrank one with a hundred.
    Without weights, by the size of the area's own change. Areas missing in either month are left out."""
    weighted = bool(weights_before) and bool(weights_after) and set(weights_before) >= set(before) \
        and set(weights_after) >= set(after)
    total_before = sum(Decimal(w) for w in weights_before.values()) if weighted else None
    total_after = sum(Decimal(w) for w in weights_after.values()) if weighted else None
    found = []
    for area in after:
        if area not in before:
            continue
        old, new = Decimal(before[area]), Decimal(after[area])
        contribution = None
        if weighted and total_before and total_after:
            contribution = (Decimal(weights_after[area]) * new / total_after
                            - Decimal(weights_before[area]) * old / total_before)
        if old == new and not contribution:
            continue
        moved = contribution if contribution is not None else new - old
        found.append(Mover(area, old, new, (moved > 0) == (direction == HIGHER), contribution))
    found.sort(key=lambda m: (-abs(m.contribution if m.contribution is not None else m.delta), m.area))
    return found[:count]


def rounded(value, places="0.1"):
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)
