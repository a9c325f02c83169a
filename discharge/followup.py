"""Follow-up (uppföljning) of discharge coordination: ready days per municipality and month against
the agreement's limit, the share discharged on day 0, the timeliness of admission notices, and the
long-stayers still in hospital.

Every case is assessed by the liability engine (`assess_case`), so day 0, ready days, eligibility
and long-stay are counted exactly as the invoice basis counts them; the mean of ready days is the
one the average model compares with the limit.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from core.errors import NotPermitted
from core.models import Organisation
from core.collation import sort_key
from discharge import permissions
from discharge.invoicing import (
    CASE_FIELDS, agreement_for, case_facts, case_rows, local_midnight, organisation_scope, terms_from,
)
from discharge.models import Agreement, DischargeCase
from discharge.rules.deadlines import ADMISSION_NOTICE_HOURS, DEFAULT_LONG_STAY_DAYS
from discharge.rules.liability import (
    AVERAGE, REASON_TEXTS, SOMATIC, LiabilityError, Month, assess_case, local, round_half_up, utc,
)

FOLLOWUP_MONTHS = 12

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


# --- Who sees what ----------------------------------------------------------------------------------

def followup_scope(actor):
    """The same scope as the invoice basis (a region's staff see every municipality its wards
    serve, a municipality's staff only their own), for finance staff and coordinators."""
    if not permissions.may_read_followup(actor):
        raise NotPermitted("Uppföljningen visas för den som har ekonomi- eller samordnarbehörighet.")
    return organisation_scope(actor)


def scoped(cases, scope):
    cases = cases.filter(ward__organisation=scope.region)
    return cases if scope.municipality is None else cases.filter(municipality=scope.municipality)


# --- Months and agreements --------------------------------------------------------------------------

def window(last, count=FOLLOWUP_MONTHS):
    """The `count` months ending with `last`, oldest first."""
    return last.ending_here(count)


def month_of(day):
    return Month.of(day)


def percent(part, whole):
    """Whole per cent, halves up; None when there is nothing to divide."""
    return int(round_half_up(Decimal(100 * part) / whole)) if whole else None


def in_force(agreement, month):
    return agreement.valid_from <= month.last_day and (
        agreement.valid_until is None or agreement.valid_until >= month.first_day)


class AgreementBook:
    """The region's agreements over a window, fetched once; which one applies to a municipality in a
    month follows `invoicing.agreement_for`, so follow-up and invoice use the same terms."""

    def __init__(self, region, months):
        self.agreements = list(
            Agreement.objects.filter(region=region, valid_from__lte=months[-1].last_day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=months[0].first_day))
            .prefetch_related("care_type_rules", "daily_amounts", "municipalities")
            .order_by("-valid_from", "-pk")
        )
        self._terms = {}

    def agreement(self, municipality, month):
        return agreement_for(municipality, [a for a in self.agreements if in_force(a, month)])

    def terms(self, municipality, month):
        agreement = self.agreement(municipality, month)
        key = agreement.pk if agreement else None
        if key not in self._terms:
            self._terms[key] = terms_from(agreement)
        return self._terms[key]

    def limit(self, municipality, month, care_type):
        """The agreement's limit for the mean of ready days; None in the individual model."""
        terms = self.terms(municipality, month)
        rule = terms.care_types.get(care_type)
        return rule.average_limit_days if terms.model == AVERAGE and rule else None

    def long_stay_days(self, municipality, month, care_type):
        rule = self.terms(municipality, month).care_types.get(care_type)
        return (rule.long_stay_days if rule else None) or DEFAULT_LONG_STAY_DAYS


# --- Ready days per municipality and month ----------------------------------------------------------

