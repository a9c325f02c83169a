"""Reads of patient data. Each one checks access and records the read in the audit log."""

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from core.access import access_basis, related_patients, staff_patient_and_basis
from core.audit import record_read, record_reads
from core.db import CompiledRead, columns_of, fetch_rows, fetch_sql, objects_from_row
from core.models import AuditEvent, EmergencyAccess, Organisation, Patient, Role
from core.rules.identity import InvalidPersonalNumber, format_personal_number, parse_personal_number
from core.collation import swedish

PROTECTED_NAME = "Skyddad identitet"


@dataclass(frozen=True)
class PatientCard:
    """What a given actor may see of a patient's identity."""

    id: str
    personal_number: str
    name: str
    first_name: str
    last_name: str
    address: str
    birth_date: object
    is_coordination_number: bool
    protected_identity: bool
    identity_hidden: bool
    home_municipality: str


def identity_hidden(actor, patient_id, protected_identity, *, for_export=False):
    """Whether the actor is shown PROTECTED_NAME instead of the patient's name and address: the
    rule of `patient_card`, for lists that read a few columns instead of the patient."""
    if not protected_identity:
        return False
    if actor.is_resident and actor.user.patient_id == patient_id and not for_export:
        return False
    return for_export or not actor.sees_protected_identity


def patient_card(patient, actor, *, for_export=False):
    """Mask name and address of a protected patient unless the actor's role needs them.

    Exports never carry them, whatever the role.
    """
    hidden = identity_hidden(actor, patient.pk, patient.protected_identity, for_export=for_export)
    return card_from_values(
        actor, patient.pk, *(getattr(patient, name) for name in CARD_FIELDS[:-1]),
        patient.home_municipality.name if patient.home_municipality_id and not hidden else "", for_export=for_export)


def card_from_values(actor, patient_id, personal_number, is_coordination_number, birth_date, first_name, last_name,
                     street_address, postal_code, city, protected_identity, home_municipality, *, for_export=False):
    """`patient_card` of a row of the patient's CARD_FIELDS (`home_municipality`: its name or None),
    for a list that reads these columns instead of whole patients."""
    hidden = identity_hidden(actor, patient_id, protected_identity, for_export=for_export)
    address = ", ".join(p for p in [street_address, f"{postal_code} {city}".strip()] if p)
    return PatientCard(
        id=str(patient_id),
        personal_number=format_personal_number(personal_number),
        name=PROTECTED_NAME if hidden else f"{first_name} {last_name}",
        first_name="" if hidden else first_name,
        last_name="" if hidden else last_name,
        address="" if hidden else address,
        birth_date=birth_date,
        is_coordination_number=is_coordination_number,
        protected_identity=protected_identity,
        identity_hidden=hidden,
        home_municipality=(home_municipality or "") if not hidden else "",
    )


# The patient's columns `patient_card` reads (with `home_municipality__name`): a list of many
# patients loads these (`only()`) and not the rest of each row.
CARD_FIELDS = ["personal_number", "is_coordination_number", "birth_date", "first_name", "last_name", "street_address",
               "postal_code", "city", "protected_identity", "home_municipality__name"]


@dataclass(frozen=True)
class SearchHit:
    patient: Patient
    card: PatientCard
    can_open: bool


def search_patients(actor, text, *, endpoint):
    """Find a patient by personnummer or samordningsnummer.

    PDL allows staff to search by number without a care relation; opening the record needs one.
    A hit shows identity data, so it is logged as a read with the basis `search`.
    Raises InvalidPersonalNumber for malformed input.
    """
    number = parse_personal_number(text)
    patient = Patient.objects.select_related("home_municipality").filter(personal_number=number.canonical).first()
    if patient is None:
        return []
    basis = access_basis(actor, patient)
    record_read(actor, patient, endpoint=endpoint, basis=AuditEvent.Basis.SEARCH, action="patient.search")
    return [SearchHit(patient=patient, card=patient_card(patient, actor), can_open=basis is not None)]


UNIT_PATIENTS_LIMIT = 100


