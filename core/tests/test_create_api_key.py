"""`manage.py create_api_key` prints the raw key alone, and the key works as the membership."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import ApiToken
from core.tests.factories import make_actor, make_staff, make_unit

pytestmark = pytest.mark.django_db


def test_the_command_prints_only_the_key_and_the_key_acts_as_the_membership(client):
    unit = make_unit()
    make_actor(unit=unit, roles=("system_admin",))
    membership = make_staff(unit=unit)
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", membership.user.username, unit=unit.hsa_id, name="1177", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("smv_") and "\n" not in key
    assert ApiToken.objects.get().membership == membership
    assert client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_a_user_without_a_membership_in_the_unit_gets_a_clear_error():
    unit = make_unit()
    make_actor(unit=unit, roles=("system_admin",))
    with pytest.raises(CommandError, match="no active membership"):
        call_command("create_api_key", "nobody", unit=unit.hsa_id, name="x", stdout=io.StringIO())
