"""The liability engine against svu.md: a worked example for each rule, and properties that must
hold for any case (Hypothesis)."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discharge.rules.liability import (
    AVERAGE, INDIVIDUAL, LAW_FALLBACK, LONG_STAY, NO_ADMISSION_NOTICE, NO_CARE_CONTACT, NO_READY_NOTICE,
    LATE_ADMISSION_NOTICE, PATIENT_OBJECTED, PSYCHIATRIC, SOMATIC, STOCKHOLM, CareTypeTerms, CaseFacts,
    MissingDailyAmount, Month, Terms, assess_case, average_excess_days, calculate_month, day_zero, stay_liable_days,
)

MARCH = Month(2023, 3)


def at(text):
    """Local Swedish time."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def terms(model=INDIVIDUAL, day_break=time(0, 0), free_days=3, limit=None, long_stay=None, **kwargs):
    return Terms(
        model=model, day_break=day_break,
        care_types={SOMATIC: CareTypeTerms(free_days, limit, long_stay), PSYCHIATRIC: CareTypeTerms(30, Decimal(5))},
        daily_amounts=kwargs.pop("daily_amounts", {2022: 9300, 2023: 9300, 2024: 9800}), **kwargs)


def case(case_id="c1", ready="2023-03-05 10:00", discharged="2023-03-10 09:00", admitted="2023-03-01 08:00",
         notice="2023-03-01 10:00", care_contact=True, objected=False, code="1280", care_type=SOMATIC):
    return CaseFacts(
        case_id=case_id, municipality_code=code, care_type=care_type,
        admitted_at=at(admitted) if admitted else None, admission_notice_sent_at=at(notice) if notice else None,
        ready_notice_sent_at=at(ready) if ready else None, discharged_at=at(discharged) if discharged else None,
        care_contact_appointed=care_contact, patient_objected=objected)


def only(result):
    assert len(result.cases) == 1
    return result.cases[0]


# --- Day 0 and the day break ---------------------------------------------------------------------

def test_notice_at_1159_is_day_0_the_same_day_with_a_noon_day_break():
    day0, why = day_zero(at("2023-03-05 11:59"), time(12, 0))
    assert day0 == date(2023, 3, 5)
    assert "före dygnsbrytet 12:00" in why


def test_notice_at_1200_is_day_0_the_next_day_with_a_noon_day_break():
    day0, why = day_zero(at("2023-03-05 12:00"), time(12, 0))
    assert day0 == date(2023, 3, 6)
    assert "nästa dag" in why


def test_midnight_day_break_keeps_the_notice_date_even_late_at_night():
    assert day_zero(at("2023-03-05 23:59"), time(0, 0))[0] == date(2023, 3, 5)


def test_a_notice_sent_in_utc_counts_by_its_swedish_date():
    # 23:30 UTC on 4 March is 00:30 on 5 March in Sweden (winter time, +01:00).
    sent = datetime(2023, 3, 4, 23, 30, tzinfo=timezone.utc)
    assert day_zero(sent, time(0, 0))[0] == date(2023, 3, 5)


# --- Ready days and the individual model ---------------------------------------------------------

def test_discharge_on_day_0_gives_zero_ready_days_and_nothing_to_pay():
    row = only(calculate_month([case(ready="2023-03-05 08:00", discharged="2023-03-05 16:00")], terms(), MARCH))
    assert (row.ready_days, row.liable_days, row.amount_sek) == (0, 0, 0)


def test_individual_model_bills_from_day0_plus_free_days_to_the_day_before_discharge():
    # Day 0 = 5 March; free days 3 -> first liable day 8 March; discharge 12 March -> 8, 9, 10, 11.
    row = only(calculate_month([case(ready="2023-03-05 10:00", discharged="2023-03-12 09:00")], terms(), MARCH))
    assert row.first_liable_day == date(2023, 3, 8)
    assert [d.day for d in row.days] == [date(2023, 3, d) for d in (8, 9, 10, 11)]
    assert (row.ready_days, row.liable_days, row.amount_sek, row.rule) == (7, 4, 4 * 9300, INDIVIDUAL)


