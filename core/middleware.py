"""Attach the acting person (`request.actor`) to every request; mark every response no-store; answer
an action's NotPermitted with 403; the Content-Security-Policy header, built once."""

import http

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.utils.cache import patch_cache_control

from core.actor import Actor
from core.errors import NotPermitted
from core.collation import swedish
from core.db import CompiledRead, columns_of, objects_from_row
from core.models import Membership, Organisation, Unit

ACTING_MEMBERSHIP_KEY = "acting_membership_id"


def usable_memberships(user):
    """The user's memberships they may act for: active, in an active unit of an active organisation."""
    return Membership.objects.filter(user=user, active=True, unit__active=True, unit__organisation__active=True)


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


def acting_membership(user, membership_id):
    """The user's usable membership with this id, its unit and organisation loaded, or None."""
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
    membership = acting_membership(user, membership_id) if membership_id else None
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
