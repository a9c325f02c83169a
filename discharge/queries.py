"""Reads of discharge cases. A unit sees the cases it is a party to; a case it is not a party to
answers 404. Patient data shown in a case or a worklist is logged as a read."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from core.models import AuditEvent
from core.audit import actor_columns
from core.queries import patient_card
from discharge.models import CaseEvent, CaseParty, DischargeCase

ADMISSION_NOTICE_HOURS = 24
DEFAULT_PLANNING_DAYS = 3
DEFAULT_LONG_STAY_DAYS = 30
PAGE_SIZE = 50


def cases_for(actor):
    if actor.unit_id is None:
        return DischargeCase.objects.none()
    return DischargeCase.objects.filter(Exists(CaseParty.objects.filter(case=OuterRef("pk"), unit_id=actor.unit_id)))


def party_role(actor, case):
    return case.parties.filter(unit_id=actor.unit_id).values_list("role", flat=True).first()


def open_case(actor, case_id, *, endpoint):
    """The case, if the acting unit takes part in it (404 otherwise); the read is logged."""
    try:
        case = cases_for(actor).select_related("patient", "patient__home_municipality", "ward", "municipality").get(pk=case_id)
    except (DischargeCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    log_reads(actor, [case], endpoint=endpoint)
    return case


def log_reads(actor, cases, *, endpoint):
    """One audit row per patient shown, written in one statement."""
    columns = actor_columns(actor)
    AuditEvent.objects.bulk_create([
        AuditEvent(kind=AuditEvent.Kind.READ, action="discharge.read", object_type="discharge.dischargecase",
                   object_id=str(case.pk), patient_id=case.patient_id, basis=AuditEvent.Basis.RELATION,
                   reason="Utskrivningsärende", endpoint=endpoint, **columns)
        for case in cases
    ])


def timeline(case):
    return case.events.select_related("author", "author_unit", "corrects").prefetch_related("receipts__unit")


@dataclass(frozen=True)
class Worklist:
    key: str
    title: str
    help: str


WORKLISTS = [
    Worklist("act_on", "Nya att hantera", "Ärenden där din enhet ännu inte gjort något."),
    Worklist("commitment_missing", "Ställningstagande saknas", "Pågående ärenden utan ställningstagande från din enhet."),
    Worklist("ready_today", "Utskrivningsklara i dag", "Meddelande om utskrivningsklar skickat i dag."),
    Worklist("overdue", "Försenade steg", "Inskrivningsmeddelande senare än 24 timmar, eller kallelse efter tidsfristen."),
    Worklist("long_stayers", "Långliggare", f"Utskrivningsklara sedan mer än {DEFAULT_LONG_STAY_DAYS} dagar."),
    Worklist("all_open", "Alla pågående", "Alla pågående ärenden där din enhet deltar."),
]


def worklist_queryset(actor, key, *, now=None):
    now = now or timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    open_cases = cases_for(actor).filter(status=DischargeCase.Status.OPEN)
    own_events = CaseEvent.objects.filter(case=OuterRef("pk"), author_unit_id=actor.unit_id)
    own_commitment = own_events.filter(kind=CaseEvent.Kind.COMMITMENT)
    if key == "act_on":
        return open_cases.exclude(Exists(own_events))
    if key == "commitment_missing":
        return open_cases.exclude(Exists(own_commitment))
    if key == "ready_today":
        return open_cases.filter(ready_notice_sent_at__gte=today_start)
    if key == "overdue":
        late_notice = Q(admission_notice_sent_at__isnull=True, admitted_at__lt=now - timedelta(hours=ADMISSION_NOTICE_HOURS))
        late_invitation = Q(planning_invitation_sent_at__isnull=True, ready_notice_sent_at__isnull=True,
                            admission_notice_sent_at__lt=now - timedelta(days=DEFAULT_PLANNING_DAYS))
        return open_cases.filter(late_notice | late_invitation)
    if key == "long_stayers":
        return open_cases.filter(ready_notice_sent_at__lt=now - timedelta(days=DEFAULT_LONG_STAY_DAYS))
    if key == "all_open":
        return open_cases
    raise Http404


def worklist_counts(actor, *, now=None):
    return {w.key: worklist_queryset(actor, w.key, now=now).count() for w in WORKLISTS}


SORTS = {
    "admitted": "admitted_at", "-admitted": "-admitted_at",
    "ready": "ready_notice_sent_at", "-ready": "-ready_notice_sent_at",
    "ward": "ward__name", "municipality": "municipality__name",
}


def worklist_page(actor, key, *, filters, sort, page, endpoint, now=None):
    """One page of a worklist, filtered and sorted, with the patients shown logged as reads."""
    cases = worklist_queryset(actor, key, now=now)
    if filters.get("ward"):
        cases = cases.filter(ward_id=filters["ward"])
    if filters.get("municipality"):
        cases = cases.filter(municipality_id=filters["municipality"])
    if filters.get("care_type"):
        cases = cases.filter(care_type=filters["care_type"])
    cases = cases.order_by(SORTS.get(sort, "admitted_at"), "pk").select_related(
        "patient", "patient__home_municipality", "ward", "municipality")
    total = cases.count()
    rows = list(cases[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    log_reads(actor, rows, endpoint=endpoint)
    return total, [(case, patient_card(case.patient, actor)) for case in rows]


def home_counts(actor):
    counts = worklist_counts(actor)
    return {"tabs": [(w, counts[w.key]) for w in WORKLISTS if w.key != "all_open"]}
