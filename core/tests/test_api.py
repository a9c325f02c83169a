"""The REST API at /api/v1/ as a system (API key) or a browser (session) sees it."""

import hashlib
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.actions import revoke_api_token
from core.actor import Actor
from core.models import ApiToken, AuditEvent, CareRelation, Patient, Unit
from core.rules.identity import format_personal_number, make_personal_number
from core.tests.factories import (
    make_actor, make_api_token, make_care_relation, make_municipality, make_patient, make_region, make_resident,
    make_staff, make_unit,
)
from samverkan.api import usable_api_token

pytestmark = pytest.mark.django_db

API = "/api/v1"


# A valid number nobody has until a test registers it; and the same with a wrong check digit.
NEW_NUMBER = make_personal_number(date(1945, 3, 2), 123)
WRONG_CHECK_DIGIT = NEW_NUMBER[:-1] + str((int(NEW_NUMBER[-1]) + 1) % 10)


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def system(roles=("clinical",), unit=None):
    """A system's API key acting as a fresh membership: (actor, raw key)."""
    membership = make_staff(unit=unit, roles=roles)
    _token, raw = make_api_token(membership)
    return Actor.for_membership(membership), raw


def post_json(client, path, body, raw=None):
    return client.post(API + path, body, content_type="application/json", headers=bearer(raw) if raw else {})


def errors_by_field(response):
    return {error["field"]: error["message"] for error in response.json()["detail"]}


def ten_digits(canonical):
    return f"{canonical[2:8]}-{canonical[8:]}"


def new_patient_body(**extra):
    body = {"personal_number": format_personal_number(NEW_NUMBER), "first_name": "Karin", "last_name": "Andersson",
            "street_address": "Storgatan 1", "postal_code": "22221", "city": "Lund"}
    body.update(extra)
    return body


# --- Authentication ---------------------------------------------------------------------------

def test_a_valid_api_key_lets_a_system_list_units_and_marks_the_key_used(client):
    actor, raw = system()
    response = client.get(f"{API}/units", headers=bearer(raw))
    assert response.status_code == 200
    assert actor.unit.hsa_id in [unit["hsa_id"] for unit in response.json()["items"]]
    assert ApiToken.objects.get(membership=actor.membership).last_used_at is not None


def test_a_key_used_again_within_a_minute_is_not_written_again_but_after_a_minute_it_is(client):
    actor, raw = system()
    client.get(f"{API}/units", headers=bearer(raw))
    first = ApiToken.objects.get(membership=actor.membership).last_used_at
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{API}/units", headers=bearer(raw)).status_code == 200
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get(membership=actor.membership).last_used_at == first
    ApiToken.objects.filter(membership=actor.membership).update(last_used_at=first - timedelta(seconds=61))
    client.get(f"{API}/units", headers=bearer(raw))
    assert ApiToken.objects.get(membership=actor.membership).last_used_at > first


def test_a_forged_api_key_is_refused_with_401_and_a_json_reason(client):
    system()
    for forged in ["smv_" + "A" * 43, "not-even-our-format", ""]:
        response = client.get(f"{API}/units", headers=bearer(forged))
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert "API-nyckeln" in response.json()["detail"]


def test_a_forged_api_key_on_a_write_is_401_not_a_csrf_refusal():
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, "/patients/search", {"personal_number": NEW_NUMBER}, raw="smv_forged")
    assert response.status_code == 401


def test_a_revoked_api_key_is_refused_with_401(client):
    actor, raw = system()
    admin = make_actor(unit=actor.unit, roles=("system_admin",))
    revoke_api_token(admin, ApiToken.objects.get(membership=actor.membership))
    response = client.get(f"{API}/units", headers=bearer(raw))
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_key_of_a_deactivated_membership_is_refused(client):
    actor, raw = system()
    actor.membership.active = False
    actor.membership.save()
    assert client.get(f"{API}/units", headers=bearer(raw)).status_code == 401


@pytest.mark.parametrize("deactivate", ["user", "unit", "organisation"])
def test_a_key_is_refused_once_its_user_unit_or_organisation_is_deactivated(client, deactivate):
    actor, raw = system(unit=make_unit(organisation=make_region(code="13", name="Region Halland")))
    assert client.get(f"{API}/units", headers=bearer(raw)).status_code == 200
    target = {"user": actor.user, "unit": actor.unit, "organisation": actor.unit.organisation}[deactivate]
    type(target).objects.filter(pk=target.pk).update(**{"is_active" if deactivate == "user" else "active": False})
    assert client.get(f"{API}/units", headers=bearer(raw)).status_code == 401


