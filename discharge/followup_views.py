"""Follow-up pages (uppföljning): ready days against the agreement's limit, discharges on day 0,
admission notices within 24 hours and long-stayers, for the finance staff and coordinators of a
region (every municipality its wards serve) or of a municipality (their own)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core import params
from core.charts import Bar, bar_chart, decimal_text, two_decimals
from core.models import Organisation
from core.views.decorators import staff_required
from core.db_router import reads_from_replica
from core.collation import sort_key, swedish
from discharge import followup
from discharge.invoicing import BasisScope, previous_month
from discharge.models import CareType, CaseParty, DischargeCase
from discharge.rules.liability import Month

MONTH_NAMES = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december"]


def month_label(month):
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def short_label(month, first):
    """The bar's label and, at the window's first month and each January, the year under it."""
    return MONTH_NAMES[month.month - 1][:3], str(month.year) if first or month.month == 1 else ""


def per_cent(value):
    """'33 %' with a narrow no-break space, so that 100 % fits over a bar."""
    return f"{value}\u202f%"


def _scope(request):
    return followup.followup_scope(request.actor)


def _chosen_month(request):
    default = previous_month(timezone.localdate())
    try:
        return params.parsed(request, "manad", Month.parse, default)
    except params.Invalid:
        messages.error(request, "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-10.")
        return default


def _care_type(request):
    return params.choice(request, "vardform", CareType.values, CareType.SOMATIC)


def _query(month, care_type):
    return "?" + urlencode({"manad": str(month), "vardform": care_type})


@staff_required
@reads_from_replica
def followup_overview(request):
    scope = _scope(request)
    month, care_type = _chosen_month(request), _care_type(request)
    code = scope.municipality.code if scope.municipality is not None else params.code(request, "kommun", r"\d{4}")
    if code:
        return redirect(reverse("discharge:followup_municipality", kwargs={"code": code}) + _query(month, care_type))
    context = _followup_context(request, scope, month, care_type)
    context["municipality_choices"] = _municipality_choices(scope)
    context["municipality_rows"] = _municipality_rows(context["days"], context["notices"], context["long_stayers"])
    return render(request, "discharge/followup_overview.html", context)


@staff_required
@reads_from_replica
def followup_municipality(request, code):
    scope = _scope(request)
    if scope.municipality is not None and scope.municipality.code != code:
        raise Http404
    municipality = get_object_or_404(Organisation, kind=Organisation.Kind.MUNICIPALITY, code=code)
    month, care_type = _chosen_month(request), _care_type(request)
    context = _followup_context(request, BasisScope(region=scope.region, municipality=municipality), month, care_type)
    context["agreement"] = context["days"].book.agreement(municipality, month)
    context["is_region"] = scope.is_region
    context["municipality_choices"] = _municipality_choices(scope) if scope.is_region else []
    return render(request, "discharge/followup_municipality.html", context)


def _followup_context(request, scope, month, care_type):
    days = followup.ready_days(scope, month, care_type)
    notices = followup.admission_notices(scope, month, timezone.now())
    stayers = followup.long_stayers(scope, timezone.localdate())
    last = days.total[-1]
    return {
        "scope": scope, "month": month, "month_label": month_label(month), "care_type": care_type,
        "care_type_label": CareType(care_type).label, "care_types": CareType.choices,
        "window_label": f"{month_label(days.months[0])} – {month_label(month)}",
        "previous": previous_month(month.first_day), "next": month.next(),
        "days": days, "last": last, "limit_note": _limit_note(days), "notices": notices,
        "last_notices": notices.by_month[-1], "long_stayers": stayers,
        "own_cases": _own_cases(request.actor, stayers),
        "month_rows": [(month_label(m.month), m, n) for m, n in zip(days.total, notices.by_month, strict=True)],
        "ready_chart": _ready_days_chart(days), "day0_chart": _day0_chart(days), "notice_chart": _notice_chart(notices),
        "query": _query(month, care_type),
    }


def _municipality_choices(scope):
    """The municipalities the region's wards have had cases for, for the filter."""
    served = followup.scoped(DischargeCase.objects.all(), scope).values("municipality_id")
    return Organisation.objects.filter(pk__in=served).order_by(swedish("name"))


def _own_cases(actor, stayers):
    """The long-stayers whose case the actor's unit takes part in: only those link to the case."""
    ids = [s.case_id for s in stayers]
    return {str(pk) for pk in CaseParty.objects.filter(unit_id=actor.unit_id, case_id__in=ids)
            .values_list("case_id", flat=True)}


