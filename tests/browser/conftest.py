"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    # Chromium enforces the Content-Security-Policy and reports each refusal on the console: every
    # browser test also checks that no page needed something the policy forbids.
    refusals = []
    page.on("console", lambda message: refusals.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not refusals, "\n".join(refusals)


@pytest.fixture(scope="session")
def browser_openid_provider(live_server):
    """The real test OpenID provider (tests/oidc), returning the browser to the live server."""
    from tests.oidc.provider import ACCOUNTS, redirect_uris, running_provider

    with running_provider(redirect_uris(live_server.url), ACCOUNTS) as issuer:
        yield issuer


@pytest.fixture
def eid_login_enabled(settings, browser_openid_provider):
    from tests.oidc.provider import provider_settings

    settings.OIDC_PROVIDERS = provider_settings(browser_openid_provider)
    return browser_openid_provider
