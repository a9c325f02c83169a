"""Meetings over the API: free times (the fee endpoints: fees/tests/test_api.py)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from core.tests.factories import make_api_token
from meetings import actions
from meetings.tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def key(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(actor.membership)[1]}"}


@pytest.fixture
def clinic():
    return make_clinic()


def test_free_slots_of_a_visit_kind(client, clinic):
    day = (timezone.localtime() + timedelta(days=4)).date()
    actions.create_slots(clinic["nurse"], staff=clinic["physician"].user, visit_kind=clinic["kind"], day=day,
                         start=time(9, 0), end=time(10, 0), minutes=30, forms=["physical", "video"])
    answer = client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=video", **key(clinic["nurse"]))
    assert answer.status_code == 200, answer.content
    assert [s["forms"] for s in answer.json()] == [["physical", "video"]] * 2
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=phone",
                      **key(clinic["nurse"])).json() == []
    assert client.get("/api/v1/meetings/free-slots?visit_kind=okand", **key(clinic["nurse"])).status_code == 404
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=fax",
                      **key(clinic["nurse"])).status_code == 422
