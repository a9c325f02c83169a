"""Payment liability for medically ready patients (Lag 2017:612), exactly as `svu.md` states it.

Pure functions on plain values: no database, no files. The `liability` command, the invoice-basis
pages and the API all call `calculate_month`, so the numbers on screen and in files are the same.
Every case result carries its explanation: day 0 and why, the free days, the eligibility reason,
the rule, and each liable day with its amount.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.rules.month import Month

STOCKHOLM = ZoneInfo("Europe/Stockholm")

SOMATIC = "somatic"
PSYCHIATRIC = "psychiatric"
CARE_TYPES = (SOMATIC, PSYCHIATRIC)

INDIVIDUAL = "individual"
AVERAGE = "average"
LONG_STAY = "long_stay"
MODELS = (INDIVIDUAL, AVERAGE)

# Eligibility reasons, checked in this order; the first that fails is reported.
NO_READY_NOTICE = "no_ready_notice"
NO_ADMISSION_NOTICE = "no_admission_notice"
LATE_ADMISSION_NOTICE = "late_admission_notice"
NO_CARE_CONTACT = "no_care_contact"
PATIENT_OBJECTED = "patient_objected"

REASON_TEXTS = {
    NO_READY_NOTICE: "Inget meddelande om utskrivningsklar har skickats.",
    NO_ADMISSION_NOTICE: "Inget inskrivningsmeddelande, eller det skickades efter utskrivningsklar.",
    LATE_ADMISSION_NOTICE: "Inskrivningsmeddelandet kom senare än avtalet tillåter efter inskrivningen.",
    NO_CARE_CONTACT: "Ingen fast vårdkontakt har utsetts.",
    PATIENT_OBJECTED: "Patienten har motsatt sig.",
}
RULE_TEXTS = {
    INDIVIDUAL: "Individmodell: varje dygn från första betalningsdag debiteras i sin månad.",
    AVERAGE: "Genomsnittsmodell: ärendet ingår i kommunens genomsnitt för utskrivningsmånaden.",
    LONG_STAY: "Långliggare: debiteras för sig i utskrivningsmånaden.",
}

# Socialstyrelsen's amount per day, used when an agreement sets none. Only years whose figure has
# been checked against the regulation are listed (HSLF-FS 2018:67 for 2019; 2022 from svu.md).
NATIONAL_DAILY_AMOUNTS = {2019: 7800, 2022: 9300}


class LiabilityError(Exception):
    """The calculation cannot be made as asked (not a fault in one case)."""


class MissingDailyAmount(LiabilityError):
    def __init__(self, year):
        self.year = year
        super().__init__(f"Avtalet saknar belopp per dygn för {year}.")


@dataclass(frozen=True)
class CareTypeTerms:
    free_days: int
    average_limit_days: Decimal | None = None
    long_stay_days: int | None = None


@dataclass(frozen=True)
class Terms:
    """An agreement's rules, as the engine needs them."""

    model: str
    day_break: time
    care_types: dict  # care type -> CareTypeTerms
    daily_amounts: dict  # year -> whole kronor per day
    count_discharge_day: bool = False
    admission_notice_max_hours: int | None = None
    name: str = ""

    def for_care_type(self, care_type):
        try:
            return self.care_types[care_type]
        except KeyError:
            raise LiabilityError(f"Avtalet saknar regler för vårdformen {care_type}.") from None

    def amount_for(self, year):
        if year not in self.daily_amounts:
            raise MissingDailyAmount(year)
        return self.daily_amounts[year]


LAW_FALLBACK = Terms(
    name="Lagens utfallsregel (lag 2017:612)",
    model=INDIVIDUAL,
    day_break=time(0, 0),
    care_types={SOMATIC: CareTypeTerms(free_days=3), PSYCHIATRIC: CareTypeTerms(free_days=30)},
    daily_amounts=NATIONAL_DAILY_AMOUNTS,
)


@dataclass(frozen=True)
class CaseFacts:
    """The timestamps of one case. Times are timezone-aware; None means it has not happened."""

    case_id: str
    municipality_code: str
    care_type: str
    admitted_at: datetime | None
    admission_notice_sent_at: datetime | None
    ready_notice_sent_at: datetime | None
    discharged_at: datetime | None
    care_contact_appointed: bool
    patient_objected: bool


