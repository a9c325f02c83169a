"""The fee rules of meetings-and-fees.md: a worked example for every rule, and properties that
must hold for any visits (Hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rules.identity import make_personal_number
from fees import rules as engine
from fees.rules import Schedule, Visit, calculate_charges, ceiling_status, explain, period_end

SCHEDULE = Schedule(
    region="Region Exempel", child_free_until_age=20, free_from_age=85, no_show_fee=400,
    ceiling_share=Decimal("0.025"), prisbasbelopp={2023: 52500, 2024: 57300, 2025: 58800},
    fees={"lakarbesok": {"physical": 300, "phone": 300, "video": 300},
          "sjukskoterska": {"physical": 200, "phone": 100, "video": 100},
          "sip": {"physical": 0, "phone": 0, "video": 0}},
)
ADULT = date(1970, 6, 15)


def visit(n, day, *, born=ADULT, kind="lakarbesok", form="physical", outcome="attended", coordination=False):
    return Visit(visit_id=f"V{n:03d}", personnummer=make_personal_number(born, 123, coordination=coordination),
                 birth_date=born, date=day, visit_kind=kind, form=form, outcome=outcome)


def test_the_ceiling_is_the_share_of_the_prisbasbelopp_rounded_down_to_fifties():
    assert [SCHEDULE.ceiling(year) for year in (2023, 2024, 2025)] == [1300, 1400, 1450]


def test_crossing_the_ceiling_mid_visit_charges_the_rest_and_gives_a_free_card():
    days = [date(2024, 3, 1) + timedelta(days=7 * n) for n in range(6)]
    charges = calculate_charges([visit(n, d) for n, d in enumerate(days)], SCHEDULE)
    assert [c.fee_sek for c in charges] == [300, 300, 300, 300, 200, 0]
    assert [c.reason for c in charges][-2:] == ["ceiling_reached", "free_card"]
    assert [c.paid_in_period_sek for c in charges] == [300, 600, 900, 1200, 1400, 1400]
    assert charges[3].free_card_until is None
    assert charges[4].free_card_until == charges[5].free_card_until == date(2025, 2, 28)
    assert [c.counts_to_ceiling for c in charges] == [True] * 5 + [False]


def test_a_fee_that_exactly_reaches_the_ceiling_is_a_fee_and_starts_the_free_card():
    day = date(2024, 5, 2)
    charges = calculate_charges([visit(n, day + timedelta(days=n)) for n in range(4)]
                                + [visit(9, day + timedelta(days=5), kind="sjukskoterska")], SCHEDULE)
    assert [c.fee_sek for c in charges] == [300, 300, 300, 300, 200]
    assert (charges[-1].reason, charges[-1].free_card_until) == ("fee", date(2025, 5, 1))


def test_the_free_card_applies_to_later_visits_the_same_day():
    day = date(2024, 6, 10)
    visits = [visit(n, day - timedelta(days=10 - n)) for n in range(4)]  # 1 200 kr paid
    visits += [visit(10, day), visit(11, day)]  # the first reaches the ceiling, the second is free
    charges = {c.visit_id: c for c in calculate_charges(visits, SCHEDULE)}
    assert (charges["V010"].fee_sek, charges["V010"].reason) == (200, "ceiling_reached")
    assert (charges["V011"].fee_sek, charges["V011"].reason) == (0, "free_card")


def test_a_period_starting_29_february_ends_28_february():
    assert period_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert period_end(date(2024, 3, 1)) == date(2025, 2, 28)
    assert period_end(date(2023, 3, 1)) == date(2024, 2, 29)
    charges = calculate_charges([visit(1, date(2024, 2, 29)), visit(2, date(2025, 2, 28)),
                                 visit(3, date(2025, 3, 1))], SCHEDULE)
    assert [c.paid_in_period_sek for c in charges] == [300, 600, 300]
    assert charges[2].period.start == date(2025, 3, 1) and charges[2].period.ceiling == 1450


def test_the_ceiling_is_that_of_the_periods_starting_year():
    charges = calculate_charges([visit(n, date(2024, 12, 20) + timedelta(days=n)) for n in range(6)], SCHEDULE)
    assert charges[-1].period.ceiling == 1400 and sum(c.fee_sek for c in charges) == 1400


@pytest.mark.parametrize(("born", "fee", "reason"), [
    (date(2005, 4, 11), 0, "age_exempt"),  # 19 the day before their birthday
    (date(2004, 4, 10), 300, "fee"),  # 20 on the visit date
    (date(1939, 4, 10), 0, "age_exempt"),  # 85 on the visit date
    (date(1939, 4, 11), 300, "fee"),  # 84 the day before their 85th birthday
])
def test_age_on_the_visit_date_decides_the_exemption(born, fee, reason):
    (charge,) = calculate_charges([visit(1, date(2024, 4, 10), born=born)], SCHEDULE)
    assert (charge.fee_sek, charge.reason) == (fee, reason)


def test_a_samordningsnummer_gives_its_birth_date_minus_60_days():
    born = date(2004, 4, 10)
    (charge,) = calculate_charges([visit(1, date(2024, 4, 10), born=born, coordination=True)], SCHEDULE)
    assert charge.visit.personnummer[6:8] == "70" and (charge.fee_sek, charge.age) == (300, 20)


def test_someone_born_on_29_february_turns_a_year_older_on_1_march():
    assert engine.age_on(date(2004, 2, 29), date(2024, 2, 28)) == 19
    assert engine.age_on(date(2004, 2, 29), date(2023, 2, 28)) == 18
    assert engine.age_on(date(2004, 2, 29), date(2023, 3, 1)) == 19


def test_age_exemption_covers_a_no_show_too():
    (charge,) = calculate_charges([visit(1, date(2024, 4, 10), born=date(2015, 1, 1), outcome="no_show")], SCHEDULE)
    assert (charge.fee_sek, charge.reason) == (0, "age_exempt")


def test_a_no_show_with_a_free_card_is_charged_and_never_counts():
    visits = [visit(n, date(2024, 3, 1) + timedelta(days=n)) for n in range(5)]
    visits.append(visit(9, date(2024, 4, 1), outcome="no_show"))
    visits.append(visit(10, date(2024, 4, 2), outcome="late_cancel"))
    charges = calculate_charges(visits, SCHEDULE)
    for charge in charges[-2:]:
        assert (charge.fee_sek, charge.reason, charge.counts_to_ceiling) == (400, "no_show", False)
        assert charge.paid_in_period_sek == 1400 and charge.free_card_until == date(2025, 2, 28)


def test_a_no_show_before_any_period_starts_none():
    (charge,) = calculate_charges([visit(1, date(2024, 3, 1), outcome="no_show")], SCHEDULE)
    assert (charge.fee_sek, charge.paid_in_period_sek, charge.period) == (400, None, None)


def test_a_sip_meeting_is_free_and_starts_no_period():
    (charge,) = calculate_charges([visit(1, date(2024, 3, 1), kind="sip", form="video")], SCHEDULE)
    assert (charge.fee_sek, charge.reason, charge.paid_in_period_sek) == (0, "free_visit", None)


def test_a_cheaper_digital_form_is_charged_as_the_schedule_says():
    (charge,) = calculate_charges([visit(1, date(2024, 3, 1), kind="sjukskoterska", form="video")], SCHEDULE)
    assert charge.fee_sek == 100 and "Sjukskoterska per video kostar 100 kr" in explain(charge)


def test_the_explanation_speaks_to_the_resident_in_plain_swedish():
    (charge,) = calculate_charges([visit(1, date(2024, 3, 1), kind="sjukskoterska", form="phone")], SCHEDULE)
    text = explain(charge, kind_name="Sjuksköterskebesök", region_name="Region Skåne")
    assert text.startswith(f"Sjuksköterskebesök per telefon kostar {charge.fee_sek} kr enligt avgifterna i "
                           "Region Skåne för 2024. Du betalar")
    assert "phone" not in text and "sjukskoterska" not in text


def test_an_age_exemption_says_how_old_the_resident_was():
    (charge,) = calculate_charges([visit(1, date(2024, 3, 1), born=date(1926, 1, 1))], SCHEDULE)
    assert explain(charge).startswith("Du var 98 år på besöksdagen")


def test_a_missing_year_is_an_error_not_a_guess():
    with pytest.raises(engine.FeeError, match="2026"):
        calculate_charges([visit(1, date(2026, 1, 5))], SCHEDULE)


def test_charges_are_per_person_and_sorted_by_visit_id():
    other = date(1980, 1, 1)
    visits = [visit(5, date(2024, 3, 1)), visit(2, date(2024, 3, 2), born=other), visit(1, date(2024, 3, 3))]
    charges = calculate_charges(visits, SCHEDULE)
    assert [c.visit_id for c in charges] == ["V001", "V002", "V005"]
    assert [c.paid_in_period_sek for c in charges] == [600, 300, 300]


def test_the_standing_on_a_day_says_how_far_to_the_free_card():
    visits = [visit(n, date(2024, 3, 1) + timedelta(days=n)) for n in range(3)]
    status = ceiling_status(visits, SCHEDULE, date(2024, 6, 1))
    assert (status.paid_sek, status.left_sek, status.free_card_until) == (900, 500, None)
    assert ceiling_status(visits, SCHEDULE, date(2025, 3, 1)).period is None


# --- Properties -----------------------------------------------------------------------------------

PEOPLE = [date(1950, 2, 28), date(1990, 7, 1), date(2004, 2, 29), date(1939, 12, 31)]
visit_lists = st.lists(
    st.builds(
        lambda person, offset, kind, form, outcome: (person, date(2023, 1, 1) + timedelta(days=offset), kind, form,
                                                     outcome),
        st.sampled_from(PEOPLE), st.integers(0, 3 * 365 - 1), st.sampled_from(sorted(SCHEDULE.fees)),
        st.sampled_from(engine.FORMS), st.sampled_from(engine.OUTCOMES)),
    max_size=40,
).map(lambda rows: [visit(n, day, born=born, kind=kind, form=form, outcome=outcome)
                    for n, (born, day, kind, form, outcome) in enumerate(rows)])


@settings(max_examples=200, deadline=None)
@given(visit_lists)
def test_a_periods_counted_fees_never_exceed_its_ceiling(visits):
    paid = {}
    in_date_order = sorted(calculate_charges(visits, SCHEDULE), key=lambda c: (c.visit.date, c.visit_id))
    for charge in in_date_order:
        assert charge.fee_sek >= 0
        if charge.counts_to_ceiling:
            key = (charge.visit.personnummer, charge.period)
            paid[key] = paid.get(key, 0) + charge.fee_sek
            assert paid[key] <= charge.period.ceiling
            assert charge.paid_in_period_sek == paid[key]


@settings(max_examples=200, deadline=None)
@given(visit_lists)
def test_no_show_fees_never_count(visits):
    for charge in calculate_charges(visits, SCHEDULE):
        if charge.visit.outcome != "attended":
            assert not charge.counts_to_ceiling
            assert charge.fee_sek in (0, SCHEDULE.no_show_fee)


@settings(max_examples=100, deadline=None)
@given(visit_lists)
def test_one_persons_charges_do_not_depend_on_anyone_elses(visits):
    together = {c.visit_id: c for c in calculate_charges(visits, SCHEDULE)}
    for person in {v.personnummer for v in visits}:
        alone = calculate_charges([v for v in visits if v.personnummer == person], SCHEDULE)
        assert all(together[c.visit_id] == c for c in alone)


def test_visits_before_since_only_bring_the_ledger_up_to_date():
    visits = [visit(n, date(2024, 11, 1) + timedelta(days=7 * n)) for n in range(6)]  # Nov 2024 – Dec 2024
    visits.append(visit(9, date(2025, 1, 10)))
    charges, ledger = engine.calculate_person(visits, SCHEDULE, since=date(2025, 1, 1))
    assert [c.visit_id for c in charges] == ["V009"]
    assert (charges[0].fee_sek, charges[0].reason, charges[0].period.start) == (0, "free_card", date(2024, 11, 1))
    assert engine.charges_by_person(visits, SCHEDULE, since=date(2025, 1, 1)) == charges
