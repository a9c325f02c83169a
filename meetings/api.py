"""Meetings over the API: free times to book. (A patient's fees and the fee calculation on files,
also under /api/v1/meetings/, are the fees app's router: `fees/api.py`.)"""

from datetime import datetime

from django.http import Http404
from ninja import Query, Router, Schema

from core.api import Id, Output, Text, actor_of
from core.errors import ActionError, NotPermitted
from meetings import queries
from meetings.queries import region_of
from meetings.models import VISIT_FORMS

router = Router(tags=["Vårdmöten"])


class SlotOut(Output):
    id: int
    unit_id: int
    unit_name: str
    staff_name: str
    visit_kind: str
    starts_at: datetime
    ends_at: datetime
    forms: list[str]


class FreeSlotFilter(Schema):
    visit_kind: Text(40)  # the key, e.g. "lakarbesok", in the caller's region
    form: Text(10) | None = None
    unit_id: Id | None = None
    since: datetime | None = None


@router.get("/free-slots", response=list[SlotOut], summary="Lediga tider för en besökstyp i regionen")
def list_free_slots(request, filters: Query[FreeSlotFilter]):
    actor = actor_of(request)
    if actor.unit is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")
    if filters.form is not None and filters.form not in VISIT_FORMS:
        raise ActionError("Besöksformen ska vara physical, phone eller video.", field="form")
    kind = queries.visit_kind_by_key(region_of(actor.unit), filters.visit_kind)
    if kind is None:
        raise Http404
    slots = queries.free_slot_listing(kind, form=filters.form, unit_id=filters.unit_id, since=filters.since)
    return [slot | {"visit_kind": kind.key} for slot in slots]
