"""Query parameters are read through core.params: a hostile value is absent, never a server error."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core import params
from core.tests.factories import make_actor
from discharge.rules.liability import Month


def get(**query):
    return RequestFactory().get("/", query)


def test_an_id_beyond_64_bits_is_absent():
    assert params.integer(get(id="99999999999999999999"), "id") is None
    assert params.integer(get(id="9223372036854775807"), "id") == 2**63 - 1
    assert params.integer(get(id="-5"), "id") is None
    assert params.integer(get(id="12"), "id") == 12


def test_a_code_for_a_url_must_match_its_pattern_whole():
    assert params.code(get(kommun="a/b"), "kommun", r"\d{4}") is None
    assert params.code(get(kommun="1281"), "kommun", r"\d{4}") == "1281"


def test_a_month_or_day_at_the_edge_of_the_calendar_is_invalid():
    with pytest.raises(params.Invalid):
        params.parsed(get(manad="9999-12"), "manad", Month.parse)
    with pytest.raises(params.Invalid):
        params.parsed(get(dag="0001-01-01"), "dag", params.calendar_day)
    assert params.parsed(get(), "dag", params.calendar_day, "default") == "default"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["lista=all_open&avdelning=99999999999999999999",
                                   "lista=all_open&kommun=99999999999999999999"])
def test_a_worklist_filter_beyond_64_bits_shows_the_list_unfiltered(client, query):
    client.force_login(make_actor(roles=["clinical", "coordinator"]).user)
    assert client.get(reverse("discharge:worklists") + "?" + query).status_code == 200


@pytest.mark.django_db
def test_a_municipality_code_with_a_slash_on_the_follow_up_is_ignored(client):
    client.force_login(make_actor(roles=["finance"]).user)
    response = client.get(reverse("discharge:followup") + "?kommun=a/b")
    assert response.status_code < 500


@pytest.mark.parametrize("value, expected", [("42", 42), ("²", None), ("٣", None), ("-1", None), ("", None),
                                             ("1" * 19, None), (" 7", None)])
def test_an_id_posted_in_a_form_is_ascii_digits_that_fit_the_database_or_absent(value, expected):
    assert params.posted_id(RequestFactory().post("/", {"member": value}), "member") == expected