def test_a_key_acts_with_its_membership_user_unit_and_organisation_read_in_one_statement():
    actor, raw = system(roles=("clinical", "coordinator"))
    token = ApiToken.objects.get(membership=actor.membership)
    ApiToken.objects.filter(pk=token.pk).update(roles=["clinical"])  # the key keeps fewer roles than its membership
    with CaptureQueriesContext(connection) as captured:
        found = usable_api_token(token.digest)
        key_actor = Actor.for_api_token(found)
        seen = (key_actor.user.username, key_actor.user.display_name(), key_actor.unit.name,
                key_actor.unit.organisation.name, key_actor.unit.organisation.county_code, key_actor.roles,
                found.name, found.last_used_at)
    assert len(captured) == 1
    assert seen == (actor.user.username, actor.user.display_name(), actor.unit.name, actor.unit.organisation.name,
                    actor.unit.organisation.county_code, frozenset({"clinical"}), token.name, None)
    assert (key_actor.membership, key_actor.user, key_actor.unit) == (actor.membership, actor.user, actor.unit)
    assert usable_api_token("0" * 64) is None


def test_api_keys_are_stored_only_as_a_digest(client):
    actor, raw = system()
    token = ApiToken.objects.get(membership=actor.membership)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list("name", "prefix", "digest").get(pk=token.pk)]
    assert all(raw not in value for value in stored)
    assert not any(raw in str(changes) for changes in AuditEvent.objects.values_list("changes", flat=True))
    # The digest itself is not a key.
    assert client.get(f"{API}/units", headers=bearer(token.digest)).status_code == 401


def test_a_request_without_any_credentials_is_401_with_a_reason(client):
    response = client.get(f"{API}/organisations")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Inloggning krävs")


def test_a_logged_in_member_of_staff_acting_for_a_unit_can_list_units(client):
    actor = make_actor()
    client.force_login(actor.user)
    response = client.get(f"{API}/units")
    assert response.status_code == 200
    assert actor.unit.name in [unit["name"] for unit in response.json()["items"]]


def test_a_browser_write_without_a_csrf_token_is_refused():
    actor = make_actor()
    client = Client(enforce_csrf_checks=True)
    client.force_login(actor.user)
    response = post_json(client, "/patients/search", {"personal_number": NEW_NUMBER})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


def test_staff_with_several_units_must_choose_one_before_using_the_api(client):
    actor = make_actor()
    make_staff(user=actor.user, unit=make_unit())
    client.force_login(actor.user)
    response = client.get(f"{API}/units")
    assert response.status_code == 403
    assert response.json()["detail"] == "Välj först vilken enhet du arbetar för."


def test_a_logged_in_resident_is_not_an_api_user(client):
    resident = make_resident()
    client.force_login(resident)
    response = client.get(f"{API}/patients/{resident.patient_id}")
    assert response.status_code == 403
    assert "Greta" not in response.content.decode()


# --- Organisations and units ------------------------------------------------------------------

def test_organisations_can_be_filtered_by_kind(client):
    region, municipality = make_region(), make_municipality()
    _actor, raw = system()
    response = client.get(f"{API}/organisations", {"kind": "municipality"}, headers=bearer(raw))
    assert response.status_code == 200
    assert [org["id"] for org in response.json()["items"]] == [municipality.pk]
    assert client.get(f"{API}/organisations/{region.pk}", headers=bearer(raw)).json()["kind"] == "region"


def test_units_can_be_filtered_by_organisation_and_kind_and_are_paginated(client):
    lund = make_municipality()
    home_care = [make_unit(lund, kind=Unit.Kind.HOME_CARE) for _ in range(3)]
    make_unit(lund, kind=Unit.Kind.NEEDS_ASSESSMENT)
    _actor, raw = system()  # its unit belongs to the region
    response = client.get(f"{API}/units", {"organisation_id": lund.pk, "kind": "home_care", "limit": 2},
                          headers=bearer(raw))
    body = response.json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert {unit["id"] for unit in body["items"]} <= {unit.pk for unit in home_care}


def test_an_unknown_unit_kind_is_refused_on_the_kind_field(client):
    _actor, raw = system()
    response = client.get(f"{API}/units", {"kind": "spaceship"}, headers=bearer(raw))
    assert response.status_code == 422
    assert "kind" in errors_by_field(response)


def test_an_unknown_unit_answers_a_structured_404(client):
    _actor, raw = system()
    response = client.get(f"{API}/units/987654", headers=bearer(raw))
    assert response.status_code == 404
    assert response.json() == {"detail": "Hittades inte."}


def test_paging_beyond_the_bounds_is_refused_on_the_paging_fields_not_with_a_500(client):
    _actor, raw = system()
    for params, field in [({"offset": 10**24}, "offset"), ({"limit": 1000}, "limit"), ({"limit": 0}, "limit")]:
        response = client.get(f"{API}/units", params, headers=bearer(raw))
        assert response.status_code == 422
        assert field in errors_by_field(response)


