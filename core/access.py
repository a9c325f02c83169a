"""Access by care relation (Patientdatalagen 4 kap.).

Staff see a patient only when their acting unit has a care relation with the patient, or when
they have stated an emergency access that has not expired. A resident sees only themselves.

Modules add their own kinds of relation (a discharge case, a booking, a plan, a contact matter)
with `register_relation_source`: a function `(unit_id, now) -> QuerySet` of rows with a
`patient_id` column that gives the patients the unit takes part in through that module.

Each source is a subquery; however many modules register one, a check is ONE statement: the list
of patients ORs them (`pk IN (...) OR pk IN (...)`), and one patient's basis is one SELECT with an
EXISTS column per source and the emergency access's reason beside them (issue 14: an API read ran
one EXISTS query per source).
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from core.db import prepared_cursor
from core.models import CareRelation, EmergencyAccess, Patient

_relation_sources = {}


def register_relation_source(name, label, source):
    _relation_sources[name] = (label, source)


def _care_relations(unit_id, now):
    return CareRelation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now), unit_id=unit_id, valid_from__lte=now
    )


register_relation_source("care_relation", "Vårdrelation", _care_relations)


def _active_emergency(actor, now):
    return _emergency_of(actor.user.pk, actor.unit_id, now)


def _emergency_of(user_id, unit_id, now):
    return EmergencyAccess.objects.filter(user_id=user_id, unit_id=unit_id, expires_at__gt=now)


def visible_patients(actor, queryset, *, now=None):
    """Only the patients this actor may open."""
    now = now or timezone.now()
    if actor.is_resident:
        return queryset.filter(pk=actor.user.patient_id)
    if actor.unit_id is None:
        return queryset.none()
    condition = Q(pk__in=_active_emergency(actor, now).values("patient_id"))
    for _label, source in _relation_sources.values():
        condition |= Q(pk__in=source(actor.unit_id, now).values("patient_id"))
    return queryset.filter(condition)


@dataclass(frozen=True)
class AccessBasis:
    """Why an actor may open a patient's data, as the audit log records it."""

    basis: str  # AuditEvent.Basis value
    reason: str


def access_basis(actor, patient, *, now=None):
    """The relation or emergency access that lets the actor open this patient, or None."""
    now = now or timezone.now()
    if actor.is_resident:
        return AccessBasis("own", "Egen uppgift") if actor.user.patient_id == patient.pk else None
    if actor.unit_id is None:
        return None
    return _basis_of(_basis_row(actor, patient.pk, now))


def staff_patient_and_basis(actor, patient_id, columns, *, now=None):
    """For staff acting for a unit: the patient's `columns` (values_list paths, a list in that order)
    and the basis, read with the access check in one statement that returns the patient's row only
    when the unit has a relation to them or the user an emergency access; None when the patient does
    not exist or may not be opened (issue 14: the patient's read and the check were two statements on
    every API read). The caller logs the read."""
    if actor.is_resident or actor.unit_id is None:
        raise ValueError("staff_patient_and_basis is for staff acting for a unit")
    row = _basis_row(actor, patient_id, now or timezone.now(), tuple(columns))
    if row is None:
        return None
    return [row[f"column_{n}"] for n in range(len(columns))], _basis_of(row)


def _basis_row(actor, patient_id, now, columns=()):
    statement = _basis_statement(columns)
    if statement is not None:
        return statement.run(unit_id=actor.unit_id, user_id=actor.user.pk, patient_id=patient_id, now=now)
    return _basis_query(actor.unit_id, actor.user.pk, patient_id, now, columns, visible_only=bool(columns)).first()


def _basis_of(row):
    if row is None:
        return None
    for n, (label, _source) in enumerate(_relation_sources.values()):
        if row[f"source_{n}"]:
            return AccessBasis("relation", label)
    if row["emergency_reason"] is not None:
        return AccessBasis("emergency", row["emergency_reason"])
    return None


def _basis_query(unit_id, user_id, patient_id, now, columns=(), *, visible_only=False):
    """One SELECT: an EXISTS column per relation source and the emergency access's reason, and the
    patient's `columns` (as column_0, column_1, ...). `visible_only`: a row only when one of the
    sources or the emergency access holds (the compiled statement says so around it: `_compile`)."""
    checks = {f"source_{n}": Exists(source(unit_id, now).filter(patient_id=OuterRef("pk")))
              for n, (_label, source) in enumerate(_relation_sources.values())}
    checks["emergency_reason"] = Subquery(
        _emergency_of(user_id, unit_id, now).filter(patient_id=OuterRef("pk")).order_by("-started_at").values("reason")[:1])
    query = Patient.objects.filter(pk=patient_id).order_by().annotate(**checks)
    if visible_only:
        visible = Q(emergency_reason__isnull=False)
        for name in checks:
            if name != "emergency_reason":
                visible |= Q(**{name: True})
        query = query.filter(visible)
    return query.values(*checks, **{f"column_{n}": F(column) for n, column in enumerate(columns)})


