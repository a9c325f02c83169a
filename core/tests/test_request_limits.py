"""A request body past DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413, never a server error."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from core.tests.factories import make_api_token, make_staff

pytestmark = pytest.mark.django_db


def oversized_json():
    return json.dumps({"personal_number": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024)})


def test_a_json_body_past_the_limit_to_the_api_is_413_with_a_json_error(client):
    _token, raw = make_api_token(make_staff(roles=["clinical"]))
    response = client.post("/api/v1/patients/search", oversized_json(), content_type="application/json",
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "för stort" in response.json()["detail"]


def test_a_form_past_the_limit_to_a_page_is_413(client):
    client.force_login(make_staff(roles=["clinical"]).user)
    response = client.post(reverse("core:patient_search"), {"personal_number": "1" * (6 * 1024 * 1024)})
    assert response.status_code == 413
    assert "för stort" in response.content.decode()
