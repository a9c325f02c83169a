"""Fixtures shared by the tests under tests/: the real test OpenID provider (tests/oidc)."""

import pytest

from tests.oidc.provider import ACCOUNTS, provider_settings, redirect_uris, running_provider


@pytest.fixture(scope="session")
def openid_provider():
    """The test OpenID provider, for Django's test client (it returns to http://testserver)."""
    with running_provider(redirect_uris("http://testserver"), ACCOUNTS) as issuer:
        yield issuer


@pytest.fixture
def eid_login_enabled(settings, openid_provider):
    settings.OIDC_PROVIDERS = provider_settings(openid_provider)
    return openid_provider