def unit_patients(actor, name="", *, endpoint):
    """The patients the acting unit has a care relation to, by name, optionally those whose first
    or last names start with each word of `name`. A protected identity is found by name only by
    those who may see it. At most UNIT_PATIENTS_LIMIT; every patient shown is logged as a read in
    one insert. Returns (hits, more): more is True when the list was cut."""
    patients = related_patients(actor, Patient.objects.select_related("home_municipality"))
    for word in name.split()[:4]:
        matches = Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
        if not actor.sees_protected_identity:
            matches &= Q(protected_identity=False)
        patients = patients.filter(matches)
    found = list(patients.order_by(swedish("last_name"), swedish("first_name"), "personal_number")[:UNIT_PATIENTS_LIMIT + 1])
    more, found = len(found) > UNIT_PATIENTS_LIMIT, found[:UNIT_PATIENTS_LIMIT]
    for patient in found:
        patient.patient_id = patient.pk  # record_reads takes the patient of each object shown
    record_reads(actor, found, action="patient.list", reason="Vårdrelation", endpoint=endpoint)
    return [SearchHit(patient=p, card=patient_card(p, actor), can_open=True) for p in found], more


def find_patient_for_emergency(actor, patient_id):
    """The patient a staff member asks emergency access to. Any existing patient qualifies: the
    reason is stated and flagged, which is the point of nödåtkomst."""
    if actor.is_resident or actor.unit_id is None:
        raise Http404
    try:
        return Patient.objects.get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The patient's columns and their home municipality's.
_PATIENT_COLUMNS = (*columns_of(Patient), *columns_of(Organisation, "home_municipality__"))

# The patient with their home municipality, compiled once per process (issue 14: building this
# query cost more CPU than PostgreSQL's answer to it on every API read).
_patient_read = CompiledRead(
    lambda pk: Patient.objects.filter(pk=pk).order_by().values_list(*_PATIENT_COLUMNS),
    (Patient._meta.pk, uuid.UUID(int=0)),
)


def patient_by_id(patient_id):
    """The patient with their home municipality loaded, or None (also for a malformed id). No access
    check and no read logged: callers check and log (`open_patient`)."""
    try:
        row = _patient_read.first(patient_id)
    except (ValueError, TypeError, ValidationError):
        return None
    return None if row is None else _patient_from_row(row)


def _patient_from_row(row):
    patient, municipality = objects_from_row(row, [Patient, Organisation])
    Patient.home_municipality.field.set_cached_value(patient, municipality)
    return patient


def open_patient(actor, patient_id, *, endpoint):
    """The patient, if the actor may open them; otherwise 404. The read is logged. For staff the
    patient is read with the access check, one statement (`staff_patient_and_basis`)."""
    if actor.is_resident or actor.unit_id is None:
        patient = patient_by_id(patient_id)
        basis = access_basis(actor, patient) if patient is not None else None
    else:
        try:
            found = staff_patient_and_basis(actor, patient_id, _PATIENT_COLUMNS)
        except (ValueError, TypeError, ValidationError):  # a malformed id
            found = None
        patient, basis = (_patient_from_row(found[0]), found[1]) if found is not None else (None, None)
    if basis is None:
        raise Http404
    record_read(actor, patient, endpoint=endpoint, basis=basis.basis, reason=basis.reason)
    return patient, basis


def care_relations_of(patient, actor):
    """The patient's care relations, as far as the actor's unit is concerned."""
    return patient.care_relations.filter(unit_id=actor.unit_id).select_related("unit").order_by("-valid_from")


# --- Access log extract (loggutdrag) and admin reports ---------------------------------------

def _day_bounds(date_from, date_to):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    return start, end


# The columns of the extract: what its lines show (core.exports.extract_lines), nothing more.
EXTRACT_FIELDS = ("at", "kind", "action", "username", "user_display", "unit_name", "organisation_name", "basis",
                  "reason")


def access_log_extract(patient, date_from, date_to):
    """Who read or changed the patient's data in the period, newest first (loggutdrag): every row,
    as named tuples of EXTRACT_FIELDS (lighter to build than model objects: issue 14)."""
    start, end = _day_bounds(date_from, date_to)
    return (
        AuditEvent.objects.filter(patient=patient, at__gte=start, at__lt=end)
        .order_by("-at", "-id")
        .values_list(*EXTRACT_FIELDS, named=True)
    )


