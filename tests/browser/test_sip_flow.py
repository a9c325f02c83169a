"""A SIP in a real browser with participants from the region and the municipality: the district
nurse starts the plan with the person's consent and invites the municipality's home care, recording
the person's consent to the municipality; the home-care nurse sees the invitation (not the person),
accepts it, adds her effort and fixes the plan; the person reads it in Mina sidor."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.actor import Actor
from core.models import Unit
from core.tests.factories import (
    make_care_relation, make_municipality, make_patient, make_region, make_staff, make_unit, make_user,
)
from tests.browser.helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_plan_across_region_and_municipality(page):
    region = make_region()
    clinic = make_unit(region, name="Vårdcentralen Norr", kind=Unit.Kind.PRIMARY_CARE)
    home_care = make_unit(make_municipality(), name="Hemsjukvården Lund", kind=Unit.Kind.HOME_CARE)
    nurse = make_staff(user=make_user("distrikt", first_name="Karin", last_name="Åberg"), unit=clinic,
                       roles=("clinical", "coordinator"), profession="distriktsskoterska")
    make_staff(user=make_user("hemsjuk", first_name="Lena", last_name="Mårtensson"), unit=home_care)
    patient = make_patient(birth=date(1948, 3, 2), first_name="Greta", last_name="Testsson")
    make_care_relation(Actor.for_membership(nurse), patient)
    make_user("greta", patient=patient)

    log_in(page, "distrikt")
    page.goto(f"/patienter/{patient.pk}/")
    page.get_by_role("link", name="Ny SIP").click()
    page.get_by_label("Personen samtycker").check()
    page.get_by_label("Personens egna mål").fill("Bo kvar hemma")
    page.get_by_label("Uppföljning senast").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Påbörja planen").click()
    expect(page.get_by_text("Planen är påbörjad")).to_be_visible()
    page.get_by_text("Lägg till deltagare", exact=True).click()
    page.get_by_label("Namn").fill("Lena Mårtensson")
    page.get_by_label("Roll").fill("Sjuksköterska i hemsjukvården")
    page.get_by_label("Enhet (för personal)").select_option(label="Hemsjukvården Lund (Lunds kommun)")
    page.get_by_role("button", name="Lägg till").first.click()
    expect(page.get_by_text("samtycke omfattar inte Lunds kommun")).to_be_visible()
    page.get_by_label("Personen samtycker till att enhetens organisation deltar").check()
    page.get_by_role("button", name="Lägg till").first.click()
    expect(page.get_by_text("Hemsjukvården Lund är inbjuden")).to_be_visible()
    expect(page.get_by_test_id("sip-participants")).to_contain_text("inbjuden, väntar på svar")
    expect(page.get_by_test_id("sip-consents")).to_contain_text("Lunds kommun")
    log_out(page)

    log_in(page, "hemsjuk")
    page.get_by_role("link", name="SIP").click()
    invitation = page.get_by_test_id("sip-invitation")
    expect(invitation).to_contain_text("Karin Åberg, Vårdcentralen Norr")
    expect(page.get_by_test_id("sip-invitations")).not_to_contain_text("Greta")
    invitation.get_by_role("button", name="Tacka ja").click()
    expect(page.get_by_text("Din enhet deltar nu i")).to_be_visible()
    page.get_by_role("link", name="SIP").click()
    page.get_by_test_id("sip-list").get_by_role("link", name="Greta Testsson").click()
    page.get_by_text("Lägg till insats", exact=True).click()
    page.get_by_label("Utförs av").select_option(label="Hemsjukvården Lund (Lunds kommun)")
    page.locator("#id_effort-description").fill("Såromläggning två gånger i veckan")
    page.get_by_role("button", name="Lägg till").last.click()
    expect(page.get_by_test_id("sip-efforts")).to_contain_text("Såromläggning")
    page.get_by_label("Anledning").fill("Första planen")
    page.get_by_role("button", name="Fastställ planen").click()
    expect(page.get_by_test_id("sip-versions")).to_contain_text("Version 1: Första planen")
    log_out(page)

    log_in(page, "greta")
    page.get_by_role("link", name="Min plan").first.click()
    expect(page.get_by_test_id("portal-sip")).to_contain_text("Såromläggning två gånger i veckan")
    expect(page.get_by_test_id("portal-sip")).to_contain_text("Bo kvar hemma")
