"""Patient fees, exactly as `meetings-and-fees.md` sets them out: the region's schedule, the age
exemptions, no-show fees, and the high-cost ceiling (högkostnadsskydd) with its free card.

Pure functions over plain values: the visit registration, the patient's fee page, the API and the
`fees` command all call `calculate_charges`, so a charge is the same wherever it is shown. Every
charge carries its reason and the figures behind it, so a patient's question can be answered from
the screen.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from core.batch import collector_paused

ATTENDED, NO_SHOW, LATE_CANCEL = "attended", "no_show", "late_cancel"
OUTCOMES = (ATTENDED, NO_SHOW, LATE_CANCEL)
FORMS = ("physical", "phone", "video")

# Reasons, as the charges file writes them.
AGE_EXEMPT = "age_exempt"
NO_SHOW_FEE = "no_show"
FREE_CARD = "free_card"
FREE_VISIT = "free_visit"
FEE = "fee"
CEILING_REACHED = "ceiling_reached"

REASON_TEXTS = {
    AGE_EXEMPT: "Avgiftsfri på grund av ålder",
    NO_SHOW_FEE: "Uteblivet besök eller sen avbokning (räknas inte mot högkostnadsskyddet)",
    FREE_CARD: "Frikort",
    FREE_VISIT: "Avgiftsfritt besök enligt avgiftstabellen",
    FEE: "Avgift enligt avgiftstabellen",
    CEILING_REACHED: "Avgift upp till högkostnadsskyddet; frikort från detta besök",
}
FIFTY = 50


class FeeError(Exception):
    """The schedule cannot price what it is asked to (a missing year, kind or form)."""


def ceiling_amount(share, prisbasbelopp, year):
    """The high-cost ceiling of a period that starts in `year`: the share of that year's
    prisbasbelopp, rounded down to whole fifties."""
    if year not in prisbasbelopp:
        raise FeeError(f"Avgiftstabellen saknar prisbasbelopp för {year}.")
    return int(share * prisbasbelopp[year] // FIFTY) * FIFTY


@dataclass(frozen=True)
class Schedule:
    region: str
    child_free_until_age: int  # younger than this on the visit date: free
    free_from_age: int  # this age or older on the visit date: free
    no_show_fee: int  # also for a late cancellation
    ceiling_share: Decimal  # of the prisbasbelopp
    prisbasbelopp: dict  # year -> kr
    fees: dict  # visit kind -> {form: kr}

    def ceiling(self, year):
        return ceiling_amount(self.ceiling_share, self.prisbasbelopp, year)

    def for_year(self, year):
        """The rules for visits in `year`: one schedule covers every year (the file format)."""
        return self

    def fee(self, visit_kind, form):
        try:
            return self.fees[visit_kind][form]
        except KeyError:
            raise FeeError(f"Avgiftstabellen saknar avgift för {visit_kind} ({form}).") from None


@dataclass(frozen=True)
class ScheduleBook:
    """A region's schedules year by year (as kept in the database): each visit follows its own
    year's schedule; the ceiling follows the prisbasbelopp of the period's starting year."""

    schedules: dict  # year -> Schedule
    prisbasbelopp: dict  # year -> kr (national)

    def for_year(self, year):
        if year not in self.schedules:
            raise FeeError(f"Regionen har ingen avgiftstabell för {year}.")
        return self.schedules[year]

    def ceiling(self, year):
        return ceiling_amount(self.for_year(year).ceiling_share, self.prisbasbelopp, year)


@dataclass(slots=True)  # not frozen: a region's year is millions of them, and frozen ones are slower to make
class Visit:
    visit_id: str
    personnummer: str  # twelve digits, no separator
    birth_date: date  # for a samordningsnummer, the day minus 60
    date: date
    visit_kind: str
    form: str
    outcome: str


@dataclass(frozen=True)
class Period:
    """Twelve months of the high-cost ceiling, from the first visit that counted."""

    start: date
    end: date
    ceiling: int


@dataclass(slots=True)
class Charge:
    visit: Visit
    fee_sek: int
    counts_to_ceiling: bool
    paid_in_period_sek: int | None  # the period's total after this visit; None: no period running
    free_card_until: date | None  # the free card's last day when one is valid after this visit
    reason: str
    age: int
    scheduled_fee_sek: int | None = None  # the schedule's fee for the visit, when it was looked up
    period: Period | None = None

    @property
    def visit_id(self):
        return self.visit.visit_id


def age_on(birth_date, day):
    """Whole years on `day`. Someone born on 29 February has their birthday on 1 March in other
    years (the day after 28 February)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def period_end(start):
    """The day before the same date a year later; a period from 29 February ends on 28 February."""
    if (start.month, start.day) == (2, 29):
        return date(start.year + 1, 2, 28)
    return date(start.year + 1, start.month, start.day) - timedelta(days=1)


