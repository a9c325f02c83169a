"""Database helpers that are about PostgreSQL's planner rather than about the domain."""

import functools

import psycopg

from django.db import connection, transaction


def serial_plans(function):
    """Run the decorated read without parallel workers on PostgreSQL.

    Worklists read a few thousand rows by index. The planner, counting random page reads, often
    starts two parallel workers for them, and on a small server starting the workers costs more
    than the query: bench/discharge_bench.py measured a worklist page at ~80 ms p95 with them and
    ~40 ms without. SET LOCAL keeps the setting to this transaction.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
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
