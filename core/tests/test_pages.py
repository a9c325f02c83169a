import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, CareRelation, EmergencyAccess, Membership
from core.tests.factories import PASSWORD, make_actor, make_patient, make_resident, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db


def logged_in(client, actor):
    client.force_login(actor.user)
    return client


def relate(actor, patient):
    return CareRelation.objects.create(patient=patient, unit=actor.unit, reason="Inskriven", created_by=actor.user)


def login(client, username, password):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_login_with_the_right_password_lands_on_the_start_page(client):
    actor = make_actor()
    response = login(client, actor.user.username, PASSWORD)
    assert response.status_code == 302
    page = client.get(reverse("core:home"))
    assert actor.unit.name in page.content.decode()


def test_wrong_password_says_so_without_telling_which_part_was_wrong(client):
    user = make_user()
    response = login(client, user.username, "fel-lösenord")
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord." in response.content.decode()


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = make_user()
    for _ in range(5):
        login(client, user.username, "fel-lösenord")
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(settings):
    # The test run hashes with MD5 for speed (conftest.py); production's list is the settings module's.
    from samverkan import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert make_user().password.startswith("argon2")


def test_test_users_are_hashed_quickly():
    assert make_user().password.startswith("md5")


def test_forms_refuse_posts_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("core:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Ladda om sidan" in response.content.decode()


def test_pages_need_a_login(client):
    response = client.get(reverse("core:patient_search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_a_person_with_two_units_chooses_one_and_it_shows_on_every_page(client):
    first = make_staff()
    second = make_staff(user=first.user)
    client.force_login(first.user)
    assert client.get(reverse("core:patient_search"))["Location"].startswith(reverse("core:choose_unit"))
    client.post(reverse("core:choose_unit"), {"membership": second.pk})
    page = client.get(reverse("core:patient_search")).content.decode()
    assert f"Arbetar för:</span> {second.unit.name}" in page


def test_choosing_a_unit_one_is_not_a_member_of_is_refused(client):
    membership = make_staff()
    make_staff(user=membership.user)
    stranger = make_staff()
    client.force_login(membership.user)
    response = client.post(reverse("core:choose_unit"), {"membership": stranger.pk}, follow=True)
    assert "Välj en av dina enheter." in response.content.decode()
    assert client.session.get("acting_membership_id") != stranger.pk


def test_search_by_number_is_a_post_and_shows_the_patient_without_opening(client):
    actor = make_actor()
    patient = make_patient(first_name="Astrid")
    logged_in(client, actor)
    response = client.post(reverse("core:patient_search"), {"personal_number": patient.formatted_personal_number})
    body = response.content.decode()
    assert "Astrid" in body
    assert "Ingen vårdrelation för din enhet." in body
    assert AuditEvent.objects.filter(patient=patient, action="patient.search", basis="search").count() == 1


def test_search_with_a_bad_check_digit_answers_in_swedish(client):
    logged_in(client, make_actor())
    response = client.post(reverse("core:patient_search"), {"personal_number": "19121212-1213"})
    assert "Kontrollsiffran stämmer inte." in response.content.decode()


def test_protected_identity_is_hidden_in_search_for_roles_without_the_need(client):
    patient = make_patient(first_name="Hemlig", protected=True)
    logged_in(client, make_actor(roles=["clinical"]))
    body = client.post(reverse("core:patient_search"), {"personal_number": patient.personal_number}).content.decode()
    assert "Hemlig" not in body and "Skyddad identitet" in body
    client.logout()
    logged_in(client, make_actor(roles=["clinical", "protected_identity"]))
    body = client.post(reverse("core:patient_search"), {"personal_number": patient.personal_number}).content.decode()
    assert "Hemlig" in body


def test_opening_a_patient_without_relation_is_404_like_a_missing_one(client):
    actor = make_actor()
    patient = make_patient()
    logged_in(client, actor)
    assert client.get(reverse("core:patient_detail", args=[patient.pk])).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("core:patient_detail", args=[missing])).status_code == 404
    assert not AuditEvent.objects.filter(patient=patient, kind="read", action="patient.read").exists()


def test_opening_a_patient_with_relation_logs_the_read_with_its_basis(client):
    actor = make_actor()
    patient = make_patient(first_name="Ingrid")
    relate(actor, patient)
    logged_in(client, actor)
    response = client.get(reverse("core:patient_detail", args=[patient.pk]))
    assert response.status_code == 200 and "Ingrid" in response.content.decode()
    event = AuditEvent.objects.get(patient=patient, action="patient.read")
    assert (event.user, event.unit, event.basis, event.endpoint) == (actor.user, actor.unit, "relation", "core:patient_detail")


def test_patient_urls_carry_no_personal_number(client):
    actor = make_actor()
    patient = make_patient()
    relate(actor, patient)
    url = reverse("core:patient_detail", args=[patient.pk])
    assert patient.personal_number not in url and patient.personal_number[2:] not in url


def test_emergency_access_opens_the_record_and_flags_it(client):
    actor = make_actor(roles=["clinical"])
    patient = make_patient()
    logged_in(client, actor)
    too_short = client.post(reverse("core:patient_emergency", args=[patient.pk]), {"reason": "akut"})
    assert "minst 10 tecken" in too_short.content.decode()
    response = client.post(reverse("core:patient_emergency", args=[patient.pk]),
                           {"reason": "Medvetslös patient, behöver läkemedelslistan"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "Nödåtkomst." in body
    read = AuditEvent.objects.get(patient=patient, action="patient.read")
    assert read.basis == "emergency" and read.reason.startswith("Medvetslös")


def test_unknown_patient_for_emergency_access_is_404(client):
    logged_in(client, make_actor())
    url = reverse("core:patient_emergency", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_register_patient_form_reports_every_bad_field(client):
    logged_in(client, make_actor())
    response = client.post(reverse("core:patient_register"), {
        "personal_number": "19121212-1213", "first_name": "A" * 101, "last_name": "", "postal_code": "abc",
    })
    body = response.content.decode()
    assert "Kontrollsiffran stämmer inte." in body
    assert "som mest 100 tecken" in body
    assert "Postnumret ska vara fem siffror" in body


def test_admin_extracts_a_patients_access_log_as_page_csv_and_pdf(client):
    nurse = make_actor()
    patient = make_patient()
    relate(nurse, patient)
    client.force_login(nurse.user)
    client.get(reverse("core:patient_detail", args=[patient.pk]))
    client.logout()
    admin = make_actor(roles=["system_admin"])
    logged_in(client, admin)
    today = timezone.localdate()
    response = client.post(reverse("core:access_log_lookup"), {
        "personal_number": patient.formatted_personal_number, "date_from": today - timedelta(days=30), "date_to": today,
    })
    assert response.status_code == 302 and patient.personal_number not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert nurse.user.username in page or nurse.unit.name in page
    csv_response = client.get(response["Location"] + "&format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tidpunkt"
    assert any(row[5] == nurse.unit.name and row[3] == "Öppnade patientuppgifterna" for row in rows[1:])
    pdf = client.get(response["Location"] + "&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(patient=patient, action="access_log.extract", basis="admin").exists()


def test_exports_never_carry_the_name_of_a_protected_patient(client):
    patient = make_patient(first_name="Hemlig", last_name="Person", protected=True)
    admin = make_actor(roles=["system_admin", "protected_identity"])
    logged_in(client, admin)
    url = reverse("core:access_log_extract", args=[patient.pk])
    assert "Hemlig" in client.get(url).content.decode()
    pdf = client.get(url + "?format=pdf").content
    assert b"Hemlig" not in pdf


def test_a_unit_admin_cannot_extract_a_patients_log(client):
    logged_in(client, make_actor(roles=["unit_admin"]))
    assert client.get(reverse("core:access_log_extract", args=[make_patient().pk])).status_code == 404


def test_clinical_staff_cannot_reach_the_admin_area(client):
    logged_in(client, make_actor(roles=["clinical"]))
    assert client.get(reverse("core:admin_home")).status_code == 403
    assert client.get(reverse("core:emergency_report")).status_code == 403
    assert client.get("/administration/register/core/user/").status_code in (302, 403)


def test_emergency_report_lists_the_units_emergency_accesses(client):
    nurse = make_actor(roles=["clinical"])
    other = make_actor(roles=["clinical"])
    for actor in (nurse, other):
        EmergencyAccess.objects.create(patient=make_patient(), user=actor.user, unit=actor.unit,
                                       reason=f"Skäl för {actor.unit.name}", expires_at=timezone.now())
    unit_admin = make_actor(unit=nurse.unit, roles=["unit_admin"])
    logged_in(client, unit_admin)
    body = client.get(reverse("core:emergency_report")).content.decode()
    assert f"Skäl för {nurse.unit.name}" in body and f"Skäl för {other.unit.name}" not in body


def test_resident_sees_their_own_access_log_and_nothing_else(client):
    resident = make_resident()
    nurse = make_actor()
    relate(nurse, resident.patient)
    client.force_login(nurse.user)
    client.get(reverse("core:patient_detail", args=[resident.patient.pk]))
    client.logout()
    client.force_login(resident)
    assert client.get(reverse("core:home"))["Location"] == reverse("core:portal")
    page = client.get(reverse("core:portal_access_log")).content.decode()
    assert nurse.unit.name in page
    assert client.get(reverse("core:patient_detail", args=[resident.patient.pk])).status_code == 302
    assert client.get(reverse("core:access_log_extract", args=[make_patient().pk])).status_code == 302
    pdf = client.get(reverse("core:portal_access_log") + "?format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_bad_period_is_answered_not_crashed(client):
    client.force_login(make_resident())
    response = client.get(reverse("core:portal_access_log") + "?date_from=2026-13-01&date_to=x")
    assert response.status_code == 200
    assert "Fyll i ett giltigt datum." in response.content.decode()


def test_api_keys_are_shown_once_and_stored_hashed(client):
    admin = make_actor(roles=["system_admin"])
    logged_in(client, admin)
    response = client.post(reverse("core:tokens"), {"name": "Journalsystemet", "membership": admin.membership.pk})
    key = response.context["new_key"]
    assert key.startswith("smv_")
    from core.models import ApiToken

    token = ApiToken.objects.get(name="Journalsystemet")
    assert key not in token.digest and len(token.digest) == 64
    assert key not in client.get(reverse("core:tokens")).content.decode()


def test_admin_register_saves_through_the_audited_action(client):
    admin = make_actor(roles=["system_admin"])
    unit = make_unit()
    logged_in(client, admin)
    url = f"/administration/register/core/unit/{unit.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, {"organisation": unit.organisation_id, "kind": unit.kind, "name": "Nytt namn",
                                 "hsa_id": unit.hsa_id, "active": "on", "parent": ""})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unit.update")
    assert event.changes["name"] == [unit.name, "Nytt namn"]


def test_admin_register_refuses_a_malformed_hsa_id(client):
    admin = make_actor(roles=["system_admin"])
    logged_in(client, admin)
    unit = make_unit()
    response = client.post(f"/administration/register/core/unit/{unit.pk}/change/", {
        "organisation": unit.organisation_id, "kind": unit.kind, "name": "X", "hsa_id": "HSA-123", "active": "on"})
    assert response.status_code == 200
    assert "HSA-id ska se ut som" in response.content.decode()


def test_unit_admin_manages_only_their_own_units_memberships(client):
    unit_admin = make_actor(roles=["unit_admin"])
    own = make_staff(unit=unit_admin.unit)
    foreign = make_staff()
    logged_in(client, unit_admin)
    listing = client.get("/administration/register/core/membership/").content.decode()
    assert own.user.username in listing and foreign.user.username not in listing
    assert client.get(f"/administration/register/core/membership/{foreign.pk}/change/").status_code in (302, 403, 404)
    assert Membership.objects.get(pk=foreign.pk).roles == foreign.roles


def test_readiness_endpoint_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_unknown_page_gets_a_swedish_404(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


def test_changing_ones_password_needs_the_old_one_and_is_audited(client):
    actor = make_actor()
    logged_in(client, actor)
    url = reverse("core:change_password")
    wrong = client.post(url, {"old_password": "fel", "new_password1": "Nytt-langt-losen-7", "new_password2": "Nytt-langt-losen-7"})
    assert "Det nuvarande lösenordet stämmer inte." in wrong.content.decode()
    mismatch = client.post(url, {"old_password": PASSWORD, "new_password1": "Nytt-langt-losen-7", "new_password2": "annat"})
    assert "Lösenorden är inte likadana." in mismatch.content.decode()
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678901", "new_password2": "12345678901"})
    assert weak.status_code == 200 and not AuditEvent.objects.filter(action="user.change_own_password").exists()
    done = client.post(url, {"old_password": PASSWORD, "new_password1": "Nytt-langt-losen-7", "new_password2": "Nytt-langt-losen-7"})
    assert done.status_code == 302
    actor.user.refresh_from_db()
    assert actor.user.check_password("Nytt-langt-losen-7")
    assert AuditEvent.objects.filter(action="user.change_own_password", user=actor.user).exists()


def test_the_browser_s_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith(".svg")


def test_the_unit_s_patient_list_finds_its_own_patients_by_name_and_logs_each_shown(client):
    from core.tests.factories import login as log_in_as
    from core.tests.factories import make_care_relation

    nurse = make_actor(roles=("clinical",))
    anna = make_care_relation(nurse, make_patient(first_name="Anna", last_name="Larsson")).patient
    make_care_relation(nurse, make_patient(first_name="Bertil", last_name="Ek"))
    hidden = make_care_relation(nurse, make_patient(first_name="Annika", last_name="Lund", protected=True)).patient
    stranger = make_patient(first_name="Anna", last_name="Lindgren")  # no relation: found by number only
    log_in_as(client, nurse)
    listing = client.get(reverse("core:unit_patients")).content.decode()
    assert "Anna Larsson" in listing and "Bertil Ek" in listing and "Skyddad identitet" in listing
    assert "Anna Lindgren" not in listing
    found = client.post(reverse("core:unit_patients"), {"name": "ann"}).content.decode()
    assert "Anna Larsson" in found and "Bertil Ek" not in found and "Lindgren" not in found
    assert "Skyddad identitet" not in found  # a protected name is not found by its name
    assert AuditEvent.objects.filter(action="patient.list", patient=anna).count() == 2
    assert AuditEvent.objects.filter(action="patient.list", patient=hidden).count() == 1
    assert not AuditEvent.objects.filter(patient=stranger).exists()
