"""Database helpers that are about PostgreSQL's planner and the ORM's cost rather than about the
domain."""

import contextlib
import contextvars
import functools
from contextlib import contextmanager

import psycopg

from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.db.backends.utils import CursorDebugWrapper


_serial = contextvars.ContextVar("samverkan_serial_plans", default=False)


@contextmanager
def serial_planning():
    """The block's reads without parallel workers, in one transaction: a view that runs several
    decorated reads wraps them in one block and pays for one SET LOCAL and one BEGIN/COMMIT instead of
    one each (issue 14: the worklist ran three)."""
    if connection.vendor != "postgresql" or _serial.get():
        yield
        return
    token = _serial.set(True)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            yield
    finally:
        _serial.reset(token)


def serial_plans(function):
    """Run the decorated read without parallel workers on PostgreSQL.

    Worklists read a few thousand rows by index. The planner, counting random page reads, often
    starts two parallel workers for them, and on a small server starting the workers costs more
    than the query: bench/discharge_bench.py measured a worklist page at ~80 ms p95 with them and
    ~40 ms without. SET LOCAL keeps the setting to this transaction.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with serial_planning():
            return function(*args, **kwargs)

    return wrapper


def fetch_rows(queryset, fields, *, prepare=None):
    """`values_list(*fields)` of a large read as tuples. On PostgreSQL the rows come in binary:
    Django's text loader for timestamps was half the time of the month's liability basis
    (bench/discharge_bench.py). Elsewhere the ORM's iterator. `prepare=False`: never prepared on the
    server (psycopg prepares a statement run DATABASE_PREPARE_THRESHOLD times on a connection, and
    PostgreSQL may then plan it once for any values: for a read whose good plan depends on its
    values, such a generic plan can be far worse)."""
    rows = queryset.values_list(*fields)
    db = connections[rows.db]  # where the ORM would read it: the replica inside `replica_reads()`
    if db.vendor != "postgresql":
        return list(rows.iterator(chunk_size=5000))
    sql, params = rows.query.sql_with_params()
    return fetch_sql(db, sql, params, prepare=prepare)


def fetch_sql(db, sql, params, *, prepare=None):
    """`fetch_rows` of a statement compiled already (PostgreSQL only): for a read that keeps its SQL
    from one call to the next and cannot be a `CompiledRead` (one never prepared)."""
    db.ensure_connection()
    # Django's own cursors bind parameters on the client, which rules out binary results.
    with psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params, binary=True, prepare=prepare)
        return cursor.fetchall()


def prepared_cursor(*, binary=False, using=DEFAULT_DB_ALIAS):
    """A cursor for statements run again and again with new values (`CompiledRead`, the access
    check, `insert_new`). On PostgreSQL it sends the values apart from the SQL (server-side binding),
    so that psycopg prepares the statement on the server after its `prepare_threshold` runs
    (settings: DATABASE_PREPARE_THRESHOLD) and PostgreSQL plans it once per connection instead of on
    every run (issue 14: planning the access check took 1.9 ms, running it 0.2 ms). Django's own
    cursors bind the values into the SQL text on the client: their statements are never prepared.
    It is wrapped as Django wraps its own cursors, so query logging, `execute_wrapper` and the tests'
    statement counts see what it runs."""
    db = connections[using]  # the wrapper itself: each use of the `connection` proxy costs a lookup
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    db.validate_thread_sharing()
    cursor = psycopg.Cursor(db.connection)
    if binary:  # results in binary (`CompiledRead`'s `binary`)
        cursor.format = psycopg.pq.Format.BINARY
    return _PreparedDebugCursor(cursor, db) if db.queries_logged else db.make_cursor(cursor)


class _PreparedDebugCursor(CursorDebugWrapper):
    """Django's debug cursor (query logging, the tests' statement counts), keeping the statement's
    text when psycopg gives none: for a statement it ran prepared, Django's `last_executed_query`
    reads None. The text is then the SQL with its placeholders, the values not bound in."""

    @contextmanager
    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        try:
            with super().debug_sql(sql, params, use_last_executed_query, many):
                yield
        finally:
            log = self.db.queries_log
            if log and log[-1]["sql"] is None:
                log[-1]["sql"] = sql


class CompiledRead:
    """A read of the same shape on every call, compiled by the ORM once per process and database,
    then run with each call's arguments as its parameters.

    Building and compiling a queryset costs more CPU than PostgreSQL takes to answer a read by
    primary key or unique column (issue 14: half of the API read's Django time was the API key's
    lookup being built and compiled). `build` takes one marker value per argument and returns a
    `values_list()` queryset; `arguments` are (field, marker) pairs: each marker, as its field
    prepares it for the database, must appear among the compiled parameters and is replaced there
    by the call's argument, prepared the same way. Every other parameter is a constant of the
    query. Rows come back as lists through the converters `values_list` applies, so a caller gets
    the ORM's own values; `core/tests/test_compiled_read.py` holds the two to the same answers.
    `binary`: PostgreSQL sends the rows in binary, for reads of many times (loading a time from text
    is a regular expression and a few calls in Python: issue 14, the free-time search's 40 times).
    Not for JSON columns: Django loads only their text form, binary JSON would arrive parsed.
    """

    def __init__(self, build, *arguments, binary=False):
        self._build = build
        self._arguments = arguments
        self._binary = binary
        self._compiled = {}
        self._read_model = None

    def rows(self, *args):
        # The database the ORM would read it from: the replica inside `replica_reads()` (core/db_router.py).
        db = connections[router.db_for_read(self._model())]
        sql, slots, compiler, converters = self._for_connection(db)
        values = [field.get_db_prep_value(arg, db) for (field, _marker), arg in zip(self._arguments, args, strict=True)]
        params = [values[slot] if isinstance(slot, int) else slot[0] for slot in slots]
        with prepared_cursor(binary=self._binary, using=db.alias) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return list(compiler.apply_converters(rows, converters)) if converters else [list(row) for row in rows]

    def first(self, *args):
        rows = self.rows(*args)
        return rows[0] if rows else None

    def _model(self):
        if self._read_model is None:  # building the queryset reads nothing: it is not run here
            self._read_model = self._build(*(marker for _field, marker in self._arguments)).model
        return self._read_model

    def _for_connection(self, db):
        key = (db.alias, db.vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(db)
        return self._compiled[key]

    def _compile(self, db):
        queryset = self._build(*(marker for _field, marker in self._arguments))
        compiler = queryset.query.get_compiler(connection=db)
        sql, params = compiler.as_sql()
        marks = [field.get_db_prep_value(marker, db) for field, marker in self._arguments]
        # An int slot is the argument's position; a constant is kept in a 1-tuple.
        slots = [next((n for n, mark in enumerate(marks) if type(mark) is type(param) and mark == param), (param,))
                 for param in params]
        missing = set(range(len(marks))) - {slot for slot in slots if isinstance(slot, int)}
        if missing:
            raise ValueError(f"CompiledRead: markers {sorted(missing)} are not among the query's parameters")
        converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
        return sql, slots, compiler, converters


def columns_of(model, prefix=""):
    """Every concrete column of `model` by attribute name, for `values_list`, behind `prefix` (the
    path of a related model, "membership__unit__"). With `objects_from_row` a compiled read loads
    whole objects, none of their fields deferred."""
    return [prefix + field.attname for field in model._meta.concrete_fields]


def objects_from_row(row, models):
    """One instance per model from a row of `columns_of(model, ...)` for each model in turn; None
    for a model whose primary key is null (a nullable relation that was not there)."""
    objects, start = [], 0
    for model in models:
        names, pk_at = _layout(model)
        values = row[start:start + len(names)]
        start += len(names)
        objects.append(None if values[pk_at] is None else model.from_db(DEFAULT_DB_ALIAS, names, values))
    return objects


@functools.cache
def _layout(model):
    """A model's `columns_of` and where its primary key is among them: `objects_from_row` runs on
    every session read and several times a page (issue 14, seventh round)."""
    names = columns_of(model)
    return names, names.index(model._meta.pk.attname)


def insert_new(objects):
    """Write new objects of one model in one INSERT (one per batch the database takes), without
    reading their ids back: `bulk_create` without its bookkeeping. For rows written and never read
    back by the request (the audit log's reads: issue 14, `bulk_create` of one row cost more CPU than
    the rest of an API read's statements together). Each value is prepared as the ORM's INSERT
    prepares it (`pre_save`, `get_db_prep_save`); the objects' primary keys stay unset."""
    if not objects:
        return
    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields
              if not field.generated and not (field.primary_key and getattr(objects[0], field.attname) is None)]
    assert all(type(obj) is model for obj in objects), "insert_new writes objects of one model"
    assert not any(hasattr(field, "get_placeholder") for field in fields), "a field with its own SQL placeholder"
    db = connections[DEFAULT_DB_ALIAS]
    ops = db.ops
    head = (f"INSERT INTO {ops.quote_name(model._meta.db_table)} "
            f"({', '.join(ops.quote_name(field.column) for field in fields)}) VALUES ")
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(ops.bulk_batch_size(fields, objects), 1)
    batches = [objects[start:start + size] for start in range(0, len(objects), size)]
    # Several batches are one write: all of them or none.
    with transaction.atomic(savepoint=False) if len(batches) > 1 else contextlib.nullcontext():
        with prepared_cursor() as cursor:
            for batch in batches:
                params = [field.get_db_prep_save(field.pre_save(obj, True), db)
                          for obj in batch for field in fields]
                cursor.execute(head + ", ".join([row] * len(batch)), params)
