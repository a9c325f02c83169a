"""Reads of discharge cases. A unit sees the cases it is a party to; a case it is not a party to
answers 404. Patient data shown in a case or a worklist is logged as a read."""

import functools
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Organisation, Patient, Unit, User
from core.audit import record_read, record_reads
from core.errors import NotPermitted
from core.rules.month import Month
from core.db import CompiledRead, columns_of, objects_from_row, serial_planning, serial_plans
from core.queries import CARD_FIELDS, PROTECTED_NAME, card_from_values, identity_hidden
from core.rules.identity import format_personal_number
from core.collation import swedish
from discharge import permissions
from discharge.invoicing import (
    LINE_COLUMNS, BasisScope, county_month_basis, explained_row, month_basis, organisation_read, organisation_scope,
    require_basis_reader, result_from, stored_month_basis,
)
from discharge.models import CareType, CaseEvent, CaseParty, DischargeCase, ReadReceipt, StoredBasisLine
from discharge.rules.deadlines import ADMISSION_NOTICE_HOURS, DEFAULT_LONG_STAY_DAYS, DEFAULT_PLANNING_DAYS

PAGE_SIZE = 50


def cases_for(actor):
    return DischargeCase.objects.visible_to(actor)


def open_case(actor, case_id, *, endpoint):
    """The case, if the acting unit takes part in it (404 otherwise); the read is logged."""
    try:
        row = _case_read.first(actor.unit_id, uuid.UUID(str(case_id))) if actor.unit_id is not None else None
    except ValueError:
        row = None
    if row is None:
        raise Http404
    case, patient, home, ward, municipality = objects_from_row(row, _CASE_MODELS)
    Patient.home_municipality.field.set_cached_value(patient, home)
    for field, value in (("patient", patient), ("ward", ward), ("municipality", municipality)):
        DischargeCase._meta.get_field(field).set_cached_value(case, value)
    log_reads(actor, [case], endpoint=endpoint)
    return case


# The case with its patient (and home municipality), ward and municipality, compiled once per process:
# the ORM built the visibility check and four joins on every opening of a case.
_CASE_MODELS = (DischargeCase, Patient, Organisation, Unit, Organisation)
_case_read = CompiledRead(
    lambda unit_id, case_id: DischargeCase.objects.visible_to(SimpleNamespace(unit_id=unit_id)).filter(pk=case_id)
    .order_by().values_list(*columns_of(DischargeCase), *columns_of(Patient, "patient__"),
                            *columns_of(Organisation, "patient__home_municipality__"), *columns_of(Unit, "ward__"),
                            *columns_of(Organisation, "municipality__")),
    (CaseParty._meta.get_field("unit"), 977_777_777_401),
    (DischargeCase._meta.pk, uuid.UUID("97777777-7777-4777-8777-777777777401")),
)


def patient_panel(actor, patient):
    """The patient page's panel: the patient's open discharge cases the acting unit takes part
    in, each linked (the reads logged). None when there is none."""
    cases = list(cases_for(actor).filter(patient=patient, status=DischargeCase.Status.OPEN)
                 .select_related("ward", "municipality").order_by("-admitted_at"))
    if not cases:
        return None
    log_reads(actor, cases, endpoint="core:patient_detail")
    return {"open_cases": cases}


def open_case_here(actor, patient):
    """The open case of the patient at the acting ward, if there is one (the ward opens one at a time)."""
    return cases_for(actor).filter(patient=patient, ward_id=actor.unit_id, status=DischargeCase.Status.OPEN).first()


def finance_panel(actor):
    """The start page of finance staff: last month's invoice basis to check and the disputes
    waiting for an answer (region) or for the region (municipality). Counts only, no names."""
    from discharge.invoicing import organisation_scope, previous_month
    from discharge.models import InvoiceDispute

    if not actor.has_role("finance"):
        return None
    try:
        scope = organisation_scope(actor)
    except NotPermitted:
        return None
    disputes = InvoiceDispute.objects.filter(status=InvoiceDispute.Status.OPEN, case__ward__organisation=scope.region)
    if scope.municipality is not None:
        disputes = disputes.filter(municipality=scope.municipality)
    return {"month": previous_month(timezone.localdate()), "scope": scope, "open_disputes": disputes.count(),
            "open_dispute_months": sorted({d for d in disputes.values_list("month", flat=True)}, reverse=True)[:3]}


