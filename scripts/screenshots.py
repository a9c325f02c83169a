"""Take screenshots of the main pages of the running demo (`make run`), to look at them.

    .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]

It reads the demo database to pick patients, so run it from the checkout that serves the demo.
"""

import os
import sys
from pathlib import Path

import django
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django.setup()

from core.models import CareRelation, Patient  # noqa: E402

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
PASSWORD = "Samverkan-demo-2026"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def login(page, username):
    page.goto(f"{BASE}/logga-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button.primary")


def choose_unit(page, label=None):
    """After login, a user with several units picks one: the first, or the one whose label has `label`."""
    if page.locator("input[name=membership]").count():
        (page.get_by_label(label, exact=False) if label else page.locator("input[name=membership] >> nth=0")).check()
        page.click("#main button.primary")


def logout(page):
    page.goto(f"{BASE}/")
    page.click("header button")


def shoot(page, name, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def search(page, number):
    page.goto(f"{BASE}/patienter/")
    page.fill("#id_personal_number", number)
    page.click("#main button.primary")


def main():
    OUT.mkdir(exist_ok=True)
    related = CareRelation.objects.filter(unit__hsa_id="SE2321000032-1101").select_related("patient").first().patient
    unrelated = Patient.objects.filter(is_demo=True, care_relations__isnull=True, protected_identity=False).first()
    protected = Patient.objects.filter(is_demo=True, protected_identity=True).first()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{BASE}/logga-in/")
        shoot(page, "01-login")
        login(page, "sjukskoterska")
        shoot(page, "02-choose-unit")
        page.check("input[name=membership] >> nth=0")
        page.click("#main button.primary")
        shoot(page, "03-home")
        shoot(page, "03b-home-tablet", width=800)
        search(page, "19121212-1213")
        shoot(page, "04-search-bad-number")
        search(page, unrelated.formatted_personal_number)
        shoot(page, "05-search-no-relation")
        search(page, protected.formatted_personal_number)
        shoot(page, "05b-search-protected")
        page.goto(f"{BASE}/patienter/{related.pk}/")
        shoot(page, "06-patient-detail")
        page.goto(f"{BASE}/patienter/{unrelated.pk}/")
        shoot(page, "07-patient-404")
        page.goto(f"{BASE}/patienter/{unrelated.pk}/nodatkomst/")
        shoot(page, "08-emergency-form")
        page.goto(f"{BASE}/patienter/ny/")
        page.click("#main button.primary")
        shoot(page, "09-register-empty-submit")
        page.goto(f"{BASE}/utskrivning/?lista=all_open")
        shoot(page, "20-discharge-worklist")
        page.goto(f"{BASE}/")
        shoot(page, "21-home-with-counters")
        page.goto(f"{BASE}/utskrivning/?lista=all_open")
        page.click("[data-testid=worklist] tbody tr:first-child a")
        shoot(page, "22-discharge-case")
        page.click("a[data-testid=action-dialog]")
        page.click("[data-testid=action-dialog] button")
        shoot(page, "23-discharge-case-empty-message")
        logout(page)
        login(page, "admin")
        page.goto(f"{BASE}/administration/")
        shoot(page, "10-admin-home")
        page.goto(f"{BASE}/administration/loggutdrag/{related.pk}/")
        shoot(page, "11-admin-extract")
        page.goto(f"{BASE}/administration/nodatkomst/")
        shoot(page, "12-emergency-report")
        page.goto(f"{BASE}/administration/api-nycklar/")
        shoot(page, "13-api-keys")
        page.goto(f"{BASE}/administration/register/core/membership/")
        shoot(page, "14-register-memberships")
        page.goto(f"{BASE}/api/v1/docs")
        page.wait_for_timeout(1500)
        shoot(page, "15-api-docs")
        logout(page)
        meetings_pages(page)
        conference_pages(page)
        login(page, "invanare")
        shoot(page, "16-portal-home")
        page.goto(f"{BASE}/mina-sidor/besok/")
        shoot(page, "31-portal-visits")
        page.goto(f"{BASE}/mina-sidor/sip/")
        shoot(page, "42-portal-sip")
        page.goto(f"{BASE}/mina-sidor/avgifter/")
        shoot(page, "43-portal-fees")
        page.goto(f"{BASE}/mina-sidor/besok/")
        page.click("[data-testid=portal-visits] tbody tr:first-child a")
        shoot(page, "32-portal-join")
        page.goto(f"{BASE}/mina-sidor/logg/")
        shoot(page, "17-portal-access-log")
        shoot(page, "17b-portal-access-log-tablet", width=800)
        browser.close()


def meetings_pages(page):
    """The calendar of Vårdcentralen Centrum Lund as its physician sees it."""
    from datetime import timedelta

    from django.utils import timezone

    from meetings.models import Booking

    upcoming = Booking.objects.filter(unit__hsa_id="SE2321000032-2001", status="booked",
                                      starts_at__gt=timezone.now() + timedelta(days=1)).order_by("starts_at").first()
    soon = Booking.objects.filter(patient__resident_account__username="invanare", form="video", status="booked").first()
    login(page, "vc-lakare")
    page.goto(f"{BASE}/kalender/?dag={timezone.localdate(upcoming.starts_at)}")
    shoot(page, "30-calendar-day")
    page.goto(f"{BASE}/besok/{upcoming.pk}/")
    shoot(page, "33-booking")
    page.goto(f"{BASE}/kalender/boka/{upcoming.patient_id}/")
    page.click("#main form.narrow button.primary")
    shoot(page, "34-book-empty-submit")
    from meetings.models import VisitKind

    kind = VisitKind.objects.get(region__county_code="12", key="lakarbesok")
    page.goto(f"{BASE}/kalender/boka/{upcoming.patient_id}/?besokstyp={kind.pk}")
    shoot(page, "36-book-free-slots")
    page.goto(f"{BASE}/kalender/tider/")
    shoot(page, "37-slots")
    if soon:
        page.goto(f"{BASE}/besok/{soon.pk}/anslut/")
        shoot(page, "35-staff-join")
    logout(page)
    from meetings.models import SipPlan

    login(page, "distriktsskoterska")
    choose_unit(page)
    page.goto(f"{BASE}/sip/")
    shoot(page, "40-sip-list")
    page.goto(f"{BASE}/konferenser/")
    shoot(page, "44-conferences-empty")
    plan = SipPlan.objects.first()
    if plan:
        page.goto(f"{BASE}/sip/{plan.pk}/")
        shoot(page, "41-sip-plan")
    logout(page)


def conference_pages(page):
    """The lung-cancer conference as its chair (the demo physician, acting for the owning unit) sees it."""
    from meetings.models import ConferenceSession

    login(page, "koordinator")
    page.goto(f"{BASE}/vardmoten/uppfoljning/")
    shoot(page, "47-meetings-followup")
    logout(page)
    login(page, "lakare")
    choose_unit(page, "Lungmedicin")
    page.goto(f"{BASE}/konferenser/")
    shoot(page, "45-conferences")
    held = ConferenceSession.objects.filter(held=True).first()
    if held:
        page.goto(f"{BASE}/konferenser/tillfalle/{held.pk}/")
        shoot(page, "46-conference-session")
    logout(page)


def settings_pages(page):
    """The meetings settings: the region's fees as its finance staff see them, a unit's booking
    rules as its coordinator sees them, and a new conference as the owning unit sets it up."""
    from fees.models import FeeSchedule
    from meetings.models import ConferenceSeries

    login(page, "analytiker")
    page.goto(f"{BASE}/vardmoten/installningar/")
    shoot(page, "48-meetings-settings")
    schedule = FeeSchedule.objects.filter(region__county_code="12").first()
    page.goto(f"{BASE}/vardmoten/installningar/avgifter/{schedule.year}/")
    shoot(page, "49-fee-schedule")
    page.fill("input[name=fee_lakarbesok_video]", "")
    page.click("#main button.primary")
    shoot(page, "50-fee-schedule-missing-fee")
    page.goto(f"{BASE}/vardmoten/installningar/besokstyper/ny/")
    shoot(page, "51-visit-kind-new")
    logout(page)
    login(page, "distriktsskoterska")
    choose_unit(page)
    page.goto(f"{BASE}/vardmoten/installningar/bokningsregler/")
    shoot(page, "52-booking-rules")
    logout(page)
    login(page, "lakare")
    choose_unit(page, "Lungmedicin")
    page.goto(f"{BASE}/konferenser/ny/")
    shoot(page, "53-conference-series-new")
    series = ConferenceSeries.objects.first()
    page.goto(f"{BASE}/konferenser/{series.pk}/nytt-tillfalle/")
    shoot(page, "54-conference-session-new")
    logout(page)


if __name__ == "__main__":
    main()
