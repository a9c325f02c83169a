"""Writing the audit log. Called by actions (writes) and by queries (reads of patient data).

Write events must be recorded inside the action's transaction so that the change and its log
line commit together or not at all.
"""

import contextvars
import datetime
import decimal
import functools
import uuid
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from core.db import insert_new, prepared_cursor
from core.models import AuditEvent


# --- What each audit action means, in Swedish -------------------------------------------------
# Each app registers the labels of the actions it writes (its `audit_labels.py`, from `ready()`);
# the access log extract shows only these, never an action's code name.

_action_labels = {}


def register_action_labels(labels):
    _action_labels.update(labels)


def action_label(action, kind=AuditEvent.Kind.READ):
    """The action in plain Swedish. An action nobody labelled (a bug the label test catches) still
    reads as Swedish, not as code."""
    return _action_labels.get(action) or ("Läste uppgifter" if kind == AuditEvent.Kind.READ else "Ändrade uppgifter")


def labelled_actions():
    return set(_action_labels)


def snapshot(instance, fields):
    """The values of `fields` on a model instance, as JSON-friendly values."""
    return {name: _plain(getattr(instance, _attname(instance, name))) for name in fields}


def _attname(instance, name):
    field = instance._meta.get_field(name)
    return field.attname


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def diff(before, after):
    """{field: [before, after]} for the fields that changed."""
    keys = set(before) | set(after)
    return {key: [before.get(key), after.get(key)] for key in sorted(keys) if before.get(key) != after.get(key)}


def actor_columns(actor):
    unit = actor.unit if actor else None
    user = actor.user if actor else None
    return {
        "user": user,
        "username": user.username if user else "",
        "user_display": (user.display_name() if user else "") + (f" (API: {actor.token_name})" if actor and actor.token_name else ""),
        "unit": unit,
        "unit_name": unit.name if unit else "",
        "organisation_name": unit.organisation.name if unit else "",
    }


def record_write(actor, action, obj, *, changes=None, patient=None, endpoint=""):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events for writes must be recorded inside the action's transaction.")
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.WRITE,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changes=changes or {},
        patient=patient,
        endpoint=endpoint,
        **_write_basis(actor, patient),
        **actor_columns(actor),
    )


def _write_basis(actor, patient):
    """What let staff write about the patient (the relation or emergency access), so that the
    patient's log says why; nothing for writes that touch no patient."""
    if patient is None or actor is None or actor.is_resident:
        return {"basis": AuditEvent.Basis.OWN} if patient is not None and actor is not None else {}
    from core.access import access_basis

    found = access_basis(actor, patient)
    return {"basis": found.basis, "reason": found.reason[:500]} if found else {}


# --- Reads of one request in one INSERT ---------------------------------------------------------
# A page logs each read as its queries run (the patient, the case, the rows of a list). Inside
# `collected_reads()` (AuditReadsMiddleware wraps every request in it) they are gathered and written
# together, in one INSERT, before the response leaves: one statement and one commit per page instead
# of one per read. A read recorded outside it (a task, a command, a streamed export's rows) is
# written at once. The flush runs before the response is handed back, so a page whose reads could
# not be logged is answered with an error, never with the data.

_collected = contextvars.ContextVar("samverkan_audit_reads", default=None)


@contextmanager
def collected_reads():
    buffer = []
    token = _collected.set(buffer)
    try:
        yield buffer
    finally:
        _collected.reset(token)
    if buffer:
        _insert_reads(buffer)


def _save_reads(events):
    buffer = _collected.get()
    if buffer is not None:
        buffer.extend(events)
    elif len(events) == 1:
        events[0].save()
    elif events:
        AuditEvent.objects.bulk_create(events)
    return events


