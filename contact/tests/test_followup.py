"""Follow-up figures (contact/rules/followup.py) and the page."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contact import actions
from contact.rules.followup import Record, figures, percentile
from contact.tests.factories import make_entry
from core.actor import Actor
from core.tests.factories import login


def record(**kw):
    base = dict(hour=9, weekday=0, channel="web", priority="same_day", first_response_minutes=30,
                resolution_minutes=60, physical_visit=False, fixed_contact=False, breached=False)
    return Record(**(base | kw))


def test_median_and_90th_percentile_per_priority_and_the_shares():
    rows = [record(first_response_minutes=m) for m in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)]
    rows += [record(priority="immediate", first_response_minutes=5, resolution_minutes=None, breached=True),
             record(physical_visit=True, fixed_contact=True, channel="api", hour=22, weekday=6)]
    found = figures(rows, ["", "immediate", "same_day"])
    assert (found.first_response["same_day"].median, found.first_response["same_day"].p90) == (50, 90)
    assert found.first_response["immediate"].count == 1 and found.resolution["immediate"].count == 0
    assert found.total == 12 and found.resolved == 11 and found.resolved_without_visit == 10
    assert found.share_without_visit == 90.9 and found.share_breached == 8.3
    assert found.per_hour[22] == 1 and found.per_weekday[6] == 1 and found.per_channel == {"web": 11, "api": 1}


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1), st.floats(min_value=0, max_value=1))
def test_a_percentile_is_one_of_the_values_and_grows_with_the_share(values, share):
    found = percentile(values, share)
    assert found in values
    assert percentile(values, 0.5) <= percentile(values, 0.9)


@pytest.mark.django_db
def test_the_page_shows_the_unit_s_figures_without_naming_anyone(client):
    setup = make_entry()
    matter = actions.take(setup["nurse"], actions.file_matter(Actor.resident(setup["resident"]), setup["patient"],
                                                              category="ongoing", description="Ont i knät"))
    actions.answer(setup["nurse"], matter, text="Vila")
    login(client, setup["nurse"])
    page = client.get("/kontakt/uppfoljning/").content.decode()
    assert "Ärenden per timme" in page and "<svg" in page
    assert setup["patient"].last_name not in page
