"""The login lockout counts failures per username and client address together: five wrong
passwords lock that username from that address, and the owner still logs in from their own."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ADDRESS_A, ADDRESS_B = "198.51.100.7", "203.0.113.9"


def attempt(client, username, password, address, **headers):
    return client.post(reverse("core:login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, headers=headers)


def test_five_failures_from_one_address_do_not_lock_the_owner_out_of_another():
    user = make_user()
    attacker = Client()
    for _ in range(5):
        attempt(attacker, user.username, "fel-lösenord", ADDRESS_A)
    assert attempt(attacker, user.username, PASSWORD, ADDRESS_A).status_code == 429

    owner = Client()
    response = attempt(owner, user.username, PASSWORD, ADDRESS_B)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout():
    user = make_user()
    client = Client()
    for n in range(5):
        attempt(client, user.username, "fel-lösenord", ADDRESS_A, x_forwarded_for=f"192.0.2.{n}")
    response = attempt(client, user.username, PASSWORD, ADDRESS_A, x_forwarded_for="192.0.2.99")
    assert response.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_configured_proxy_the_address_the_proxy_saw_counts():
    user = make_user()
    proxy = "10.0.0.2"
    for _ in range(5):  # the client forges a left-hand entry; the proxy appends the real address
        attempt(Client(), user.username, "fel-lösenord", proxy, x_forwarded_for=f"{ADDRESS_B}, {ADDRESS_A}")
    assert attempt(Client(), user.username, PASSWORD, proxy, x_forwarded_for=ADDRESS_A).status_code == 429
    assert attempt(Client(), user.username, PASSWORD, proxy, x_forwarded_for=ADDRESS_B).status_code == 302
