"""The file formats of the liability calculation (`svu.md`): the events CSV and the agreement TOML
in, the per-case and summary CSVs out. A bad file is refused whole: every problem is collected with
its line number before anything is calculated or written."""

import re
from datetime import datetime, time, timezone
from decimal import Decimal

from core.files import FileErrors, is_count, load_toml, read_records
from core.writers import csv_text
from discharge.rules import liability as engine
from discharge.rules.liability import CaseFacts

EVENT_COLUMNS = [
    "case_id", "municipality_code", "care_type", "admitted_at", "admission_notice_sent_at",
    "ready_notice_sent_at", "discharged_at", "care_contact_appointed", "patient_objected",
]
TIME_COLUMNS = ["admitted_at", "admission_notice_sent_at", "ready_notice_sent_at", "discharged_at"]
CASE_COLUMNS = ["case_id", "municipality_code", "care_type", "day0", "discharge_day", "ready_days", "eligible",
                "reason", "rule", "liable_days", "amount_sek"]
SUMMARY_COLUMNS = ["municipality_code", "month", "care_type", "cases", "eligible_cases", "mean_ready_days",
                   "liable_days", "amount_sek"]

CARE_TYPE_WORDS = {"somatic": engine.SOMATIC, "somatisk": engine.SOMATIC,
                   "psychiatric": engine.PSYCHIATRIC, "psykiatrisk": engine.PSYCHIATRIC}
YES = {"yes", "ja", "true", "1"}
NO = {"no", "nej", "false", "0"}
MUNICIPALITY_CODE = re.compile(r"\d{4}")
HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


# --- Events ----------------------------------------------------------------------------------------

def parse_time(text):
    """'YYYY-MM-DD HH:MM' (local Swedish time) or ISO 8601 with or without an offset -> aware time.
    A local time that the clocks skip (the spring night) does not exist and is refused; one they pass
    twice (the autumn night) is read as the first, summer-time, occurrence."""
    text = text.strip()
    if len(text) < 16:
        raise ValueError(f"{text!r} är ingen tidpunkt (ÅÅÅÅ-MM-DD TT:MM)")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} är ingen tidpunkt (ÅÅÅÅ-MM-DD TT:MM)") from None
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc)
    aware = moment.replace(tzinfo=engine.STOCKHOLM, fold=0)
    # Round trip through UTC: astimezone() to the same zone would return the time unchanged.
    if aware.astimezone(timezone.utc).astimezone(engine.STOCKHOLM).replace(tzinfo=None) != moment:
        raise ValueError(f"{text!r} finns inte i svensk tid (klockan ställs fram den natten)")
    return aware.astimezone(timezone.utc)


def parse_yes_no(text):
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO or word == "":
        return False
    raise ValueError(f"{text!r} är varken ja eller nej (yes/no, ja/nej, true/false, 1/0)")


def read_events(text, filename="händelsefilen"):
    """The cases of an events CSV, or FileErrors listing every bad row."""
    return read_records(text, EVENT_COLUMNS, filename, parse_event_row, "case_id")


def parse_event_row(values):
    """(CaseFacts or None, list of problems) for one row."""
    problems = []
    case_id = values["case_id"]
    if not case_id:
        problems.append("case_id är tomt")
    code = values["municipality_code"]
    if not MUNICIPALITY_CODE.fullmatch(code):
        problems.append(f"municipality_code {code!r} är inte fyra siffror")
    care_type = CARE_TYPE_WORDS.get(values["care_type"].lower())
    if care_type is None:
        problems.append(f"care_type {values['care_type']!r} är okänd (somatic/psychiatric, somatisk/psykiatrisk)")
    times = {}
    for column in TIME_COLUMNS:
        if values[column]:
            try:
                times[column] = parse_time(values[column])
            except ValueError as error:
                problems.append(f"{column}: {error}")
        else:
            times[column] = None
    flags = {}
    for column in ("care_contact_appointed", "patient_objected"):
        try:
            flags[column] = parse_yes_no(values[column])
        except ValueError as error:
            problems.append(f"{column}: {error}")
    if not problems:
        admitted = times["admitted_at"]
        for column in ("ready_notice_sent_at", "discharged_at"):
            if admitted and times[column] and times[column] < admitted:  # both in UTC
                problems.append(f"{column} är före admitted_at")
    if problems:
        return None, problems
    return CaseFacts(case_id=case_id, municipality_code=code, care_type=care_type, **times, **flags), []


# --- Agreement -------------------------------------------------------------------------------------

TOP_KEYS = {"name", "model", "day_break", "count_discharge_day", "admission_notice_max_hours", "daily_amount_sek",
            "somatic", "psychiatric"}
CARE_KEYS = {"free_days", "average_limit_days", "long_stay_days"}


