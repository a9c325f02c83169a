"""The file formats of the batch fee calculation (`meetings-and-fees.md`): VISITS.csv and
SCHEDULE.toml in, the charges CSV out. A bad file is refused whole, every problem reported with its
line number, before anything is calculated or written."""

import json
import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from core.files import FileErrors, is_count, load_toml, read_records
from core.rules.identity import InvalidPersonalNumber, parse_personal_number
from core.writers import csv_pieces, csv_text
from fees import rules as engine

VISIT_COLUMNS = ["visit_id", "personnummer", "date", "visit_kind", "form", "outcome"]
CHARGE_COLUMNS = ["visit_id", "personnummer", "fee_sek", "counts_to_ceiling", "paid_in_period_sek",
                  "free_card_until", "reason"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR = re.compile(r"\d{4}")
SCHEDULE_KEYS = {"region", "child_free_until_age", "free_from_age", "no_show_fee", "ceiling_share",
                 "prisbasbelopp", "fees"}


# --- Schedule --------------------------------------------------------------------------------------

def read_schedule(text, filename="avgiftstabellen"):
    """The schedule TOML as a Schedule, or FileErrors listing every problem."""
    data, problems = load_toml(text, filename, SCHEDULE_KEYS)

    def problem(message):
        problems.append((None, message))

    region = data.get("region")
    if not isinstance(region, str) or not region.strip():
        problem("region ska vara regionens namn.")
    ages = {key: data.get(key) for key in ("child_free_until_age", "free_from_age")}
    for key, value in ages.items():
        if not is_count(value) or value > 130:
            problem(f"{key} ska vara en ålder i hela år.")
    no_show_fee = data.get("no_show_fee")
    if not is_count(no_show_fee):
        problem("no_show_fee ska vara hela kronor, 0 eller mer.")
    share = data.get("ceiling_share")
    if not (isinstance(share, Decimal) and 0 < share < 1):
        problem("ceiling_share ska vara en andel mellan 0 och 1, till exempel 0.025.")
    prisbasbelopp = read_years(data.get("prisbasbelopp"), problem)
    fee_table = read_fees(data.get("fees"), problem)
    if problems:
        raise FileErrors(filename, problems)
    return engine.Schedule(region=region.strip(), no_show_fee=no_show_fee, ceiling_share=share,
                           prisbasbelopp=prisbasbelopp, fees=fee_table, **ages)


def read_years(table, problem):
    if not isinstance(table, dict) or not table:
        problem("[prisbasbelopp] ska vara en tabell år = belopp, med minst ett år.")
        return {}
    years = {}
    for year, amount in table.items():
        if not YEAR.fullmatch(year):
            problem(f"prisbasbelopp: {year!r} är inget år.")
        elif not is_count(amount) or amount == 0:
            problem(f"prisbasbelopp.{year}: beloppet ska vara hela kronor, inte {amount!r}.")
        else:
            years[int(year)] = amount
    return years


def read_fees(table, problem):
    """[fees.<kind>] tables, each with a fee for every form."""
    if not isinstance(table, dict) or not table:
        problem("[fees] saknas: ange minst en besökstyp, till exempel [fees.lakarbesok].")
        return {}
    kinds = {}
    for kind, forms in table.items():
        if not isinstance(forms, dict):
            problem(f"[fees.{kind}] ska vara en tabell med physical, phone och video.")
            continue
        for form in sorted(set(forms) - set(engine.FORMS)):
            problem(f"[fees.{kind}]: okänd besöksform {form!r} (physical, phone, video).")
        for form in engine.FORMS:
            if form not in forms:
                problem(f"[fees.{kind}]: avgift saknas för {form}.")
            elif not is_count(forms[form]):
                problem(f"[fees.{kind}] {form}: avgiften ska vara hela kronor, 0 eller mer.")
        kinds[kind] = {form: forms.get(form) for form in engine.FORMS}
    return kinds


# --- Visits ----------------------------------------------------------------------------------------

def read_visits(text, schedule, filename="besöksfilen"):
    """The visits of a VISITS.csv, or FileErrors listing every bad row. Visit kinds are checked
    against the schedule's [fees] table. A person's number is checked once however many visits
    they have (a region's file repeats each a few times)."""
    # Unbounded for the length of one file: a region's 1.4 million people would thrash a bounded cache.
    number_of = lru_cache(maxsize=None)(_number_or_problem)
    day_of = lru_cache(maxsize=None)(_day_or_none)
    return read_records(text, VISIT_COLUMNS, filename,
                        lambda values: parse_visit_row(values, schedule, number_of, day_of), "visit_id")


_FORMS = frozenset(engine.FORMS)
_OUTCOMES = frozenset(engine.OUTCOMES)


def _day_or_none(text):
    """A file's date (a year has 365 of them, so each is parsed once)."""
    if ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return None


def _number_or_problem(text):
    try:
        return parse_personal_number(text), None
    except InvalidPersonalNumber as error:
        return None, f"personnummer: {error.message}"


def parse_visit_row(values, schedule, number_of=_number_or_problem, day_of=_day_or_none):
    visit_id, kind, form, outcome = values["visit_id"], values["visit_kind"], values["form"], values["outcome"]
    number, problem = number_of(values["personnummer"])
    day = day_of(values["date"])
    # A good row (nearly all of a region's millions) is checked in one condition; a bad one is taken
    # apart below, every problem named.
    if (visit_id and problem is None and day is not None and day >= number.birth_date and kind in schedule.fees
            and form in _FORMS and outcome in _OUTCOMES):
        return engine.Visit(visit_id, number.canonical, number.birth_date, day, kind, form, outcome), []
    problems = []
    if not visit_id:
        problems.append("visit_id är tomt")
    if problem:
        problems.append(problem)
    if day is None:
        problems.append(f"date {values['date']!r} är inget datum (ÅÅÅÅ-MM-DD)")
    elif number is not None and day < number.birth_date:
        problems.append("date ligger före personens födelsedag")
    if values["visit_kind"] not in schedule.fees:
        known = ", ".join(sorted(schedule.fees))
        problems.append(f"visit_kind {values['visit_kind']!r} finns inte i avgiftstabellen ({known})")
    if values["form"] not in engine.FORMS:
        problems.append(f"form {values['form']!r} är okänd (physical, phone, video)")
    if values["outcome"] not in engine.OUTCOMES:
        problems.append(f"outcome {values['outcome']!r} är okänt (attended, no_show, late_cancel)")
    if problems:
        return None, problems
    return engine.Visit(visit_id=values["visit_id"], personnummer=number.canonical, birth_date=number.birth_date,
                        date=day, visit_kind=values["visit_kind"], form=values["form"],
                        outcome=values["outcome"]), []


# --- Output ----------------------------------------------------------------------------------------

def charge_row(charge):
    return {
        "visit_id": charge.visit_id, "personnummer": charge.visit.personnummer, "fee_sek": str(charge.fee_sek),
        "counts_to_ceiling": "yes" if charge.counts_to_ceiling else "no",
        "paid_in_period_sek": "" if charge.paid_in_period_sek is None else str(charge.paid_in_period_sek),
        "free_card_until": charge.free_card_until.isoformat() if charge.free_card_until else "",
        "reason": charge.reason,
    }


def charge_values(charge):
    """charge_row's values as a list in CHARGE_COLUMNS order: the CSV of a region's year writes
    millions of rows, and a list skips matching a dict's keys to the header row by row."""
    return [charge.visit_id, charge.visit.personnummer, str(charge.fee_sek),
            "yes" if charge.counts_to_ceiling else "no",
            "" if charge.paid_in_period_sek is None else str(charge.paid_in_period_sek),
            charge.free_card_until.isoformat() if charge.free_card_until else "", charge.reason]


def charges_csv(charges):
    return csv_text(CHARGE_COLUMNS, [charge_values(c) for c in charges])


# A region's file answers with hundreds of thousands of charges: the API streams them in pieces of
# this many rows instead of building one answer of tens of MB (and validating it row by row).
ROWS_PER_PIECE = 2000


def charges_csv_pieces(charges):
    """The charges CSV (as charges_csv) in pieces of text, for a streamed answer."""
    return csv_pieces(CHARGE_COLUMNS, (charge_values(c) for c in charges), rows_per_piece=ROWS_PER_PIECE)


def charges_json_pieces(region, charges):
    """{"region", "visits", "total_sek", "charges": [charge rows]} as JSON, in pieces of text."""
    head = {"region": region, "visits": len(charges), "total_sek": sum(c.fee_sek for c in charges)}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "charges": ['
    for start in range(0, len(charges), ROWS_PER_PIECE):
        rows = (json.dumps(charge_row(c), ensure_ascii=False) for c in charges[start:start + ROWS_PER_PIECE])
        yield ("," if start else "") + ",".join(rows)
    yield "]}"