@dataclass(frozen=True, slots=True)
class BasisPageLine:
    """A line of a municipality's basis as its page lists it: the engine's line and the patient it
    is about, as the actor may see them."""

    row: object  # the engine's CaseResult
    name: str  # "" when the case is gone (a basis computed now)
    personal_number: str


def basis_page(actor, basis, start, stop, *, endpoint):
    """The lines start..stop (the engine's order) of one municipality's basis from `municipality_basis`,
    each with the patient it is about, so that finance can tell the lines apart; every patient shown
    is logged as a read (basis: invoicing). The caller has checked that the actor may see the basis.
    A stored basis's page is one statement: its lines with their patients' names and numbers."""
    if basis.result is None:
        return []
    if basis.stored_id is None:  # a month never stored: computed for this page, its lines in memory
        rows = basis.result.cases[start:stop]
        cards = _basis_patients(actor, [row.case_id for row in rows], endpoint=endpoint)
        return [BasisPageLine(row, card.name if card else "", card.personal_number if card else "")
                for row, card in ((row, cards.get(row.case_id)) for row in rows)]
    found = _page_lines_read.rows(basis.stored_id, start, stop)
    _log_basis_reads(actor, [CaseShown(line[1], line[_PATIENT]) for line in found], endpoint=endpoint)
    code, lines = basis.municipality.code, []
    for line in found:
        patient_id, personal_number, first_name, last_name, protected_identity = line[_PATIENT:]
        hidden = identity_hidden(actor, patient_id, protected_identity)
        lines.append(BasisPageLine(result_from(line[:_PATIENT], code),
                                   PROTECTED_NAME if hidden else f"{first_name} {last_name}",
                                   format_personal_number(personal_number)))
    return lines


def _log_basis_reads(actor, shown, *, endpoint):
    record_reads(actor, shown, action="discharge.invoice_list", reason="Fakturaunderlag", endpoint=endpoint,
                 basis=AuditEvent.Basis.INVOICE)


# A page of a stored basis's lines with what the page shows of each line's patient (not the whole
# card: no address, no home municipality), compiled once per process; binary: seven times a line.
_PATIENT = len(LINE_COLUMNS)  # where a line's patient columns start
_page_lines_read = CompiledRead(
    lambda basis_id, start, stop: StoredBasisLine.objects.filter(basis_id=basis_id, position__gte=start,
                                                                 position__lt=stop)
    .order_by("basis_id", "position")
    .values_list(*LINE_COLUMNS, "case__patient_id", "case__patient__personal_number", "case__patient__first_name",
                 "case__patient__last_name", "case__patient__protected_identity"),
    (StoredBasisLine._meta.get_field("basis"), 977_777_777_541),
    (StoredBasisLine._meta.get_field("position"), 977_777_542),
    (StoredBasisLine._meta.get_field("position"), 977_777_543),
    binary=True,
)


def _basis_patients(actor, case_ids, *, endpoint):
    """{case id: PatientCard} of a basis computed now (a month never stored), each patient logged."""
    rows = list(DischargeCase.objects.filter(pk__in=case_ids).values_list(
        "pk", "patient_id", *(f"patient__{name}" for name in CARD_FIELDS)))
    _log_basis_reads(actor, [CaseShown(pk, patient_id) for pk, patient_id, *_card in rows], endpoint=endpoint)
    return {str(pk): card_from_values(actor, patient_id, *card) for pk, patient_id, *card in rows}


@dataclass(frozen=True, slots=True)
class CaseShown:
    """A case a page shows without loading it, as `record_reads` logs it (`_meta`, `pk`, `patient_id`)."""

    _meta = DischargeCase._meta
    pk: object
    patient_id: object


def may_open(actor, case_id):
    """Whether the acting unit takes part in the case (and so may open its timeline)."""
    return cases_for(actor).filter(pk=case_id).exists()


def log_reads(actor, cases, *, endpoint):
    record_reads(actor, cases, action="discharge.read", reason="Utskrivningsärende", endpoint=endpoint)


@dataclass(frozen=True, slots=True)
class PartyShown:
    """A party of a case as its page lists it."""

    unit_id: int
    role: str
    name: str
    role_label: str


def case_parties(case):
    """The parties of a case the caller has opened (`open_case` checked that the actor may)."""
    return [PartyShown(unit_id, role, name, CaseParty.Role(role).label) for unit_id, role, name in _parties_read.rows(case.pk)]