@dataclass
class MonthStats:
    """One municipality's (or the whole scope's) eligible cases discharged in a month."""

    month: Month
    limit: Decimal | None = None
    discharged: int = 0  # eligible cases discharged in the month
    long_stayers: int = 0  # of those, long-stayers: not in the mean
    total_ready_days: int = 0  # of the cases in the mean
    day0: int = 0  # discharged on day 0 (ready days 0)
    error: str = ""

    @property
    def in_mean(self):
        return self.discharged - self.long_stayers

    @property
    def mean_ready_days(self):
        """As the engine's summary: two decimals, halves up; None without cases."""
        return round_half_up(Decimal(self.total_ready_days) / self.in_mean, "0.01") if self.in_mean else None

    @property
    def day0_percent(self):
        return percent(self.day0, self.discharged)

    @property
    def over_limit(self):
        mean = self.mean_ready_days
        return mean is not None and self.limit is not None and mean > self.limit

    def add(self, result):
        self.discharged += 1
        self.day0 += result.ready_days == 0
        if result.long_stay:
            self.long_stayers += 1
        else:
            self.total_ready_days += result.ready_days

    def merge(self, other):
        for name in ("discharged", "long_stayers", "total_ready_days", "day0"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error = self.error or other.error


@dataclass
class ReadyDays:
    months: list  # Month, oldest first
    care_type: str
    by_municipality: dict  # Organisation -> [MonthStats], sorted by name
    total: list  # MonthStats over every municipality in scope
    book: AgreementBook
    limits_differ: bool = False  # the municipalities' limits differ: the total has none

    @property
    def discharged(self):
        return sum(stats.discharged for stats in self.total)


def ended_cases(scope, months):
    """Cases whose stay ended in the window, as `case_facts` ends it: discharged, or cancelled."""
    start, end = local_midnight(months[0].first_day), local_midnight(months[-1].next().first_day)
    discharged = Q(discharged_at__gte=start, discharged_at__lt=end)
    cancelled = Q(status=DischargeCase.Status.CANCELLED, discharged_at__isnull=True, closed_at__gte=start,
                  closed_at__lt=end)
    return scoped(DischargeCase.objects.filter(discharged | cancelled, ready_notice_sent_at__isnull=False), scope)


def ready_days(scope, last, care_type=SOMATIC, *, book=None):
    """Eligible cases discharged per municipality and month over the window ending with `last`."""
    months = window(last)
    book = book or AgreementBook(scope.region, months)
    rows = case_rows(ended_cases(scope, months).filter(care_type=care_type))
    municipalities = Organisation.objects.in_bulk({row["municipality_id"] for row in rows})
    if scope.municipality is not None:
        municipalities[scope.municipality.pk] = scope.municipality
    stats = {pk: {m: MonthStats(m, limit=book.limit(o, m, care_type)) for m in months}
             for pk, o in municipalities.items()}
    for row in rows:
        add_case(stats[row["municipality_id"]], municipalities[row["municipality_id"]], row, book)
    by_municipality = {municipalities[pk]: list(by_month.values()) for pk, by_month in stats.items()}
    by_municipality = dict(sorted(by_municipality.items(), key=lambda item: sort_key(item[0].name)))
    total, differ = totals(months, list(by_municipality.values()))
    return ReadyDays(months=months, care_type=care_type, by_municipality=by_municipality, total=total,
                     book=book, limits_differ=differ)


def add_case(by_month, municipality, row, book):
    facts = case_facts(row)
    month = month_of(local(facts.discharged_at).date())
    try:
        result = assess_case(facts, book.terms(municipality, month))
    except LiabilityError as error:
        by_month[month].error = str(error)
        return
    if result.eligible:
        by_month[month].add(result)


def totals(months, series):
    """The scope's stats per month; its limit only when every municipality has the same one."""
    total, differ = [], False
    for index, month in enumerate(months):
        limits = {stats[index].limit for stats in series}
        differ = differ or len(limits) > 1
        month_total = MonthStats(month, limit=next(iter(limits)) if len(limits) == 1 else None)
        for stats in series:
            month_total.merge(stats[index])
        total.append(month_total)
    return total, differ


# --- Admission notices within 24 hours --------------------------------------------------------------

def admission_notice_timeliness(admitted_at, sent_at, ended_at, now):
    """ON_TIME, LATE or MISSING; None while the notice is not yet due, or when the stay ended before
    it was (nobody expects a notice for a patient who left after a night)."""
    deadline = utc(admitted_at) + timedelta(hours=ADMISSION_NOTICE_HOURS)
    if sent_at is not None:
        return ON_TIME if utc(sent_at) <= deadline else LATE
    ended = min(utc(ended_at), utc(now)) if ended_at else utc(now)
    return MISSING if ended > deadline else None


@dataclass
class NoticeStats:
    label: str
    on_time: int = 0
    late: int = 0
    missing: int = 0
    key: object = None

    @property
    def due(self):
        return self.on_time + self.late + self.missing

    @property
    def on_time_percent(self):
        return percent(self.on_time, self.due)

    def add(self, outcome):
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Notices:
    by_month: list  # NoticeStats per month of the window, by admission month
    by_ward: list  # NoticeStats per ward, the last month
    by_municipality: dict  # municipality code -> NoticeStats, the last month

    @property
    def due(self):
        return sum(stats.due for stats in self.by_month)


NOTICE_FIELDS = ["ward_id", "ward__name", "municipality__code", "municipality__name", "admitted_at",
                 "admission_notice_sent_at", "discharged_at", "closed_at"]


def admission_notices(scope, last, now):
    """Whether admission notices came within 24 hours, per admission month; per ward and per
    municipality for the last month."""
    months = window(last)
    start, end = local_midnight(months[0].first_day), local_midnight(last.next().first_day)
    rows = scoped(DischargeCase.objects.filter(admitted_at__gte=start, admitted_at__lt=end), scope)
    by_month = {m: NoticeStats(str(m), key=m) for m in months}
    by_ward, by_municipality = {}, {}
    for row in rows.values(*NOTICE_FIELDS):
        outcome = admission_notice_timeliness(row["admitted_at"], row["admission_notice_sent_at"],
                                              row["discharged_at"] or row["closed_at"], now)
        month = month_of(local(row["admitted_at"]).date())
        if outcome is None:
            continue
        by_month[month].add(outcome)
        if month == last:
            by_ward.setdefault(row["ward_id"], NoticeStats(row["ward__name"], key=row["ward_id"])).add(outcome)
            by_municipality.setdefault(row["municipality__code"], NoticeStats(
                row["municipality__name"], key=row["municipality__code"])).add(outcome)
    return Notices(by_month=list(by_month.values()), by_ward=sorted(by_ward.values(), key=lambda s: s.label),
                   by_municipality=by_municipality)


# --- Long-stayers -----------------------------------------------------------------------------------

@dataclass
class LongStayer:
    case_id: str
    ward: str
    municipality: Organisation
    care_type: str
    admitted_at: object
    ready_notice_sent_at: object
    day0: object
    ready_days: int  # so far, up to today
    long_stay_days: int  # the limit it passed
    reason: str = ""  # why the municipality is not liable, when it is not


def long_stayers(scope, today):
    """Open cases ready for longer than the agreement's long-stay limit (or 30 days), longest first;
    their ready days counted up to today by the engine's day 0."""
    month = month_of(today)
    book = AgreementBook(scope.region, [month])
    rows = scoped(DischargeCase.objects.filter(status=DischargeCase.Status.OPEN, ready_notice_sent_at__isnull=False),
                  scope).values(*CASE_FIELDS, "ward__name", "municipality__name")
    rows = list(rows)
    municipalities = Organisation.objects.in_bulk({row["municipality_id"] for row in rows})
    found = []
    for row in rows:
        municipality = municipalities[row["municipality_id"]]
        stayer = long_stayer(row, municipality, book, today)
        if stayer is not None:
            found.append(stayer)
    return sorted(found, key=lambda s: (-s.ready_days, s.case_id))


def long_stayer(row, municipality, book, today):
    month = month_of(today)
    try:
        result = assess_case(case_facts(row), book.terms(municipality, month))
    except LiabilityError:
        return None
    limit = book.long_stay_days(municipality, month, row["care_type"])
    days = max(0, (today - result.day0).days)
    if days <= limit:
        return None
    return LongStayer(case_id=str(row["id"]), ward=row["ward__name"], municipality=municipality,
                      care_type=row["care_type"], admitted_at=row["admitted_at"],
                      ready_notice_sent_at=row["ready_notice_sent_at"], day0=result.day0, ready_days=days,
                      long_stay_days=limit, reason=REASON_TEXTS.get(result.reason, ""))
