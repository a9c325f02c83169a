"""Attach the acting person (`request.actor`) to every request; mark every response no-store; answer
an action's NotPermitted with 403; the Content-Security-Policy header, built once; the browser's
middleware (session, CSRF, login, messages) passed by for a call to the API with an API key."""

import http

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.db.models import Q
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from core.actor import Actor
from core.errors import NotPermitted
from core.collation import swedish
from core.db import CompiledRead, columns_of, objects_from_row
from core.models import Membership, Organisation, Unit
from core import sessions
from core.sessions import ACTING_MEMBERSHIP_KEY

# Where the API is mounted (samverkan/urls.py; core/tests/test_api_key_requests.py holds the two alike).
API_PATH = "/api/v1/"


def api_key_of(request):
    """The one rule for who a request comes from: the API key sent with a call to the API (the text
    after `Authorization: Bearer`, "" if none follows), or None.

    A call to the API with a key is a system's, authenticated by that key alone
    (samverkan/api.py:ApiKeyAuth; a bad key is a 401, never a fall back to a session): the browser's
    middleware passes it by (`skipped_for_api_keys`), so no session is read for it, a session cookie
    sent with it is never used, and nobody is logged in on it. It needs no CSRF token, as nothing of
    a browser's is used: a page cannot send this header to another site without CORS, which the site
    does not allow. Everything else, every page and a browser's calls to the API, goes through the
    session, CSRF, login and messages as before: a key sent to a page logs nobody in and skips no
    CSRF check. Passing the four by was ~0.3 ms of an API read's ~2 ms of Django (issue 14)."""
    if not request.path_info.startswith(API_PATH):
        return None
    # META, not request.headers: that builds a dict of every header on first use.
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else None


def skipped_for_api_keys(middleware):
    """`middleware` (a Django MiddlewareMixin) for everything but a call to the API with a key, which
    passes it by (`api_key_of`)."""

    class ForBrowsers(middleware):
        sync_capable, async_capable = True, False

        def __call__(self, request):
            if api_key_of(request) is not None:
                return self.get_response(request)
            return super().__call__(request)

        if hasattr(middleware, "process_view"):
            def process_view(self, request, *args):
                return None if api_key_of(request) is not None else super().process_view(request, *args)

    ForBrowsers.__name__ = ForBrowsers.__qualname__ = middleware.__name__
    ForBrowsers.__doc__ = f"{middleware.__module__}.{middleware.__name__}, passed by for a call with an API key."
    return ForBrowsers


class _AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the user read along with the session (core.sessions) offered to the login
    backend (core.backends) while Django finds the request's user: one statement for both."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: user_of(request))


def user_of(request):
    """django.contrib.auth.middleware.get_user, the session's read-along offered to the backend."""
    if not hasattr(request, "_cached_user"):
        token = sessions.current.set(request.session)  # loaded by Django's get_user, in the backend's reach
        try:
            request._cached_user = auth.get_user(request)
        finally:
            sessions.current.reset(token)
    return request._cached_user


SessionMiddleware = skipped_for_api_keys(DjangoSessionMiddleware)
CsrfViewMiddleware = skipped_for_api_keys(DjangoCsrfViewMiddleware)
AuthenticationMiddleware = skipped_for_api_keys(_AuthenticationMiddleware)
MessageMiddleware = skipped_for_api_keys(DjangoMessageMiddleware)


def usable_condition(prefix=""):
    """What makes a membership one its user may act for (`prefix`: the path to it from the model read):
    active, in an active unit of an active organisation."""
    return Q(**{f"{prefix}active": True, f"{prefix}unit__active": True, f"{prefix}unit__organisation__active": True})


def usable_memberships(user):
    """The user's memberships they may act for (`usable_condition`)."""
    return Membership.objects.filter(usable_condition(), user=user)


def active_memberships(user):
    return (
        usable_memberships(user)
        .select_related("unit", "unit__organisation", "user")
        .order_by(swedish("unit__organisation__name"), swedish("unit__name"))
    )


