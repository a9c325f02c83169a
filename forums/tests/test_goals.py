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


def held_sip_meetings(world, plan, *forms):
    from meetings import actions as sip_actions

    for n, form in enumerate(forms):
        meeting = sip_actions.book_sip_meeting(world["nurse"], plan, staff=world["physician"].user, form=form,
                                               starts_at=later(48 + n))
        begun = timezone.now() - timedelta(days=1)
        Booking.objects.filter(pk=meeting.booking_id).update(starts_at=begun, ends_at=begun + timedelta(hours=1))
        meeting.booking.refresh_from_db()
        meeting_actions.register_outcome(world["physician"], meeting.booking, outcome="attended")


def sip_plan_with(world, municipality_unit=None, *, accepted=True):
    """A plan started by the region's centre, with a municipality's unit invited (and accepting)."""
    from core.tests.factories import make_care_relation

    patient = make_patient(birth=date(1950, 1, 1))
    make_care_relation(world["nurse"], patient)
    plan = meeting_actions.create_sip(world["nurse"], patient, consent_given=True, consent_note="Muntligt",
                                      follow_up_on=timezone.localdate() + timedelta(days=60))
    if municipality_unit is not None:
        invitation = meeting_actions.add_sip_participant(world["nurse"], plan, name="Lena", role="Sjuksköterska",
                                                         unit=municipality_unit, consent_given=True)
        if accepted:
            meeting_actions.answer_sip_invitation(make_actor(unit=municipality_unit, roles=("clinical",)), invitation,
                                                  accept=True)
    return plan


def refreshed(coordinator, owner, source, unit):
    goal = actions.create_goal(coordinator, name=str(source), owner=owner, target=Decimal(10), direction="higher",
                               unit=unit, period_start=date(2026, 1, 1), period_end=date(2027, 12, 31), source=source)
    actions.refresh_goal_values(coordinator, goal)
    return goal


def test_a_region_s_sip_goals_take_the_follow_up_s_whole_and_each_municipality_taking_part():
    """The whole as the follow-up page counts it (meetings held at the region's units); per
    municipality by the municipality whose unit takes part in the plan (docs/decisions.md)."""
    from core.tests.factories import make_municipality, make_unit
    from core.models import Unit
    from meetings.tests.test_sip import sip as sip_world

    world = sip_world.__wrapped__()
    lund = world["home_care"]
    malmo = make_unit(make_municipality("1280", "Malmö stad"), name="Hemsjukvården Malmö", kind=Unit.Kind.HOME_CARE)
    held_sip_meetings(world, sip_plan_with(world, lund), "video", "physical")
    held_sip_meetings(world, sip_plan_with(world, malmo), "physical")
    held_sip_meetings(world, sip_plan_with(world, lund, accepted=False), "physical")  # Lund only invited
    coordinator = make_actor(unit=world["unit"], roles=("coordinator",))
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    whole = next(row for row in followup.sip_numbers(world["region"]) if row["month"] == month)
    assert (whole["meetings"], whole["digital"]) == (4, 1)

    def stored(goal):
        return {(v.area_organisation_id, v.area, v.month): (v.value, v.weight) for v in goal.values.all()
                if v.month == month}

    count = refreshed(coordinator, world["region"], Goal.Source.SIP_MEETINGS, "count")
    share = refreshed(coordinator, world["region"], Goal.Source.SIP_DIGITAL_SHARE, "percent")
    lund_key, malmo_key = (lund.organisation_id, "Lunds kommun", month), (malmo.organisation_id, "Malmö stad", month)
    assert stored(count) == {(None, "", month): (4, None), lund_key: (2, None), malmo_key: (0 + 1, None)}
    assert stored(share) == {(None, "", month): (Decimal("25"), 4), lund_key: (Decimal("50"), 2), malmo_key: (0, 1)}
    assert not count.values.filter(area_unit__isnull=False).exists()  # no longer the region's own units


def test_a_municipality_s_sip_goal_takes_its_own_units():
    from meetings.tests.test_sip import sip as sip_world

    world = sip_world.__wrapped__()
    plan = sip_plan_with(world, world["home_care"])
    home_nurse = make_actor(unit=world["home_care"], roles=("clinical",))  # took part; books at its own unit
    held_sip_meetings({"nurse": home_nurse, "physician": home_nurse}, plan, "video", "physical")
    coordinator = make_actor(unit=world["home_care"], roles=("coordinator",))
    goal = refreshed(coordinator, world["home_care"].organisation, Goal.Source.SIP_DIGITAL_SHARE, "percent")
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    stored = {(v.area_unit_id, v.area_organisation_id): (v.value, v.weight) for v in goal.values.filter(month=month)}
    assert stored == {(None, None): (Decimal("50"), 2), (world["home_care"].pk, None): (Decimal("50"), 2)}


