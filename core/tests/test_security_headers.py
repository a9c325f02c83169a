"""Headers a healthcare site sends: a Content-Security-Policy without inline script or style, and
`Cache-Control: no-store` on everything that may carry patient data (pages, exports, the API).
Static files stay cacheable."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from core.tests.factories import make_actor, make_api_token, make_patient

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_a_page_sends_a_policy_with_scripts_and_styles_from_the_site_only(client):
    client.force_login(make_actor().user)
    policy = directives(client.get(reverse("core:home")))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_the_login_page_also_sends_the_policy(client):
    assert "script-src 'self'" in client.get(reverse("core:login"))["Content-Security-Policy"]


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_pages_exports_and_the_api_are_never_stored_by_a_cache(client):
    admin = make_actor(roles=["system_admin"])
    client.force_login(admin.user)
    assert no_store(client.get(reverse("core:home")))
    assert no_store(client.get(reverse("core:login")))
    extract = reverse("core:access_log_extract", args=[make_patient().pk])
    csv_response, pdf_response = client.get(extract + "?format=csv"), client.get(extract + "?format=pdf")
    assert csv_response["Content-Type"].startswith("text/csv") and no_store(csv_response)
    assert pdf_response["Content-Type"] == "application/pdf" and no_store(pdf_response)

    _token, raw = make_api_token(admin.membership)
    api = Client().get("/api/v1/organisations", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200 and no_store(api)
    assert no_store(Client().get("/api/v1/organisations"))  # refused, still not stored


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_a_static_file_stays_cacheable():
    response = Client().get(settings.STATIC_URL + "css/samverkan.css")
    assert response.status_code == 200
    assert not no_store(response)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "on* event handler"),
    (re.compile(r"\shx-on", re.I), "hx-on handler (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_or_chart_needs_inline_script_or_style():
    """The policy has no 'unsafe-inline': anything inline would be blocked in the browser."""
    root = Path(settings.BASE_DIR)
    sources = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html"), root / "core" / "charts.py"]
    found = [f"{path.relative_to(root)}: {what}" for path in sources for pattern, what in INLINE
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert len(sources) > 20 and not found
