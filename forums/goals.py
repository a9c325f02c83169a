"""Goal follow-up: a goal's monthly values from the platform's own data (through the very functions
the follow-up pages use, so the chair sees the figure the follow-up page shows), and what the
chair's page says about them: the trend, the latest value and its change, when the goal is reached
at the current pace, and which units or municipalities moved the figure most.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from core.charts import Bar, bar_chart, decimal_text
from core.models import Organisation
from forums import rules
from forums.models import Goal, GoalValue, area_key

MONTH_NAMES = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
MONTH_NAMES_LONG = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                    "november", "december"]
CHART_MONTHS = 12


def _decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Area:
    """Where a platform value is for: the whole (no ids), a unit or an organisation (by id); the
    name is what the page shows."""
    name: str = ""
    unit_id: int | None = None
    organisation_id: int | None = None


WHOLE = Area()
WHOLE_KEY = area_key(None, None, "")


def _unit(key):
    unit_id, name = key
    return Area(name=name, unit_id=unit_id)


def _organisation(key):
    organisation_id, name = key
    return Area(name=name, organisation_id=organisation_id)


def platform_values(goal, today):
    """{(first day of month, Area): (value, weight)} for a goal whose source is the platform (WHOLE
    for the whole; the weight is how many visits or cases the value stands for, None where unknown)."""
    source = goal.source
    values = {}
    if source == Goal.Source.VIDEO_SHARE:
        from meetings.followup import video_share

        firsts, total, units, _goal = video_share(goal.owner, today)
        for first in firsts:
            for area, row in [(WHOLE, total)] + [(Area(row.unit, unit_id=row.unit_id), row) for row in units]:
                if row.share(first) is not None:
                    values[(first, area)] = (_decimal(row.share(first)), row.by_month[first][1])
    elif source in (Goal.Source.SIP_MEETINGS, Goal.Source.SIP_DIGITAL_SHARE):
        from meetings.followup import months_back, sip_meetings_by_municipality, sip_meetings_by_unit, sip_numbers

        def figure(meetings, digital):
            if source == Goal.Source.SIP_MEETINGS:
                return _decimal(meetings), None
            return (_decimal(100 * digital / meetings), meetings) if meetings else None

        # The whole as the follow-up page shows it. A region's goal by the municipalities taking part
        # in the plans (docs/decisions.md); another organisation's by its own units, the rows that
        # whole is summed from.
        rows = [((row["month"], WHOLE), figure(row["meetings"], row["digital"])) for row in sip_numbers(goal.owner, today)]
        firsts = months_back(today)
        if goal.owner.kind == Organisation.Kind.REGION:
            areas = {_organisation(key): months for key, months in sip_meetings_by_municipality(goal.owner, firsts).items()}
        else:
            areas = {_unit(key): months for key, months in sip_meetings_by_unit(goal.owner, firsts).items()}
        for area, months in areas.items():
            # An area's month without meetings is 0 meetings (the count falls), and no share.
            rows += [((first, area), figure(months.get(first, {}).get("n", 0), months.get(first, {}).get("digital", 0)))
                     for first in firsts]
        values.update((key, value) for key, value in rows if value is not None)
    elif source in (Goal.Source.CONTACT_FIRST_RESPONSE, Goal.Source.CONTACT_BREACHED_SHARE):
        from contact.followup import region_months

        if goal.owner.kind != Organisation.Kind.REGION:
            return values  # the contact entry is the region's
        since = (today.replace(day=1) - timedelta(days=366)).replace(day=1)
        for (first, unit), stats in region_months(goal.owner, since=since).items():
            if source == Goal.Source.CONTACT_FIRST_RESPONSE:
                value, weight = stats.first_response_all.median, stats.first_response_all.count
            else:
                value, weight = stats.share_breached, stats.total
            if value is not None:
                values[(first, _unit(unit) if unit else WHOLE)] = (_decimal(value), weight)
    elif source in (Goal.Source.READY_DAYS, Goal.Source.DAY0_SHARE):
        from discharge.followup import ready_days
        from discharge.invoicing import BasisScope
        from discharge.rules.liability import Month

        scope = discharge_scope(goal.owner, BasisScope)
        if scope is None:
            return values
        result = ready_days(scope, Month(today.year, today.month))

        def figure(stats):
            # The mean counts the cases in it (long-stayers are not); the day-0 share every discharge.
            if source == Goal.Source.READY_DAYS:
                return stats.mean_ready_days, stats.in_mean
            return stats.day0_percent, stats.discharged

        for area, series in [(WHOLE, result.total)] + [(_organisation((m.pk, m.name)), s)
                                                       for m, s in result.by_municipality.items()]:
            for stats in series:
                value, weight = figure(stats)
                if value is not None:
                    values[(stats.month.first_day, area)] = (_decimal(value), weight)
    return values


def discharge_scope(owner, scope_class):
    """The region's wards and every municipality they serve, or one municipality within its region."""
    if owner.kind == Organisation.Kind.REGION:
        return scope_class(region=owner, municipality=None)
    if owner.kind == Organisation.Kind.MUNICIPALITY:
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=owner.county_code).first()
        return scope_class(region=region, municipality=owner) if region else None
    return None


# --- What the chair's page shows -------------------------------------------------------------------------

def month_label(first):
    return f"{MONTH_NAMES_LONG[first.month - 1]} {first.year}"


