"""The API's shared pieces and core's own endpoints (organisations, units, patients).

The API itself (the NinjaAPI instance, authentication, error handlers, and the mounting of every
app's router) is the project's: `samverkan/api.py`. An app's `api.py` builds a ninja `Router` from
the public helpers here: `actor_of(request)` for the calling actor, `get_or_404`, the input types
`Text`, `Id` and `StrictInput`, the response base `Output`, `Pagination`, and the error schemas `ERRORS`/`ERRORS_404`.

Reads and writes of patient data go through `core.queries` and `core.actions`, which check
access and write the audit log; this module only translates HTTP to and from them. Errors have
one shape: `{"detail": "..."}`, or for 422 `{"detail": [{"field": "...", "message": "..."}]}`.
Patient URLs carry only the opaque UUID; a personnummer travels in a POST body, never in a URL.
"""

import uuid
from datetime import date
from typing import Annotated, Optional

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import AfterValidator, BaseModel, ConfigDict

from core import actions, queries
from core.errors import ActionError
from core.models import Organisation, Unit
from core.rules.identity import InvalidPersonalNumber

NOT_FOUND = "Hittades inte."
MAX_PAGE = 200
MAX_OFFSET = 10**9
MAX_ID = 2**63 - 1  # bigint: larger ids would overflow the database driver


# --- Errors: one shape everywhere (the handlers are in samverkan/api.py) -----------------------

class Detail(Schema):
    detail: str


class FieldError(Schema):
    field: str = Field(description="The request field the message is about; empty for the whole request.")
    message: str


class ValidationErrors(Schema):
    detail: list[FieldError]


ERRORS = {401: Detail, 403: Detail, 422: ValidationErrors}
ERRORS_404 = {**ERRORS, 404: Detail}

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


class Output(BaseModel):
    """A response schema that pydantic validates alone. ninja's `Schema` reads every field of every
    object through a Python getter (its `DjangoGetter`, for model relations and `resolve_*`), which was
    a fifth of the free-time search's CPU for 20 times (issue 14). For answers built as dicts or
    dataclasses of plain values; answers read from models keep ninja's `Schema`."""

    model_config = ConfigDict(from_attributes=True)


def actor_of(request):
    """The actor the API call acts as: the API key's membership, or the logged-in staff member."""
    return request.auth


def get_or_404(queryset, **lookup):
    """The one object matching `lookup` in `queryset` (already restricted to what the caller may
    see), or a 404 in the API's error shape."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


# The names these helpers had while they were private; kept for modules written against them.
_actor = actor_of
_get_or_404 = get_or_404


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
    return get_or_404(Organisation.objects, pk=organisation_id)


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
    return get_or_404(Unit.objects, pk=unit_id)


# --- Patients ---------------------------------------------------------------------------------

class PatientSearchIn(StrictInput):
    personal_number: Text(20) = Field(description="Personnummer eller samordningsnummer, 10 eller 12 siffror.")


class PatientHit(Schema):
    id: uuid.UUID
    personal_number: str = Field(description="ÅÅÅÅMMDD-NNNN")
    name: str = Field(description="'Skyddad identitet' when the caller's role may not see the name.")
    can_open: bool = Field(description="Whether GET /patients/{id} will open the record for this caller.")


class PatientCardOut(Output):
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
        hits = queries.search_patients(actor_of(request), payload.personal_number, endpoint="api:patients.search")
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
    actor = actor_of(request)
    patient, _basis = queries.open_patient(actor, patient_id, endpoint="api:patients.read")
    return queries.patient_card(patient, actor)


@patients.post("", response={201: PatientCardOut, **ERRORS}, operation_id="register_patient")
def register_patient(request, payload: PatientIn):
    """Register a patient; the caller's unit gets a care relation to them."""
    actor = actor_of(request)
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
