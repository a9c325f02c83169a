"""Login with e-ID through OpenID Connect, against a real OpenID provider (tests/oidc): Django's test
client plays our side, `requests` plays the browser at the provider and fills in its own login and
consent forms. Nothing of the protocol is mocked."""

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from core.eid import LOGIN_METHOD_KEY
from core.models import AuditEvent, Patient, User
from core.tests.factories import make_patient, make_staff, make_unit, make_user
from tests.oidc.provider import (
    KNOWN_RESIDENT_NUMBER,
    NEW_RESIDENT_NUMBER,
    STAFF_HSA_ID,
)

pytestmark = pytest.mark.django_db

FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def through_provider(client, slug, login):
    """Start the login at /logga-in/e-id/<slug>/, log in as `login` at the provider and consent, and
    return the provider's redirect back to us (the URL the browser would go to)."""
    start = client.get(f"/logga-in/e-id/{slug}/")
    assert start.status_code == 302, start.content
    browser = requests.Session()
    url, method, data = start["Location"], "GET", None
    for _step in range(12):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith("http://testserver/"):
                return url
            continue
        assert response.status_code == 200, response.text
        action = html.unescape(FORM_ACTION.search(response.text).group(1))
        if 'name="login"' in response.text:
            data = {"prompt": "login", "login": login, "password": "any"}
        else:
            data = {"prompt": "consent"}
        url, method = urljoin(response.url, action), "POST"
    raise AssertionError("The provider never sent the browser back")


def back_to_us(client, url):
    parts = urlsplit(url)
    return client.get(parts.path, parse_qs(parts.query))


def test_staff_member_logs_in_with_their_hsa_id_and_acts_for_their_only_unit(client, eid_login_enabled):
    unit = make_unit(name="Avdelning 5 Geriatrik")
    anna = make_user(username="anna.lind", hsa_id=STAFF_HSA_ID)
    membership = make_staff(user=anna, unit=unit)

    response = back_to_us(client, through_provider(client, "personal", "anna"))

    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == anna.pk
    assert client.session[LOGIN_METHOD_KEY] == "eid-staff"
    assert client.session["acting_membership_id"] == membership.pk
    event = AuditEvent.objects.get(action="login.eid")
    assert event.user_id == anna.pk and event.unit_id == unit.pk and event.patient_id is None
    assert event.changes["method"] == [None, "eid-staff"]


def test_an_hsa_id_without_an_account_is_refused_and_no_account_is_made(client, eid_login_enabled):
    make_user(username="anna.lind", hsa_id=STAFF_HSA_ID)  # someone else's HSA-id
    users_before = User.objects.count()

    response = back_to_us(client, through_provider(client, "personal", "okand"))

    assert response.status_code == 403
    assert "inte kopplat till något konto" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before


def test_resident_without_a_record_gets_one_from_the_verified_number_and_lands_on_mina_sidor(client, eid_login_enabled):
    response = back_to_us(client, through_provider(client, "invanare", "nils"))

    assert response.status_code == 302 and response["Location"] == "/mina-sidor/"
    patient = Patient.objects.get(personal_number=NEW_RESIDENT_NUMBER)
    assert (patient.first_name, patient.last_name) == ("Nils", "Nyberg")
    user = User.objects.get(patient=patient)
    assert int(client.session["_auth_user_id"]) == user.pk and not user.has_usable_password()
    assert client.session[LOGIN_METHOD_KEY] == "eid-resident"
    registered = AuditEvent.objects.get(action="patient.register_from_eid")
    assert registered.patient_id == patient.pk and registered.user_id == user.pk
    assert "e-legitimation" in registered.changes["verified_by"][1]
    login_event = AuditEvent.objects.get(action="login.eid")
    assert NEW_RESIDENT_NUMBER not in str(login_event.changes) and login_event.patient_id is None
    assert client.get("/mina-sidor/").status_code == 200


def test_resident_with_a_record_gets_an_account_for_that_record(client, eid_login_enabled):
    patient = make_patient(first_name="Karin", last_name="Kvist")
    Patient.objects.filter(pk=patient.pk).update(personal_number=KNOWN_RESIDENT_NUMBER)

    response = back_to_us(client, through_provider(client, "invanare", "karin"))

    assert response["Location"] == "/mina-sidor/"
    assert Patient.objects.count() == 1
    assert int(client.session["_auth_user_id"]) == User.objects.get(patient=patient).pk


def test_a_resident_at_the_staff_login_is_refused(client, eid_login_enabled):
    patient = make_patient()
    Patient.objects.filter(pk=patient.pk).update(personal_number=KNOWN_RESIDENT_NUMBER)
    make_user(username="karin", patient=patient)

    # The staff client asks for the staff claims; karin has no HSA-id.
    response = back_to_us(client, through_provider(client, "personal", "karin"))

    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_a_return_with_a_state_this_session_never_sent_is_refused(client, eid_login_enabled):
    make_staff(user=make_user(username="anna.lind", hsa_id=STAFF_HSA_ID))
    url = through_provider(client, "personal", "anna")
    other = type(client)()

    response = back_to_us(other, url)

    assert response.status_code == 400 and "_auth_user_id" not in other.session


def test_a_code_is_good_for_one_login_only(client, eid_login_enabled):
    make_staff(user=make_user(username="anna.lind", hsa_id=STAFF_HSA_ID))
    url = through_provider(client, "personal", "anna")
    assert back_to_us(client, url).status_code == 302
    client.post("/logga-ut/")

    assert back_to_us(client, url).status_code == 400


def test_e_id_login_pages_do_not_exist_when_no_provider_is_configured(client, settings):
    settings.OIDC_PROVIDERS = {}
    assert client.get("/logga-in/e-id/personal/").status_code == 404
    assert client.get("/logga-in/e-id/invanare/klar/").status_code == 404
