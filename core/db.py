"""Database helpers that are about PostgreSQL's planner rather than about the domain."""

import functools

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
