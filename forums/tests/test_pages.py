from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.tests.factories import login
from forums import actions
from forums.models import ForumRole, Goal, ItemKind
from forums.tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.FORUM_FILES_ROOT = str(tmp_path / "forum-files")


def test_the_secretary_writes_minutes_on_the_meeting_page_which_warns_against_patient_data(world, client):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Vårdförlopp", kind=ItemKind.DECISION)
    login(client, world.secretary)
    client.post(f"/forum/mote/{meeting.pk}/hallet/")
    response = client.post(f"/forum/mote/{meeting.pk}/beslut/",
                           {"item": item.pk, "text": "Styrgrupp nära vård beslutar att fastställa direktivet."})
    assert response.status_code == 302
    page = client.get(f"/forum/mote/{meeting.pk}/").content.decode()
    assert "Skriv aldrig något om en enskild patient" in page
    assert f"Beslut § 1/{timezone.localtime(meeting.starts_at).year}" in page


def test_staff_of_an_organisation_outside_the_forum_get_not_found_and_members_see_it(world, client):
    from core.tests.factories import make_municipality, make_unit

    meeting = world.meeting()
    stranger = world.staff("sven", "Sven", "Främling", make_unit(make_municipality("0764", "Alvesta kommun")))
    login(client, stranger)
    assert client.get(f"/forum/mote/{meeting.pk}/").status_code == 404
    assert client.get(f"/forum/{world.forum.pk}/").status_code == 404
    member = Client()
    login(member, world.municipal)
    assert member.get(f"/forum/mote/{meeting.pk}/").status_code == 200


