from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forums import rules

MONTHS = [date(2026, m, 1) for m in range(1, 7)]


def series(values):
    return list(zip(MONTHS[-len(values):], values, strict=True))


def test_a_steady_rise_reaches_the_target_in_the_month_the_line_crosses_it():
    # 40, 44, ... 60 in June: four points a month, 80 % is five months after June.
    found = rules.pace(series([40, 44, 48, 52, 56, 60]), 80, rules.HIGHER)
    assert (found.kind, found.month) == ("month", date(2026, 11, 1))


def test_a_fall_when_higher_is_better_is_not_at_this_pace():
    assert rules.pace(series([60, 58, 57, 55]), 80, rules.HIGHER).kind == "not_at_pace"


def test_a_flat_line_is_not_at_this_pace():
    assert rules.pace(series([50, 50, 50]), 80, rules.HIGHER).kind == "not_at_pace"


def test_a_goal_where_lower_is_better_is_reached_when_the_value_is_at_or_under_it():
    assert rules.pace(series([3.4, 3.1, 2.8]), Decimal("2.8"), rules.LOWER).kind == "reached"


def test_two_months_are_too_few_to_say_when():
    assert rules.pace(series([40, 50]), 80, rules.HIGHER).kind == "too_few"


def test_months_without_a_value_are_left_out_of_the_trend():
    values = [(MONTHS[0], 40), (MONTHS[1], None), (MONTHS[2], 48), (MONTHS[3], None), (MONTHS[4], 56), (MONTHS[5], 60)]
    assert rules.pace(values, 80, rules.HIGHER).kind == "month"


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=3, max_size=6),
       st.integers(min_value=1, max_value=100), st.sampled_from([rules.HIGHER, rules.LOWER]))
def test_a_forecast_month_always_lies_after_the_latest_value_and_within_ten_years(values, target, direction):
    found = rules.pace(series(values), target, direction)
    if found.kind == "month":
        assert MONTHS[-1] < found.month <= rules.add_months(MONTHS[-1], rules.HORIZON_MONTHS)
        assert not rules.reached(Decimal(values[-1]), Decimal(target), direction)
    if found.kind == "reached":
        assert rules.reached(Decimal(values[-1]), Decimal(target), direction)


def test_movers_are_the_areas_that_changed_most_and_say_whether_for_the_better():
    before = {"Lund": Decimal("3.0"), "Malmö": Decimal("2.0"), "Ystad": Decimal("4.0"), "Eslöv": Decimal("1")}
    after = {"Lund": Decimal("2.0"), "Malmö": Decimal("2.5"), "Ystad": Decimal("4.1"), "Höör": Decimal("9")}
    found = rules.movers(before, after, rules.LOWER)
    assert [(m.area, m.delta, m.better) for m in found] == [
        ("Lund", Decimal("-1.0"), True), ("Malmö", Decimal("0.5"), False), ("Ystad", Decimal("0.1"), False)]


def test_overdue_assignments_sort_before_open_ones_and_closed_ones_last():
    today = date(2026, 11, 30)
    rows = {"late": (date(2026, 11, 1), True), "soon": (date(2026, 12, 5), True), "none": (None, True),
            "done": (date(2026, 10, 1), False)}
    order = sorted(rows, key=lambda name: rules.assignment_order(*rows[name], today))
    assert order == ["late", "soon", "none", "done"]


def test_with_weights_the_area_that_moved_the_whole_most_comes_first_and_contributions_add_up():
    # Perstorp: one case, 3.7 -> 0 days. Malmö: a hundred cases, 2.0 -> 2.4 days.
    before, after = {"Perstorp": Decimal("3.7"), "Malmö": Decimal("2.0")}, {"Perstorp": Decimal("0"), "Malmö": Decimal("2.4")}
    weights = {"Perstorp": 1, "Malmö": 100}
    found = rules.movers(before, after, rules.LOWER, weights_before=weights, weights_after=weights)
    assert [m.area for m in found] == ["Malmö", "Perstorp"]
    assert found[0].better is False and found[1].better is True
    whole_before = (Decimal("3.7") * 1 + Decimal("2.0") * 100) / 101
    whole_after = (Decimal("0") * 1 + Decimal("2.4") * 100) / 101
    assert sum(m.contribution for m in found) == pytest.approx(whole_after - whole_before)