def test_an_unknown_api_path_answers_a_json_404(client):
    response = client.get(f"{API}/patienter")
    assert response.status_code == 404
    assert response.json() == {"detail": "Hittades inte."}


# --- Patient search ---------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["twelve", "ten"])
def test_search_finds_a_patient_by_the_ten_and_twelve_digit_forms(client, form):
    patient = make_patient()
    _actor, raw = system()
    number = patient.personal_number if form == "twelve" else ten_digits(patient.personal_number)
    response = post_json(client, "/patients/search", {"personal_number": number}, raw)
    assert response.status_code == 200
    assert response.json() == [{
        "id": str(patient.pk), "personal_number": format_personal_number(patient.personal_number),
        "name": "Greta Testsson", "can_open": False,
    }]
    assert AuditEvent.objects.filter(patient=patient, basis="search", endpoint="api:patients.search").count() == 1


def test_search_for_an_unknown_valid_number_finds_nothing(client):
    _actor, raw = system()
    response = post_json(client, "/patients/search", {"personal_number": NEW_NUMBER}, raw)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("number, message", [
    ("abc", "Personnumret ska skrivas som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."),
    (WRONG_CHECK_DIGIT, "Kontrollsiffran stämmer inte. Kontrollera personnumret."),
    ("", "Ange ett personnummer."),
])
def test_malformed_and_wrong_check_digit_numbers_are_refused_on_the_personal_number_field(client, number, message):
    _actor, raw = system()
    response = post_json(client, "/patients/search", {"personal_number": number}, raw)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "personal_number", "message": message}]}


def test_a_body_that_is_not_json_is_refused_with_a_reason(client):
    _actor, raw = system()
    response = client.post(f"{API}/patients/search", "personal_number=19400517", content_type="application/json",
                           headers=bearer(raw))
    assert response.status_code == 400
    assert response.json() == {"detail": "Innehållet kunde inte läsas: skicka giltig JSON."}


def test_a_search_without_the_number_names_the_missing_field(client):
    _actor, raw = system()
    response = post_json(client, "/patients/search", {}, raw)
    assert response.status_code == 422
    assert errors_by_field(response) == {"personal_number": "Fältet måste fyllas i."}


def test_a_protected_identity_is_masked_in_search_for_a_role_without_protected_identity(client):
    patient = make_patient(protected=True, first_name="Hemlig")
    _plain, raw = system(roles=("clinical",))
    _cleared, cleared_raw = system(roles=("clinical", "protected_identity"))
    masked = post_json(client, "/patients/search", {"personal_number": patient.personal_number}, raw)
    assert masked.json()[0]["name"] == "Skyddad identitet"
    assert "Hemlig" not in masked.content.decode()
    shown = post_json(client, "/patients/search", {"personal_number": patient.personal_number}, cleared_raw)
    assert shown.json()[0]["name"] == "Hemlig Testsson"


# --- Opening a patient ------------------------------------------------------------------------

def test_opening_a_patient_without_a_relation_answers_404_like_a_nonexistent_one(client):
    patient = make_patient()
    _actor, raw = system()
    hidden = client.get(f"{API}/patients/{patient.pk}", headers=bearer(raw))
    missing = client.get(f"{API}/patients/00000000-0000-4000-8000-000000000000", headers=bearer(raw))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content == b'{"detail": "Hittades inte."}'
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, patient=patient).exists()


def test_opening_a_patient_with_a_relation_shows_the_card_and_logs_the_read(client):
    patient = make_patient(home_municipality=make_municipality())
    actor, raw = system()
    make_care_relation(actor, patient)
    response = client.get(f"{API}/patients/{patient.pk}", headers=bearer(raw))
    assert response.status_code == 200
    card = response.json()
    assert card["name"] == "Greta Testsson"
    assert card["address"] == "Storgatan 1, 22221 Lund"
    assert card["home_municipality"] == "Lunds kommun"
    assert card["birth_date"] == "1940-05-17"
    read = AuditEvent.objects.get(kind=AuditEvent.Kind.READ, patient=patient)
    assert (read.basis, read.endpoint, read.unit_id) == ("relation", "api:patients.read", actor.unit_id)
    assert "(API: Journalsystemet)" in read.user_display


def test_a_protected_patient_opened_with_a_relation_stays_masked_for_a_role_without_protected_identity(client):
    patient = make_patient(protected=True, first_name="Hemlig")
    actor, raw = system()
    make_care_relation(actor, patient)
    card = client.get(f"{API}/patients/{patient.pk}", headers=bearer(raw)).json()
    assert (card["name"], card["first_name"], card["address"], card["identity_hidden"]) == (
        "Skyddad identitet", "", "", True)


