"""The contact entry over the API: a national front end (such as 1177's) files residents' matters
with a required Idempotency-Key, and reads them back. Mounted by core.api at /api/v1/contact."""

import uuid
from datetime import datetime
from typing import Literal, Optional

from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from contact import actions, queries
from contact.models import Category, Matter
from core.api import ERRORS, ERRORS_404, Detail, Id, MAX_PAGE, Pagination, StrictInput, Text, _actor
from core.audit import record_reads
from core.errors import ActionError
from core.models import Patient
from core.rules.identity import InvalidPersonalNumber, parse_personal_number

router = Router(tags=["Kontaktingång"])


class MatterIn(StrictInput):
    personnummer: Text(13) = Field(description="Personnummer eller samordningsnummer, 10 eller 12 siffror.")
    category: Category
    description: Text(4000) = Field(min_length=1)
    answers: dict[Text(40), Text(500)] = Field(default_factory=dict, description="Frågornas nyckel → svar (ja/nej/fritext).")
    channel: Literal["web", "app", "phone"] = Field("web", description="Where the resident wrote it at the front end; kept on the matter's first event.")


class MatterOut(Schema):
    id: uuid.UUID
    status: Matter.Status
    priority: str = Field(description="Empty until staff have triaged the matter.")
    red_flags: list[str]
    category: Category
    unit_id: int
    unit_name: str
    created_at: datetime
    due_at: datetime


class MatterFilter(Schema):
    unit_id: Optional[Id] = None
    status: Optional[Matter.Status] = None


def _out(matter):
    return {"id": matter.pk, "status": matter.status, "priority": matter.priority, "red_flags": matter.red_flags,
            "category": matter.category, "unit_id": matter.unit_id, "unit_name": matter.unit.name,
            "created_at": matter.created_at, "due_at": matter.due_at}


def _patient(number):
    try:
        canonical = parse_personal_number(number).canonical
    except InvalidPersonalNumber as error:
        raise ActionError(error.message, field="personnummer") from None
    patient = Patient.objects.select_related("listed_unit").filter(personal_number=canonical).first()
    if patient is None:
        raise ActionError("Personen finns inte i Samverkan.", field="personnummer")
    return patient


@router.post("/matters", response={201: MatterOut, 200: MatterOut, 409: Detail, **ERRORS},
             operation_id="file_contact_matter", summary="Skicka in ett ärende för en invånare")
def file_matter(request, payload: MatterIn,
                idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=200)):
    """The first request with a key answers 201; the same key and body again 200 with the same
    matter; the same key with another body 409. Clients retry with the same key after a timeout."""
    actor = _actor(request)
    if any(ord(c) < 32 or ord(c) == 127 for c in idempotency_key):
        raise ActionError("Idempotency-Key får inte innehålla styrtecken.", field="Idempotency-Key")
    body = payload.dict()
    patient = _patient(payload.personnummer)
    try:
        matter, created = actions.file_matter_once(
            actor, key=idempotency_key, body=body, patient=patient, category=payload.category,
            description=payload.description, answers=payload.answers, source=payload.channel)
    except actions.IdempotencyConflict as error:
        return Status(409, {"detail": str(error.errors["Idempotency-Key"][0])})
    matter = Matter.objects.select_related("unit").get(pk=matter.pk)
    return Status(201 if created else 200, _out(matter))


@router.get("/matters/{matter_id}", response={200: MatterOut, **ERRORS_404}, operation_id="get_contact_matter")
def get_matter(request, matter_id: uuid.UUID):
    """A matter the caller's unit holds or filed (404 otherwise). The read is logged."""
    matter = queries.staff_matter(_actor(request), matter_id, endpoint="api:contact.matter")
    return _out(matter)


@router.get("/matters", response={200: list[MatterOut], **ERRORS}, operation_id="list_contact_matters")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_matters(request, filters: Query[MatterFilter]):
    """The matters the caller's unit holds or filed, newest first; `count` is the total."""
    found = Matter.objects.visible_to(_actor(request)).select_related("unit").order_by("-created_at", "pk")
    if filters.unit_id:
        found = found.filter(unit_id=filters.unit_id)
    if filters.status:
        found = found.filter(status=filters.status)
    return _Logged(found, _actor(request))


class _Logged:
    """The page the paginator slices out is logged as reads, one row per matter shown."""

    def __init__(self, queryset, actor):
        self.queryset, self.actor = queryset, actor

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        page = list(self.queryset[item])
        record_reads(self.actor, page, action="contact.read", reason="Kontaktärende", endpoint="api:contact.matters")
        return [_out(m) for m in page]


