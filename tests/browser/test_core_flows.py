from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent, CareRelation
from core.tests.factories import make_patient, make_resident, make_staff, make_unit, make_user
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def search(page, number):
    page.goto("/patienter/")
    page.get_by_label("Personnummer eller samordningsnummer").fill(number)
    page.locator("#main").get_by_role("button", name="Sök").click()


def test_nurse_switches_unit_searches_is_refused_then_uses_emergency_access(page):
    ward_1, ward_2 = make_unit(name="Avdelning 1 Geriatrik"), make_unit(name="Avdelning 2 Ortopedi")
    nurse = make_user(username="sara", first_name="Sara", last_name="Lind")
    make_staff(user=nurse, unit=ward_1, roles=["clinical"])
    make_staff(user=nurse, unit=ward_2, roles=["clinical"])
    in_care = make_patient(first_name="Ingrid", last_name="Holm")
    stranger = make_patient(first_name="Olof", last_name="Ek")
    CareRelation.objects.create(patient=in_care, unit=ward_2, reason="Inskriven på avdelningen", created_by=nurse)

    log_in(page, "sara")
    expect(page.get_by_role("heading", name="Vilken enhet arbetar du för nu?")).to_be_visible()
    page.get_by_label("Avdelning 1 Geriatrik").check()
    page.get_by_role("button", name="Arbeta för vald enhet").click()
    expect(page.get_by_test_id("acting-unit")).to_contain_text("Avdelning 1 Geriatrik")

    # Ward 1 has no relation to Ingrid: she is found, but cannot be opened.
    page.goto("/patienter/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Personnummer eller samordningsnummer").fill(in_care.formatted_personal_number)
    page.locator("#main").get_by_role("button", name="Sök").click()
    expect(page.get_by_test_id("search-results")).to_contain_text("Ingrid Holm")
    # htmx swapped the results into the page instead of loading a new one.
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_text("Ingen vårdrelation för din enhet.")).to_be_visible()
    response = page.goto(f"/patienter/{in_care.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Sidan finns inte")).to_be_visible()

    # Switching to ward 2, the relation opens her record.
    page.get_by_role("link", name="Byt enhet").click()
    page.get_by_label("Avdelning 2 Ortopedi").check()
    page.get_by_role("button", name="Arbeta för vald enhet").click()
    expect(page.get_by_test_id("acting-unit")).to_contain_text("Avdelning 2 Ortopedi")
    search(page, in_care.personal_number)
    page.get_by_role("link", name="Öppna").click()
    expect(page.get_by_role("heading", name="Ingrid Holm")).to_be_visible()

    # No relation to Olof anywhere: emergency access with a stated reason.
    search(page, stranger.formatted_personal_number)
    page.get_by_role("link", name="Nödåtkomst…").click()
    page.get_by_label("Skäl till nödåtkomst").fill("kort")
    page.get_by_role("button", name="Öppna med nödåtkomst").click()
    expect(page.get_by_text("Beskriv skälet med minst 10 tecken.")).to_be_visible()
    page.get_by_label("Skäl till nödåtkomst").fill("Medvetslös på akuten, behöver läkemedelslistan")
    page.get_by_role("button", name="Öppna med nödåtkomst").click()
    expect(page.get_by_role("heading", name="Olof Ek")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Nödåtkomst.")

    read = AuditEvent.objects.get(patient=stranger, action="patient.read")
    assert read.basis == "emergency" and read.unit == ward_2


def test_wrong_password_five_times_locks_the_login(page):
    make_user(username="per")
    for _ in range(5):
        page.goto("/logga-in/")
        page.get_by_label("Användarnamn").fill("per")
        page.get_by_label("Lösenord").fill("fel")
        page.locator("#main").get_by_role("button", name="Logga in").click()
    log_in(page, "per")
    expect(page.get_by_role("alert")).to_contain_text("För många misslyckade inloggningsförsök")


def test_admin_and_resident_read_the_same_access_log(page):
    resident = make_resident(username="greta", patient=make_patient(first_name="Greta", last_name="Berg"))
    ward = make_unit(name="Avdelning 3 Internmedicin")
    nurse = make_staff(unit=ward, roles=["clinical"])
    CareRelation.objects.create(patient=resident.patient, unit=ward, reason="Inskriven", created_by=nurse.user)
    from core.actor import Actor
    from core.queries import open_patient

    open_patient(Actor.for_membership(nurse), resident.patient.pk, endpoint="core:patient_detail")
    make_staff(user=make_user(username="admin"), unit=make_unit(name="Regionkansliet"), roles=["system_admin"])

    log_in(page, "admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Loggutdrag").click()
    page.get_by_label("Personnummer eller samordningsnummer").fill(resident.patient.formatted_personal_number)
    page.get_by_label("Från och med").fill((timezone.localdate() - timedelta(days=7)).isoformat())
    page.get_by_label("Till och med").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Visa loggutdrag").click()
    log = page.get_by_test_id("access-log")
    expect(log).to_contain_text("Avdelning 3 Internmedicin")
    expect(log).to_contain_text("Öppnade patientuppgifter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.locator("header").get_by_role("button", name="Logga ut").click()

    log_in(page, "greta")
    expect(page.get_by_role("heading", name="Välkommen, Greta")).to_be_visible()
    page.get_by_role("link", name="Vem har läst mina uppgifter?").first.click()
    log = page.get_by_test_id("access-log")
    expect(log).to_contain_text("Avdelning 3 Internmedicin")
    # The admin's extract is itself a logged access the resident can see.
    expect(log).to_contain_text("Tog ut loggutdrag")
