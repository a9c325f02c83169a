"""An index for one object's history of changes: an agreement's page lists the writes logged on it
(`discharge.invoice_views.agreement_detail`), which without an index read the whole audit log. It
holds writes only (`kind = 'write'`), a small share of the log: reads, most of the rows, pay nothing.

On PostgreSQL the log is partitioned (0010), and an index built on the partitioned table in one
statement would hold the log's lock, and so every audited request, until every month is indexed. It
is built the way PostgreSQL's documentation gives for that: the index on the partitioned table alone
(invalid until complete), then each partition's CONCURRENTLY, which lets rows in while it builds,
attached to it one by one; the last attach makes it valid. Months created later get it with their
table. Hence a migration outside a transaction. Run again after a build that stopped halfway, it
goes on from the first month without its piece. Meanwhile `manage.py audit_partitions` leaves the
partitions alone (`core.partitions.indexes_being_built`). SQLite: one CREATE INDEX.
"""

import time

from django.db import OperationalError, migrations, models
from django.db.models import Q

TABLE = "core_auditevent"
NAME = "audit_object_writes"
INDEX = models.Index(fields=["object_type", "object_id", "at"], condition=Q(kind="write"), name=NAME)
COLUMNS_AND_CONDITION = "(object_type, object_id, at) WHERE kind = 'write'"


def _partitions(cursor):
    cursor.execute("""
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = %s::regclass ORDER BY c.relname""", [TABLE])
    return [row[0] for row in cursor.fetchall()]


def _is_partitioned(cursor):
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
    return cursor.fetchone() is not None


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(apps.get_model("core", "AuditEvent"), INDEX)
        return
    with schema_editor.connection.cursor() as cursor:
        if not _is_partitioned(cursor):
            _build(cursor, NAME, TABLE)
            return
        _briefly(cursor, f'CREATE INDEX IF NOT EXISTS "{NAME}" ON ONLY "{TABLE}" {COLUMNS_AND_CONDITION}')
        for partition in _partitions(cursor):
            if _has_its_piece(cursor, partition):  # built by a run that stopped later, or a month created since
                continue
            index = f"{partition}_object_writes"
            _build(cursor, index, partition)
            _briefly(cursor, f'ALTER INDEX "{NAME}" ATTACH PARTITION "{index}"')


def _build(cursor, index, table):
    """The index on one table, CONCURRENTLY; one a stopped run left valid is kept, an invalid one built again."""
    cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [index])
    found = cursor.fetchone()
    if found == (True,):
        return
    if found is not None:
        cursor.execute(f'DROP INDEX CONCURRENTLY "{index}"')
    cursor.execute(f'CREATE INDEX CONCURRENTLY "{index}" ON "{table}" {COLUMNS_AND_CONDITION}')


def _briefly(cursor, statement, tries=30):
    """A statement that needs a lock on the log (or a month of it) for a moment: with a short
    lock_timeout, so that audited requests do not queue behind it while it waits for a long
    transaction, tried again a second later."""
    for attempt in range(tries):
        try:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(statement)
            return
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03" or attempt == tries - 1:  # lock_not_available
                raise
            time.sleep(1)
        finally:
            cursor.execute("RESET lock_timeout")


def _has_its_piece(cursor, partition):
    cursor.execute("""
        SELECT 1 FROM pg_inherits h JOIN pg_index i ON i.indexrelid = h.inhrelid
        WHERE h.inhparent = %s::regclass AND i.indrelid = %s::regclass""", [NAME, partition])
    return cursor.fetchone() is not None


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(apps.get_model("core", "AuditEvent"), INDEX)
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{NAME}"')  # with every partition's


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('core', '0013_audit_without_basis_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="auditevent", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