def _municipality_rows(days, notices, stayers):
    """The chosen month per municipality: its ready days, admission notices and long-stayers now."""
    rows = {o.code: {"name": o.name, "code": o.code, "stats": stats[-1]} for o, stats in days.by_municipality.items()}
    for code, stats in notices.by_municipality.items():
        rows.setdefault(code, {"name": stats.label, "code": code, "stats": None})["notices"] = stats
    for stayer in stayers:  # counted where the window has the municipality, never a row of their own
        if stayer.municipality.code in rows:
            row = rows[stayer.municipality.code]
            row["long_stayers"] = row.get("long_stayers", 0) + 1
    return sorted(rows.values(), key=lambda row: sort_key(row["name"]))


def _single_limit(days):
    limits = {stats.limit for stats in days.total}
    return limits.pop() if len(limits) == 1 else None


def _limit_note(days):
    """One sentence on the dashed line: which limit, or why there is none."""
    limit = _single_limit(days)
    if limit is not None:
        return f"Den streckade linjen är avtalets gräns: {decimal_text(limit)} dagar i genomsnitt."
    if days.limits_differ:
        return "Kommunerna har olika gränser i sina avtal, så diagrammet för alla kommuner visar ingen gräns. " \
               "Välj en kommun för att se dess gräns."
    if any(stats.limit is not None for stats in days.total):
        return "Den streckade linjen är avtalets gräns; avtalet har ändrats under perioden."
    return ("Ingen gräns att jämföra med: det avtal som gäller har ingen gräns för genomsnittet "
            "(individmodell eller lagens utfallsregel), så varje dygn efter de fria dagarna räknas för sig.")


def _bars(months, stats_list, value, text, **extra):
    """One bar per month; `extra` gives further Bar fields from each month's stats."""
    bars = []
    for index, (month, stats) in enumerate(zip(months, stats_list, strict=True)):
        label, year = short_label(month, index == 0)
        amount = value(stats)
        bars.append(Bar(label=label, sublabel=year, value=amount, text=text(amount) if amount is not None else "",
                        **{key: fn(stats) for key, fn in extra.items()}))
    return bars


def _latest(bars):
    shown = [b for b in bars if b.value is not None]
    return f" Senaste månaden med utskrivna: {shown[-1].text}." if shown else " Inga utskrivna ärenden under perioden."


def _ready_days_chart(days):
    bars = _bars(days.months, days.total, lambda s: s.mean_ready_days, two_decimals, limit=lambda s: s.limit,
                 over=lambda s: s.over_limit)
    limit = _single_limit(days)
    legend = f"Avtalets gräns: {decimal_text(limit)} dagar" if limit is not None else "Avtalets gräns"
    return bar_chart(
        bars, chart_id="chart-ready-days", title="Vårddagar efter utskrivningsklar, medel per månad",
        description=f"Stapeldiagram, {month_label(days.months[0])} till {month_label(days.months[-1])}. "
                    f"{_limit_note(days)}{_latest(bars)} Samma siffror finns i tabellen under diagrammen.",
        limit_label=legend, over_label="Över gränsen")


def _day0_chart(days):
    bars = _bars(days.months, days.total, lambda s: s.day0_percent, per_cent)
    return bar_chart(
        bars, chart_id="chart-day0", title="Andel utskrivna dag 0", y_max=100,
        description=f"Stapeldiagram i procent, {month_label(days.months[0])} till {month_label(days.months[-1])}: "
                    f"andelen som skrevs ut samma dag som de blev utskrivningsklara.{_latest(bars)} "
                    "Samma siffror finns i tabellen under diagrammen.")


def _notice_chart(notices):
    bars = _bars([s.key for s in notices.by_month], notices.by_month, lambda s: s.on_time_percent, per_cent)
    shown = [b for b in bars if b.value is not None]
    latest = f" Senaste månaden: {shown[-1].text}." if shown else " Inga inskrivningar under perioden."
    return bar_chart(
        bars, chart_id="chart-notices", title="Inskrivningsmeddelanden inom 24 timmar", y_max=100,
        description="Stapeldiagram i procent per inskrivningsmånad: andelen inskrivningsmeddelanden som skickades "
                    f"inom 24 timmar efter inskrivningen.{latest} Samma siffror finns i tabellen under diagrammet.")