def test_two_units_of_one_name_keep_their_own_values():
    """Two centres called Vårdcentralen Norr in one region: stored by the unit's id, shown by name,
    never merged (the follow-up page lists both too)."""
    first, second = make_clinic(), make_clinic()
    assert first["unit"].name == second["unit"].name and first["region"] == second["region"]
    held(first, "video")
    held(first, "physical")
    for _ in range(3):
        held(second, "physical")
    coordinator = make_actor(unit=first["unit"], roles=("coordinator",))
    goal = refreshed(coordinator, first["region"], Goal.Source.VIDEO_SHARE, "percent")
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    stored = {(v.area_unit_id, v.area): (v.value, v.weight) for v in goal.values.filter(month=month)}
    assert stored == {(None, ""): (Decimal("20"), 5), (first["unit"].pk, "Vårdcentralen Norr"): (Decimal("50"), 2),
                      (second["unit"].pk, "Vårdcentralen Norr"): (Decimal("0"), 3)}
    _firsts, _total, units, _goal = followup.video_share(first["region"])
    assert [(row.unit, row.unit_id) for row in units] == [("Vårdcentralen Norr", first["unit"].pk),
                                                           ("Vårdcentralen Norr", second["unit"].pk)]


def test_a_fetch_replaces_the_months_it_computes():
    """A unit renamed since the last fetch: its months carry the new name, and no row of the old
    name lingers beside it; a month the fetch does not compute keeps its values."""
    from forums.models import GoalValue

    clinic = make_clinic()
    held(clinic, "video")
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    goal = refreshed(coordinator, clinic["region"], Goal.Source.VIDEO_SHARE, "percent")
    old = GoalValue.objects.create(goal=goal, month=date(2020, 1, 1), value=Decimal(3), source="Tidigare")
    clinic["unit"].name = "Vårdcentralen Nordväst"
    clinic["unit"].save()
    actions.refresh_goal_values(coordinator, goal)
    month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    assert sorted(goal.values.filter(month=month).values_list("area", flat=True)) == ["", "Vårdcentralen Nordväst"]
    assert GoalValue.objects.filter(pk=old.pk).exists()


def test_what_changed_where_tells_two_units_of_one_name_apart():
    from forums.models import GoalValue

    first, second = make_clinic(), make_clinic()
    coordinator = make_actor(unit=first["unit"], roles=("coordinator",))
    goal = actions.create_goal(coordinator, name="Andel besök via video", owner=first["region"], target=Decimal(10),
                               direction="higher", unit="percent", period_start=date(2026, 1, 1),
                               period_end=date(2027, 12, 31), source=Goal.Source.VIDEO_SHARE)
    today = date(2026, 11, 20)
    for month, (a, b) in ((date(2026, 10, 1), (10, 10)), (date(2026, 11, 1), (30, 5))):
        GoalValue.objects.create(goal=goal, month=month, value=Decimal((a + b) / 2), weight=20)
        GoalValue.objects.create(goal=goal, month=month, area=first["unit"].name, area_unit=first["unit"],
                                 value=Decimal(a), weight=10)
        GoalValue.objects.create(goal=goal, month=month, area=second["unit"].name, area_unit=second["unit"],
                                 value=Decimal(b), weight=10)
    rows = goals.summarise(goal, today).mover_rows()
    assert [(row["area"], row["before"], row["after"], row["better"]) for row in rows] == [
        ("Vårdcentralen Norr", "10 %", "30 %", True), ("Vårdcentralen Norr", "10 %", "5 %", False)]


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


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_stored_values_by_id_where_the_name_tells_and_can_be_reversed():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.tests.factories import make_municipality, make_region, make_unit

    region, lund = make_region(), make_municipality()
    south = make_unit(region, name="Vårdcentralen Syd")
    make_unit(region, name="Vårdcentralen Norr")
    make_unit(region, name="Vårdcentralen Norr")  # two of one name: their merged value cannot be split
    before, after = [("forums", "0006_goal_refreshed_at")], [("forums", "0007_goal_value_area_ids")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        Goal, GoalValue = old.get_model("forums", "Goal"), old.get_model("forums", "GoalValue")
        common = dict(owner_id=region.pk, target=1, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
        video = Goal.objects.create(name="Video", source="video_share", **common)
        ready = Goal.objects.create(name="Dagar", source="ready_days", **common)
        by_hand = Goal.objects.create(name="Diktat", source="manual", **common)
        month = date(2026, 10, 1)
        for goal, area in ((video, ""), (video, "Vårdcentralen Syd"), (video, "Vårdcentralen Norr"),
                           (ready, "Lunds kommun"), (by_hand, "VO Medicin")):
            GoalValue.objects.create(goal=goal, month=month, area=area, value=5)
        executor.loader.build_graph()
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("forums", "GoalValue")
        keys = {(v.goal_id, v.area, v.area_unit_id, v.area_organisation_id) for v in new.objects.all()}
        assert keys == {(video.pk, "", None, None), (video.pk, "Vårdcentralen Syd", south.pk, None),
                        (video.pk, "Vårdcentralen Norr", None, None), (ready.pk, "Lunds kommun", None, lund.pk),
                        (by_hand.pk, "VO Medicin", None, None)}
        other_south = make_unit(region, name="Vårdcentralen Syd")  # a second "Syd", its own value beside the first
        new.objects.create(goal_id=video.pk, month=month, area="Vårdcentralen Syd", area_unit_id=other_south.pk, value=7)
        executor.loader.build_graph()
        executor.migrate(before)  # backward: one value per name and month, as the old key held
        assert GoalValue.objects.filter(goal=video, area="Vårdcentralen Syd").count() == 1
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