@dataclass(slots=True)
class EventShown:
    """An event of a case's timeline with what its page shows of it: the author's and unit's names,
    the event it corrects, whether a later event corrects it, and the receipts as (unit id, unit name)."""

    pk: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    author_unit_id: int
    data: dict
    corrects_id: int | None
    reason: str
    author: str
    author_unit: str
    corrects_kind: str | None
    corrects_occurred_at: datetime | None
    is_corrected: bool
    receipts: list


def timeline(case):
    """The events of a case the caller has opened, in order, with their receipts (EventShown): two
    statements however long the timeline, each compiled once per process (through the ORM, the two
    with their joins and the `is_corrected` subquery were built on every opening of a case)."""
    events = [EventShown(*row[:8], User.name_from(*row[8:11]), *row[11:], receipts=[])
              for row in _events_read.rows(case.pk)]
    by_id = {event.pk: event for event in events}
    for event_id, unit_id, unit_name in _receipts_read.rows(case.pk):
        by_id[event_id].receipts.append((unit_id, unit_name))
    return events


_CASE_MARKER = uuid.UUID("97777777-7777-4777-8777-777777777402")
# The parties in the order of their roles (the ward, primary care, the municipality), then by name.
_ROLE_ORDER = Case(*(When(role=role, then=n) for n, role in enumerate(CaseParty.Role.values)), default=len(CaseParty.Role.values))
_parties_read = CompiledRead(
    lambda case_id: CaseParty.objects.filter(case_id=case_id).order_by(_ROLE_ORDER, swedish("unit__name"), "unit_id")
    .values_list("unit_id", "role", "unit__name"),
    (CaseParty._meta.get_field("case"), _CASE_MARKER),
)
_events_read = CompiledRead(
    lambda case_id: CaseEvent.objects.filter(case_id=case_id)
    .annotate(is_corrected=Exists(CaseEvent.objects.filter(corrects=OuterRef("pk"))))
    .order_by("occurred_at", "id")
    .values_list("id", "kind", "occurred_at", "recorded_at", "author_unit_id", "data", "corrects_id", "reason",
                 "author__first_name", "author__last_name", "author__username", "author_unit__name",
                 "corrects__kind", "corrects__occurred_at", "is_corrected"),
    (CaseEvent._meta.get_field("case"), _CASE_MARKER),
)
# In the order they were written (the ORM's read by event had none; rows are never updated).
_receipts_read = CompiledRead(
    lambda case_id: ReadReceipt.objects.filter(event__case_id=case_id).order_by("id")
    .values_list("event_id", "unit_id", "unit__name"),
    (CaseEvent._meta.get_field("case"), _CASE_MARKER),
)


@dataclass(frozen=True)
class Worklist:
    key: str
    title: str
    help: str


WORKLISTS = [
    Worklist("act_on", "Nya att hantera", "Ärenden där din enhet ännu inte har gjort något."),
    Worklist("commitment_missing", "Vi har inte tagit ställning",
             "Pågående ärenden där din enhet ännu inte har skickat sitt eget ställningstagande "
             "(oavsett vad de andra parterna har skickat)."),
    Worklist("ready_today", "Utskrivningsklara i dag", "Ärenden där meddelandet om utskrivningsklar skickades i dag."),
    Worklist("overdue", "Försenade steg",
             "Inskrivningsmeddelandet saknas efter 24 timmar, eller kallelsen till planering saknas efter tidsfristen."),
    Worklist("long_stayers", "Långliggare", f"Utskrivningsklara sedan mer än {DEFAULT_LONG_STAY_DAYS} dagar."),
    Worklist("all_open", "Alla pågående", "Alla pågående ärenden där din enhet deltar."),
]
# Without a list chosen, the page opens the first of these that has cases: the work waiting.
DEFAULT_ORDER = ["act_on", "overdue", "commitment_missing", "ready_today", "long_stayers", "all_open"]


def default_worklist(counts):
    """The list a page opens with when none is asked for: the first with cases in it."""
    return next((key for key in DEFAULT_ORDER if counts.get(key)), "act_on")


def open_parties(actor):
    """The acting unit's parts in open cases: the rows every worklist is read from. The flags and
    the case's times on the party row (see `CaseParty`) spare a look through every case and event
    the unit ever had, and a lookup of each open case."""
    if actor.unit_id is None:
        return CaseParty.objects.none()
    return CaseParty.objects.filter(unit_id=actor.unit_id, case_open=True)