@dataclass(frozen=True)
class LiableDay:
    day: date
    amount_sek: int


@dataclass
class CaseResult:
    facts: CaseFacts
    day0: date | None
    day0_explanation: str
    discharge_day: date | None
    ready_days: int | None
    eligible: bool
    reason: str  # empty when eligible
    rule: str
    free_days: int
    first_liable_day: date | None
    long_stay: bool = False
    days: list = field(default_factory=list)  # LiableDay, in the month calculated
    liable_days: int = 0
    amount_sek: int = 0

    @property
    def case_id(self):
        return self.facts.case_id

    @property
    def municipality_code(self):
        return self.facts.municipality_code

    @property
    def care_type(self):
        return self.facts.care_type


@dataclass
class Summary:
    municipality_code: str
    month: Month
    care_type: str
    cases: int
    eligible_cases: int
    mean_ready_days: Decimal | None
    liable_days: int
    amount_sek: int
    # The average model's arithmetic, for the explanation (None in the individual model).
    average_cases: int = 0
    average_total_ready_days: int = 0
    average_limit_days: Decimal | None = None
    average_excess_days: int = 0
    long_stay_days: int = 0


@dataclass
class MonthResult:
    month: Month
    terms: Terms
    cases: list  # CaseResult, sorted by case id
    summaries: list  # Summary, sorted by municipality code then care type


# --- One case -------------------------------------------------------------------------------------

def local(moment):
    return moment.astimezone(STOCKHOLM)


def utc(moment):
    """For comparing and subtracting: Python compares two times of the same zone object by their
    wall clocks, which is wrong across a daylight-saving change."""
    return moment.astimezone(timezone.utc)


def day_zero(ready_notice_sent_at, day_break):
    """Day 0 and the sentence that explains it."""
    sent = local(ready_notice_sent_at)
    stamp = f"{sent:%Y-%m-%d %H:%M}"
    if day_break != time(0, 0) and sent.time() >= day_break:
        return sent.date() + timedelta(days=1), (
            f"Utskrivningsklar {stamp}, vid eller efter dygnsbrytet {day_break:%H:%M}: dag 0 är nästa dag.")
    if day_break != time(0, 0):
        return sent.date(), f"Utskrivningsklar {stamp}, före dygnsbrytet {day_break:%H:%M}: dag 0 är samma dag."
    return sent.date(), f"Utskrivningsklar {stamp}: dag 0 är samma dag (dygnsbryt 00:00)."


def ineligibility_reason(facts, terms):
    """The first eligibility rule the case fails, or '' when it counts."""
    if facts.ready_notice_sent_at is None:
        return NO_READY_NOTICE
    if facts.admission_notice_sent_at is None or utc(facts.admission_notice_sent_at) > utc(facts.ready_notice_sent_at):
        return NO_ADMISSION_NOTICE
    limit = terms.admission_notice_max_hours
    # Elapsed real time, so a night when the clocks change counts as the 23 or 25 hours it lasts.
    if limit is not None and facts.admitted_at is not None and (
            utc(facts.admission_notice_sent_at) - utc(facts.admitted_at) > timedelta(hours=limit)):
        return LATE_ADMISSION_NOTICE
    if not facts.care_contact_appointed:
        return NO_CARE_CONTACT
    if facts.patient_objected:
        return PATIENT_OBJECTED
    return ""


def assess_case(facts, terms):
    """Everything about a case that does not depend on the month calculated."""
    care = terms.for_care_type(facts.care_type)
    day0, why = (None, "Inget meddelande om utskrivningsklar.")
    if facts.ready_notice_sent_at is not None:
        day0, why = day_zero(facts.ready_notice_sent_at, terms.day_break)
    discharge_day = local(facts.discharged_at).date() if facts.discharged_at else None
    ready_days = max(0, (discharge_day - day0).days) if day0 and discharge_day else None
    reason = ineligibility_reason(facts, terms)
    long_stay = bool(not reason and ready_days is not None and care.long_stay_days is not None
                     and ready_days > care.long_stay_days)
    rule = INDIVIDUAL if terms.model == INDIVIDUAL else (LONG_STAY if long_stay else AVERAGE)
    return CaseResult(
        facts=facts, day0=day0, day0_explanation=why, discharge_day=discharge_day, ready_days=ready_days,
        eligible=not reason, reason=reason, rule=rule, free_days=care.free_days,
        first_liable_day=day0 + timedelta(days=care.free_days) if day0 else None, long_stay=long_stay,
    )