def test_published_minutes_of_a_public_forum_are_read_without_login(world):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Funktionsadresser e-post", kind=ItemKind.DECISION)
    actions.hold_meeting(world.secretary, meeting)
    actions.record_decision(world.secretary, item, "RSL beslutar att inte fortsätta utreda gemensam funktionsadress.")
    anonymous = Client()
    assert anonymous.get(f"/offentligt/protokoll/{meeting.pk}/").status_code == 404
    world.approved(meeting)
    actions.publish_minutes(world.secretary, meeting)
    page = anonymous.get(f"/offentligt/protokoll/{meeting.pk}/").content.decode()
    assert "RSL beslutar att inte fortsätta utreda gemensam funktionsadress." in page
    assert anonymous.get(f"/offentligt/forum/{world.forum.pk}/").status_code == 200
    pdf = anonymous.get(f"/offentligt/protokoll/{meeting.pk}/protokoll.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_attachment_is_downloaded_never_shown_inline(world, client):
    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    attachment = actions.add_attachment(world.secretary, item,
                                        SimpleUploadedFile("bildspel.pdf", b"%PDF-1.4\n%%EOF\n"))
    login(client, world.member)
    response = client.get(f"/forum/bilaga/{attachment.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"


def test_the_assignment_list_shows_overdue_ones_first(world, client):
    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    actions.add_assignment(world.secretary, item, what="Senare uppdrag", assignee_user=world.member.user,
                           due=date(2099, 1, 1))
    actions.add_assignment(world.secretary, item, what="Försenat uppdrag", assignee_user=world.member.user,
                           due=date(2020, 1, 1))
    login(client, world.member)
    page = client.get("/forum/uppdrag/").content.decode()
    assert page.index("Försenat uppdrag") < page.index("Senare uppdrag") and "försenat" in page


def test_search_finds_decisions_the_person_may_see(world, client):
    item = actions.add_item(world.secretary, world.meeting(), title="Screening")
    actions.record_decision(world.secretary, item, "RSL beslutar att skapa en gemensam kanslifunktion för OPT.")
    login(client, world.member)
    assert "gemensam kanslifunktion" in client.get("/forum/sok/", {"q": "kanslifunktion"}).content.decode()


def test_the_chairs_page_says_when_the_goal_is_reached_at_the_current_pace(world, client):
    goal = actions.create_goal(world.secretary, name="Andel diktat med taligenkänning", owner=world.region,
                               target=Decimal("80"), direction="higher", unit="percent", forum=world.forum,
                               period_start=date(2025, 1, 1), period_end=date(2027, 12, 31),
                               source=Goal.Source.MANUAL)
    today = timezone.localdate().replace(day=1)
    from forums.rules import add_months

    for back, value in zip(range(5, -1, -1), (40, 44, 48, 52, 56, 60), strict=True):
        actions.enter_goal_value(world.secretary, goal, month=add_months(today, -back), value=Decimal(value),
                                 source="Stratsys")
    login(client, world.chair)
    page = client.get("/forum/mal/").content.decode()
    assert "60 %" in page and "+4 procentenheter" in page
    assert "Målet nås i" in page and str(add_months(today, 5).year) in page


def test_a_member_sees_the_consultations_their_organisation_has_not_answered_on_the_forum_start_page(world, client):
    item = actions.add_item(world.secretary, world.meeting(), title="Remiss: intensivvårdstransporter",
                            kind=ItemKind.CONSULTATION, answer_by=timezone.localdate() - timedelta(days=1))
    login(client, world.municipal)
    page = client.get("/forum/").content.decode()
    assert "Remiss: intensivvårdstransporter" in page and "sista dagen har passerat" in page
    actions.answer_consultation(world.municipal, item, "Växjö kommun tillstyrker.")
    assert "Remiss: intensivvårdstransporter" not in client.get("/forum/").content.decode()


def test_a_secretary_puts_up_a_goal_on_the_goals_page_and_it_becomes_a_standing_item(world, client):
    login(client, world.secretary)
    response = client.post("/forum/mal/", {
        "name": "Andel diktat med taligenkänning", "owner_name": "HSD", "target": "80", "direction": "higher",
        "unit": "percent", "period_start": "2026-01-01", "period_end": "2027-12-31", "source": "manual",
        "forum": world.forum.pk})
    assert response.status_code == 302
    page = client.get(f"/forum/{world.forum.pk}/").content.decode()
    assert "Måluppföljning: Andel diktat med taligenkänning" in page


def test_the_consultation_reminder_is_queued_a_week_before_the_deadline(world, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_item(world.secretary, world.meeting(), title="Remiss", kind=ItemKind.CONSULTATION,
                         answer_by=timezone.localdate() + timedelta(days=20))
    task = DBTaskResult.objects.get(task_path="forums.tasks.remind_consultation")
    assert timezone.localtime(task.run_after).date() == timezone.localdate() + timedelta(days=13)


def test_a_member_of_the_assigned_organisation_follows_the_assignment_up_from_the_organisations_list(world, client):
    from core.tests.factories import make_municipality, make_unit

    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    other = make_municipality("0764", "Alvesta kommun")
    assignment = actions.add_assignment(world.secretary, item, what="Svara om bemanningen", assignee_organisation=other)
    colleague = world.staff("karl", "Karl", "Alvesta", make_unit(other))  # not in the forum
    login(client, colleague)
    assert "Svara om bemanningen" in client.get("/forum/uppdrag/?vy=organisation").content.decode()
    client.post(f"/forum/uppdrag/{assignment.pk}/status/", {"status": "ongoing"})
    assignment.refresh_from_db()
    assert assignment.status == "ongoing"


def test_the_secretary_changes_an_items_heading_on_the_meeting_page(world, client):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Efekter")
    login(client, world.secretary)
    response = client.post(f"/forum/mote/{meeting.pk}/andra-punkt/", {
        "item": item.pk, "title": "Effekter", "kind": "discussion", "presenter": "Jens Karlsson", "description": ""})
    assert response.status_code == 302
    assert "Effekter" in client.get(f"/forum/mote/{meeting.pk}/").content.decode()
    item.refresh_from_db()
    assert (item.title, item.kind) == ("Effekter", "discussion")


def test_only_the_forum_s_members_join_its_video_room_not_every_member_of_staff_of_the_owner(world, client):
    meeting = world.meeting(video=True)
    login(client, world.outsider)  # staff of the owner region, no seat in the forum
    assert client.get(f"/forum/mote/{meeting.pk}/").status_code == 200
    assert client.get(f"/forum/mote/{meeting.pk}/anslut/").status_code == 404
    member = Client()
    login(member, world.municipal)
    assert member.get(f"/forum/mote/{meeting.pk}/anslut/").status_code == 200


def test_ending_a_seat_that_has_not_begun_yet_says_why_instead_of_failing(world, client):
    newcomer = world.staff("nina", "Nina", "Ny", world.region_unit)
    seat = actions.add_member(world.secretary, world.forum, user=newcomer.user, organisation=world.region,
                              role=ForumRole.MEMBER, valid_from=timezone.localdate() + timedelta(days=30))
    login(client, world.secretary)
    response = client.post(f"/forum/{world.forum.pk}/avsluta-ledamot/", {"member": seat.pk}, follow=True)
    assert response.status_code == 200
    assert "Perioden kan inte sluta innan den börjar." in response.content.decode()
    seat.refresh_from_db()
    assert seat.valid_until is None


def test_the_goals_page_offers_the_forums_the_person_runs_with_the_same_queries_however_many_forums(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forums.models import ForumRole

    login(client, world.chair)

    def page():
        with CaptureQueriesContext(connection) as captured:
            content = client.get("/forum/mal/").content.decode()
        return content, len(captured)

    _content, before = page()
    # Ten more forums of the region that the chair sees (staff of the owner); in one they are a member only.
    for n in range(10):
        forum = actions.create_forum(world.secretary, name=f"Arbetsgrupp {n}", short_name=f"AG{n}", owner=world.region)
        if n == 0:
            actions.add_member(world.secretary, forum, user=world.chair.user, organisation=world.region,
                               role=ForumRole.MEMBER)
    content, after = page()
    assert after == before
    assert "Styrgrupp Nära vård" in content and "Arbetsgrupp 0" not in content


def test_the_secretary_lays_out_a_meeting_series_from_the_forum_page(world, client):
    login(client, world.secretary)
    response = client.post(f"/forum/{world.forum.pk}/mote/", {
        "starts_at": "2027-02-04T10:00", "ends_at": "2027-02-04T12:00", "place": "Regionhuset", "count": "4",
        "every_weeks": "6"})
    meetings = list(world.forum.meetings.order_by("starts_at"))
    assert response.status_code == 302 and response["Location"] == f"/forum/mote/{meetings[0].pk}/"
    assert [timezone.localtime(m.starts_at).date().isoformat() for m in meetings] == [
        "2027-02-04", "2027-03-18", "2027-04-29", "2027-06-10"]
    assert "Antal möten" in client.get(f"/forum/{world.forum.pk}/").content.decode()
