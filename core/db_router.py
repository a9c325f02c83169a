"""Reads from a PostgreSQL streaming replica (issue 14; docs/deployment.md).

When DATABASE_REPLICA_URL is set, the settings add a "replica" database and this router. Only reads
made inside `replica_reads()` go to the replica: the follow-up pages, the invoice basis and the
reports, whose views are wrapped in `reads_from_replica` (GET requests only). Everything else reads
and writes the primary, and so does anything inside a transaction on the primary (every action runs
in `transaction.atomic()`), and every write, wherever it is made (the audit rows of a report go to
the primary). A replica lags its primary by a moment: only pages that show the state of a month or a
year, not the row someone just saved, read from it.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_reading_replica = contextvars.ContextVar("samverkan_replica_reads", default=False)


@contextmanager
def replica_reads():
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reads_from_replica(view):
    """A view whose GET reads from the replica (when there is one)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (_reading_replica.get() and REPLICA in settings.DATABASES
                and not connections["default"].in_atomic_block):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