def individual_liable_days(result, terms, until):
    """The liable dates of an eligible case in the individual model, up to and including `until`
    when the patient is still admitted."""
    if not result.eligible:
        return []
    if result.discharge_day is None:
        last = until
    else:
        last = result.discharge_day if terms.count_discharge_day else result.discharge_day - timedelta(days=1)
    first = result.first_liable_day
    return [first + timedelta(days=n) for n in range(max(0, (last - first).days + 1))]


def touches_month(result, month):
    """Whether the case belongs in the month's basis: discharged in it, liable in it, or admitted
    before its end and not discharged by its end."""
    if month.contains(result.discharge_day) or result.days:
        return True
    admitted = result.facts.admitted_at
    return (admitted is not None and local(admitted).date() <= month.last_day
            and (result.discharge_day is None or result.discharge_day > month.last_day))


def round_half_up(value, places="1"):
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- A month ---------------------------------------------------------------------------------------

def calculate_month(cases, terms, month):
    """The month's basis: one result per case that touches the month, and one summary per
    municipality and care type. Raises LiabilityError when the agreement lacks what is needed."""
    month_amount = terms.amount_for(month.year)
    results = []
    for facts in cases:
        result = assess_case(facts, terms)
        if terms.model == INDIVIDUAL:
            days = [d for d in individual_liable_days(result, terms, month.last_day) if month.contains(d)]
            result.days = [LiableDay(d, month_amount) for d in days]
        elif result.long_stay and month.contains(result.discharge_day):
            billable = max(0, result.ready_days - result.free_days)
            result.days = [LiableDay(result.discharge_day, month_amount)] * billable
        result.liable_days = len(result.days)
        result.amount_sek = sum(d.amount_sek for d in result.days)
        if touches_month(result, month):
            results.append(result)
    results.sort(key=lambda r: r.case_id)
    return MonthResult(month=month, terms=terms, cases=results, summaries=summarise(results, terms, month))


def summarise(results, terms, month):
    groups = defaultdict(list)
    for result in results:
        groups[(result.municipality_code, result.care_type)].append(result)
    summaries = []
    for (code, care_type), rows in sorted(groups.items()):  # "psychiatric" sorts before "somatic"
        in_mean = [r for r in rows if r.eligible and month.contains(r.discharge_day) and not r.long_stay]
        total = sum(r.ready_days for r in in_mean)
        summary = Summary(
            municipality_code=code, month=month, care_type=care_type, cases=len(rows),
            eligible_cases=sum(r.eligible for r in rows),
            mean_ready_days=round_half_up(Decimal(total) / len(in_mean), "0.01") if in_mean else None,
            liable_days=sum(r.liable_days for r in rows), amount_sek=sum(r.amount_sek for r in rows),
        )
        if terms.model == AVERAGE:
            limit = terms.for_care_type(care_type).average_limit_days
            excess = average_excess_days(total, len(in_mean), limit)
            summary.average_cases, summary.average_total_ready_days = len(in_mean), total
            summary.average_limit_days, summary.average_excess_days = limit, excess
            summary.long_stay_days = summary.liable_days
            summary.liable_days += excess
            summary.amount_sek += excess * terms.amount_for(month.year)
        summaries.append(summary)
    return summaries


def average_excess_days(total_ready_days, cases, limit_days):
    """T − limit × n, rounded to a whole day with halves up; 0 when not positive."""
    if not cases:
        return 0
    excess = int(round_half_up(Decimal(total_ready_days) - Decimal(limit_days) * cases))
    return max(0, excess)


def stay_liable_days(facts, terms, until):
    """Every liable day of a case over its whole stay, each priced at its own year's amount (the
    individual model); for a case's explanation across months and years."""
    result = assess_case(facts, terms)
    if terms.model != INDIVIDUAL:
        return result, []
    return result, [LiableDay(d, terms.amount_for(d.year)) for d in individual_liable_days(result, terms, until)]