# --- The access check as a prepared statement ------------------------------------------------------
# Building `_basis_query` through the ORM (a subquery per source) cost more CPU than running it, on
# every request that opens a patient. Its SQL is the same for every actor, patient and moment, so it
# is compiled once per process and connection from marker values, and each check only fills in the
# parameters (psycopg then prepares it on the server too). A source whose SQL holds a time derived
# from `now` (`now - 30 days`) keeps its offset; one that derives anything else from it (a date, the
# start of the day) is not cached: the ORM builds the query as before. A time derived otherwise than
# by an offset is told apart by compiling at two marker moments (summer and winter, other times of
# day): its offset differs between them.

_NOW_MARK = datetime(1977, 7, 7, 7, 7, 7, 77_777, tzinfo=UTC)
_OTHER_NOW_MARK = datetime(1978, 1, 15, 19, 41, 53, 123_457, tzinfo=UTC)
_UNIT_MARK, _USER_MARK = 977_777_777_001, 977_777_777_002
_PATIENT_MARK = uuid.UUID("77777777-7777-4777-8777-777777777777")
_statements = {}


@dataclass(frozen=True)
class _Statement:
    sql: str
    slots: tuple  # per parameter: ("unit",), ("user",), ("patient",), ("now", offset) or ("value", v)
    # The ORM's converters of the values read (the patient's columns on SQLite: dates, booleans).
    converters: tuple = field(default=(), compare=False)

    def run(self, *, unit_id, user_id, patient_id, now):
        ops = connection.ops
        values = {"unit": unit_id, "user": user_id,
                  "patient": Patient._meta.pk.get_db_prep_value(patient_id, connection)}
        params = [values[slot[0]] if len(slot) == 1
                  else ops.adapt_datetimefield_value(now + slot[1]) if slot[0] == "now" else slot[1]
                  for slot in self.slots]
        with prepared_cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        if row is None:
            return None
        if self.converters:
            compiler, converters = self.converters
            row = next(iter(compiler.apply_converters([row], converters)))
        return dict(zip(names, row, strict=True))


def _as_time(value):
    """A parameter as an aware time if it is one (SQLite passes times as text, in UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in (" ", "T"):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _near_mark(value, now_mark):
    """Whether a parameter is a time or a date (as text on SQLite) near the marker's: derived from now."""
    moment = _as_time(value)
    if moment is None and isinstance(value, str) and len(value) >= 10 and value[4:5] == value[7:8] == "-":
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return False
    if moment is None and isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return moment is not None and abs(moment - now_mark) < timedelta(days=3650)


def _basis_statement(columns=()):
    """The compiled check (with these patient columns) for this connection and these sources, or None
    when it cannot be cached."""
    key = (connection.alias, connection.vendor, tuple(_relation_sources), columns)
    if key not in _statements:
        statement = _compile(_NOW_MARK, columns)
        _statements[key] = (statement if statement is not None and statement == _compile(_OTHER_NOW_MARK, columns)
                            else None)
    return _statements[key]


def _compile(now_mark, columns=()):
    query = _basis_query(_UNIT_MARK, _USER_MARK, _PATIENT_MARK, now_mark, columns)[:1]
    compiler = query.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
    if columns:
        # The row only when the actor may open the patient: said around the statement rather than by
        # the ORM, which would repeat every subquery in the WHERE and make a statement too long for
        # psycopg to keep parsed (4 096 characters, 50 parameters: it then parsed it on every run).
        holds = [f'checked."source_{n}"' for n in range(len(_relation_sources))] + ['checked."emergency_reason" IS NOT NULL']
        sql = f"SELECT * FROM ({sql}) checked WHERE {' OR '.join(holds)}"
    patient_mark = Patient._meta.pk.get_db_prep_value(_PATIENT_MARK, connection)
    slots = []
    for param in params:
        if param == _UNIT_MARK:
            slots.append(("unit",))
        elif param == _USER_MARK:
            slots.append(("user",))
        elif param == patient_mark:
            slots.append(("patient",))
        elif (moment := _as_time(param)) is not None and abs(moment - now_mark) < timedelta(days=3650):
            slots.append(("now", moment - now_mark))
        elif _near_mark(param, now_mark):
            return None  # derived from now in a way an offset does not capture
        else:
            slots.append(("value", param))
    return _Statement(sql=sql, slots=tuple(slots), converters=(compiler, converters) if converters else ())


def require_access(actor, patient, *, message="Din enhet har ingen vårdrelation till patienten."):
    """For actions that give others a way to the patient (a booking, a plan, a case, a conference
    case): the acting unit must itself be able to open the patient. The action checks this itself,
    so a view, an import or the API that forgot to open the patient cannot hand out access."""
    from core.errors import NotPermitted

    basis = access_basis(actor, patient)
    if basis is None:
        raise NotPermitted(message)
    return basis


def related_patients(actor, queryset, *, now=None):
    """The patients the actor's unit has a care relation to (of any registered kind): the unit's
    patient list. Emergency accesses are left out: they open one patient, they make no list."""
    now = now or timezone.now()
    if actor.is_resident or actor.unit_id is None:
        return queryset.none()
    condition = Q(pk__in=[])
    for _label, source in _relation_sources.values():
        condition |= Q(pk__in=source(actor.unit_id, now).values("patient_id"))
    return queryset.filter(condition)
