"""The agenda and the minutes as PDF: every text as written (a link or markup in it stays text)."""

import pytest

from core.tests.factories import login
from core.tests.hostile import LINK, UNCLOSED, assert_safe_pdf
from forums import actions
from forums.models import ItemKind
from forums.tests.factories import World

pytestmark = pytest.mark.django_db


def test_the_agenda_pdf_lists_the_items_with_presenter_and_deadline(client):
    world = World()
    meeting = world.meeting()
    actions.add_item(world.secretary, meeting, title="Effekter", presenter="Jens Karlsson")
    actions.add_item(world.secretary, meeting, title=LINK, kind=ItemKind.CONSULTATION, answer_by=meeting.starts_at.date())
    login(client, world.member)
    assert_safe_pdf(client.get(f"/forum/mote/{meeting.pk}/dagordning.pdf"), "1. Effekter", "Föredragande: Jens Karlsson",
                    f"2. {LINK}", "Remissvar senast")


def test_the_minutes_pdf_shows_decisions_assignments_approvals_and_addenda_as_written(client):
    world = World()
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Vårdförlopp")
    actions.hold_meeting(world.secretary, meeting)
    actions.set_attendance(world.secretary, meeting, world.seats["chair"], "present")
    decision = actions.record_decision(world.secretary, item, UNCLOSED)
    actions.add_assignment(world.secretary, item, what="Ta fram underlag", assignee_user=world.member.user)
    world.approved(meeting)
    actions.add_addendum(world.secretary, meeting, "Rättelse av närvaron.")
    login(client, world.member)
    assert_safe_pdf(client.get(f"/forum/mote/{meeting.pk}/protokoll.pdf"), "Martin Myrskog, ordförande",
                    f"Beslut {decision.label}: {UNCLOSED}", "Uppdrag till Roger Nilsson: Ta fram underlag",
                    "Justerat: Martin Myrskog", "Rättelse av närvaron.")
