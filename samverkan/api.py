"""The REST API at /api/v1/ (django-ninja): the one NinjaAPI instance, its authentication, its
error handlers, and the routers of the apps mounted on it.

Every endpoint accepts two kinds of caller:
- a system with an API key, `Authorization: Bearer smv_...`, acting as the key's membership;
- a logged-in member of staff in the browser (session cookie, CSRF enforced on writes), acting
  for the unit chosen after login (`request.actor` from `core.middleware.ActorMiddleware`).
A call that sends a key is the key's alone: it passes by the session, CSRF and login middleware
(`core.middleware.api_key_of`), so a session cookie sent with it is never used.

Errors have one shape: `{"detail": "..."}`, or for 422 `{"detail": [{"field": "...", "message":
"..."}]}`; the handlers below make every refusal (an action's `NotPermitted` is a 403, its
`ActionError` a 422) take it. The apps' routers are built from `core.api`'s public helpers; a new
app adds its router with one `api.add_router` line below.

Mounted by samverkan/urls.py with `include("samverkan.api")`, under the URL namespace "api".
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

import core.api
import discharge.api
import contact.api
import forums.api
import meetings.api
import fees.api
from core import actions
from core.actor import Actor
from core.api import NOT_FOUND
from core.errors import ActionError, NotPermitted
from core.db import CompiledRead, columns_of, objects_from_row
from core.middleware import api_key_of
from core.models import ApiToken, Membership, Organisation, Unit, User

NOT_AUTHENTICATED = "Inloggning krävs: skicka en API-nyckel (Authorization: Bearer smv_…) eller logga in."
BAD_TOKEN = "API-nyckeln är okänd, återkallad eller hör till en enhet som inte längre är aktiv."
# How fresh an API key's `last_used_at` is kept: it is written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- Authentication ---------------------------------------------------------------------------

class ApiKeyAuth(HttpBearer):
    """A system's API key. Only its SHA-256 digest is stored (see `actions.create_api_token`)."""

    def __call__(self, request):
        # A caller that sends a key means to use it: a bad key is refused here with 401 rather
        # than falling through to the session check (which would answer a POST with a CSRF 403).
        # Such a call passed by the session middleware: it has no session to fall back to.
        key = api_key_of(request)
        return None if key is None else self.authenticate(request, key)

    def authenticate(self, request, token):
        if not token.startswith(actions.TOKEN_PREFIX):
            raise AuthenticationError(401, BAD_TOKEN)
        api_token = usable_api_token(actions.hash_token(token))
        if api_token is None:
            raise AuthenticationError(401, BAD_TOKEN)
        # Bookkeeping, not a change of data: no audit event for it. At most once a minute per key, so
        # that a system's stream of reads does not write (and wait for a durable commit) on every call.
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        actor = Actor.for_api_token(api_token)
        request.actor = actor
        return actor


def _usable_keys(digest):
    """The key with this digest, if it is not revoked and its membership, user, unit and
    organisation are all still active."""
    return ApiToken.objects.filter(
        digest=digest, revoked_at__isnull=True,
        membership__active=True, membership__user__is_active=True,
        membership__unit__active=True, membership__unit__organisation__active=True,
    )


# The key with the membership it acts as, its user, unit and organisation, in one statement compiled
# once per process: the ORM built and compiled this five-table query on every API call, which cost
# more than half of an API read's CPU (issue 14). Every column of each, so that whatever an endpoint
# reads of the actor is loaded.
_KEY_MODELS = ((ApiToken, ""), (Membership, "membership__"), (User, "membership__user__"),
               (Unit, "membership__unit__"), (Organisation, "membership__unit__organisation__"))
_key_read = CompiledRead(
    lambda digest: _usable_keys(digest).order_by().values_list(
        *(column for model, prefix in _KEY_MODELS for column in columns_of(model, prefix)))[:1],
    (ApiToken._meta.get_field("digest"), "0" * 64),
)


def usable_api_token(digest):
    """The usable key with this digest (see `_usable_keys`) with its membership, user, unit and
    organisation loaded, or None."""
    row = _key_read.first(digest)
    if row is None:
        return None
    token, membership, user, unit, organisation = objects_from_row(row, [model for model, _prefix in _KEY_MODELS])
    ApiToken.membership.field.set_cached_value(token, membership)
    Membership.user.field.set_cached_value(membership, user)
    Membership.unit.field.set_cached_value(membership, unit)
    Unit.organisation.field.set_cached_value(unit, organisation)
    return token


class StaffSessionAuth(SessionAuth):
    """The browser: a logged-in member of staff acting for a unit. CSRF is checked on writes."""

    def _get_key(self, request):
        # Without a logged-in user there is nothing to protect: answer 401, not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        actor = getattr(request, "actor", None)
        if actor is None or actor.is_resident:
            raise AuthorizationError(403, "API:t är till för personal och system.")
        if actor.unit_id is None:
            raise AuthorizationError(403, "Välj först vilken enhet du arbetar för.")
        return actor