def test_a_relation_held_by_another_organisations_unit_does_not_open_the_patient(client):
    patient = make_patient()
    municipal_unit = make_unit(make_municipality(), kind=Unit.Kind.HOME_CARE)
    make_care_relation(make_actor(unit=municipal_unit), patient)
    _hospital, raw = system(unit=make_unit(make_region()))
    response = client.get(f"{API}/patients/{patient.pk}", headers=bearer(raw))
    assert response.status_code == 404
    assert response.json() == {"detail": "Hittades inte."}


def test_a_malformed_patient_id_is_a_structured_error(client):
    _actor, raw = system()
    response = client.get(f"{API}/patients/19400517-1234", headers=bearer(raw))
    assert response.status_code == 422
    assert "patient_id" in errors_by_field(response)


# --- Registering a patient --------------------------------------------------------------------

def test_registering_a_patient_answers_201_with_the_card_and_records_the_write_and_a_relation(client):
    lund = make_municipality()
    actor, raw = system()
    response = post_json(client, "/patients", new_patient_body(personal_number=ten_digits(NEW_NUMBER),
                                                               home_municipality_id=lund.pk), raw)
    assert response.status_code == 201
    card = response.json()
    assert (card["personal_number"], card["name"], card["home_municipality"]) == (
        format_personal_number(NEW_NUMBER), "Karin Andersson", "Lunds kommun")
    patient = Patient.objects.get(pk=card["id"])
    assert patient.personal_number == NEW_NUMBER
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE, action="patient.register", patient=patient,
                                     unit=actor.unit).exists()
    assert CareRelation.objects.filter(patient=patient, unit=actor.unit).exists()
    # The new relation opens the record straight away.
    assert client.get(f"{API}/patients/{patient.pk}", headers=bearer(raw)).status_code == 200


def test_registering_the_same_person_twice_is_refused_on_the_personal_number_field(client):
    _actor, raw = system()
    assert post_json(client, "/patients", new_patient_body(), raw).status_code == 201
    response = post_json(client, "/patients", new_patient_body(personal_number=NEW_NUMBER), raw)
    assert response.status_code == 422
    assert errors_by_field(response) == {"personal_number": "Det finns redan en patient med det personnumret."}
    assert Patient.objects.count() == 1


def test_an_oversized_first_name_is_refused_on_that_field_and_nothing_is_saved(client):
    _actor, raw = system()
    response = post_json(client, "/patients", new_patient_body(first_name="K" * 101), raw)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "first_name", "message": "Får vara högst 100 tecken."}]}
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE, action="patient.register").exists()


def test_control_characters_in_a_name_are_refused_on_that_field(client):
    _actor, raw = system()
    response = post_json(client, "/patients", new_patient_body(last_name="Anders\x00son"), raw)
    assert response.status_code == 422
    assert errors_by_field(response) == {"last_name": "Får inte innehålla styrtecken."}


def test_an_unknown_home_municipality_is_refused_on_that_field(client):
    _actor, raw = system()
    response = post_json(client, "/patients", new_patient_body(home_municipality_id=987654), raw)
    assert response.status_code == 422
    assert list(errors_by_field(response)) == ["home_municipality_id"]
    assert not Patient.objects.exists()


def test_a_region_as_home_municipality_is_refused_on_that_field(client):
    region = make_region()
    _actor, raw = system()
    response = post_json(client, "/patients", new_patient_body(home_municipality_id=region.pk), raw)
    assert response.status_code == 422
    assert errors_by_field(response) == {"home_municipality_id": "Hemkommunen måste vara en kommun."}


def test_a_role_that_may_not_register_patients_gets_403(client):
    _actor, raw = system(roles=("finance",))
    response = post_json(client, "/patients", new_patient_body(), raw)
    assert response.status_code == 403
    assert response.json() == {"detail": "Din roll får inte registrera patienter."}
    assert not Patient.objects.exists()


def test_a_patient_registered_in_the_browser_records_the_acting_unit(client):
    actor = make_actor(roles=("coordinator",))
    client.force_login(actor.user)
    response = post_json(client, "/patients", new_patient_body(protected_identity=True))
    assert response.status_code == 201
    assert response.json()["name"] == "Skyddad identitet"
    assert Patient.objects.get().protected_identity is True
    assert AuditEvent.objects.get(action="patient.register").unit_id == actor.unit_id


# --- The schema -------------------------------------------------------------------------------

def test_the_openapi_schema_is_served_and_lists_patient_search(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Samverkan API"
    assert "post" in schema["paths"]["/api/v1/patients/search"]
    # No personnummer in any path: patients are addressed by their opaque id.
    assert all("personal_number" not in path for path in schema["paths"])


def test_the_interactive_docs_are_served(client):
    assert client.get(f"{API}/docs").status_code == 200

