"""Goals whose values come from the platform's own data are computed by the follow-up pages' own
functions; the chair's page and the minutes' snapshot show them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import ActionError
from core.tests.factories import make_actor, make_patient
from forums import actions, goals
from forums.models import Goal
from meetings import actions as meeting_actions
from meetings import followup
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


def held(clinic, form):
    booking = meeting_actions.book_visit(clinic["nurse"], in_care(clinic, make_patient(birth=date(1970, 6, 15))),
                                         staff=clinic["physician"].user, visit_kind=clinic["kind"], form=form,
                                         starts_at=later(24 * 40))
    start = timezone.now() - timedelta(days=1)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + timedelta(minutes=30))
    return meeting_actions.register_outcome(clinic["physician"], booking, outcome="attended")


def test_the_video_share_goal_takes_the_follow_up_pages_figure_for_the_whole_and_per_unit():
    clinic = make_clinic()
    held(clinic, "video")
    for _ in range(3):
        held(clinic, "physical")
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    goal = actions.create_goal(coordinator, name="Andel besök via video", owner=clinic["region"], target=Decimal(10),
                               direction="higher", unit="percent", period_start=date(2026, 1, 1),
                               period_end=date(2027, 12, 31), source=Goal.Source.VIDEO_SHARE)
    actions.refresh_goal_values(coordinator, goal)
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    _firsts, total, _units, _goal = followup.video_share(clinic["region"])
    stored = dict(((v.month, v.area), v.value) for v in goal.values.all())
    assert stored[(month, "")] == Decimal(str(total.share(month))) == Decimal("25")
    assert stored[(month, "Vårdcentralen Norr")] == Decimal("25")
    assert goal.values.get(month=month, area="").entered_by is None
    assert goal.values.get(month=month, area="").weight == 4  # the held visits the share stands for


def test_a_hand_entered_value_keeps_its_source_and_who_entered_it_and_needs_a_source():
    clinic = make_clinic()
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    goal = actions.create_goal(coordinator, name="Andel diktat med taligenkänning", owner=clinic["region"],
                               target=Decimal(80), direction="higher", unit="percent", period_start=date(2026, 1, 1),
                               period_end=date(2027, 12, 31))
    with pytest.raises(ActionError, match="varifrån"):
        actions.enter_goal_value(coordinator, goal, month=date(2026, 10, 1), value=Decimal(55), source=" ")
    row = actions.enter_goal_value(coordinator, goal, month=date(2026, 10, 14), value=Decimal(55), source="Stratsys")
    assert (row.month, row.source, row.entered_by) == (date(2026, 10, 1), "Stratsys", coordinator.user)


def test_a_goal_linked_to_a_forum_is_a_standing_item_and_the_minutes_keep_the_figures_shown():
    from forums.tests.factories import World

    world = World()
    goal = actions.create_goal(world.secretary, name="Andel diktat med taligenkänning", owner=world.region,
                               target=Decimal(80), direction="higher", unit="percent", forum=world.forum,
                               period_start=date(2026, 1, 1), period_end=date(2027, 12, 31))
    today = timezone.localdate()
    actions.enter_goal_value(world.secretary, goal, month=today, value=Decimal(62), source="Stratsys")
    meeting = world.meeting(days=1)
    assert [i.title for i in meeting.items.all()] == ["Måluppföljning: Andel diktat med taligenkänning"]
    actions.hold_meeting(world.secretary, meeting)
    actions.enter_goal_value(world.secretary, goal, month=today, value=Decimal(70), source="Stratsys, rättat")
    meeting.refresh_from_db()
    assert meeting.goal_snapshot[0]["latest"] == "62 %"
    assert goals.summarise(goal, today).latest_text == "70 %"


def test_a_goal_on_the_contact_entry_s_response_times_takes_the_follow_up_s_figures_per_month_and_unit():
    from contact import actions as contact_actions
    from contact import followup as contact_followup
    from contact.models import Matter
    from contact.tests.factories import make_entry
    from core.actor import Actor

    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    for minutes in (10, 30, 50):
        matter = contact_actions.file_matter(resident, setup["patient"], category="ongoing", description="Ont i ryggen")
        contact_actions.take(setup["nurse"], matter)
        contact_actions.answer(setup["nurse"], matter, text="Vila och värme.")
        Matter.objects.filter(pk=matter.pk).update(first_response_at=matter.created_at + timedelta(minutes=minutes))
    coordinator = make_actor(unit=setup["intake"], roles=("coordinator",))
    common = dict(owner=setup["region"], direction="lower", period_start=date(2026, 1, 1), period_end=date(2027, 12, 31))
    response = actions.create_goal(coordinator, name="Första svar inom en halvtimme", target=Decimal(30), unit="count",
                                   source=Goal.Source.CONTACT_FIRST_RESPONSE, **common)
    late = actions.create_goal(coordinator, name="Färre ärenden över svarstiden", target=Decimal(5), unit="percent",
                               source=Goal.Source.CONTACT_BREACHED_SHARE, **common)
    actions.refresh_goal_values(coordinator, response)
    actions.refresh_goal_values(coordinator, late)

    month = timezone.localdate().replace(day=1)
    page = contact_followup.unit_figures(setup["nurse"])  # the follow-up page's own figures for the centre
    stored = {(v.month, v.area): (v.value, v.weight) for v in response.values.all()}
    assert stored[(month, "")] == (Decimal("30.00"), 3) == (Decimal(str(page.first_response_all.median)), 3)
    assert stored[(month, "Vårdcentralen Teleborg")] == (Decimal("30.00"), 3)
    assert late.values.get(month=month, area="").value == Decimal(str(page.share_breached))


def test_sip_goals_take_the_follow_up_s_figures_for_the_whole_and_per_unit():
    from meetings import actions as sip_actions
    from meetings.tests.test_sip import sip as sip_world
    from meetings.tests.test_sip import start

    world = sip_world.__wrapped__()
    plan = start(world)
    for form in ("video", "physical", "physical", "physical"):
        meeting = sip_actions.book_sip_meeting(world["nurse"], plan, staff=world["physician"].user, form=form,
                                               starts_at=later())
        begun = timezone.now() - timedelta(days=1)
        Booking.objects.filter(pk=meeting.booking_id).update(starts_at=begun, ends_at=begun + timedelta(hours=1))
        meeting.booking.refresh_from_db()
        meeting_actions.register_outcome(world["physician"], meeting.booking, outcome="attended")
    coordinator = make_actor(unit=world["unit"], roles=("coordinator",))
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    whole = next(row for row in followup.sip_numbers(world["region"]) if row["month"] == month)
    assert (whole["meetings"], whole["digital"]) == (4, 1)
    stored = {}
    for source, unit in ((Goal.Source.SIP_MEETINGS, "count"), (Goal.Source.SIP_DIGITAL_SHARE, "percent")):
        goal = actions.create_goal(coordinator, name=str(source), owner=world["region"], target=Decimal(10),
                                   direction="higher", unit=unit, period_start=date(2026, 1, 1),
                                   period_end=date(2027, 12, 31), source=source)
        actions.refresh_goal_values(coordinator, goal)
        stored[source] = {(v.area, v.month): (v.value, v.weight) for v in goal.values.all()}
    unit_name = world["unit"].name
    assert stored[Goal.Source.SIP_MEETINGS][("", month)] == stored[Goal.Source.SIP_MEETINGS][(unit_name, month)] == (4, None)
    assert stored[Goal.Source.SIP_DIGITAL_SHARE][("", month)] == (Decimal("25"), 4)
    assert stored[Goal.Source.SIP_DIGITAL_SHARE][(unit_name, month)] == (Decimal("25"), 4)


def test_the_nightly_command_refreshes_every_platform_goal_and_the_page_says_when(client):
    import io

    from django.core.management import call_command

    from core.models import AuditEvent
    from core.tests.worker import run_queued_tasks
    from core.tests.factories import login

    clinic = make_clinic()
    held(clinic, "video")
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    goal = actions.create_goal(coordinator, name="Andel besök via video", owner=clinic["region"], target=Decimal(10),
                               direction="higher", unit="percent", period_start=date(2026, 1, 1),
                               period_end=date(2027, 12, 31), source=Goal.Source.VIDEO_SHARE)
    by_hand = actions.create_goal(coordinator, name="Andel diktat med taligenkänning", owner=clinic["region"],
                                  target=Decimal(80), direction="higher", unit="percent", period_start=date(2026, 1, 1),
                                  period_end=date(2027, 12, 31))
    login(client, coordinator)
    assert "Värdena har inte hämtats än." in client.get("/forum/mal/").content.decode()
    out = io.StringIO()
    call_command("goal_values", stdout=out)
    assert out.getvalue().strip() == "Queued the refresh of 1 goals."
    run_queued_tasks()
    goal.refresh_from_db()
    by_hand.refresh_from_db()
    assert goal.refreshed_at is not None and by_hand.refreshed_at is None
    assert goal.values.filter(area="").exists() and not by_hand.values.exists()
    event = AuditEvent.objects.get(action="forums.goal.refresh", object_id=str(goal.pk))
    assert event.user is None  # the schedule, not a person
    page = client.get("/forum/mal/").content.decode()
    assert f"Värdena hämtades {timezone.localtime(goal.refreshed_at).day} " in page
