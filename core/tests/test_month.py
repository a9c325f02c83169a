"""The one month type: stepping, parsing and the months of a follow-up window."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.rules.month import Month

months = st.builds(Month, st.integers(1901, 2198), st.integers(1, 12))


def test_the_month_before_january_is_december_of_the_year_before():
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2026, 12).next() == Month(2027, 1)


def test_a_window_is_the_months_ending_with_the_last_oldest_first():
    assert [str(m) for m in Month(2026, 2).ending_here(4)] == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_the_month_of_a_day_contains_it_from_first_to_last_day():
    month = Month.of(date(2028, 2, 14))
    assert (month.first_day, month.last_day) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month.contains(date(2028, 2, 29)) and not month.contains(date(2028, 3, 1))


@given(months)
def test_stepping_back_undoes_stepping_forward_and_months_sort_in_time(month):
    assert month.next().previous() == month
    assert month.previous() < month < month.next()
    assert Month.parse(str(month)) == month
    assert (month.first_day - month.previous().last_day).days == 1
