"""Login with e-ID in the browser: the login page's buttons lead to a real OpenID provider (panva's
oidc-provider, started by the test setup), whose own login and consent pages are filled in."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.models import AuditEvent, Patient
from core.tests.factories import PASSWORD, make_staff, make_unit, make_user
from tests.oidc.provider import NEW_RESIDENT_NUMBER, STAFF_HSA_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_at_provider(page, login):
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("vilket-som-helst")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_staff_member_logs_in_with_siths_and_lands_on_the_start_page_acting_for_their_unit(page, eid_login_enabled):
    unit = make_unit(name="Avdelning 5 Geriatrik")
    make_staff(user=make_user(username="anna.lind", first_name="Anna", last_name="Lind", hsa_id=STAFF_HSA_ID),
               unit=unit)

    page.goto("/logga-in/")
    page.get_by_role("link", name="Logga in med SITHS-kort (personal)").click()
    assert page.url.startswith(eid_login_enabled)
    log_in_at_provider(page, "anna")

    expect(page.get_by_test_id("acting-unit")).to_contain_text("Avdelning 5 Geriatrik")
    assert urlsplit(page.url).path == "/"
    assert AuditEvent.objects.filter(action="login.eid", username="anna.lind").exists()


def test_resident_without_a_record_logs_in_with_bankid_gets_a_record_and_lands_on_mina_sidor(page, eid_login_enabled):
    page.goto("/logga-in/")
    page.get_by_role("link", name="Logga in med BankID/Freja (invånare)").click()
    log_in_at_provider(page, "nils")

    expect(page.get_by_role("heading", name="Välkommen, Nils")).to_be_visible()
    assert page.url.endswith("/mina-sidor/")
    assert Patient.objects.filter(personal_number=NEW_RESIDENT_NUMBER, last_name="Nyberg").exists()


def test_an_unknown_hsa_id_gets_the_refusal_page(page, eid_login_enabled):
    page.goto("/logga-in/")
    page.get_by_role("link", name="Logga in med SITHS-kort (personal)").click()
    log_in_at_provider(page, "okand")

    expect(page.get_by_role("heading", name="Du kan inte logga in")).to_be_visible()
    expect(page.get_by_test_id("eid-refusal")).to_contain_text("inte kopplat till något konto")
    page.goto("/")
    expect(page.get_by_role("heading", name="Logga in i Samverkan")).to_be_visible()


def test_with_password_login_off_the_page_shows_only_the_e_id_buttons_and_a_password_post_is_refused(
        page, eid_login_enabled, settings):
    make_user(username="sara")
    # A page loaded while password login was on (so with a valid CSRF token) ...
    page.goto("/logga-in/")
    page.get_by_label("Användarnamn").fill("sara")
    page.get_by_label("Lösenord").fill(PASSWORD)
    settings.PASSWORD_LOGIN_ENABLED = False

    # ... is refused once it is off, with the right password.
    page.locator("#main").get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Inloggning med lösenord är avstängd")
    page.goto("/")
    expect(page.get_by_role("heading", name="Logga in i Samverkan")).to_be_visible()

    page.goto("/logga-in/")
    expect(page.get_by_role("link", name="Logga in med SITHS-kort (personal)")).to_be_visible()
    expect(page.get_by_role("link", name="Logga in med BankID/Freja (invånare)")).to_be_visible()
    expect(page.get_by_label("Lösenord")).to_have_count(0)
    expect(page.get_by_label("Användarnamn")).to_have_count(0)
