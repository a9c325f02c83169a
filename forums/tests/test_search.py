"""Search across decisions, assignments and minutes: Swedish full-text search on PostgreSQL (a
word's other forms match), a substring match on SQLite; only what the person may see."""

import pytest
from django.db import connection

from core.tests.factories import make_municipality, make_unit
from forums import actions, queries
from forums.tests.factories import World

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


@pytest.fixture
def world():
    world = World()
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Screening OPT")
    actions.hold_meeting(world.secretary, meeting)
    actions.write_notes(world.secretary, item, "Diskussion om att utvidga kanslifunktionen till screeningprogram.")
    actions.record_decision(world.secretary, item, "RSL beslutar att skapa en gemensam kanslifunktion för OPT.")
    actions.add_assignment(world.secretary, item, what="Bereda utvidgningen av kanslifunktionen.",
                           assignee_organisation=world.region)
    return world


def test_a_word_finds_decisions_assignments_and_minutes(world):
    found = queries.search_all(world.member, "kanslifunktion")
    assert [d.text for d in found["decisions"]] == ["RSL beslutar att skapa en gemensam kanslifunktion för OPT."]
    assert [a.what for a in found["assignments"]] == ["Bereda utvidgningen av kanslifunktionen."]
    assert [i.title for i in found["items"]] == ["Screening OPT"]


def test_nobody_finds_what_they_may_not_see(world):
    stranger = world.staff("sven", "Sven", "Främling", make_unit(make_municipality("0764", "Alvesta kommun")))
    found = queries.search_all(stranger, "kanslifunktion")
    assert found == {"decisions": [], "assignments": [], "items": []}


@postgres_only
def test_swedish_stemming_finds_another_form_of_the_word(world):
    found = queries.search_all(world.member, "kanslifunktionerna")
    assert len(found["decisions"]) == 1 and len(found["assignments"]) == 1


@postgres_only
def test_the_search_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'forums_%%_fts'")
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "forums_agendaitem_fts", "forums_assignment_fts", "forums_decision_fts"]


@postgres_only
def test_a_search_builds_each_row_s_text_vector_only_to_match_and_to_rank_it(world):
    """to_tsvector costs tens of microseconds a row: a query over tens of thousands of matches
    must not compute it a third time just to return it (bench/forums_bench.py)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        found = queries.search_all(world.member, "kanslifunktion")
    assert len(found["decisions"]) == 1
    searches = [q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"]]
    assert len(searches) == 3
    for sql in searches:
        assert sql.count("to_tsvector") == 2, sql
