"""Chromium enforces the Content-Security-Policy: the main pages of each kind of user, with their
charts, scripts and the API documentation, load without one refusal on the console (the `page`
fixture fails a test on any)."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core.management.commands.seed_demo import DEMO_PASSWORD
from fees.tests.factories import load_national_prisbasbelopp
from meetings.models import Booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "admin": ["/", "/administration/", "/administration/register/", "/administration/api-nycklar/",
              "/api/v1/docs"],
    "analytiker": ["/utskrivning/uppfoljning/", "/vardmoten/uppfoljning/", "/utskrivning/fakturaunderlag/"],
    "koordinator": ["/utskrivning/?lista=all_open", "/kalender/", "/patienter/", "/konferenser/", "/sip/"],
    "ordforande": ["/forum/", "/forum/mal/", "/forum/uppdrag/", "/forum/sok/?q=utskrivningsklara"],
    "invanare": ["/mina-sidor/", "/mina-sidor/besok/", "/mina-sidor/avgifter/"],
}


def log_in(page, username):
    page.goto("/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.locator("#main").get_by_role("button", name="Logga in").click()
    expect(page.locator("header").get_by_role("button", name="Logga ut")).to_be_visible()


def test_the_main_pages_load_without_a_content_security_policy_refusal(page):
    # A transactional test before this one emptied the tables, the migration's prisbasbelopp too.
    load_national_prisbasbelopp()
    for command in ("seed_demo", "seed_discharge_demo", "seed_meetings_demo", "seed_contact_demo", "seed_forums_demo"):
        call_command(command, stdout=io.StringIO())
    video = Booking.objects.filter(patient__resident_account__username="invanare", form="video",
                                   status="booked").first()
    for username, paths in PAGES.items():
        log_in(page, username)
        if username == "invanare":  # the join page runs its own script (the camera check)
            paths = [*paths, f"/mina-sidor/besok/{video.pk}/anslut/"]
        for path in paths:
            response = page.goto(path)
            assert response.status < 400, path
            page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
