"""Who a verified ID token names (core.eid.match_*), and password login switched off. The protocol
itself is tested against a real OpenID provider in tests/test_eid_login.py and tests/browser."""

import pytest

from core import eid
from core.models import AuditEvent, Patient, User
from core.tests.factories import PASSWORD, make_patient, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.invalid"
PNR = "https://id.oidc.se/claim/personalIdentityNumber"


@pytest.fixture(autouse=True)
def providers(settings):
    settings.OIDC_PROVIDERS = {
        "staff": {"issuer": ISSUER, "client_id": "s", "client_secret": "s", "claim": "hsa_id", "scopes": "openid"},
        "resident": {"issuer": ISSUER, "client_id": "r", "client_secret": "r", "claim": PNR, "scopes": "openid"},
    }


def test_staff_are_matched_by_hsa_id_and_act_for_their_only_unit():
    unit = make_unit()
    anna = make_user(hsa_id="SE2321000016-A1B2")
    make_staff(user=anna, unit=unit)

    match = eid.match_staff({"hsa_id": "se2321000016-a1b2 "}, issuer=ISSUER)

    assert match.user == anna and match.actor.unit == unit


def test_staff_without_an_active_membership_are_refused():
    make_staff(user=make_user(hsa_id="SE2321000016-A1B2")).delete()
    with pytest.raises(eid.Refused, match="saknar aktivt medlemskap"):
        eid.match_staff({"hsa_id": "SE2321000016-A1B2"}, issuer=ISSUER)


def test_an_inactive_staff_account_is_refused():
    make_staff(user=make_user(hsa_id="SE2321000016-A1B2", is_active=False))
    with pytest.raises(eid.Refused):
        eid.match_staff({"hsa_id": "SE2321000016-A1B2"}, issuer=ISSUER)


def test_a_staff_login_never_reaches_a_resident_account():
    make_user(hsa_id="SE2321000016-A1B2", patient=make_patient())
    with pytest.raises(eid.Refused, match="inte kopplat"):
        eid.match_staff({"hsa_id": "SE2321000016-A1B2"}, issuer=ISSUER)


def test_an_hsa_id_names_one_account_only():
    """e-ID logins find the account by it; the database refuses a second account with it."""
    from django.db import IntegrityError, transaction

    make_staff(user=make_user(hsa_id="SE2321000016-A1B2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(hsa_id="se2321000016-a1b2")


def test_a_missing_hsa_id_claim_is_refused_and_creates_nothing():
    users = User.objects.count()
    with pytest.raises(eid.Refused, match="inget HSA-id"):
        eid.match_staff({"sub": "x"}, issuer=ISSUER)
    assert User.objects.count() == users


def test_a_resident_without_a_record_gets_one_through_an_audited_action():
    match = eid.match_resident({PNR: "194203142387", "given_name": "Nils", "family_name": "Nyberg"}, issuer=ISSUER)

    patient = Patient.objects.get(personal_number="194203142387")
    assert match.created_record and match.user.patient == patient and match.actor.is_resident
    assert set(AuditEvent.objects.filter(patient=patient).values_list("action", flat=True)) == {
        "patient.register_from_eid", "user.create_resident"}


def test_a_resident_with_a_record_and_no_account_gets_an_account_and_no_second_record():
    patient = make_patient()
    match = eid.match_resident({PNR: patient.personal_number}, issuer=ISSUER)
    assert match.user.patient == patient and not match.created_record
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.filter(action="user.create_resident", patient=patient).count() == 1


def test_an_invalid_personal_number_is_refused_and_creates_nothing():
    with pytest.raises(eid.Refused, match="giltigt personnummer"):
        eid.match_resident({PNR: "194203142388", "given_name": "Nils", "family_name": "Nyberg"}, issuer=ISSUER)
    assert not Patient.objects.exists() and not User.objects.exists()


def test_a_token_without_names_creates_no_record():
    with pytest.raises(eid.Refused, match="namn saknas"):
        eid.match_resident({PNR: "194203142387"}, issuer=ISSUER)
    assert not Patient.objects.exists()


def test_a_resident_login_never_reaches_an_account_that_is_also_staff():
    patient = make_patient()
    make_staff(user=make_user(patient=patient))
    with pytest.raises(eid.Refused):
        eid.match_resident({PNR: patient.personal_number}, issuer=ISSUER)


def test_with_password_login_off_the_right_password_is_refused(client, settings):
    settings.PASSWORD_LOGIN_ENABLED = False
    make_staff(user=make_user(username="sara"))

    response = client.post("/logga-in/", {"username": "sara", "password": PASSWORD})

    assert response.status_code == 403 and "_auth_user_id" not in client.session
    page = client.get("/logga-in/").content.decode()
    assert 'name="password"' not in page and "Logga in med SITHS-kort (personal)" in page


def test_password_login_records_its_method_in_the_session(client):
    make_staff(user=make_user(username="sara"))
    client.post("/logga-in/", {"username": "sara", "password": PASSWORD})
    assert client.session[eid.LOGIN_METHOD_KEY] == "password"


def test_the_login_page_shows_only_the_buttons_that_are_turned_on(client, settings):
    settings.OIDC_PROVIDERS = {"resident": settings.OIDC_PROVIDERS["resident"]}
    page = client.get("/logga-in/").content.decode()
    assert "Logga in med BankID/Freja (invånare)" in page and "SITHS" not in page and 'name="password"' in page