@dataclass(slots=True)
class Ledger:
    """One person's running period and what has been paid in it."""

    period: Period | None = None
    paid: int = 0
    free_card_from: date | None = None

    def running_on(self, day):
        return self.period is not None and day <= self.period.end

    def free_card_on(self, day):
        return self.running_on(day) and self.free_card_from is not None and day >= self.free_card_from

    def start(self, day, schedule):
        self.period = Period(start=day, end=period_end(day), ceiling=schedule.ceiling(day.year))
        self.paid, self.free_card_from = 0, None


def charge_visit(visit, schedule, ledger):
    """The charge for one visit, given the person's ledger before it (updated in place)."""
    return _charge(visit, ledger, *price_visit(visit, schedule, ledger))


def price_visit(visit, schedule, ledger):
    """The visit's fee, reason, age, scheduled fee and whether it counts to the ceiling; the ledger
    is brought up to date. Separate from the Charge so that visits that only set up the ledger
    (last year's, for this year's charges) make no Charge."""
    age = age_on(visit.birth_date, visit.date)
    rules = schedule.for_year(visit.date.year)
    if age < rules.child_free_until_age or age >= rules.free_from_age:
        return 0, AGE_EXEMPT, age, None, False
    if visit.outcome in (NO_SHOW, LATE_CANCEL):
        return rules.no_show_fee, NO_SHOW_FEE, age, None, False
    if ledger.free_card_on(visit.date):
        return 0, FREE_CARD, age, None, False
    fee = rules.fee(visit.visit_kind, visit.form)
    if fee == 0:
        return 0, FREE_VISIT, age, 0, False
    if not ledger.running_on(visit.date):
        ledger.start(visit.date, schedule)
    charged = min(fee, ledger.period.ceiling - ledger.paid)
    ledger.paid += charged
    if ledger.paid >= ledger.period.ceiling:
        ledger.free_card_from = visit.date
    return charged, CEILING_REACHED if charged < fee else FEE, age, fee, True


def _charge(visit, ledger, fee, reason, age, scheduled, counts):
    # Written out rather than through the ledger's methods: this runs once per visit of a region's year.
    day, period = visit.date, ledger.period
    running = period is not None and day <= period.end
    free_card = running and ledger.free_card_from is not None and day >= ledger.free_card_from
    return Charge(visit, fee, counts and fee > 0, ledger.paid if running else None, period.end if free_card else None,
                  reason, age, scheduled, period if running else None)


visit_order = attrgetter("date", "visit_id")


def calculate_person(visits, schedule, *, since=None):
    """One person's charges in date order (ties by visit id), and their ledger after the last.
    Visits before `since` only bring the ledger up to date (a period may have started then)."""
    ledger = Ledger()
    charges = []
    for visit in sorted(visits, key=visit_order):
        if since is None or visit.date >= since:
            charges.append(charge_visit(visit, schedule, ledger))
        else:
            price_visit(visit, schedule, ledger)
    return charges, ledger


