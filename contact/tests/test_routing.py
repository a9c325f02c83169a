"""Routing of a new matter and its response-time target (contact/rules/routing.py)."""

from datetime import date, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from contact.rules.routing import is_open, is_public_holiday, next_opening, route, target_minutes

WEEKDAYS = {day: [(time(8, 0), time(17, 0))] for day in range(5)}


def routed(local, listed=True):
    return route(listed_unit_id=1 if listed else None, listed_hours=WEEKDAYS, intake_unit_id=2,
                 intake_hours=WEEKDAYS, night_unit_id=3, local=local).unit_id


def test_a_listed_resident_goes_to_the_centre_during_its_opening_hours():
    assert routed(datetime(2026, 12, 1, 9, 30)) == 1  # a Tuesday


def test_outside_opening_hours_the_night_team_takes_the_matter():
    assert routed(datetime(2026, 12, 1, 17, 0)) == 3
    assert routed(datetime(2026, 12, 5, 11, 0)) == 3  # Saturday


def test_on_a_public_holiday_on_a_weekday_the_centre_is_closed():
    assert is_public_holiday(date(2026, 12, 25))
    assert is_public_holiday(date(2026, 6, 19))  # midsummer eve, a Friday
    assert is_public_holiday(date(2026, 1, 6))  # trettondedag jul, from the library
    assert routed(datetime(2026, 1, 6, 10, 0)) == 3
    assert not is_public_holiday(date(2026, 12, 1))


def test_an_unlisted_resident_goes_to_the_intake_unit_when_open():
    assert routed(datetime(2026, 12, 1, 9, 30), listed=False) == 2


def test_next_opening_skips_the_weekend_and_holidays():
    assert next_opening(WEEKDAYS, datetime(2026, 12, 24, 18, 0)) == datetime(2026, 12, 28, 8, 0)


def test_a_flagged_unassessed_matter_gets_the_immediate_target_and_region_targets_win():
    assert target_minutes({}, priority="", flagged=True) == 15
    assert target_minutes({"unassessed": 120}, priority="", flagged=False) == 120
    assert target_minutes({"same_day": 300}, priority="same_day", flagged=True) == 300


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)))
def test_a_matter_always_lands_in_one_of_the_three_queues_and_only_the_centre_when_open(local):
    unit = routed(local)
    assert unit in (1, 3)
    assert (unit == 1) == is_open(WEEKDAYS, local)
