"""Search across decisions, assignments and minutes: Swedish full-text search on PostgreSQL (a
word's other forms match), a substring match on SQLite; only what the person may see."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.tests.factories import make_municipality, make_unit
from forums import actions, queries, search
from forums.tests.factories import World

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


@pytest.fixture(params=[10_000, 0], ids=["all-rows", "newest-rows-first"])
def world(request, monkeypatch):
    """Every test twice: searching all rows, and trying the newest row first (search.RECENT_ROWS 0),
    so that the access rules hold in both of a search's tiers (PostgreSQL; SQLite has one)."""
    monkeypatch.setattr(search, "RECENT_ROWS", request.param)
    world = World()
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Screening OPT")
    actions.hold_meeting(world.secretary, meeting)
    actions.write_notes(world.secretary, item, "Diskussion om att utvidga kanslifunktionen till screeningprogram.")
    actions.record_decision(world.secretary, item, "RSL beslutar att skapa en gemensam kanslifunktion för OPT.")
    actions.add_assignment(world.secretary, item, what="Bereda utvidgningen av kanslifunktionen.",
                           assignee_organisation=world.region)
    return world


def texts(found, field):
    return [getattr(row, field) for row in found.rows]


def test_a_word_finds_decisions_assignments_and_minutes(world):
    found = queries.search_all(world.member, "kanslifunktion")
    assert texts(found["decisions"], "text") == ["RSL beslutar att skapa en gemensam kanslifunktion för OPT."]
    assert texts(found["assignments"], "what") == ["Bereda utvidgningen av kanslifunktionen."]
    assert texts(found["items"], "title") == ["Screening OPT"]
    assert [f.count for f in found.values()] == [1, 1, 1] and not any(f.more for f in found.values())


def test_nobody_finds_what_they_may_not_see(world):
    stranger = world.staff("sven", "Sven", "Främling", make_unit(make_municipality("0764", "Alvesta kommun")))
    found = queries.search_all(stranger, "kanslifunktion")
    assert [(f.rows, f.count, f.more) for f in found.values()] == [([], 0, False)] * 3


@pytest.fixture
def other_forum(world):
    """A forum of Växjö kommun that the region's member has no seat in: its minutes say the same word."""
    secretary = world.staff("vera", "Vera", "Växjö", world.municipality_unit, roles=("forum_secretary",))
    forum = actions.create_forum(secretary, name="Växjö ledningsgrupp", short_name="VLG", owner=world.municipality)
    start = timezone.now() + timedelta(days=7)
    meeting = actions.schedule_meeting(secretary, forum, starts_at=start, ends_at=start + timedelta(hours=1),
                                       place="Stadshuset")
    item = actions.add_item(secretary, meeting, title="Kanslifunktion i Växjö")
    actions.hold_meeting(secretary, meeting)
    actions.record_decision(secretary, item, "VLG beslutar att inrätta en kanslifunktion i Växjö.")
    actions.add_assignment(secretary, item, what="Bemanna kanslifunktionen i Växjö.", assignee_organisation=world.municipality)
    return forum


def test_a_forum_the_person_neither_sits_in_nor_works_for_is_not_searched(world, other_forum):
    for only in (None, "decisions", "assignments", "items"):
        found = queries.search_all(world.member, "kanslifunktion", only=only, per_page=50)
        assert all(f.count == 1 and "Växjö" not in str([vars(r) for r in f.rows]) for f in found.values()), only
    # The municipality's staff see their own forum and, as a member, the region's: both.
    found = queries.search_all(world.municipal, "kanslifunktion")
    assert [f.count for f in found.values()] == [2, 2, 2]


def test_the_minutes_of_a_meeting_not_yet_held_are_not_searched(world):
    item = actions.add_item(world.secretary, world.meeting(days=30), title="Kanslifunktion framöver")
    actions.write_notes(world.secretary, item, "Kanslifunktionen ska diskuteras.")
    assert texts(queries.search_all(world.member, "kanslifunktion")["items"], "title") == ["Screening OPT"]


def test_past_the_bound_the_newest_matches_are_ranked_and_the_count_says_more(world, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 3)
    item = world.forum.meetings.get().items.get()
    for n in range(4):
        actions.record_decision(world.secretary, item, f"RSL beslutar att kanslifunktion {n} ska utredas.")
    found = queries.search_all(world.member, "kanslifunktion")["decisions"]
    assert found.more and found.count == 3
    assert sorted(texts(found, "text")) == [f"RSL beslutar att kanslifunktion {n} ska utredas." for n in (1, 2, 3)]


def test_one_kind_pages_through_its_matches_without_repeating_one(world):
    item = world.forum.meetings.get().items.get()
    for n in range(4):
        actions.record_decision(world.secretary, item, f"RSL beslutar att kanslifunktion {n} ska utredas.")
    pages = [queries.search_all(world.member, "kanslifunktion", only="decisions", page=p, per_page=2)["decisions"]
             for p in (1, 2, 3, 99)]
    assert [(f.page, f.pages, f.count) for f in pages] == [(1, 3, 5), (2, 3, 5), (3, 3, 5), (3, 3, 5)]
    seen = [d.pk for f in pages[:3] for d in f.rows]
    assert len(seen) == len(set(seen)) == 5


