"""The REST API at /api/v1/ (django-ninja): organisations, units and patients.

Every endpoint accepts two kinds of caller:
- a system with an API key, `Authorization: Bearer smv_...`, acting as the key's membership;
- a logged-in member of staff in the browser (session cookie, CSRF enforced on writes), acting
  for the unit chosen after login (`request.actor` from `core.middleware.ActorMiddleware`).

Reads and writes of patient data go through `core.queries` and `core.actions`, which check
access and write the audit log; this module only translates HTTP to and from them. Errors have
one shape: `{"detail": "..."}`, or for 422 `{"detail": [{"field": "...", "message": "..."}]}`.
Patient URLs carry only the opaque UUID; a personnummer travels in a POST body, never in a URL.

Mounted by samverkan/urls.py with `include("core.api")`, under the URL namespace "api".
"""

import uuid
from datetime import date
from typing import Annotated, Optional

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, ConfigDict

from core import actions, queries
from core.actor import Actor
from core.errors import ActionError, NotPermitted
from core.models import ApiToken, Organisation, Unit
from core.rules.identity import InvalidPersonalNumber

NOT_FOUND = "Hittades inte."
NOT_AUTHENTICATED = "Inloggning krävs: skicka en API-nyckel (Authorization: Bearer smv_…) eller logga in."
BAD_TOKEN = "API-nyckeln är okänd, återkallad eller hör till en enhet som inte längre är aktiv."
MAX_PAGE = 200
MAX_OFFSET = 10**9
MAX_ID = 2**63 - 1  # bigint: larger ids would overflow the database driver


# --- Authentication ---------------------------------------------------------------------------

class ApiKeyAuth(HttpBearer):
    """A system's API key. Only its SHA-256 digest is stored (see `actions.create_api_token`)."""

    def __call__(self, request):
        # A caller that sends a key means to use it: a bad key is refused here with 401 rather
        # than falling through to the session check (which would answer a POST with a CSRF 403).
        header = request.headers.get("Authorization", "")
        if header.split(" ", 1)[0].lower() == "bearer":
            return self.authenticate(request, header.split(" ", 1)[1].strip() if " " in header else "")
        return None

    def authenticate(self, request, token):
        if not token.startswith(actions.TOKEN_PREFIX):
            raise AuthenticationError(401, BAD_TOKEN)
        api_token = (
            ApiToken.objects.select_related("membership__user", "membership__unit__organisation")
            .filter(
                digest=actions.hash_token(token), revoked_at__isnull=True,
                membership__active=True, membership__user__is_active=True,
                membership__unit__active=True, membership__unit__organisation__active=True,
            )
            .first()
        )
        if api_token is None:
            raise AuthenticationError(401, BAD_TOKEN)
        # Bookkeeping, not a change of data: no audit event for it.
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        actor = Actor.for_api_token(api_token)
        request.actor = actor
        return actor


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

class Detail(Schema):
    detail: str


class FieldError(Schema):
    field: str = Field(description="The request field the message is about; empty for the whole request.")
    message: str


class ValidationErrors(Schema):
    detail: list[FieldError]


ERRORS = {401: Detail, 403: Detail, 422: ValidationErrors}
ERRORS_404 = {**ERRORS, 404: Detail}

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


# --- Input types ------------------------------------------------------------------------------

def _printable(value):
    # NUL and other control characters would break PostgreSQL text columns or hide in logs.
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("Får inte innehålla styrtecken.")
    return value