def test_count_discharge_day_includes_the_discharge_day():
    row = only(calculate_month([case(ready="2023-03-05 10:00", discharged="2023-03-12 09:00")],
                               terms(count_discharge_day=True), MARCH))
    assert row.liable_days == 5


def test_a_patient_still_admitted_is_counted_to_the_end_of_the_month():
    row = only(calculate_month([case(ready="2023-03-20 10:00", discharged=None)], terms(), MARCH))
    # 23 March .. 31 March
    assert row.liable_days == 9 and row.discharge_day is None and row.ready_days is None


def test_a_stay_across_a_month_end_bills_each_day_in_its_own_month():
    facts = case(ready="2023-03-27 10:00", discharged="2023-04-05 10:00")
    march = only(calculate_month([facts], terms(), MARCH))
    april = only(calculate_month([facts], terms(), Month(2023, 4)))
    assert [d.day for d in march.days] == [date(2023, 3, 30), date(2023, 3, 31)]
    assert [d.day for d in april.days] == [date(2023, 4, d) for d in (1, 2, 3, 4)]


def test_a_stay_across_a_year_end_prices_each_day_at_its_own_year():
    facts = case(ready="2023-12-26 10:00", discharged="2024-01-03 10:00", admitted="2023-12-20 08:00",
                 notice="2023-12-20 09:00")
    december = only(calculate_month([facts], terms(), Month(2023, 12)))
    january = only(calculate_month([facts], terms(), Month(2024, 1)))
    assert (december.liable_days, december.amount_sek) == (3, 3 * 9300)  # 29, 30, 31 December
    assert (january.liable_days, january.amount_sek) == (2, 2 * 9800)  # 1, 2 January
    _, days = stay_liable_days(facts, terms(), until=date(2024, 1, 31))
    assert [(d.day.isoformat(), d.amount_sek) for d in days] == [
        ("2023-12-29", 9300), ("2023-12-30", 9300), ("2023-12-31", 9300), ("2024-01-01", 9800), ("2024-01-02", 9800)]


def test_a_year_missing_from_the_agreement_is_an_error_not_a_guess():
    with pytest.raises(MissingDailyAmount) as raised:
        calculate_month([case()], terms(daily_amounts={2022: 9300}), MARCH)
    assert raised.value.year == 2023


def test_psychiatric_care_has_thirty_free_days_under_the_law():
    facts = case(care_type=PSYCHIATRIC, ready="2023-03-01 10:00", discharged="2023-04-05 10:00",
                 admitted="2023-02-01 08:00", notice="2023-02-01 09:00")
    march = only(calculate_month([facts], replace(LAW_FALLBACK, daily_amounts={2023: 9300}), MARCH))
    assert march.first_liable_day == date(2023, 3, 31) and march.liable_days == 1


# --- Daylight saving ------------------------------------------------------------------------------

def test_the_spring_night_does_not_move_day_0_or_shorten_a_day():
    # Clocks go from 02:00 to 03:00 on 26 March 2023; a calendar day is still a day.
    facts = case(ready="2023-03-25 23:30", discharged="2023-03-30 10:00")
    row = only(calculate_month([facts], terms(day_break=time(12, 0)), MARCH))
    assert row.day0 == date(2023, 3, 26) and row.ready_days == 4


def test_the_autumn_night_does_not_lengthen_the_count():
    facts = case(ready="2023-10-29 01:30", discharged="2023-11-02 10:00", admitted="2023-10-20 08:00",
                 notice="2023-10-20 09:00")
    row = only(calculate_month([facts], terms(), Month(2023, 10)))
    assert row.day0 == date(2023, 10, 29) and row.ready_days == 4


def test_admission_notice_deadline_counts_real_hours_over_the_spring_night():
    # 25 March 12:00 to 26 March 12:30 on the clock is 23.5 real hours: within 24 h.
    facts = case(admitted="2023-03-25 12:00", notice="2023-03-26 12:30", ready="2023-03-27 10:00",
                 discharged="2023-03-31 10:00")
    assert only(calculate_month([facts], terms(admission_notice_max_hours=24), MARCH)).eligible
    # Over the autumn night, 28 October 12:00 to 29 October 11:30 on the clock is 24.5 real hours.
    late = case(admitted="2023-10-28 12:00", notice="2023-10-29 11:30", ready="2023-10-30 10:00",
                discharged="2023-10-31 10:00")
    assert only(calculate_month([late], terms(admission_notice_max_hours=24), Month(2023, 10))).reason == \
        LATE_ADMISSION_NOTICE