def read_agreement(text, filename="avtalsfilen"):
    """The agreement TOML as Terms, or FileErrors listing every problem."""
    data, problems = load_toml(text, filename, TOP_KEYS)

    def problem(message):
        problems.append((None, message))

    model = data.get("model")
    if model not in engine.MODELS:
        problem(f"model ska vara \"individual\" eller \"average\", inte {model!r}.")
    day_break = data.get("day_break", "00:00")
    match = HH_MM.fullmatch(day_break) if isinstance(day_break, str) else None
    if not match:
        problem(f"day_break ska vara \"TT:MM\", inte {day_break!r}.")
    count_discharge_day = data.get("count_discharge_day", False)
    if not isinstance(count_discharge_day, bool):
        problem("count_discharge_day ska vara true eller false.")
    max_hours = data.get("admission_notice_max_hours")
    if max_hours is not None and not (isinstance(max_hours, int) and not isinstance(max_hours, bool) and max_hours > 0):
        problem("admission_notice_max_hours ska vara ett positivt heltal.")
    amounts = read_amounts(data.get("daily_amount_sek"), problem)
    care_types = {}
    for care_type in engine.CARE_TYPES:
        if care_type in data:
            care_types[care_type] = read_care_type(care_type, data[care_type], model, problem)
    if not care_types:
        problem("Avtalet saknar både [somatic] och [psychiatric].")
    if problems:
        raise FileErrors(filename, problems)
    return engine.Terms(
        name=str(data.get("name", "")), model=model, day_break=time(int(match[1]), int(match[2])),
        count_discharge_day=count_discharge_day, admission_notice_max_hours=max_hours,
        daily_amounts=amounts, care_types=care_types,
    )


def read_amounts(table, problem):
    if table is None:
        # The agreement sets none: Socialstyrelsen's amounts apply.
        return dict(engine.NATIONAL_DAILY_AMOUNTS)
    if not isinstance(table, dict):
        problem("[daily_amount_sek] ska vara en tabell år = belopp.")
        return {}
    amounts = {}
    for year, amount in table.items():
        if not re.fullmatch(r"\d{4}", year):
            problem(f"daily_amount_sek: {year!r} är inget år.")
        elif not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            problem(f"daily_amount_sek.{year}: beloppet ska vara hela kronor, inte {amount!r}.")
        else:
            amounts[int(year)] = amount
    return amounts


def read_care_type(care_type, table, model, problem):
    if not isinstance(table, dict):
        problem(f"[{care_type}] ska vara en tabell.")
        return None
    for key in sorted(set(table) - CARE_KEYS):
        problem(f"[{care_type}]: okänd nyckel {key!r}.")
    free_days = table.get("free_days")
    if not is_count(free_days):
        problem(f"[{care_type}] free_days ska vara ett heltal 0 eller större.")
    limit = table.get("average_limit_days")
    if isinstance(limit, int) and not isinstance(limit, bool):
        limit = Decimal(limit)
    if limit is not None and not (isinstance(limit, Decimal) and limit >= 0):
        problem(f"[{care_type}] average_limit_days ska vara ett tal 0 eller större.")
    if model == engine.AVERAGE and limit is None:
        problem(f"[{care_type}] average_limit_days krävs i genomsnittsmodellen.")
    long_stay = table.get("long_stay_days")
    if long_stay is not None and not is_count(long_stay):
        problem(f"[{care_type}] long_stay_days ska vara ett heltal 0 eller större.")
    return engine.CareTypeTerms(free_days=free_days, average_limit_days=limit, long_stay_days=long_stay)


# --- Output ----------------------------------------------------------------------------------------

def case_row(result):
    return {
        "case_id": result.case_id, "municipality_code": result.municipality_code, "care_type": result.care_type,
        "day0": result.day0.isoformat() if result.day0 else "",
        "discharge_day": result.discharge_day.isoformat() if result.discharge_day else "",
        "ready_days": "" if result.ready_days is None else str(result.ready_days),
        "eligible": "yes" if result.eligible else "no", "reason": result.reason, "rule": result.rule,
        "liable_days": str(result.liable_days), "amount_sek": str(result.amount_sek),
    }


def summary_row(summary):
    return {
        "municipality_code": summary.municipality_code, "month": str(summary.month), "care_type": summary.care_type,
        "cases": str(summary.cases), "eligible_cases": str(summary.eligible_cases),
        "mean_ready_days": "" if summary.mean_ready_days is None else f"{summary.mean_ready_days:.2f}",
        "liable_days": str(summary.liable_days), "amount_sek": str(summary.amount_sek),
    }


def cases_csv(month_result):
    return csv_text(CASE_COLUMNS, [case_row(r) for r in month_result.cases])


def summary_csv(month_result):
    return csv_text(SUMMARY_COLUMNS, [summary_row(s) for s in month_result.summaries])
