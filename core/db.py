"""Database helpers that are about PostgreSQL's planner rather than about the domain."""

import contextvars
import functools
from contextlib import contextmanager

import psycopg

from django.db import connection, transaction


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


def fetch_rows(queryset, fields):
    """`values_list(*fields)` of a large read as tuples. On PostgreSQL the rows come in binary:
    Django's text loader for timestamps was half the time of the month's liability basis
    (bench/discharge_bench.py). Elsewhere the ORM's iterator."""
    rows = queryset.values_list(*fields)
    if connection.vendor != "postgresql":
        return list(rows.iterator(chunk_size=5000))
    sql, params = rows.query.sql_with_params()
    connection.ensure_connection()
    # Django's own cursors bind parameters on the client, which rules out binary results.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()