# --- Eligibility ----------------------------------------------------------------------------------

@pytest.mark.parametrize("facts, reason", [
    (case(ready=None), NO_READY_NOTICE),
    (case(notice=None), NO_ADMISSION_NOTICE),
    (case(notice="2023-03-06 10:00", ready="2023-03-05 10:00"), NO_ADMISSION_NOTICE),
    (case(admitted="2023-03-01 08:00", notice="2023-03-02 08:01"), LATE_ADMISSION_NOTICE),
    (case(care_contact=False), NO_CARE_CONTACT),
    (case(objected=True), PATIENT_OBJECTED),
    # Several failures: the first in the order of svu.md is reported.
    (case(ready=None, notice=None, care_contact=False, objected=True), NO_READY_NOTICE),
    (case(care_contact=False, objected=True), NO_CARE_CONTACT),
])
def test_an_ineligible_case_carries_no_liability_and_the_first_failing_reason(facts, reason):
    row = only(calculate_month([facts], terms(admission_notice_max_hours=24), MARCH))
    assert (row.eligible, row.reason, row.liable_days, row.amount_sek) == (False, reason, 0, 0)


def test_admission_notice_exactly_at_the_limit_is_in_time():
    facts = case(admitted="2023-03-01 08:00", notice="2023-03-02 08:00")
    assert only(calculate_month([facts], terms(admission_notice_max_hours=24), MARCH)).eligible


def test_without_a_notice_limit_a_late_admission_notice_still_counts():
    facts = case(admitted="2023-03-01 08:00", notice="2023-03-04 08:00")
    assert only(calculate_month([facts], terms(), MARCH)).eligible


# --- Withdrawn ready notice -----------------------------------------------------------------------

def test_a_withdrawn_ready_notice_restarts_the_clock_at_the_next_notice():
    # The timeline gives the engine the notice in force: the one sent after the withdrawal.
    from discharge.rules.timeline import Event, case_state
    events = [
        Event(1, "admission_notice", at("2023-03-01 10:00")),
        Event(2, "ready_notice", at("2023-03-05 10:00")),
        Event(3, "ready_withdrawn", at("2023-03-06 09:00")),
        Event(4, "ready_notice", at("2023-03-09 14:00")),
        Event(5, "discharge_notice", at("2023-03-15 10:00")),
    ]
    state = case_state(events)
    facts = case(ready=None, discharged=None)
    facts = replace(facts, ready_notice_sent_at=state.ready_notice_at, discharged_at=state.discharged_at)
    row = only(calculate_month([facts], terms(day_break=time(12, 0)), MARCH))
    assert row.day0 == date(2023, 3, 10) and row.ready_days == 5 and row.liable_days == 2  # 13, 14 March


# --- The average model ----------------------------------------------------------------------------

def average_terms(**kwargs):
    return terms(model=AVERAGE, day_break=time(12, 0), limit=Decimal("2.8"), long_stay=30, **kwargs)


def discharged_after(case_id, ready_days, code="1280"):
    return case(case_id=case_id, code=code, ready="2023-03-01 10:00",
                discharged=(date(2023, 3, 1) + timedelta(days=ready_days)).isoformat() + " 15:00",
                admitted="2023-02-27 08:00", notice="2023-02-27 09:00")


def test_average_model_bills_total_minus_limit_times_cases_rounded_half_up():
    # Ready days 0, 2, 5, 7: T = 14, n = 4, 14 - 2.8 * 4 = 2.8 -> 3 days.
    result = calculate_month([discharged_after(f"c{i}", d) for i, d in enumerate([0, 2, 5, 7])], average_terms(),
                             MARCH)
    (summary,) = result.summaries
    assert (summary.mean_ready_days, summary.liable_days, summary.amount_sek) == (Decimal("3.50"), 3, 3 * 9300)
    assert all(row.rule == AVERAGE and row.liable_days == 0 for row in result.cases)