@postgres_only
def test_swedish_stemming_finds_another_form_of_the_word(world):
    found = queries.search_all(world.member, "kanslifunktionerna")
    assert found["decisions"].count == 1 and found["assignments"].count == 1


@postgres_only
def test_the_search_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'forums_%%_fts'")
        rows = sorted(cursor.fetchall())
    assert [name for name, _ in rows] == ["forums_agendaitem_fts", "forums_assignment_fts", "forums_decision_fts"]
    assert all("gin (search_vector)" in definition for _, definition in rows), rows


@postgres_only
def test_the_stored_vector_follows_every_write_of_the_text(world):
    """Notes written after the item was made, and a row changed by a bulk update outside the
    actions: the trigger keeps the vector current for both."""
    from forums.models import Assignment

    item = world.forum.meetings.get().items.get()
    actions.write_notes(world.secretary, item, "Nu även om tolktjänsten.")
    assert texts(queries.search_all(world.member, "tolktjänst")["items"], "title") == ["Screening OPT"]
    Assignment.objects.update(what="Utreda sjukresor.")
    assert queries.search_all(world.member, "sjukresorna")["assignments"].count == 1
    assert queries.search_all(world.member, "kanslifunktion")["assignments"].count == 0


@postgres_only
@pytest.mark.parametrize("recent_rows", [0, 10_000])
def test_a_search_reads_stored_vectors_and_ranks_no_more_than_the_bound(world, monkeypatch, recent_rows):
    """to_tsvector costs tens of microseconds a row: over tens of thousands of matches a search must
    read the stored vectors, and rank at most search.CANDIDATES + 1 of each kind (bench/forums_bench.py),
    in one statement for the three kinds, whether the newest rows are tried first or not."""
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(search, "RECENT_ROWS", recent_rows)
    with CaptureQueriesContext(connection) as captured:
        found = queries.search_all(world.member, "kanslifunktion")
    assert found["decisions"].count == 1
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not any("to_tsvector" in sql for sql in sqls), sqls
    (sql,) = [sql for sql in sqls if "@@" in sql]
    # every candidate list is a bounded subquery (two per kind when the newest rows are tried first)
    assert sql.count("@@") == sql.count(f"LIMIT {search.CANDIDATES + 1}") == (6 if recent_rows == 0 else 3), sql
    assert sql.count("ts_rank") == 1


@postgres_only
def test_the_newest_rows_tried_first_give_the_same_results_as_all_rows(world, monkeypatch):
    """A common word's newest matches are looked for among the newest rows first, a rarer word's
    among all: either way the same candidates, ranked the same, counted the same."""
    monkeypatch.setattr(search, "CANDIDATES", 3)
    item = world.forum.meetings.get().items.get()
    for n in range(6):  # the older decisions say "sjukresor", the newer "kanslifunktion" in most
        actions.record_decision(world.secretary, item, f"RSL beslutar om sjukresor {n}.")
    for n in range(6):
        text = "tolktjänst" if n % 3 == 0 else "kanslifunktion" + " kanslifunktion" * (n % 2)
        actions.record_decision(world.secretary, item, f"RSL beslutar att {text} {n} ska utredas.")

    def results(recent_rows):
        monkeypatch.setattr(search, "RECENT_ROWS", recent_rows)
        return {words: [(f.count, f.more, [row.pk for row in f.rows]) for f in queries.search_all(
                    world.member, words, only="decisions", per_page=2).values()]
                for words in ("kanslifunktion", "sjukresor", "tolktjänst", "beslutar", "ingenting")}

    everything = results(10_000)  # fewer rows than that: all matches, as before
    assert everything["kanslifunktion"][0][:2] == (3, True) and everything["sjukresor"][0][:2] == (3, True)
    for recent_rows in (0, 1, 3, 5, 8, 12):
        assert results(recent_rows) == everything, recent_rows


def test_the_page_says_more_than_the_bound_and_pages_one_kind(world, client, monkeypatch):
    from core.tests.factories import login

    monkeypatch.setattr(search, "CANDIDATES", 11)
    item = world.forum.meetings.get().items.get()
    for n in range(12):
        actions.record_decision(world.secretary, item, f"RSL beslutar att kanslifunktion {n} ska utredas.")
    login(client, world.member)
    page = client.get("/forum/sok/", {"q": "kanslifunktion"}).content.decode()
    assert "Beslut <span class=\"muted\">(fler än 11 träffar)</span>" in page and "Visa de 11 senaste besluten" in page
    assert page.count("ska utredas.") == 10
    kind = client.get("/forum/sok/", {"q": "kanslifunktion", "typ": "beslut", "sida": "2"}).content.decode()
    assert kind.count("ska utredas.") == 11 and "<h2>Uppdrag" not in kind and "Sida " not in kind  # one page of 50
    stranger = world.staff("sven", "Sven", "Främling", make_unit(make_municipality("0764", "Alvesta kommun")))
    login(client, stranger)
    page = client.get("/forum/sok/", {"q": "kanslifunktion", "typ": "beslut"}).content.decode()
    assert "(0 träffar)" in page and "RSL beslutar" not in page and "Inga beslut." in page
