"""The liability basis over the API: the month's basis for the cases in the database, and a
calculation on uploaded files (the same formats and engine as `manage.py liability`)."""

from typing import Annotated

from django.http import Http404
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from core.api import actor_of
from core.errors import ActionError, NotPermitted
from core.files import FileErrors, as_action_error, upload_text
from core.models import Organisation
from discharge import permissions, queries
from discharge.invoicing import basis_scope
from discharge.liability_files import case_row, read_agreement, read_events, summary_row
from discharge.rules.liability import LiabilityError, Month, calculate_month

router = Router(tags=["Utskrivning: betalningsansvar"])

MonthText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="ÅÅÅÅ-MM")]


class CaseLine(Schema):
    case_id: str
    municipality_code: str
    care_type: str
    day0: str
    discharge_day: str
    ready_days: str
    eligible: str
    reason: str
    rule: str
    liable_days: str
    amount_sek: str


class SummaryLine(Schema):
    municipality_code: str
    month: str
    care_type: str
    cases: str
    eligible_cases: str
    mean_ready_days: str
    liable_days: str
    amount_sek: str


class MunicipalityBasisOut(Schema):
    municipality_code: str
    municipality_name: str
    agreement: str
    error: str
    invoiced_sek: int
    disputed_sek: int
    credited_sek: int
    final_sek: int
    summaries: list[SummaryLine]
    cases: list[CaseLine]


class BasisOut(Schema):
    month: str
    region: str
    municipalities: list[MunicipalityBasisOut]


class CalculationOut(Schema):
    month: str
    agreement: str
    summaries: list[SummaryLine]
    cases: list[CaseLine]


class BasisFilter(Schema):
    month: MonthText
    municipality: Annotated[str, Field(pattern=r"^\d{4}$")] | None = None


def _month(text):
    try:
        return Month.parse(text)
    except ValueError as error:
        raise ActionError(str(error), field="month") from None


@router.get("/liability", response=BasisOut, summary="Månadens fakturaunderlag för ärendena i Samverkan")
def liability_basis(request, filters: Query[BasisFilter]):
    month = _month(filters.month)
    scope = basis_scope(actor_of(request))
    municipality = None
    if filters.municipality:
        if scope.municipality is not None and scope.municipality.code != filters.municipality:
            raise Http404
        municipality = Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY, code=filters.municipality).first()
        if municipality is None:
            raise Http404
    elif scope.municipality is not None:
        municipality = scope.municipality
    bases = queries.region_basis(scope.region, month, municipality=municipality, lines="all")  # stored, or computed now
    return {"month": str(month), "region": scope.region.name, "municipalities": [{
        "municipality_code": b.municipality.code, "municipality_name": b.municipality.name,
        "agreement": b.agreement.name if b.agreement else b.terms.name, "error": b.error,
        "invoiced_sek": b.invoiced_sek, "disputed_sek": b.disputed_sek, "credited_sek": b.credited_sek,
        "final_sek": b.final_sek,
        "summaries": [summary_row(s) for s in b.result.summaries] if b.result else [],
        "cases": [case_row(r) for r in b.result.cases] if b.result else [],
    } for b in bases]}


@router.post("/liability/calculate", response=CalculationOut,
             summary="Beräkna en månad från en händelsefil och en avtalsfil (format enligt svu.md)")
def calculate(request, month: Form[MonthText], events: File[UploadedFile], agreement: File[UploadedFile]):
    actor = actor_of(request)
    if not permissions.may_calculate_liability(actor):
        raise NotPermitted("Beräkningen kräver ekonomibehörighet.")
    month = _month(month)
    events_text = upload_text(events, "events", (".csv",))
    agreement_text = upload_text(agreement, "agreement", (".toml",))
    try:
        terms = read_agreement(agreement_text, filename=agreement.name)
    except FileErrors as error:
        raise as_action_error(error, "agreement") from None
    try:
        cases = read_events(events_text, filename=events.name)
    except FileErrors as error:
        raise as_action_error(error, "events") from None
    try:
        result = calculate_month(cases, terms, month)
    except LiabilityError as error:
        raise ActionError(str(error), field="agreement") from None
    return {"month": str(month), "agreement": terms.name, "summaries": [summary_row(s) for s in result.summaries],
            "cases": [case_row(r) for r in result.cases]}