def open_access_log_extract(actor, patient_id, date_from, date_to, *, endpoint):
    """The extract for a patient, for the resident themselves or a system administrator.

    The admin's reading of the extract is itself logged (basis: administration).
    """
    if actor.is_resident:
        if str(actor.user.patient_id) != str(patient_id):
            raise Http404
        patient = actor.user.patient
        basis = AuditEvent.Basis.OWN
    elif actor.is_system_admin:
        try:
            patient = Patient.objects.get(pk=patient_id)
        except (Patient.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        basis = AuditEvent.Basis.ADMIN
    else:
        raise Http404
    events = list(access_log_extract(patient, date_from, date_to))
    record_read(actor, patient, endpoint=endpoint, basis=basis, action="access_log.extract",
                reason=f"Loggutdrag {date_from:%Y-%m-%d}–{date_to:%Y-%m-%d}")
    return patient, events


# The resident's own log page (Mina sidor): what one page of it groups and shows.
LOG_PAGE_GROUPS = 50
# A page groups at most about this many of the newest rows (before the page's upper bound), so it
# costs the same however long the log is (a patient read thousands of times a day included).
LOG_PAGE_WINDOW = 500
# What makes two rows of a day one line: who (person, unit, organisation), what, on which grounds
# ("ground": the reason, where the line shows it: an emergency's, a care relation's kind).
LOG_GROUP_FIELDS = ("kind", "action", "username", "user_display", "unit_name", "organisation_name", "basis",
                    "ground")


@dataclass
class LogPage:
    """One page of the resident's grouped log: `groups` newest first (dicts: day, the group fields,
    count, first_at, last_at); `older` is the upper bound of the next page, None on the last."""

    patient_id: object
    groups: list
    older: datetime | None


_WINDOW_FIELDS = ("at", "kind", "action", "username", "user_display", "unit_name", "organisation_name", "basis",
                  "reason")
# The grounds a line shows (an emergency's reason, a care relation's kind); others group as one.
# Plain strings: a row's basis is one, and `in` a tuple of the enum's members cost ~0.3 µs a row.
_SHOWN_GROUNDS = frozenset(str(basis) for basis in (AuditEvent.Basis.EMERGENCY, AuditEvent.Basis.RELATION))


LOG_CLOCK_MARGIN = timedelta(seconds=10)


def _window_query(patient_id, start, end, *, every_row=False):
    """The patient's newest LOG_PAGE_WINDOW rows (every row with `every_row`) in [start, end), newest
    first, as _WINDOW_FIELDS.
    The bounds are row comparisons on (patient, at), which only the (patient, at) index serves, and
    the order is that index's: the read walks that index back from `end` and stops after
    LOG_PAGE_WINDOW rows, whatever the planner's statistics say. Written as `patient = … AND at …`,
    the planner took the `at` index and filtered by patient when its statistics made the patient
    common (a patient read thousands of times): from the window's edge to now it then read every other
    patient's rows too (issue 14: 350 ms with 300 000 rows of others since the edge, 0.6 ms this way;
    the HTTP run's p95 of 504 ms). The plain `at` bounds are for partition pruning."""
    db = connections[DEFAULT_DB_ALIAS]
    pk = Patient._meta.pk.get_db_prep_value(patient_id, db)
    low, high = _AT.get_db_prep_value(start, db), _AT.get_db_prep_value(end, db)
    in_range = RawSQL("(patient_id, at) >= (%s, %s) AND (patient_id, at) < (%s, %s)", (pk, low, pk, high),
                      output_field=BooleanField())
    return AuditEvent.objects.filter(in_range, at__gte=start, at__lt=end).order_by("-patient_id", "-at")[:None if every_row else LOG_PAGE_WINDOW]


_AT = AuditEvent._meta.get_field("at")

def _window_rows(patient_id, start, end, *, every_row=False):
    """`_window_query`'s rows as tuples of _WINDOW_FIELDS: in binary (loading 500 rows' times and
    texts from text cost ~3.5 ms of CPU, ~1 ms so), and never prepared: PostgreSQL's plan for any
    values (a prepared statement's generic plan) reads the patient's rows by time and sorts them all
    (730 ms for 450 000 rows; issue 14). On PostgreSQL its SQL is compiled once per process
    (`_window_sql`): building and compiling the query cost more CPU than the rest of the read."""
    alias = router.db_for_read(AuditEvent)
    db = connections[alias]
    if db.vendor != "postgresql":
        return fetch_rows(_window_query(patient_id, start, end, every_row=every_row), _WINDOW_FIELDS, prepare=False)
    sql, slots = _window_sql(alias, every_row, LOG_PAGE_WINDOW)
    values = (Patient._meta.pk.get_db_prep_value(patient_id, db), _AT.get_db_prep_value(start, db),
              _AT.get_db_prep_value(end, db))
    return fetch_sql(db, sql, [values[slot] for slot in slots], prepare=False)


_WINDOW_MARKS = (uuid.UUID("97777777-7777-4777-8777-777777777501"), datetime(1983, 1, 2, 3, 4, 5, tzinfo=UTC),
                 datetime(1984, 1, 2, 3, 4, 5, tzinfo=UTC))


@functools.cache
def _window_sql(alias, every_row, window):
    """`_window_query`'s SQL on a database (`window`: LOG_PAGE_WINDOW, which the SQL holds), and for
    each of its parameters which of (patient, start, end) it is: compiled with marker values, then
    run with each call's, as `CompiledRead` does (which prepares its statements: this one must not be)."""
    db = connections[alias]
    queryset = _window_query(*_WINDOW_MARKS, every_row=every_row).values_list(*_WINDOW_FIELDS)
    sql, params = queryset.query.get_compiler(connection=db).as_sql()
    marks = [Patient._meta.pk.get_db_prep_value(_WINDOW_MARKS[0], db),
             *(_AT.get_db_prep_value(mark, db) for mark in _WINDOW_MARKS[1:])]
    return sql, [marks.index(param) for param in params]  # ValueError: a parameter that is no marker


def _log_groups(rows):
    """Rows (newest first) grouped per local day and LOG_GROUP_FIELDS, newest group first (groups
    whose newest rows are at the same moment in the order of their fields). Each group keeps its
    rows' times (`ats`, newest first) for `_groups_since`; `_page_groups` counts them."""
    groups = {}
    day_start = None
    for at, kind, action, username, user_display, unit_name, organisation_name, basis, reason in rows:
        if day_start is None or at < day_start:  # rows come newest first: a new day begins
            day = timezone.localdate(at)
            # In the rows' time zone: times of two zones are compared through their UTC offsets,
            # which was most of the grouping's cost (issue 14, fifth round).
            day_start = _day_bounds(day, day)[0].astimezone(at.tzinfo)
        key = (day, kind, action, username, user_display, unit_name, organisation_name, basis,
               reason if basis in _SHOWN_GROUNDS else "")
        group = groups.get(key)
        if group is None:
            groups[key] = {"day": day, **dict(zip(LOG_GROUP_FIELDS, key[1:], strict=True)), "last_at": at, "ats": [at]}
        else:
            group["ats"].append(at)
    ordered = sorted(groups.values(), key=lambda group: tuple(group[name] for name in LOG_GROUP_FIELDS))
    ordered.sort(key=lambda group: group["last_at"], reverse=True)
    return ordered


def _groups_since(groups, lower):
    """`_log_groups` of those of its rows at or after `lower`, from the groups of all of them: the
    rows at or after a time are the newest, so each group keeps its newest row (and its place in
    the order) or has none left. Grouping the window's rows twice cost ~0.4 ms a page (issue 14)."""
    kept = []
    for group in groups:
        ats = [at for at in group["ats"] if at >= lower]
        if ats:
            kept.append({**group, "ats": ats})
    return kept


def _page_groups(groups):
    """The groups as the page gets them: with their count and oldest time instead of every time."""
    for group in groups:
        ats = group.pop("ats")
        group["count"], group["first_at"] = len(ats), ats[-1]
    return groups


def own_access_log_page(actor, date_from, date_to, *, before=None, endpoint):
    """The resident's own log for the period, grouped per day, at most LOG_PAGE_GROUPS lines a page.

    Each line is one day's reads or changes by one person at one unit, of one kind and on one
    ground, with how many there were between its first and last time. A page covers a span of time
    ending at `before` (the end of the period on the first page) and reaching back over at most
    LOG_PAGE_WINDOW rows and LOG_PAGE_GROUPS lines, in whole days; the next page continues below
    it, so no row is left out or counted twice. Only a day with more lines or rows than one page
    holds is split, its lines saying between which times. One statement whatever the log's size
    (the newest LOG_PAGE_WINDOW rows before the page's end, `_window_query`), grouped here; and the
    read of the page is logged. The staff's extract (access_log_extract) is every row, unchanged.
    """
    if not actor.is_resident:
        raise Http404
    # The resident's own patient by id: the page shows nothing of the patient row itself, and
    # reading it cost a statement (issue 14, fifth round).
    patient_id = actor.user.patient_id
    start, end = _day_bounds(date_from, date_to)
    if before is not None:
        end = min(end, before)
    # Nothing is logged after now (a few seconds for another server's clock). Ending at today's
    # Swedish midnight, the window reached into next month's partition in a month's last hour
    # (midnight is 23:00 UTC; the partitions are UTC months), and with that new, empty partition in it
    # PostgreSQL sorted the resident's whole year instead of reading one window.
    end = min(end, timezone.now() + LOG_CLOCK_MARGIN)
    rows = _window_rows(patient_id, start, end)
    window = _log_groups(rows)
    lower, more = start, True
    if len(window) > LOG_PAGE_GROUPS:
        # The first line that does not fit: the page ends after its newest row, or its whole day.
        cut_day, lower = window[LOG_PAGE_GROUPS]["day"], window[LOG_PAGE_GROUPS]["last_at"] + timedelta(microseconds=1)
    elif len(rows) >= LOG_PAGE_WINDOW:
        # The window is full (older rows may follow): the page ends just after its oldest row (rows
        # at that moment beyond the window are then on the next page), or at that row's day.
        oldest = rows[-1][0]
        if rows[0][0] > oldest:
            lower = oldest + timedelta(microseconds=1)
        else:
            # The whole window is one moment (one request logged more of this patient's rows than a
            # window holds, all at one `at`): the page takes every row of that moment, or those
            # beyond the window would fall between this page and the next.
            rows = _window_rows(patient_id, oldest, oldest + timedelta(microseconds=1), every_row=True)
            window, lower = _log_groups(rows), oldest
        cut_day = timezone.localdate(oldest)
    else:
        more = False
    if more and window[0]["day"] > cut_day:
        lower = _day_bounds(cut_day + timedelta(days=1), cut_day + timedelta(days=1))[0]
    # Every row at or after `lower` is in the window (it is newer than the window's oldest row).
    groups = _page_groups(_groups_since(window, lower) if more else window)
    # The read logged against the patient by id (an unsaved stand-in: `record_read` takes its `pk`).
    record_read(actor, Patient(pk=patient_id), endpoint=endpoint, basis=AuditEvent.Basis.OWN, action="access_log.view",
                reason=f"Logg {date_from:%Y-%m-%d}–{date_to:%Y-%m-%d}")
    return LogPage(patient_id=patient_id, groups=groups, older=lower if more else None)


def emergency_access_report(actor, date_from, date_to, *, endpoint):
    """Emergency accesses in the period: all for a system admin, the own unit's for a unit admin.

    The report shows each patient's number, so each access listed is logged as a read of its
    patient (basis: administration), all in one statement.
    """
    start, end = _day_bounds(date_from, date_to)
    accesses = EmergencyAccess.objects.filter(started_at__gte=start, started_at__lt=end).select_related(
        "user", "unit", "unit__organisation", "patient"
    ).order_by("-started_at", "-pk")
    if actor.is_system_admin:
        pass
    elif actor.has_role(Role.UNIT_ADMIN):
        accesses = accesses.filter(unit_id=actor.unit_id)
    else:
        return []
    accesses = list(accesses)
    record_reads(actor, accesses, action="emergency_access.report", reason="Granskning av nödåtkomst",
                 endpoint=endpoint, basis=AuditEvent.Basis.ADMIN)
    return accesses


def reads_per_user(actor, date_from, date_to, *, limit=20):
    """The users with the most patient reads in the period: a start for spotting unusual volumes."""
    start, end = _day_bounds(date_from, date_to)
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, at__gte=start, at__lt=end)
    if not actor.is_system_admin:
        events = events.filter(unit_id=actor.unit_id)
    return (
        events.values("username", "user_display", "unit_name")
        .annotate(reads=Count("id"), patients=Count("patient_id", distinct=True))
        .order_by("-reads")[:limit]
    )


__all__ = [
    "InvalidPersonalNumber", "PatientCard", "SearchHit", "patient_card", "search_patients", "open_patient",
    "access_log_extract", "open_access_log_extract", "own_access_log_page", "emergency_access_report", "reads_per_user",
]