def worklist_conditions(now):
    """What puts an open case on each worklist, as conditions on the unit's party row (which
    carries the case's times: `CaseParty.WORKLIST_TIMES`)."""
    return _conditions(*_thresholds(now))


def _thresholds(now):
    """The moments the worklists compare the party row's times with: the start of today, and when
    the admission notice, the planning invitation and a long stay are overdue."""
    return (timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0),
            now - timedelta(hours=ADMISSION_NOTICE_HOURS), now - timedelta(days=DEFAULT_PLANNING_DAYS),
            now - timedelta(days=DEFAULT_LONG_STAY_DAYS))


def _conditions(today_start, notice_late, invitation_late, long_stay):
    late_notice = Q(admission_notice_sent_at__isnull=True, admitted_at__lt=notice_late)
    late_invitation = Q(planning_invitation_sent_at__isnull=True, ready_notice_sent_at__isnull=True,
                        admission_notice_sent_at__lt=invitation_late)
    return {
        "act_on": Q(has_acted=False),
        "commitment_missing": Q(has_committed=False),
        "ready_today": Q(ready_notice_sent_at__gte=today_start),
        "overdue": late_notice | late_invitation,
        "long_stayers": Q(ready_notice_sent_at__lt=long_stay),
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


def worklist_counts(actor, *, now=None):
    """Every worklist's count, in one pass over the unit's open party rows: an index-only scan of
    `party_unit_open_worklist` (cheap enough that the planner starts no workers). The statement is
    compiled once per process: building it (six filtered counts) through the ORM cost more CPU per
    page than PostgreSQL's answer (bench/README.md, "The fourth round")."""
    if actor.unit_id is None:
        return dict.fromkeys(WORKLIST_KEYS, 0)
    row = _counts_read.first(actor.unit_id, *_thresholds(now or timezone.now()))
    return dict(zip(WORKLIST_KEYS, row or [0] * len(WORKLIST_KEYS), strict=True))


WORKLIST_KEYS = [w.key for w in WORKLISTS]
_MOMENT = CaseParty._meta.get_field("admitted_at")  # every threshold is a time of the party row
# Stand-ins for `_thresholds`'s four moments while a read is compiled (`CompiledRead`'s markers).
_MOMENT_MARKERS = tuple(datetime(1971 + n, 1, 2, 3, 4, 5, tzinfo=UTC) for n in range(4))
_counts_read = CompiledRead(
    lambda unit_id, *thresholds: (
        CaseParty.objects.filter(unit_id=unit_id, case_open=True).order_by().values("unit_id")
        .annotate(**{key: Count("case", filter=condition) for key, condition in _conditions(*thresholds).items()})
        .values_list(*WORKLIST_KEYS)),
    (CaseParty._meta.get_field("unit"), 977_777_777_201),
    *((_MOMENT, marker) for marker in _MOMENT_MARKERS),
)


SORTS = {
    "admitted": "admitted_at", "-admitted": "-admitted_at",
    "ready": "ready_notice_sent_at", "-ready": "-ready_notice_sent_at",
    "ward": "case__ward__name", "municipality": "case__municipality__name",
}


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One case on a worklist page, as the page shows it: the columns read, the times formatted.
    It stands for its case in the read log (`record_reads` takes `_meta`, `pk` and `patient_id`)."""

    _meta = DischargeCase._meta
    pk: object
    patient_id: object
    url: str
    name: str
    personal_number: str
    psychiatric: bool
    ward: str
    municipality: str
    admitted_at: str
    admission_notice_sent_at: str
    ready_notice_sent_at: str
    has_care_contact: bool


ROW_COLUMNS = ["id", "patient_id", "care_type", "ward__name", "municipality__name", "admitted_at",
               "admission_notice_sent_at", "ready_notice_sent_at", "care_contact_appointed_at",
               "patient__first_name", "patient__last_name", "patient__personal_number", "patient__protected_identity"]


def local_minute(moment):
    """A time as the lists show it ("2026-11-30 14:05", local time); "" for none. The template's
    `date` filter did the same at ~20 µs a value, three a row."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def case_paths(ids):
    """{case id: the case page's path}: one reverse() for the page instead of one per row."""
    if not ids:
        return {}
    head, tail = reverse("discharge:case", args=[ids[0]]).split(str(ids[0]))
    return {case_id: f"{head}{case_id}{tail}" for case_id in ids}


def worklist_page(actor, key, *, filters, sort, page, endpoint, now=None, total=None):
    """One page of a worklist (WorklistRow), filtered and sorted, with the patients shown logged as
    reads. `total`: the list's count when the caller has it (`worklist_counts`, unfiltered), else
    counted. The default order is read from the party rows alone (`party_unit_open_worklist`); a
    filter or an order by name joins the cases, without parallel workers (`serial_planning`).
    The first screen of a list (no filter, the default order, page 1: most loads of the page) is
    one statement compiled once per process (`_first_screen_read`); other pages read the page's
    ids, then their cases."""
    now = now or timezone.now()
    if key not in WORKLIST_KEYS:
        raise Http404
    if not any(filters.values()) and sort == "admitted" and page == 1 and actor.unit_id is not None:
        found = _first_screen(actor.unit_id, key, now)
        if total is None:
            total = worklist_parties(actor, key, now=now).count()
    else:
        total, found = _other_page(actor, key, filters=filters, sort=sort, page=page, now=now, total=total)
    ids = [row[0] for row in found]
    paths = case_paths(ids)
    zone = timezone.get_current_timezone()
    rows = []
    for (case_id, patient_id, care_type, ward, municipality, admitted, notice, ready, contact,
         first_name, last_name, personal_number, protected) in found:
        rows.append(WorklistRow(
            pk=case_id, patient_id=patient_id, url=paths[case_id],
            name=PROTECTED_NAME if identity_hidden(actor, patient_id, protected)
            else f"{first_name} {last_name}",
            personal_number=format_personal_number(personal_number), psychiatric=care_type == CareType.PSYCHIATRIC,
            ward=ward, municipality=municipality,
            admitted_at=_minute_in(zone, admitted),
            admission_notice_sent_at=_minute_in(zone, notice), ready_notice_sent_at=_minute_in(zone, ready),
            has_care_contact=contact is not None))
    log_reads(actor, rows, endpoint=endpoint)
    return total, rows


def _minute_in(zone, moment):
    """`local_minute` with the time zone looked up once for the page, not once per cell."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _other_page(actor, key, *, filters, sort, page, now, total):
    """(total, the page's `ROW_COLUMNS` rows in the page's order) of a filtered or sorted list, or
    of a page past the first, through the ORM."""
    parties = worklist_parties(actor, key, now=now)
    if filters.get("ward"):
        parties = parties.filter(case__ward_id=filters["ward"])
    if filters.get("municipality"):
        parties = parties.filter(case__municipality_id=filters["municipality"])
    if filters.get("care_type"):
        parties = parties.filter(case__care_type=filters["care_type"])
    with serial_planning() if any(filters.values()) or sort in ("ward", "municipality") else nullcontext():
        if total is None:
            total = parties.count()
        ids = list(parties.order_by(SORTS.get(sort, "admitted_at"), "case_id")
                   .values_list("case_id", flat=True)[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    # The page's cases, the few columns shown: model objects of the cases, patients, wards and
    # municipalities of 50 rows cost more than the rest of the page's reads.
    found = {row[0]: row for row in DischargeCase.objects.filter(pk__in=ids).order_by().values_list(*ROW_COLUMNS)}
    return total, [found[case_id] for case_id in ids]


def _first_screen(unit_id, key, now):
    """The first page of a list in its default order: the `ROW_COLUMNS` of its cases."""
    thresholds = _thresholds(now)
    return _first_screen_read(key).rows(unit_id, *(thresholds[n] for n in _thresholds_compared(key)))


@functools.cache
def _thresholds_compared(key):
    """The positions in `_thresholds` of the moments the list's condition compares with (none for
    "act_on", two for "overdue"): the parameters its compiled read takes."""
    _sql, params = CaseParty.objects.filter(_conditions(*_MOMENT_MARKERS)[key]).query.sql_with_params()
    # As the database takes them (SQLite's are text), as `CompiledRead` finds its markers.
    marks = [_MOMENT.get_db_prep_value(marker, connection) for marker in _MOMENT_MARKERS]
    return tuple(n for n, mark in enumerate(marks) if mark in params)


@functools.cache
def _first_screen_read(key):
    """The first screen of one list, compiled once per process: the unit's open party rows on the
    list (`open_parties`, the list's condition from `_conditions`) in the order of
    `party_unit_open_worklist`, joined to the columns shown, the first PAGE_SIZE. Building the two
    reads of a page through the ORM cost more CPU than PostgreSQL's answer (bench/README.md, "The
    fifth round"). In one statement: PostgreSQL walks the index in order and looks up 50 cases."""
    compared = _thresholds_compared(key)

    def build(unit_id, *moments):
        thresholds = list(_MOMENT_MARKERS)
        for position, moment in zip(compared, moments, strict=True):
            thresholds[position] = moment
        return (open_parties(SimpleNamespace(unit_id=unit_id)).filter(_conditions(*thresholds)[key])
                .order_by(SORTS["admitted"], "case_id")
                .values_list("case_id", *(f"case__{column}" for column in ROW_COLUMNS[1:]))[:PAGE_SIZE])

    return CompiledRead(build, (CaseParty._meta.get_field("unit"), 977_777_777_202),
                        *((_MOMENT, _MOMENT_MARKERS[n]) for n in compared), binary=True)


@serial_plans
def worklist_filter_choices(actor):
    """The wards and municipalities of the unit's open cases: what the worklist filters offer."""
    pairs = set(open_parties(actor).values_list("case__ward_id", "case__municipality_id").distinct())
    return (Unit.objects.filter(pk__in={ward for ward, _ in pairs}).order_by(swedish("name")),
            Organisation.objects.filter(pk__in={municipality for _, municipality in pairs}).order_by(swedish("name")))


def home_counts(actor):
    if not permissions.may_work_on_cases(actor):
        return None  # finance and administration have their own panels, not the ward's worklists
    counts = worklist_counts(actor)
    return {"tabs": [(w, counts[w.key]) for w in WORKLISTS if w.key != "all_open"]}


# --- The invoice basis --------------------------------------------------------------------------

def region_basis(region, month, *, municipality=None, lines=None):
    """The month's basis per municipality as stored (`invoicing.stored_month_basis`, with the lines
    asked for), or, for a month never stored, computed now and not stored (no writes on a GET:
    docs/decisions.md "The stored invoice basis"); then each basis's `computed_at` is None."""
    bases = stored_month_basis(region, month, municipality=municipality, lines=lines)
    if bases is not None:
        return bases
    return month_basis(region, month, municipality=municipality)


def municipality_basis(actor, month_text, code, *, lines="all"):
    """(scope, month, basis) of one municipality in one month, if the actor's finance scope covers
    it (NotPermitted without a finance role); 404 for another municipality, an unknown month or
    nothing to invoice. `lines` as in `region_basis`."""
    require_basis_reader(actor)
    try:
        month = Month.parse(month_text)
    except ValueError:
        raise Http404 from None
    own = actor.unit.organisation
    if own.kind == Organisation.Kind.MUNICIPALITY:
        if own.code != code:
            raise Http404  # a municipality's finance staff read their own municipality's basis only
        found = county_month_basis(own, month, lines=lines)  # with their county's region: one read
        if found is not None:
            region, bases = found
            return BasisScope(region=region, municipality=own), month, bases[0]
    scope = organisation_scope(actor)
    # A municipality's finance staff ask for their own (checked above): no need to look it up.
    if scope.municipality is not None:
        municipality = scope.municipality
    else:
        row = _municipality_read.first(code)
        if row is None:
            raise Http404
        (municipality,) = objects_from_row(row, (Organisation,))
    bases = region_basis(scope.region, month, municipality=municipality, lines=lines)
    if not bases:
        raise Http404
    return scope, month, bases[0]


_municipality_read = organisation_read(Organisation.Kind.MUNICIPALITY, "code")


def basis_row(actor, month_text, code, case_id):
    """(scope, month, basis, row, case): one case's line in a municipality's basis, with its
    explanation computed from the line's facts; 404 when the case is not in it. The case is reached
    through the basis, not through a care relation: finance staff read it on the ground of
    invoicing (`log_basis_read`)."""
    scope, month, basis = municipality_basis(actor, month_text, code)
    row = explained_row(basis, str(case_id))
    if row is None:
        raise Http404
    case = DischargeCase.objects.select_related("patient", "ward", "municipality").get(pk=case_id)
    return scope, month, basis, row, case


def log_basis_read(actor, case, *, endpoint):
    """The case's explanation shows who the patient is: a read of patient data on the ground of
    invoicing."""
    record_read(actor, case.patient, endpoint=endpoint, basis=AuditEvent.Basis.INVOICE)
