from datetime import date

import pytest

from core.tests.factories import login, make_api_token, make_municipality, make_unit
from forums import actions
from forums.models import ItemKind
from forums.tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_an_intranet_reads_the_forums_decisions_with_an_api_key(world, client):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Screening", kind=ItemKind.DECISION)
    actions.hold_meeting(world.secretary, meeting)
    decision = actions.record_decision(world.secretary, item, "RSL beslutar att skapa en gemensam kanslifunktion.")
    _token, key = make_api_token(world.member.membership)
    answer = client.get("/api/v1/forums/decisions", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    assert [(d["label"], d["text"]) for d in answer.json()["items"]] == [(decision.label, decision.text)]
    detail = client.get(f"/api/v1/forums/meetings/{meeting.pk}", headers={"Authorization": f"Bearer {key}"}).json()
    assert [(i["number"], i["title"]) for i in detail["items"]] == [(1, "Screening")]


def test_forums_and_meetings_are_listed_for_the_person_who_sees_them(world, client):
    world.meeting()
    login(client, world.municipal)
    forums = client.get("/api/v1/forums").json()["items"]
    assert [f["name"] for f in forums] == ["Styrgrupp Nära vård"]
    assert len(client.get(f"/api/v1/forums/{world.forum.pk}/meetings").json()["items"]) == 1


def test_a_person_outside_the_forum_gets_not_found(world, client):
    meeting = world.meeting()
    stranger = world.staff("sven", "Sven", "Främling", make_unit(make_municipality("0764", "Alvesta kommun")))
    login(client, stranger)
    assert client.get(f"/api/v1/forums/{world.forum.pk}").status_code == 404
    assert client.get(f"/api/v1/forums/meetings/{meeting.pk}").status_code == 404
    assert client.get("/api/v1/forums/decisions").json()["items"] == []


def test_assignments_come_overdue_first(world, client):
    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    actions.add_assignment(world.secretary, item, what="Senare", assignee_user=world.member.user, due=date(2099, 1, 1))
    actions.add_assignment(world.secretary, item, what="Sent", assignee_organisation=world.region, due=date(2020, 1, 1))
    login(client, world.member)
    rows = client.get("/api/v1/forums/assignments").json()["items"]
    assert [(r["what"], r["overdue"]) for r in rows] == [("Sent", True), ("Senare", False)]
