"""The whole discharge flow in a real browser: a ward nurse, a needs assessor and a primary-care
care contact as three users, through to discharge; then the region's invoice basis, the
municipality's dispute and the region's answer."""

from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from core.models import CareRelation, Unit
from core.tests.factories import (
    make_municipality, make_patient, make_region, make_staff, make_unit, make_user,
)
from discharge.models import Agreement, AgreementCareTypeRule, AgreementDailyAmount
from tests.browser.helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def act(page, key, **fields):
    """Open an action's form on the case page (a link that loads it), fill its fields by name and send it."""
    page.locator(f"a[data-testid=action-{key}]").click()
    panel = page.locator(f"details[data-testid=action-{key}]")
    for name, value in fields.items():
        field = panel.locator(f"[name={name}]")
        if field.first.get_attribute("type") == "radio":
            panel.locator(f"[name={name}][value={value}]").check()
        else:
            field.fill(value)
    panel.locator("button[type=submit]").click()


@pytest.fixture
def world():
    region = make_region()
    municipality = make_municipality(code="1281", name="Lunds kommun")
    ward = make_unit(region, name="Avdelning 7 Medicin", kind=Unit.Kind.WARD)
    primary = make_unit(region, name="Vårdcentralen Centrum", kind=Unit.Kind.PRIMARY_CARE)
    needs = make_unit(municipality, name="Biståndshandläggning Lund", kind=Unit.Kind.NEEDS_ASSESSMENT)
    office = make_unit(region, name="Regionkansliet", kind=Unit.Kind.ADMINISTRATION)
    people = {}
    for username, unit, roles in [("sara", ward, ["clinical", "coordinator"]), ("maria", needs, ["coordinator"]),
                                  ("karin", primary, ["clinical", "coordinator"]), ("astrid", office, ["finance"]),
                                  ("eva", needs, ["finance"])]:
        people[username] = make_staff(user=make_user(username=username), unit=unit, roles=roles)
    patient = make_patient(first_name="Ingrid", last_name="Holm")
    CareRelation.objects.create(patient=patient, unit=ward, reason="Inskriven", created_by=people["sara"].user)
    agreement = Agreement.objects.create(region=region, name="Avtal Skåne", model="individual", day_break=time(12, 0),
                                         admission_notice_max_hours=24, valid_from=date(2020, 1, 1))
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="somatic", free_days=3)
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="psychiatric", free_days=30)
    last_month = date.today().replace(day=1) - timedelta(days=1)
    AgreementDailyAmount.objects.create(agreement=agreement, year=last_month.year, amount_sek=9300)
    return {"patient": patient, "municipality": municipality, "primary": primary,
            "month": last_month.replace(day=1)}


def test_three_parties_take_a_case_to_discharge_and_the_municipality_disputes_the_invoice(page, world):
    first = world["month"]

    def when(day, hour):
        return f"{first.replace(day=day):%Y-%m-%d}T{hour:02d}:00"

    # The ward nurse opens the case and sends the admission notice.
    log_in(page, "sara")
    page.goto(f"/utskrivning/nytt/{world['patient'].pk}/")
    page.locator("[name=admitted_at]").fill(when(1, 8))
    page.locator("[name=municipality]").select_option(str(world["municipality"].pk))
    page.locator("[name=primary_care]").select_option(str(world["primary"].pk))
    page.locator("#main button[type=submit]").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Pågående")
    case_url = page.url
    # Discharge before the patient is medically ready is not on offer.
    expect(page.get_by_test_id("action-discharge_notice")).to_have_count(0)
    act(page, "admission_notice", at=when(1, 10))
    expect(page.get_by_test_id("timeline")).to_contain_text("Inskrivningsmeddelande")
    log_out(page)

    # The needs assessor finds it in the worklist and commits to help.
    log_in(page, "maria")
    page.goto("/utskrivning/?lista=act_on")
    page.get_by_test_id("worklist").get_by_role("link", name="Ingrid Holm").click()
    act(page, "commitment", provides="yes", description="Hemtjänst morgon och kväll")
    expect(page.get_by_test_id("timeline")).to_contain_text("Hemtjänst morgon och kväll")
    log_out(page)

    # Primary care names the care contact.
    log_in(page, "karin")
    page.goto(case_url)
    act(page, "care_contact", name="Karin Åberg, distriktssköterska")
    expect(page.get_by_test_id("timeline")).to_contain_text("Karin Åberg")
    log_out(page)

    # The ward: medically ready on day 3 at 10:00 (before the 12:00 day break), discharged day 12.
    log_in(page, "sara")
    page.goto(case_url)
    act(page, "ready_notice", judged_by="Dr Per Holm", at=when(3, 10))
    act(page, "discharge_notice", at=when(12, 10))
    expect(page.get_by_test_id("case-status")).to_have_text("Utskriven")
    log_out(page)

    # The region's basis: day 0 = day 3, 3 free days, liable days 6..11 = 6 days x 9 300 kr.
    log_in(page, "astrid")
    page.goto(f"/utskrivning/fakturaunderlag/?manad={first:%Y-%m}")
    expect(page.get_by_test_id("basis-overview")).to_contain_text("55\u00a0800\u00a0kr")
    log_out(page)

    # The municipality disputes the line.
    log_in(page, "eva")
    page.get_by_role("link", name="Fakturaunderlag", exact=True).click()  # the menu, not the start page panel
    expect(page.get_by_test_id("basis-final")).to_have_text("55\u00a0800\u00a0kr")
    page.get_by_test_id("basis-cases").get_by_role("link").first.click()
    expect(page.get_by_test_id("explanation")).to_contain_text("före dygnsbrytet 12:00")
    page.get_by_label("Varför bestrids raden?").fill("Vårdkontakten utsågs först vid utskrivningen.")
    page.get_by_role("button", name="Bestrid raden").click()
    expect(page.get_by_test_id("dispute")).to_contain_text("väntar på svar")
    log_out(page)

    # The region accepts: the line is credited and nothing is left to pay.
    log_in(page, "astrid")
    page.goto(f"/utskrivning/fakturaunderlag/?manad={first:%Y-%m}")
    page.get_by_role("link", name="Lunds kommun").click()
    page.get_by_test_id("basis-cases").get_by_role("link").first.click()
    page.get_by_label("Godta – kreditera beloppet").check()
    page.get_by_role("button", name="Skicka svar").click()
    expect(page.get_by_test_id("dispute")).to_contain_text("Godtagen")
    page.get_by_role("link", name=f"Fakturaunderlag {first:%Y-%m}: Lunds kommun").click()
    expect(page.get_by_test_id("basis-final")).to_have_text("0\u00a0kr")
