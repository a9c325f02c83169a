"""A video visit in a real browser: a nurse books it from the patient's page, the patient finds it
in Mina sidor and reaches the open video room, the physician registers the outcome, and the fee
appears on the visit and in the patient's fee page."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.actor import Actor
from core.models import Unit
from core.tests.factories import make_care_relation, make_patient, make_region, make_staff, make_unit, make_user
from meetings.models import Booking, VisitKind
from fees.tests.factories import make_fee_schedule
from tests.browser.helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def test_book_join_register_and_pay(page):
    region = make_region()
    clinic = make_unit(region, name="Vårdcentralen Norr", kind=Unit.Kind.PRIMARY_CARE)
    nurse = make_staff(user=make_user("sjukskoterskan", first_name="Sara", last_name="Lind"), unit=clinic)
    make_staff(user=make_user("doktorn", first_name="Ali", last_name="Hassan"), unit=clinic, profession="lakare")
    VisitKind.objects.create(region=region, key="lakarbesok", name="Läkarbesök", minutes=30, suits_video=True)
    make_fee_schedule(region, timezone.localdate().year)
    patient = make_patient(birth=date(1970, 6, 15), first_name="Greta", last_name="Testsson")
    make_care_relation(Actor.for_membership(nurse), patient)
    make_user("greta", patient=patient, first_name="Greta", last_name="Testsson")

    # The nurse books a video visit ten minutes ahead, from the patient's page.
    log_in(page, "sjukskoterskan")
    page.goto(f"/patienter/{patient.pk}/")
    page.get_by_role("link", name="Boka besök").click()
    page.get_by_label("Hos").select_option(label="Ali Hassan")
    page.locator("#id_visit_kind").select_option(label="Läkarbesök")
    page.get_by_label("Video").check()
    starts = timezone.localtime() + timedelta(minutes=10)
    page.get_by_label("Tid").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Boka", exact=True).click()
    expect(page.get_by_text("Besöket är bokat")).to_be_visible()
    expect(page.get_by_test_id("calendar-day")).to_contain_text("Greta Testsson")
    booking = Booking.objects.get()
    log_out(page)

    # The patient finds it in Mina sidor; the room is open, with a camera and microphone check.
    log_in(page, "greta")
    page.get_by_role("link", name="Mina besök").first.click()
    page.get_by_test_id("portal-visits").get_by_role("link", name="Anslut").click()
    expect(page.get_by_test_id("join-button")).to_have_attribute("href", f"https://meet.jit.si/{booking.room}"
                                                                  "#userInfo.displayName=%22Patient%22")
    expect(page.locator('[data-check="browser"]')).to_contain_text("fungerar för videobesök")
    log_out(page)

    # After the visit the physician registers it; the fee follows the region's schedule.
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(minutes=30),
                                                 ends_at=timezone.now() - timedelta(minutes=1))
    log_in(page, "doktorn")
    page.goto(f"/besok/{booking.pk}/")
    page.get_by_label("Genomfört").check()
    page.get_by_role("button", name="Registrera").click()
    expect(page.get_by_text("Utfallet är registrerat")).to_be_visible()
    expect(page.get_by_test_id("booking-charge")).to_contain_text("Avgift: 300 kr")
    log_out(page)

    log_in(page, "greta")
    page.get_by_role("link", name="Mina avgifter").first.click()
    expect(page.get_by_test_id("fee-standing")).to_contain_text("300 kr")
    expect(page.get_by_test_id("portal-charges")).to_contain_text("Läkarbesök, Vårdcentralen Norr")
