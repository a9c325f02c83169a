"""Schemathesis generates requests from the API's own OpenAPI schema, valid and invalid, and
every answer must be something other than a server error."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from core.actor import Actor
from core.models import CareRelation
from core.tests.factories import make_api_token, make_municipality, make_patient, make_staff
from samverkan.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def api_key(db):
    """A coordinator's key, with one patient in care, so reads and writes get past auth."""
    membership = make_staff(roles=["clinical", "coordinator"])
    make_municipality()
    patient = make_patient()
    CareRelation.objects.create(patient=patient, unit=membership.unit, reason="Inskriven", created_by=membership.user)
    assert Actor.for_membership(membership).unit_id
    return make_api_token(membership)[1]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Django's WSGI handler closes "old" connections at the start and end of each request, and a
    connection inside the test's transaction counts as old: PostgreSQL would lose it after the first
    call. Django's own test client unhooks the same signal for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_never_answers_with_a_server_error(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=[not_a_server_error])
