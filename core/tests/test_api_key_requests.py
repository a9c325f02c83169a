"""A call to the API with an API key passes by the browser's middleware (session, CSRF, login,
messages): the rule is `core.middleware.api_key_of`. A browser session is never used on such a call,
an API key never on the pages, and CSRF still guards every write made with a session."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.middleware import API_PATH
from core.models import Patient, Session
from core.rules.identity import format_personal_number, make_personal_number
from core.tests.factories import make_actor, make_api_token, make_care_relation, make_patient, make_staff

pytestmark = pytest.mark.django_db


def key_of(actor):
    return make_api_token(actor.membership)[1]


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def session_reads(statements):
    return [s["sql"] for s in statements.captured_queries if Session._meta.db_table in s["sql"]]


def test_the_rule_s_path_is_where_the_api_is_mounted():
    assert reverse("api:openapi-json").startswith(API_PATH)


def test_a_call_with_a_key_acts_as_the_key_and_never_reads_the_browser_s_session():
    system, nurse = make_actor(), make_actor()  # two units
    theirs, ours = make_patient(), make_patient(first_name="Sigrid")
    make_care_relation(system, theirs)
    make_care_relation(nurse, ours)
    client = Client()
    client.force_login(nurse.user)  # the browser's session cookie goes with every call below
    with CaptureQueriesContext(connection) as statements:
        assert client.get(f"{API_PATH}patients/{theirs.pk}", headers=bearer(key_of(system))).status_code == 200
    assert session_reads(statements) == []
    with CaptureQueriesContext(connection) as browser:  # the same call without the key: the session's
        assert client.get(f"{API_PATH}units").status_code == 200
    assert session_reads(browser)
    # The session's unit may open this patient; the key's may not.
    response = client.get(f"{API_PATH}patients/{ours.pk}", headers=bearer(key_of(system)))
    assert response.status_code == 404 and "Sigrid" not in response.content.decode()
    assert "sessionid" not in response.cookies


def test_a_bad_key_is_refused_even_with_a_valid_session():
    nurse = make_actor()
    client = Client()
    client.force_login(nurse.user)
    assert client.get(f"{API_PATH}units").status_code == 200  # the session alone is a browser's call
    assert client.get(f"{API_PATH}units", headers=bearer("smv_forged")).status_code == 401
    assert client.get(f"{API_PATH}units", headers={"Authorization": "Bearer"}).status_code == 401


def test_a_write_with_a_key_needs_no_csrf_token_and_one_with_a_session_does():
    coordinator = make_actor(roles=("coordinator",))
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator.user)
    body = {"personal_number": format_personal_number(make_personal_number(date(1945, 3, 2), 123))}
    refused = client.post(f"{API_PATH}patients/search", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    # Another scheme than Bearer is not a key: the session is used, and CSRF guards it.
    basic = client.post(f"{API_PATH}patients/search", body, content_type="application/json",
                        headers={"Authorization": "Basic c2Ftdjpzdg=="})
    assert basic.status_code == 403
    answered = client.post(f"{API_PATH}patients/search", body, content_type="application/json",
                           headers=bearer(key_of(coordinator)))
    assert answered.status_code == 200


def test_a_key_logs_nobody_in_on_the_pages():
    system = make_actor()
    response = Client().get(reverse("core:patient_search"), headers=bearer(key_of(system)))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))


def test_a_key_sent_to_a_page_skips_no_csrf_check():
    nurse = make_actor()
    other = make_staff(user=nurse.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse.user)
    response = client.post(reverse("core:choose_unit"), {"membership": other.pk}, headers=bearer(key_of(nurse)))
    assert response.status_code == 403
    assert Patient.objects.count() == 0 and client.session.get("acting_membership_id") != other.pk
