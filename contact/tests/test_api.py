"""The national front end's API: filing with an Idempotency-Key, reading back, listing."""

import json

import pytest

from contact.models import IdempotencyRecord, Matter
from contact.tests.factories import make_entry
from core.models import AuditEvent
from core.tests.factories import make_api_token, make_staff

pytestmark = pytest.mark.django_db


def front_end(setup):
    return make_api_token(make_staff(unit=setup["intake"], roles=("clinical",)), name="1177")[1]


def post(client, key, body, idem="abc-1"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if idem is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem
    return client.post("/api/v1/contact/matters", json.dumps(body), content_type="application/json", **headers)


def body(setup, **extra):
    return {"personnummer": setup["patient"].personal_number, "category": "new_symptoms",
            "description": "Jag har svårt att andas", **extra}


def test_the_first_request_creates_the_same_key_and_body_returns_it_and_another_body_conflicts(client):
    setup = make_entry()
    key = front_end(setup)
    first = post(client, key, body(setup))
    assert first.status_code == 201
    data = first.json()
    assert data["status"] == "received" and data["red_flags"] == ["breathing"] and data["priority"] == ""
    again = post(client, key, body(setup))
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    other = post(client, key, body(setup, description="Något annat"))
    assert other.status_code == 409
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert Matter.objects.get().unit == setup["centre"]


def test_the_idempotency_key_is_required_and_an_unknown_person_is_refused(client):
    setup = make_entry()
    key = front_end(setup)
    assert post(client, key, body(setup), idem=None).status_code == 422
    refused = post(client, key, body(setup, personnummer="19121212-1212"), idem="x")
    assert refused.status_code == 422
    assert Matter.objects.count() == 0


def test_a_key_outside_a_contact_entry_may_not_file(client):
    setup = make_entry()
    key = make_api_token(make_staff(unit=setup["stranger"].unit))[1]
    assert post(client, key, body(setup)).status_code == 403


def test_the_matter_is_read_back_and_listed_with_a_count_and_filters_and_reads_are_logged(client):
    setup = make_entry()
    key = front_end(setup)
    made = post(client, key, body(setup)).json()
    post(client, key, body(setup, description="Recept"), idem="abc-2")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    one = client.get(f"/api/v1/contact/matters/{made['id']}", **auth)
    assert one.status_code == 200 and one.json()["unit_name"] == "Vårdcentralen Teleborg"
    listed = client.get("/api/v1/contact/matters?limit=1", **auth).json()
    assert listed["count"] == 2 and len(listed["items"]) == 1
    assert client.get(f"/api/v1/contact/matters?unit_id={setup['night'].pk}", **auth).json()["count"] == 0
    assert client.get("/api/v1/contact/matters?status=closed", **auth).json()["count"] == 0
    assert AuditEvent.objects.filter(kind="read", action="contact.read", patient=setup["patient"]).count() == 2
    stranger = make_api_token(make_staff(unit=setup["stranger"].unit))[1]
    assert client.get(f"/api/v1/contact/matters/{made['id']}", HTTP_AUTHORIZATION=f"Bearer {stranger}").status_code == 404