# The acting membership with its unit and organisation, read on every staff request: one statement
# compiled once per process (issue 14: building and compiling it, with the Swedish ordering the list
# above needs and a lookup by id does not, cost about a third of a light page's CPU).
_ACTING_MODELS = ((Membership, ""), (Unit, "unit__"), (Organisation, "unit__organisation__"))
_acting_read = CompiledRead(
    lambda membership_id, user_id: usable_memberships(user_id).filter(pk=membership_id).values_list(
        *(column for model, prefix in _ACTING_MODELS for column in columns_of(model, prefix)))[:1],
    (Membership._meta.pk, -71_001), (Membership._meta.get_field("user"), -71_002),
)


def acting_membership(user, membership_id, session=None):
    """The user's usable membership with this id, its unit and organisation loaded, or None. Taken
    from what was read with the `session` when that is the same user and membership (core.sessions)."""
    along = getattr(session, "read_along", None)
    if along is not None and along.has_membership(user.pk, membership_id):
        if not along.usable:
            return None
        Membership.user.field.set_cached_value(along.membership, user)
        return along.membership
    try:
        row = _acting_read.first(membership_id, user.pk)
    except (TypeError, ValueError):  # a session value that is not an id
        return None
    if row is None:
        return None
    membership, unit, organisation = objects_from_row(row, [model for model, _prefix in _ACTING_MODELS])
    Unit.organisation.field.set_cached_value(unit, organisation)
    Membership.unit.field.set_cached_value(membership, unit)
    Membership.user.field.set_cached_value(membership, user)
    return membership


def resolve_actor(request):
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_resident:
        return Actor.resident(user)
    membership_id = request.session.get(ACTING_MEMBERSHIP_KEY)
    membership = acting_membership(user, membership_id, request.session) if membership_id else None
    if membership is None:
        # One unit only: act for it without asking.
        candidates = list(active_memberships(user)[:2])
        if len(candidates) == 1:
            membership = candidates[0]
            request.session[ACTING_MEMBERSHIP_KEY] = membership.pk
    return Actor.for_membership(membership) if membership else Actor(user=user)


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if api_key_of(request) is not None:
            # Nobody is logged in on a call with a key; its actor is the key's (ApiKeyAuth sets it).
            request.user, request.actor = AnonymousUser(), None
        else:
            request.actor = resolve_actor(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response Django makes: pages, exports and the API carry
    patient data, and no browser or proxy cache may keep them. Static files are answered before
    this by WhiteNoise and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response


class NotPermittedMiddleware:
    """The one place an action's refusal for want of permission becomes an answer on the pages: a
    `NotPermitted` that a view does not handle itself is a 403 page (Django's handler403). Views
    call actions and let the refusal pass; the API's counterpart is its handler in samverkan/api.py."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotPermitted):
            return response_for_exception(request, PermissionDenied(str(exception)))
        return None


class SitePolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the site's policy (settings.CONTENT_SECURITY_POLICY) built once per
    process: django-csp builds it anew for every response, ~5 % of an API request's CPU (issue 14). A
    response a view gave a policy of its own (django-csp's decorators), a request that used a nonce,
    and a report-only policy in the settings go through django-csp unchanged; a policy changed in the
    settings (tests) is built again. The header is the one django-csp writes
    (core/tests/test_security_headers.py holds the two to the same headers)."""

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built = None  # (the settings' policy it was built from, the header)

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (getattr(request, "_csp_nonce", None) is not None or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
                or not policy or any(hasattr(response, name) for name in self._PER_RESPONSE)):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND):
            return response
        if self._built is None or self._built[0] is not policy:
            self._built = (policy, build_policy())
        header = self._built[1]
        excluded = request.path_info.startswith(tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ()))
        if header and HEADER not in response and not getattr(response, "_csp_exempt", False) and not excluded:
            response[HEADER] = header
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