api = NinjaAPI(
    title="Samverkan API",
    version="1",
    urls_namespace="api",
    auth=[ApiKeyAuth(), StaffSessionAuth()],
    description=(
        "Samverkan: organisationer, vårdenheter och patienter. Autentisering med API-nyckel "
        "(`Authorization: Bearer smv_…`) eller inloggad session (med CSRF-token vid ändringar). "
        "Fel: `{\"detail\": \"…\"}`; valideringsfel (422): `{\"detail\": [{\"field\", \"message\"}]}`."
    ),
)


# --- Errors: one shape everywhere -------------------------------------------------------------

_MESSAGES = {
    "missing": "Fältet måste fyllas i.",
    "string_type": "Ska vara text.",
    "string_too_long": "Får vara högst {max_length} tecken.",
    "string_too_short": "Måste vara minst {min_length} tecken.",
    "int_type": "Ska vara ett heltal.",
    "int_parsing": "Ska vara ett heltal.",
    "int_from_float": "Ska vara ett heltal.",
    "bool_type": "Ska vara true eller false.",
    "bool_parsing": "Ska vara true eller false.",
    "uuid_type": "Ska vara ett giltigt id (UUID).",
    "uuid_parsing": "Ska vara ett giltigt id (UUID).",
    "enum": "Okänt värde. Tillåtna värden: {expected}.",
    "literal_error": "Okänt värde. Tillåtna värden: {expected}.",
    "greater_than_equal": "Måste vara minst {ge}.",
    "greater_than": "Måste vara större än {gt}.",
    "less_than_equal": "Får vara högst {le}.",
    "less_than": "Måste vara mindre än {lt}.",
    "json_invalid": "Innehållet är inte giltig JSON.",
    "model_attributes_type": "Ska vara ett JSON-objekt.",
    "dict_type": "Ska vara ett JSON-objekt.",
    "model_type": "Ska vara ett JSON-objekt.",
    "extra_forbidden": "Okänt fält.",
}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc):
    parts = [str(part) for part in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A body schema parameter (`payload`) is not a field the caller sent.
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(parts)


def _message(error):
    kind = error.get("type", "")
    ctx = dict(error.get("ctx") or {})
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", " eller ")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    template = _MESSAGES.get(kind)
    if template is None:
        return error.get("msg", "Ogiltigt värde.")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return error.get("msg", "Ogiltigt värde.")


def _field_errors(request, items, status=422):
    return api.create_response(request, {"detail": [{"field": f, "message": m} for f, m in items]}, status=status)


@api.exception_handler(ValidationError)
def schema_validation_error(request, exc):
    return _field_errors(request, [(_field_name(e.get("loc", ())), _message(e)) for e in exc.errors])


# The API names some fields differently from the models and actions it calls.
_API_FIELD = {"home_municipality": "home_municipality_id"}


@api.exception_handler(ActionError)
def action_error(request, exc):
    if isinstance(exc, NotPermitted):
        text = " ".join(m for messages in exc.errors.values() for m in messages) or "Du har inte behörighet."
        return api.create_response(request, {"detail": text}, status=403)
    return _field_errors(
        request, [(_API_FIELD.get(name, name), m) for name, messages in exc.errors.items() for m in messages]
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    # ninja's own refusals, in the language of the rest of the API.
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "Innehållet kunde inte läsas: skicka giltig JSON."
    elif exc.status_code == 403 and message == "CSRF check Failed":
        message = "CSRF-kontrollen misslyckades: skicka med huvudet X-CSRFToken."
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE; ninja would make it a 500.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return api.create_response(request, {"detail": f"Innehållet är för stort: högst {limit} MB."}, status=413)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    message = NOT_AUTHENTICATED if exc.message == "Unauthorized" else exc.message
    response = api.create_response(request, {"detail": message}, status=exc.status_code)
    response["WWW-Authenticate"] = 'Bearer realm="samverkan"'
    return response


api.add_router("/organisations", core.api.organisations)
api.add_router("/units", core.api.units)
api.add_router("/patients", core.api.patients)
api.add_router("/discharge", discharge.api.router)
api.add_router("/meetings", meetings.api.router)
api.add_router("/meetings", fees.api.router)  # the fee endpoints kept their addresses
api.add_router("/contact", contact.api.router)
api.add_router("/forums", forums.api.router)


# Mounted last, so it matches only what nothing above does: an API caller gets JSON, not the
# HTML 404 page.
unknown = Router()


@unknown.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def unknown_path(request, rest: str):
    raise Http404


api.add_router("", unknown)

# For `include("samverkan.api")` in samverkan/urls.py.
urlpatterns = api.urls[0]
app_name = api.urls_namespace