def test_average_model_rounds_a_half_day_up():
    # T = 3, n = 1, limit 2.5 -> 0.5 -> 1.
    result = calculate_month([discharged_after("c", 3)], terms(model=AVERAGE, limit=Decimal("2.5")), MARCH)
    assert result.summaries[0].liable_days == 1


def test_average_model_gives_nothing_when_the_mean_is_below_the_limit():
    result = calculate_month([discharged_after("a", 1), discharged_after("b", 2)], average_terms(), MARCH)
    assert result.summaries[0].liable_days == 0 and result.summaries[0].amount_sek == 0


def test_long_stayers_are_billed_on_their_own_in_their_discharge_month():
    long_stayer = case(case_id="long", ready="2023-02-01 10:00", discharged="2023-03-10 10:00",
                       admitted="2023-01-25 08:00", notice="2023-01-25 09:00")
    result = calculate_month([long_stayer, discharged_after("short", 4)], average_terms(), MARCH)
    long_row = next(r for r in result.cases if r.case_id == "long")
    assert (long_row.rule, long_row.ready_days, long_row.liable_days) == (LONG_STAY, 37, 34)
    (summary,) = result.summaries
    # Average over the short case only: 4 - 2.8 = 1.2 -> 1; plus the long-stayer's 34.
    assert summary.mean_ready_days == Decimal("4.00")
    assert (summary.liable_days, summary.amount_sek) == (35, 35 * 9300)


def test_exactly_long_stay_days_is_not_a_long_stayer():
    row = only(calculate_month([discharged_after("c", 30)], average_terms(), MARCH))
    assert row.rule == AVERAGE


def test_average_is_per_municipality_and_care_type():
    result = calculate_month([discharged_after("a", 6, "1280"), discharged_after("b", 0, "1281")], average_terms(),
                             MARCH)
    assert [(s.municipality_code, s.liable_days) for s in result.summaries] == [("1280", 3), ("1281", 0)]


# --- Which cases belong to the month --------------------------------------------------------------

def test_the_month_holds_cases_discharged_in_it_liable_in_it_or_still_admitted_at_its_end():
    cases = [
        case("in-march", ready="2023-03-05 10:00", discharged="2023-03-06 10:00"),
        case("feb-only", admitted="2023-02-01 08:00", notice="2023-02-01 09:00", ready="2023-02-05 10:00",
             discharged="2023-02-10 10:00"),
        case("still-in", admitted="2023-03-30 08:00", notice="2023-03-30 09:00", ready=None, discharged=None),
        case("across", admitted="2023-02-20 08:00", notice="2023-02-20 09:00", ready=None,
             discharged="2023-04-02 10:00"),
        case("april", admitted="2023-04-01 08:00", notice="2023-04-01 09:00", ready=None, discharged=None),
    ]
    result = calculate_month(cases, terms(), MARCH)
    assert [r.case_id for r in result.cases] == ["across", "in-march", "still-in"]


def test_month_parse_refuses_bad_text():
    assert str(Month.parse("2023-03")) == "2023-03"
    for bad in ["2023-3", "2023-13", "23-03", "2023/03", "abcd-ef"]:
        with pytest.raises(ValueError):
            Month.parse(bad)


# --- Properties -----------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2024, 12, 31), timezones=st.just(STOCKHOLM))


@st.composite
def any_case(draw, case_id=None):
    admitted = draw(moments)
    hours = st.integers(min_value=0, max_value=24 * 80)
    ready = admitted + timedelta(hours=draw(hours))
    notice = draw(st.one_of(st.none(), st.just(admitted + timedelta(hours=draw(st.integers(0, 48))))))
    discharged = draw(st.one_of(st.none(), st.just(ready + timedelta(hours=draw(hours)))))
    return CaseFacts(
        case_id=case_id or draw(st.text("abcdef0123456789", min_size=1, max_size=8)),
        municipality_code=draw(st.sampled_from(["1280", "1281", "1282"])),
        care_type=draw(st.sampled_from([SOMATIC, PSYCHIATRIC])),
        admitted_at=admitted, admission_notice_sent_at=notice, ready_notice_sent_at=ready, discharged_at=discharged,
        care_contact_appointed=draw(st.booleans()), patient_objected=draw(st.booleans()))


