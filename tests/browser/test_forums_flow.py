"""The whole cycle of a forum meeting in a real browser: the secretary schedules the meeting and
builds its agenda, holds it and writes the minutes with a decision, an assignment and an item
carried to the next meeting; two approvers approve with their own logins; the minutes lock and are
published; an anonymous visitor reads them on the public page; the carried item is on the next
meeting's agenda; the assignment is on its owner's list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forums.models import AgendaItem, Meeting
from forums.tests.factories import World
from tests.browser.helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agenda_minutes_approval_publication_and_follow_up(page, browser, live_server, settings, tmp_path):
    settings.FORUM_FILES_ROOT = str(tmp_path)
    world = World(public=True)
    later = world.meeting(days=40)

    # The secretary schedules a meeting and builds its agenda.
    log_in(page, "therese")
    page.goto(f"/forum/{world.forum.pk}/")
    page.get_by_text("Lägg upp ett möte").click()
    start = timezone.localtime() + timedelta(days=2)
    page.get_by_label("Börjar").fill(start.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Slutar").fill(start.strftime("%Y-%m-%dT12:00"))
    page.get_by_label("Plats").fill("Lokal Flåren")
    page.get_by_role("button", name="Lägg upp mötet").click()
    expect(page.get_by_text("Mötet är upplagt")).to_be_visible()
    meeting = Meeting.objects.exclude(pk=later.pk).get()
    for title, kind in (("Projektdirektiv Leva-metoden", "Beslut"), ("Designstudio stöd och behandling", "Beslut")):
        page.locator("#id_title").fill(title)
        page.locator("#id_kind").select_option(label=kind)
        page.get_by_role("button", name="Lägg till punkten").click()
    expect(page.get_by_test_id("agenda")).to_contain_text("Designstudio stöd och behandling")
    directive, design = AgendaItem.objects.filter(meeting=meeting).order_by("number")

    # The meeting is held; the minutes get a decision, an assignment and a carried item.
    page.get_by_role("button", name="Mötet är hållet – skriv protokoll").click()
    expect(page.get_by_test_id("no-patient-data")).to_contain_text("Skriv aldrig något om en enskild patient")
    page.locator(f"#punkt-{directive.pk} summary", has_text="Skriv i protokollet").click()
    page.locator(f"#decision-{directive.pk}").fill("Styrgrupp nära vård beslutar att fastställa projektdirektivet.")
    page.locator(f"#punkt-{directive.pk}").get_by_role("button", name="Lägg till beslutet").click()
    expect(page.get_by_test_id("decision")).to_contain_text(f"§ 1/{start.year}")
    page.locator(f"#punkt-{directive.pk} summary", has_text="Skriv i protokollet").click()
    page.locator(f"#what-{directive.pk}").fill("Ta fram en plan för införandet per verksamhetsområde.")
    page.locator(f"#who-{directive.pk}").select_option(label="Roger Nilsson")
    page.locator(f"#due-{directive.pk}").fill((start + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.locator(f"#punkt-{directive.pk}").get_by_role("button", name="Lägg till uppdraget").click()
    expect(page.get_by_test_id("assignment")).to_contain_text("Roger Nilsson")
    page.locator(f"#punkt-{design.pk} summary", has_text="Skriv i protokollet").click()
    page.locator(f"#punkt-{design.pk}").get_by_role("button", name="Flytta till det mötet").click()
    expect(page.locator(f"#punkt-{design.pk}")).to_contain_text("Tas upp vid mötet")
    page.get_by_role("checkbox", name="Martin Myrskog").check()
    page.get_by_role("checkbox", name="Roger Nilsson").check()
    page.get_by_role("button", name="Utse justerarna").click()
    log_out(page)

    # Two approvers approve, each with their own login; then the minutes are locked.
    for username in ("martin", "roger"):
        log_in(page, username)
        page.goto(f"/forum/mote/{meeting.pk}/")
        page.get_by_role("button", name="Jag justerar protokollet").click()
        expect(page.get_by_text("Du har justerat protokollet.")).to_be_visible()
        log_out(page)

    # The secretary sees the lock (no editing left) and publishes.
    log_in(page, "therese")
    page.goto(f"/forum/mote/{meeting.pk}/")
    expect(page.get_by_test_id("minutes-state")).to_have_text("Protokollet är justerat och låst")
    expect(page.get_by_role("button", name="Lägg till punkten")).to_have_count(0)
    page.get_by_role("button", name="Publicera protokollet (även på den offentliga sidan)").click()
    expect(page.get_by_test_id("minutes-state")).to_have_text("Protokollet är justerat och publicerat")

    # The carried item is on the next meeting's agenda, linked back.
    page.goto(f"/forum/mote/{later.pk}/")
    expect(page.get_by_test_id("agenda")).to_contain_text("Designstudio stöd och behandling")
    expect(page.get_by_test_id("agenda")).to_contain_text("Från mötet")
    log_out(page)

    # The assignment is on its owner's list.
    log_in(page, "roger")
    page.goto("/forum/uppdrag/")
    expect(page.get_by_test_id("assignments")).to_contain_text("Ta fram en plan för införandet")
    log_out(page)

    # An anonymous visitor reads the minutes on the public page.
    visitor = browser.new_context(base_url=live_server.url, locale="sv-SE").new_page()
    visitor.goto(f"/offentligt/forum/{world.forum.pk}/")
    visitor.get_by_role("link", name=f"Protokoll {timezone.localtime(meeting.starts_at):%-d}").click()
    expect(visitor.get_by_test_id("public-items")).to_contain_text(
        "Styrgrupp nära vård beslutar att fastställa projektdirektivet.")
    visitor.context.close()
