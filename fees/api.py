"""Fees over the API: a patient's fees in a region, and the fee calculation on uploaded files (the
same formats and engine as `manage.py fees`).

Mounted at /api/v1/meetings/ beside the meetings router (`samverkan/api.py`), under the tag and
operation ids these endpoints had before fees became its own app, so that clients built from the
OpenAPI schema keep working."""

import uuid
from datetime import date
from typing import Literal

from django.http import StreamingHttpResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from core import queries as core_queries
from core.api import actor_of
from core.errors import ActionError, NotPermitted
from core.files import FileErrors, as_action_error, upload_text
from fees import permissions
from fees.charges import standing
from fees.files import charges_csv_pieces, charges_json_pieces, read_schedule, read_visits
from fees.rules import FeeError, calculate_charges
from meetings.queries import region_of

router = Router(tags=["Vårdmöten"])


class ChargeLine(Schema):
    visit_id: str
    personnummer: str
    fee_sek: str
    counts_to_ceiling: str
    paid_in_period_sek: str
    free_card_until: str
    reason: str


class PatientChargeOut(Schema):
    date: date
    visit_kind: str
    fee_sek: int
    reason: str
    explanation: str


class PatientFeesOut(Schema):
    region: str
    paid_in_period_sek: int
    ceiling_sek: int | None
    left_to_free_card_sek: int | None
    period_start: date | None
    period_end: date | None
    free_card_until: date | None
    charges: list[PatientChargeOut]


@router.get("/patients/{patient_id}/fees", response=PatientFeesOut, operation_id="meetings_api_patient_fees",
            summary="En patients avgifter och högkostnadsskydd i den egna regionen")
def patient_fees(request, patient_id: uuid.UUID):
    actor = actor_of(request)
    patient, _basis = core_queries.open_patient(actor, patient_id, endpoint="api:meetings.patient_fees")
    region = region_of(actor.unit)
    try:
        status = standing(patient, region)
    except FeeError as error:
        raise ActionError(str(error)) from None
    charges = patient.charges.filter(region=region).select_related("booking__visit_kind").order_by("date")
    return {
        "region": region.name, "paid_in_period_sek": status.paid_sek,
        "ceiling_sek": status.period.ceiling if status.period else None, "left_to_free_card_sek": status.left_sek,
        "period_start": status.period.start if status.period else None,
        "period_end": status.period.end if status.period else None, "free_card_until": status.free_card_until,
        "charges": [{"date": c.date, "visit_kind": c.booking.visit_kind.key, "fee_sek": c.fee_sek,
                     "reason": c.reason, "explanation": c.explanation} for c in charges],
    }


class FeeCalculationOut(Schema):
    region: str
    visits: int
    total_sek: int
    charges: list[ChargeLine]


@router.post("/fees/calculate", response=FeeCalculationOut, operation_id="meetings_api_calculate",
             summary="Beräkna avgifter från en besöksfil och en avgiftstabell (format enligt meetings-and-fees.md)",
             description=("Svaret strömmas. `format=csv` ger avgiftsfilen (CHARGES.csv, som `manage.py fees`) "
                          "i stället för JSON. Filerna får vara högst 20 MB var."))
def calculate(request, visits: File[UploadedFile], schedule: File[UploadedFile],
              format: Literal["json", "csv"] = "json"):  # noqa: A002 - the query parameter's name
    actor = actor_of(request)
    if not permissions.may_calculate_fees(actor):
        raise NotPermitted("Beräkningen kräver ekonomi- eller samordnarbehörighet.")
    schedule_text = upload_text(schedule, "schedule", (".toml",))
    visits_text = upload_text(visits, "visits", (".csv",))
    try:
        fee_schedule = read_schedule(schedule_text, filename=schedule.name)
    except FileErrors as error:
        raise as_action_error(error, "schedule") from None
    try:
        visit_list = read_visits(visits_text, fee_schedule, filename=visits.name)
        del visits_text  # the text of a large file is not kept while the charges are made
    except FileErrors as error:
        raise as_action_error(error, "visits") from None
    try:
        charges = calculate_charges(visit_list, fee_schedule)
    except FeeError as error:
        raise ActionError(str(error), field="schedule") from None
    # Streamed: a region's year is hundreds of thousands of rows (tens of MB of answer).
    if format == "csv":
        response = StreamingHttpResponse(charges_csv_pieces(charges), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="charges.csv"'
        return response
    return StreamingHttpResponse(charges_json_pieces(fee_schedule.region, charges), content_type="application/json")