def figure_text(value, goal):
    if value is None:
        return "–"
    text = decimal_text(rules.rounded(value, "0.1" if goal.unit != Goal.Unit.COUNT else "1"))
    return f"{text} %" if goal.unit == Goal.Unit.PERCENT else f"{text} {goal.get_unit_display()}"


def change_text(delta, goal, places="0.1"):
    if delta is None:
        return ""
    unit = "procentenheter" if goal.unit == Goal.Unit.PERCENT else goal.get_unit_display()
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{decimal_text(rules.rounded(abs(delta), places if goal.unit != Goal.Unit.COUNT else '1'))} {unit}"


def pace_text(pace):
    if pace.kind == "reached":
        return "Målet är nått."
    if pace.kind == "month":
        return f"Målet nås i {month_label(pace.month)} i den här takten."
    if pace.kind == "not_at_pace":
        return "Målet nås inte i den här takten."
    return "För få månader med värden för att säga när målet nås."


@dataclass
class GoalSummary:
    goal: Goal
    months: list  # first days, oldest first
    series: list  # [(first day, value or None)] for the whole
    latest_month: object
    latest: Decimal | None
    delta: Decimal | None
    pace: rules.Pace
    movers: list  # rules.Mover, by area key
    chart: str
    area_names: dict  # area key -> the name shown

    @property
    def latest_text(self):
        return figure_text(self.latest, self.goal)

    @property
    def delta_text(self):
        return change_text(self.delta, self.goal)

    @property
    def pace_text(self):
        return pace_text(self.pace)

    @property
    def target_text(self):
        return figure_text(self.goal.target, self.goal)

    def mover_rows(self):
        return [{"area": self.area_names[m.area], "before": figure_text(m.before, self.goal), "after": figure_text(m.after, self.goal),
                 "change": change_text(m.delta, self.goal), "better": m.better,
                 "contribution": change_text(m.contribution, self.goal, "0.01") if m.contribution is not None else ""}
                for m in self.movers]


def _read_values(goal, months):
    """(month, area key, area name, value, weight) of the whole's months first, then of the areas in
    only the two months "what changed where" compares: a goal over 290 municipalities reads 12 + 580
    rows, not 12 x 290."""
    fields = ("month", "area_unit_id", "area_organisation_id", "area", "value", "weight")
    whole = Q(area="", area_unit__isnull=True, area_organisation__isnull=True)
    rows = list(GoalValue.objects.filter(whole, goal=goal, month__gte=months[0], month__lte=months[-1])
                .values_list(*fields))
    present = sorted(row[0] for row in rows if row[4] is not None)
    if present:
        rows += list(GoalValue.objects.filter(goal=goal, month__in=[rules.add_months(present[-1], -1), present[-1]])
                     .exclude(whole).values_list(*fields))
    return [(month, area_key(unit, organisation, name), name, value, weight)
            for month, unit, organisation, name, value, weight in rows]


def summarise(goal, today):
    """The chair's view of one goal over the CHART_MONTHS months ending with today's."""
    last = today.replace(day=1)
    months = [rules.add_months(last, -n) for n in range(CHART_MONTHS - 1, -1, -1)]
    values = _read_values(goal, months)
    whole = {month: value for month, key, _name, value, _weight in values if key == WHOLE_KEY}
    series = [(m, whole.get(m)) for m in months]
    latest, delta = rules.change(series)
    present = [m for m, v in series if v is not None]
    latest_month = present[-1] if present else None
    found_movers, names = [], {}
    if latest_month is not None:
        before_month = rules.add_months(latest_month, -1)
        by_area, weights = {}, {}
        for month, key, name, value, weight in values:
            if key != WHOLE_KEY and month in (before_month, latest_month):
                names[key] = name
                by_area.setdefault(month, {})[key] = value
                if weight is not None:
                    weights.setdefault(month, {})[key] = weight
        found_movers = rules.movers(by_area.get(before_month, {}), by_area.get(latest_month, {}), goal.direction,
                                    weights_before=weights.get(before_month), weights_after=weights.get(latest_month))
    bars = [Bar(label=MONTH_NAMES[m.month - 1], value=v, text=decimal_text(rules.rounded(v)) if v is not None else "",
                limit=goal.target, sublabel=str(m.year) if m.month == 1 or m == months[0] else "") for m, v in series]
    chart = bar_chart(bars, chart_id=f"goal-{goal.pk}", title=goal.name,
                      description=f"{goal.name} per månad de senaste {CHART_MONTHS} månaderna, med målet "
                                  f"{figure_text(goal.target, goal)} som streckad linje.",
                      y_max=100 if goal.unit == Goal.Unit.PERCENT and goal.target > 50 else None,
                      limit_label=f"Mål {figure_text(goal.target, goal)}")
    return GoalSummary(goal=goal, months=months, series=series, latest_month=latest_month, latest=latest, delta=delta,
                       pace=rules.pace(series, goal.target, goal.direction), movers=found_movers, chart=chart,
                       area_names=names)


def snapshot_for(forum, day):
    """The figures of the forum's goals as shown at a meeting on `day`, kept in the minutes."""
    figures = []
    for goal in forum.goals.all():
        summary = summarise(goal, day)
        figures.append({
            "goal": goal.name, "target": summary.target_text, "latest": summary.latest_text,
            "month": month_label(summary.latest_month) if summary.latest_month else "",
            "change": summary.delta_text, "pace": summary.pace_text,
            "movers": [f"{m['area']}: {m['contribution'] or m['change']}" for m in summary.mover_rows()],
        })
    return figures
