"""Headers a healthcare site sends: a Content-Security-Policy without inline script or style, and
`Cache-Control: no-store` on everything that may carry patient data (pages, exports, the API).
Static files stay cacheable."""

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from core import middleware as middleware_module
from core.middleware import SitePolicyCSPMiddleware
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


def csp_answers(middleware_class, make_response, *, use_nonce=False, path="/api/v1/patients/x"):
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda request: make_response())
    middleware.process_request(request)
    if use_nonce:
        str(request.csp_nonce)
    response = middleware.process_response(request, make_response())
    return response.get("Content-Security-Policy"), response.get("Content-Security-Policy-Report-Only")


def page(status=200, **attributes):
    def make():
        response = HttpResponse("x", status=status)
        for name, value in attributes.items():
            setattr(response, name, value)
        return response
    return make


@pytest.mark.parametrize("debug", [False, True])
def test_the_site_policy_built_once_is_the_header_django_csp_writes(debug, monkeypatch):
    cases = [page(), lambda: JsonResponse({"a": 1}), page(404), page(500), page(_csp_exempt=True),
             page(_csp_update={"img-src": ["https://kartor.example"]}), page(_csp_replace={"script-src": None})]
    with override_settings(DEBUG=debug):
        for make in cases:
            assert csp_answers(SitePolicyCSPMiddleware, make) == csp_answers(CSPMiddleware, make)
        assert csp_answers(SitePolicyCSPMiddleware, page(), use_nonce=True) == csp_answers(
            CSPMiddleware, page(), use_nonce=True)
    built = []
    monkeypatch.setattr(middleware_module, "build_policy", lambda: built.append(1) or "default-src 'self'")
    middleware = SitePolicyCSPMiddleware(lambda request: HttpResponse())
    for _ in range(3):
        middleware.process_response(RequestFactory().get("/"), HttpResponse())
    assert built == [1]


def test_a_changed_policy_in_the_settings_is_written_not_the_one_built_before():
    middleware = SitePolicyCSPMiddleware(lambda request: HttpResponse())
    before = middleware.process_response(RequestFactory().get("/"), HttpResponse())["Content-Security-Policy"]
    changed = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'", "https://x.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        after = middleware.process_response(RequestFactory().get("/"), HttpResponse())["Content-Security-Policy"]
    assert "https://x.example" in after and "https://x.example" not in before