def _insert_reads(events):
    """The rows in one INSERT. On PostgreSQL, a column whose value every row shares (who read, on
    which page, why: the same for all rows of a list) is sent once, and only the others (the moment,
    the object, the patient) as arrays to UNNEST: bulk_create prepared and sent every value of every
    row, ~1.5 ms more of the request for a list of 40 (bench/README.md, "The third round"). The rows'
    ids are not read back: nothing uses them."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        insert_new(_events(events))
        return
    values = [_column(events, name) for name in _READ_COLUMNS]
    shared = tuple(column.count(column[0]) == len(column) for column in values)
    if all(shared):
        insert_new(_events(events))  # one row, or no column to share: the plain INSERT is the cheaper
        return
    fields = _read_fields()
    params, arrays = [], []
    for field, column, same in zip(fields, values, shared, strict=True):
        if same:
            params.append(field.get_db_prep_save(column[0], connection))
        else:
            arrays.append([field.get_db_prep_save(value, connection) for value in column])
    # Prepared (`prepared_cursor`): the arrays go as values, not quoted into the SQL text on the
    # client, and PostgreSQL plans the INSERT once per connection instead of on every page.
    with prepared_cursor(using=connection.alias) as cursor:
        cursor.execute(_unnest_insert(connection.alias, shared), params + arrays)


def _column(items, name):
    """One column's values over the collected reads: a row's, or a list's rows' (`_ListRead`)."""
    column = []
    for item in items:
        if type(item) is _ListRead:
            column.extend(item.column(name))
        else:
            column.append(getattr(item, name))
    return column


def _events(items):
    return [event for item in items for event in (item.events() if type(item) is _ListRead else (item,))]


def _read_fields():
    return [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]


# The attribute of each column of a read row, in the order of the INSERT's columns.
_READ_COLUMNS = [field.attname for field in _read_fields()]


@functools.cache
def _unnest_insert(alias, shared):
    """The INSERT … SELECT … FROM UNNEST of `_insert_reads` for rows that share the columns marked in
    `shared`: the same text for every list of the same shape, made once per process and database."""
    connection = connections[alias]
    selected, kinds = [], []
    for field, same in zip(_read_fields(), shared, strict=True):
        kind = field.db_type(connection)
        if same:
            selected.append(f"%s::{kind}")
        else:
            selected.append(f"v.c{len(kinds)}")
            kinds.append(kind)
    names = ", ".join(connection.ops.quote_name(field.column) for field in _read_fields())
    # The arrays in binary (`%b`): psycopg writes a list of 50 ids in text ~6x slower (issue 14).
    unnest = ", ".join(f"%b::{kind}[]" for kind in kinds)
    aliases = ", ".join(f"c{n}" for n in range(len(kinds)))
    return (f"INSERT INTO {AuditEvent._meta.db_table} ({names}) SELECT {', '.join(selected)} "
            f"FROM UNNEST({unnest}) AS v({aliases})")


class AuditReadsMiddleware:
    """Writes the reads a request logged in one INSERT, before its response is returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collected_reads():
            response = self.get_response(request)
        return response


def record_read(actor, patient, *, endpoint, basis, reason="", action="patient.read", at=None):
    """Log a read of patient data. `at` is for loading history (demo data, imports) only."""
    return _save_reads([AuditEvent(
        at=at or timezone.now(),
        kind=AuditEvent.Kind.READ,
        action=action,
        object_type="core.patient",
        object_id=str(patient.pk),
        patient=patient,
        basis=basis,
        reason=reason[:500],
        endpoint=endpoint,
        **actor_columns(actor),
    )])[0]


def record_reads(actor, objects, *, action, reason, endpoint, basis=AuditEvent.Basis.RELATION):
    """One read row per object shown (each with its `patient_id`), written in one statement: for
    lists that show many patients at once. The rows are one read at one moment: they share `at`."""
    objects = list(objects)
    if not objects:
        return
    first = AuditEvent(kind=AuditEvent.Kind.READ, action=action, object_type=objects[0]._meta.label_lower,
                       object_id=str(objects[0].pk), patient_id=objects[0].patient_id, basis=basis, reason=reason,
                       endpoint=endpoint, **actor_columns(actor))
    rows = _ListRead(first, [obj._meta.label_lower for obj in objects], [str(obj.pk) for obj in objects],
                     [obj.patient_id for obj in objects])
    buffer = _collected.get()
    if buffer is not None:
        buffer.append(rows)
    else:
        _save_reads(rows.events())


class _ListRead:
    """The rows of one list's read (`record_reads`) as columns: the first row's values, which all its
    rows share, and each row's object and patient. Collected for the request's INSERT as they are,
    without an AuditEvent per row (issue 14, fifth round: building the copies and reading their
    columns back was most of the read log's Python for a list of 50); `events()` for the other ways."""

    __slots__ = ("first", "per_row")

    def __init__(self, first, object_types, object_ids, patient_ids):
        self.first = first
        self.per_row = {"object_type": object_types, "object_id": object_ids, "patient_id": patient_ids}

    def column(self, name):
        values = self.per_row.get(name)
        return values if values is not None else [getattr(self.first, name)] * len(self.per_row["object_id"])

    def events(self):
        rows = zip(self.per_row["object_type"], self.per_row["object_id"], self.per_row["patient_id"], strict=True)
        next(rows)  # the first row is `first`
        return [self.first] + [_like(self.first, object_type=object_type, object_id=object_id, patient_id=patient_id)
                               for object_type, object_id, patient_id in rows]


def _like(event, **values):
    """A new, unsaved copy of `event` with other `values`. Building each row of a list through
    AuditEvent(**columns) took a tenth of a list page's CPU (bench/README.md, "The fourth round"):
    the model's constructor sorts out every field's keyword, default and related object per row."""
    copy = AuditEvent.__new__(AuditEvent)
    copy.__dict__.update(event.__dict__)
    copy._state = ModelState()
    copy._state.fields_cache = {name: value for name, value in event._state.fields_cache.items() if name != "patient"}
    copy.__dict__.update(values)
    return copy
