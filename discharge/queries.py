"""Reads of discharge cases. A unit sees the cases it is a party to; a case it is not a party to
answers 404. Patient data shown in a case or a worklist is logged as a read."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from core.models import Organisation, Unit
from core.audit import record_reads
from core.db import serial_plans
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
    record_reads(actor, cases, action="discharge.read", reason="Utskrivningsärende", endpoint=endpoint)


def timeline(case):
    """The case's events with their authors, receipts and whether a later event corrects them
    (`is_corrected`): a constant number of queries however long the timeline."""
    return (case.events.select_related("author", "author_unit", "corrects").prefetch_related("receipts__unit")
            .annotate(is_corrected=Exists(CaseEvent.objects.filter(corrects=OuterRef("pk")))))


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


def open_parties(actor):
    """The acting unit's parts in open cases: the rows every worklist is read from. The flags on
    the party row (see `CaseParty`) spare a look through every case and event the unit ever had."""
    if actor.unit_id is None:
        return CaseParty.objects.none()
    return CaseParty.objects.filter(unit_id=actor.unit_id, case_open=True, case__status=DischargeCase.Status.OPEN)


def worklist_conditions(now):
    """What puts an open case on each worklist, as conditions on the unit's party row."""
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    late_notice = Q(case__admission_notice_sent_at__isnull=True,
                    case__admitted_at__lt=now - timedelta(hours=ADMISSION_NOTICE_HOURS))
    late_invitation = Q(case__planning_invitation_sent_at__isnull=True, case__ready_notice_sent_at__isnull=True,
                        case__admission_notice_sent_at__lt=now - timedelta(days=DEFAULT_PLANNING_DAYS))
    return {
        "act_on": Q(has_acted=False),
        "commitment_missing": Q(has_committed=False),
        "ready_today": Q(case__ready_notice_sent_at__gte=today_start),
        "overdue": late_notice | late_invitation,
        "long_stayers": Q(case__ready_notice_sent_at__lt=now - timedelta(days=DEFAULT_LONG_STAY_DAYS)),
        "all_open": Q(),
    }


def worklist_parties(actor, key, *, now=None):
    conditions = worklist_conditions(now or timezone.now())
    if key not in conditions:
        raise Http404
    return open_parties(actor).filter(conditions[key])


def worklist_queryset(actor, key, *, now=None):
    """The cases on one of the unit's worklists."""
    return DischargeCase.objects.filter(pk__in=worklist_parties(actor, key, now=now).values("case_id"))


@serial_plans
def worklist_counts(actor, *, now=None):
    """Every worklist's count, in one pass over the unit's open cases."""
    return open_parties(actor).aggregate(**{
        key: Count("pk", filter=condition) for key, condition in worklist_conditions(now or timezone.now()).items()
    })


SORTS = {
    "admitted": "case__admitted_at", "-admitted": "-case__admitted_at",
    "ready": "case__ready_notice_sent_at", "-ready": "-case__ready_notice_sent_at",
    "ward": "case__ward__name", "municipality": "case__municipality__name",
}


@serial_plans
def worklist_page(actor, key, *, filters, sort, page, endpoint, now=None):
    """One page of a worklist, filtered and sorted, with the patients shown logged as reads."""
    parties = worklist_parties(actor, key, now=now)
    if filters.get("ward"):
        parties = parties.filter(case__ward_id=filters["ward"])
    if filters.get("municipality"):
        parties = parties.filter(case__municipality_id=filters["municipality"])
    if filters.get("care_type"):
        parties = parties.filter(case__care_type=filters["care_type"])
    total = parties.count()
    # The page's case ids first, then those cases with their patients: joining the patients of
    # every open case before sorting costs more than the second query.
    ids = list(parties.order_by(SORTS.get(sort, "case__admitted_at"), "case_id")
               .values_list("case_id", flat=True)[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    found = DischargeCase.objects.select_related("patient", "patient__home_municipality", "ward", "municipality")
    rows = sorted(found.filter(pk__in=ids), key=lambda case: ids.index(case.pk))
    log_reads(actor, rows, endpoint=endpoint)
    return total, [(case, patient_card(case.patient, actor)) for case in rows]


@serial_plans
def worklist_filter_choices(actor):
    """The wards and municipalities of the unit's open cases: what the worklist filters offer."""
    pairs = set(open_parties(actor).values_list("case__ward_id", "case__municipality_id").distinct())
    return (Unit.objects.filter(pk__in={ward for ward, _ in pairs}).order_by("name"),
            Organisation.objects.filter(pk__in={municipality for _, municipality in pairs}).order_by("name"))


def home_counts(actor):
    counts = worklist_counts(actor)
    return {"tabs": [(w, counts[w.key]) for w in WORKLISTS if w.key != "all_open"]}