def charges_by_person(visits, schedule, *, since=None):
    """Every visit's charge (from `since`), person after person. Raises FeeError when the schedule
    lacks a figure."""
    with collector_paused():  # a region's year is millions of small objects
        by_person = defaultdict(list)
        for visit in visits:
            by_person[visit.personnummer].append(visit)
        charges = []
        for person_visits in by_person.values():
            charges += calculate_person(person_visits, schedule, since=since)[0]
        return charges


def calculate_charges(visits, schedule):
    """Every visit's charge, sorted by visit id (the charges file's order)."""
    charges = charges_by_person(visits, schedule)
    with collector_paused():
        charges.sort(key=attrgetter("visit.visit_id"))
    return charges


@dataclass(frozen=True)
class CeilingStatus:
    """Where a person stands on `day`: the running period, paid, left to the free card."""

    period: Period | None
    paid_sek: int
    left_sek: int | None
    free_card_until: date | None


def ceiling_status(visits, schedule, day):
    """The person's standing on `day` after the given visits (those up to `day` count)."""
    ledger = calculate_person([v for v in visits if v.date <= day], schedule)[1]
    if not ledger.running_on(day):
        return CeilingStatus(period=None, paid_sek=0, left_sek=None, free_card_until=None)
    return CeilingStatus(
        period=ledger.period, paid_sek=ledger.paid, left_sek=max(0, ledger.period.ceiling - ledger.paid),
        free_card_until=ledger.period.end if ledger.free_card_on(day) else None,
    )


FORM_PHRASES = {"physical": "på mottagningen", "phone": "per telefon", "video": "per video"}


def explain(charge, *, kind_name=None, region_name=None, format_date=date.isoformat):
    """The charge in a few plain sentences addressed to the resident, for the visit page and the
    resident's fee page. The caller gives the names the engine does not know (the visit kind's
    name, the region's) and how a date is written; without them the keys and ISO dates stand in."""
    visit = charge.visit
    what = f"{kind_name or visit.visit_kind} {FORM_PHRASES.get(visit.form, visit.form)}"
    what = what[:1].upper() + what[1:]
    rules = f"avgifterna i {region_name}" if region_name else "regionens avgifter"
    rules += f" för {visit.date.year}"
    priced = (f"{what} kostar {charge.scheduled_fee_sek} kr enligt {rules}."
              if charge.scheduled_fee_sek is not None else None)
    parts = []
    if charge.reason == AGE_EXEMPT:
        parts.append(f"Du var {charge.age} år på besöksdagen, och i din ålder är besöken avgiftsfria.")
    elif charge.reason == NO_SHOW_FEE:
        missed = ("Du avbokade besöket för sent" if visit.outcome == LATE_CANCEL
                  else "Du kom inte till besöket och avbokade det inte")
        parts.append(f"{missed}, och då tar regionen ut {charge.fee_sek} kr. "
                     "Den avgiften räknas inte in i högkostnadsskyddet.")
    elif charge.reason == FREE_VISIT:
        parts.append(f"{what} är avgiftsfritt enligt {rules}.")
    elif charge.reason == FREE_CARD:
        parts.append("Du har frikort, så besöket kostar ingenting.")
        if priced:
            parts.append(f"Utan frikort hade det kostat {charge.scheduled_fee_sek} kr.")
    elif charge.reason == CEILING_REACHED:
        if priced:
            parts.append(priced)
        parts.append(f"Du betalar {charge.fee_sek} kr: då har du nått högkostnadsskyddet och får frikort.")
    else:
        if priced:
            parts.append(priced)
        parts.append(f"Du betalar {charge.fee_sek} kr.")
    if charge.period is not None and charge.reason != AGE_EXEMPT:
        parts.append(f"Under din period med högkostnadsskydd ({format_date(charge.period.start)} till "
                     f"{format_date(charge.period.end)}) har du betalat {charge.paid_in_period_sek} kr "
                     f"av {charge.period.ceiling} kr.")
    if charge.free_card_until:
        parts.append(f"Ditt frikort gäller till och med {format_date(charge.free_card_until)}.")
    return " ".join(parts)
