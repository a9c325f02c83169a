"""Swedish order in the database: `order_by(swedish("name"))` sorts names as a Swedish reader
expects (Å, Ä, Ö after Z; case does not decide), on PostgreSQL and on SQLite alike.

PostgreSQL sorts with the server's ICU collation "sv-SE-x-icu" (CLDR's Swedish rules; Debian's
PostgreSQL is built with ICU). SQLite has no ICU, so a collation of the same name is registered on
every SQLite connection, backed by the pure rule in `core/rules/swedish.py`. Lists sorted in Python
use that rule's `sort_key`. (docs/decisions.md, "Swedish alphabetical order".)
"""

from django.db.backends.signals import connection_created
from django.db.models.functions import Collate

from core.rules.swedish import compare, sort_key  # noqa: F401 - sort_key: the Python-side helper

SWEDISH = "sv-SE-x-icu"


def swedish(field):
    """An ordering expression: the field in Swedish order (use `.desc()` for the reverse)."""
    return Collate(field, SWEDISH)


def _register_on_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SWEDISH, compare)


def install():
    """Called from core's `ready()`."""
    connection_created.connect(_register_on_sqlite, dispatch_uid="core.collation.swedish")