def Text(max_length):
    return Annotated[str, Field(max_length=max_length), AfterValidator(_printable)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class StrictInput(Schema):
    model_config = ConfigDict(extra="forbid")


def _actor(request):
    return request.auth


def _get_or_404(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


class Pagination(LimitOffsetPagination):
    """limit/offset with bounds, so that a huge offset is a 422 rather than a database error."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- Organisations and units ------------------------------------------------------------------

organisations = Router(tags=["Organisationer"])
units = Router(tags=["Vårdenheter"])
patients = Router(tags=["Patienter"])


class OrganisationOut(Schema):
    id: int
    kind: Organisation.Kind
    name: str
    code: str
    county_code: str
    healthcare_region: str
    active: bool


class UnitOut(Schema):
    id: int
    organisation_id: int
    parent_id: Optional[int]
    kind: Unit.Kind
    name: str
    hsa_id: str
    active: bool


class OrganisationFilter(Schema):
    kind: Optional[Organisation.Kind] = None


class UnitFilter(Schema):
    organisation_id: Optional[Id] = None
    kind: Optional[Unit.Kind] = None


@organisations.get("", response={200: list[OrganisationOut], **ERRORS}, operation_id="list_organisations")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_organisations(request, filters: Query[OrganisationFilter]):
    found = Organisation.objects.order_by("kind", "name", "pk")
    if filters.kind:
        found = found.filter(kind=filters.kind)
    return found


@organisations.get("/{organisation_id}", response={200: OrganisationOut, **ERRORS_404},
                   operation_id="get_organisation")
def get_organisation(request, organisation_id: Id):
    return _get_or_404(Organisation.objects, pk=organisation_id)


@units.get("", response={200: list[UnitOut], **ERRORS}, operation_id="list_units")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_units(request, filters: Query[UnitFilter]):
    found = Unit.objects.order_by("organisation__name", "name", "pk")
    if filters.organisation_id:
        found = found.filter(organisation_id=filters.organisation_id)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    return found


@units.get("/{unit_id}", response={200: UnitOut, **ERRORS_404}, operation_id="get_unit")
def get_unit(request, unit_id: Id):
    return _get_or_404(Unit.objects, pk=unit_id)


# --- Patients ---------------------------------------------------------------------------------

class PatientSearchIn(StrictInput):
    personal_number: Text(20) = Field(description="Personnummer eller samordningsnummer, 10 eller 12 siffror.")


class PatientHit(Schema):
    id: uuid.UUID
    personal_number: str = Field(description="ÅÅÅÅMMDD-NNNN")
    name: str = Field(description="'Skyddad identitet' when the caller's role may not see the name.")
    can_open: bool = Field(description="Whether GET /patients/{id} will open the record for this caller.")


class PatientCardOut(Schema):
    id: uuid.UUID
    personal_number: str
    name: str
    first_name: str
    last_name: str
    address: str
    birth_date: date
    is_coordination_number: bool
    protected_identity: bool
    identity_hidden: bool = Field(description="Name and address are withheld from this caller.")
    home_municipality: str


class PatientIn(StrictInput):
    personal_number: Text(20)
    first_name: Text(100)
    last_name: Text(100)
    street_address: Text(200) = ""
    postal_code: Text(6) = ""
    city: Text(100) = ""
    home_municipality_id: Optional[Id] = None
    protected_identity: bool = False


@patients.post("/search", response={200: list[PatientHit], **ERRORS}, operation_id="search_patients")
def search_patients(request, payload: PatientSearchIn):
    """Find a patient by number. POST, so the number never lands in a URL or an access log.

    Searching needs no care relation (PDL); each hit is logged as a read with basis `search`.
    """
    try:
        hits = queries.search_patients(_actor(request), payload.personal_number, endpoint="api:patients.search")
    except InvalidPersonalNumber as error:
        raise ActionError(error.message, field="personal_number") from None
    return [
        {"id": hit.card.id, "personal_number": hit.card.personal_number, "name": hit.card.name,
         "can_open": hit.can_open}
        for hit in hits
    ]


@patients.get("/{patient_id}", response={200: PatientCardOut, **ERRORS_404}, operation_id="get_patient")
def get_patient(request, patient_id: uuid.UUID):
    """Open a patient: needs a care relation or an emergency access, otherwise 404. Logged."""
    actor = _actor(request)
    patient, _basis = queries.open_patient(actor, patient_id, endpoint="api:patients.read")
    return queries.patient_card(patient, actor)


@patients.post("", response={201: PatientCardOut, **ERRORS}, operation_id="register_patient")
def register_patient(request, payload: PatientIn):
    """Register a patient; the caller's unit gets a care relation to them."""
    actor = _actor(request)
    municipality = None
    if payload.home_municipality_id is not None:
        municipality = Organisation.objects.filter(pk=payload.home_municipality_id).first()
        if municipality is None:
            raise ActionError("Det finns ingen kommun med det id:t.", field="home_municipality_id")
    patient = actions.register_patient(
        actor,
        personal_number=payload.personal_number,
        first_name=payload.first_name,
        last_name=payload.last_name,
        street_address=payload.street_address,
        postal_code=payload.postal_code,
        city=payload.city,
        home_municipality=municipality,
        endpoint="api:patients.create",
        protected_identity=payload.protected_identity,
    )
    return Status(201, queries.patient_card(patient, actor))


api.add_router("/organisations", organisations)
api.add_router("/units", units)
api.add_router("/patients", patients)
# Imported by path: these modules use this module's helpers.
api.add_router("/discharge", "discharge.api.router")
api.add_router("/meetings", "meetings.api.router")
api.add_router("/forums", "forums.api.router")


# Mounted last, so it matches only what nothing above does: an API caller gets JSON, not the
# HTML 404 page.
unknown = Router()


@unknown.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def unknown_path(request, rest: str):
    raise Http404


api.add_router("", unknown)

# For `include("core.api")` in samverkan/urls.py.
urlpatterns = api.urls[0]
app_name = api.urls_namespace
