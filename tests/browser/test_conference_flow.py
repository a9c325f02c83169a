"""A clinical remote case conference in a real browser: a lung clinic in Blekinge registers a case
to Skåne's conference, the chair writes the recommendation at the session, and the referring
physician reads the answer."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ConferenceSession
from meetings.tests.factories_conference import make_conference
from tests.browser.helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_answer_and_read(page):
    mdk = make_conference()
    log_in(page, mdk["referrer"].user.username)
    page.goto(f"/patienter/{mdk['patient'].pk}/")
    page.get_by_role("link", name="Anmäl till konferens").click()
    page.get_by_label("Konferenstillfälle").select_option(index=1)
    page.get_by_label("Frågeställning").fill("Operabel tumör i höger överlob?")
    page.get_by_label("Patientens samtycke").check()
    page.get_by_role("button", name="Anmäl fallet").click()
    expect(page.get_by_text("Fallet är anmält")).to_be_visible()
    expect(page.get_by_test_id("conference-case")).to_contain_text("Operabel tumör")
    log_out(page)

    # The session starts.
    ConferenceSession.objects.filter(pk=mdk["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=10))
    log_in(page, mdk["chair"].user.username)
    page.goto(f"/konferenser/tillfalle/{mdk['session'].pk}/")
    page.get_by_label("Rekommendation för utredning och behandling").fill("PET-DT, därefter lobektomi.")
    page.get_by_label("Informerar patienten").fill("Remitterande läkare")
    page.get_by_role("button", name="Spara rekommendationen").click()
    expect(page.get_by_text("Rekommendationen är sparad")).to_be_visible()
    log_out(page)

    log_in(page, mdk["referrer"].user.username)
    page.get_by_role("link", name="Konferenser").click()
    page.get_by_test_id("conference-sessions").get_by_role("link").first.click()
    expect(page.get_by_test_id("conference-answer")).to_contain_text("PET-DT, därefter lobektomi.")