any_terms = st.builds(
    lambda model, hour, count_day, free, limit, long_stay, max_hours: Terms(
        model=model, day_break=time(hour, 0), count_discharge_day=count_day, admission_notice_max_hours=max_hours,
        care_types={SOMATIC: CareTypeTerms(free, limit, long_stay), PSYCHIATRIC: CareTypeTerms(30, limit, None)},
        daily_amounts={2022: 9300, 2023: 9300, 2024: 9800, 2025: 10000}),
    st.sampled_from([INDIVIDUAL, AVERAGE]), st.sampled_from([0, 8, 12, 18]), st.booleans(), st.integers(0, 5),
    st.decimals(min_value=0, max_value=10, places=2), st.one_of(st.none(), st.integers(5, 40)),
    st.one_of(st.none(), st.just(24)))
months = st.builds(Month, st.integers(2022, 2024), st.integers(1, 12))


@settings(max_examples=300, deadline=None)
@given(any_case(), any_terms, months)
def test_liable_days_and_amounts_are_never_negative(facts, agreement, month):
    result = calculate_month([facts], agreement, month)
    for row in result.cases:
        assert row.liable_days >= 0 and row.amount_sek >= 0
        assert row.ready_days is None or row.ready_days >= 0
        assert row.eligible == (row.reason == "")
    for summary in result.summaries:
        assert summary.liable_days >= 0 and summary.amount_sek >= 0


@settings(max_examples=300, deadline=None)
@given(any_case(), any_terms, st.integers(0, 24 * 60))
def test_moving_the_ready_notice_later_never_moves_day_0_earlier(facts, agreement, minutes):
    later = replace(facts, ready_notice_sent_at=facts.ready_notice_sent_at + timedelta(minutes=minutes))
    assert assess_case(later, agreement).day0 >= assess_case(facts, agreement).day0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=30), st.decimals(min_value=0, max_value=10, places=2))
def test_average_liable_days_equal_total_minus_limit_times_n_rounded(ready_days, limit):
    cases = [discharged_after(f"c{i:02d}", d) for i, d in enumerate(ready_days)]
    agreement = terms(model=AVERAGE, limit=limit)  # no long-stay threshold
    (summary,) = calculate_month(cases, agreement, MARCH).summaries
    in_march = [d for d in ready_days if (date(2023, 3, 1) + timedelta(days=d)).month == 3]
    exact = Decimal(sum(in_march)) - limit * len(in_march)
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)) if in_march else 0
    assert summary.liable_days == max(0, expected)
    assert summary.liable_days == average_excess_days(sum(in_march), len(in_march), limit)


@settings(max_examples=100, deadline=None)
@given(st.lists(any_case(), min_size=2, max_size=12, unique_by=lambda c: c.case_id), any_terms, months,
       st.integers(1, 11))
def test_splitting_the_cases_never_changes_a_case_in_the_individual_model(cases, agreement, month, cut):
    agreement = replace(agreement, model=INDIVIDUAL)
    whole = {r.case_id: (r.liable_days, r.amount_sek, r.reason) for r in calculate_month(cases, agreement, month).cases}
    parts = {}
    for chunk in (cases[:cut], cases[cut:]):
        parts |= {r.case_id: (r.liable_days, r.amount_sek, r.reason)
                  for r in calculate_month(chunk, agreement, month).cases}
    assert parts == whole


@settings(max_examples=100, deadline=None)
@given(any_case(), any_terms)
def test_a_stays_liable_days_are_the_sum_of_its_months(facts, agreement):
    agreement = replace(agreement, model=INDIVIDUAL)
    assessed = assess_case(facts, agreement)
    if assessed.discharge_day is None:
        return
    _, stay = stay_liable_days(facts, agreement, until=assessed.discharge_day)
    month, total, amount = Month(2022, 1), 0, 0
    while month.first_day <= date(2025, 3, 1):
        for row in calculate_month([facts], agreement, month).cases:
            total, amount = total + row.liable_days, amount + row.amount_sek
        month = month.next()
    assert (total, amount) == (len(stay), sum(d.amount_sek for d in stay))
