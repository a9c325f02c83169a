"""On PostgreSQL the audit log becomes a table partitioned by month of `at` (issue 14): a nation writes
billions of rows a year, and a month is the unit that is created ahead, searched (a patient's year of
log reads twelve partitions' indexes) and, after AUDIT_RETENTION_YEARS, detached (core/partitions.py,
`manage.py audit_partitions`). SQLite keeps one table: nothing happens there.

The rows are copied into the new table, which keeps the name, the columns, the indexes (by their
names, built on every partition) and the append-only trigger of migration 0002, now defined on the
partitioned table and so on every partition. PostgreSQL wants the partition key in the primary key:
it is (id, at); `id` still comes from one sequence, so it stays unique. Partitions: every month from
the oldest row's (at most 24 months back; older rows go to the default partition) to three months ahead.
"""

import re
from datetime import UTC, date, datetime

from django.db import migrations

TABLE = "core_auditevent"
NEW = "core_auditevent_partitioned"


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _partition_sql(month):
    return (f'CREATE TABLE "{TABLE}_y{month.year:04d}m{month.month:02d}" PARTITION OF "{TABLE}" '
            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{_add_months(month, 1).isoformat()} 00:00:00+00')")


def _indexes(cursor, table):
    cursor.execute("""
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename = %s AND indexname NOT IN (
            SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)
        ORDER BY indexname""", [table, table])
    return cursor.fetchall()


def _move(cursor, source, target, *, partitioned):
    """Copies `source` into a new table `target` (partitioned or not), drops `source` and gives
    `target` its name, its indexes and the append-only trigger."""
    indexes = _indexes(cursor, source)
    today = datetime.now(UTC).date()  # the partitions' bounds are UTC months (Django sets TZ to Stockholm's)
    cursor.execute(f'SELECT min(at) FROM "{source}"')
    oldest = cursor.fetchone()[0]
    cursor.execute(f'CREATE TABLE "{target}" (LIKE "{source}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                   + (" PARTITION BY RANGE (at)" if partitioned else ""))
    cursor.execute(f'CREATE SEQUENCE "{target}_id_seq" OWNED BY "{target}".id')
    cursor.execute(f"""ALTER TABLE "{target}" ALTER COLUMN id SET DEFAULT nextval('"{target}_id_seq"')""")
    cursor.execute(f'ALTER TABLE "{target}" ADD PRIMARY KEY ' + ("(id, at)" if partitioned else "(id)"))
    if partitioned:
        first = date(oldest.year, oldest.month, 1) if oldest else date(today.year, today.month, 1)
        first = max(first, _add_months(date(today.year, today.month, 1), -24))
        month = first
        while month <= _add_months(date(today.year, today.month, 1), 3):
            cursor.execute(_partition_sql(month).replace(f'PARTITION OF "{TABLE}"', f'PARTITION OF "{target}"'))
            month = _add_months(month, 1)
        cursor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{target}" DEFAULT')
    cursor.execute(f'INSERT INTO "{target}" SELECT * FROM "{source}"')
    cursor.execute(f'SELECT max(id) FROM "{source}"')
    top = cursor.fetchone()[0]
    if top:
        cursor.execute(f"""SELECT setval('"{target}_id_seq"', %s)""", [top])
    cursor.execute(f'DROP TABLE "{source}"')
    cursor.execute(f'ALTER TABLE "{target}" RENAME TO "{TABLE}"')
    cursor.execute(f'ALTER SEQUENCE "{target}_id_seq" RENAME TO "{TABLE}_id_seq"')
    cursor.execute(f"""ALTER TABLE "{TABLE}" ALTER COLUMN id SET DEFAULT nextval('"{TABLE}_id_seq"')""")
    cursor.execute(f'ALTER TABLE "{TABLE}" RENAME CONSTRAINT "{target}_pkey" TO "{TABLE}_pkey"')
    for _name, definition in indexes:
        # A partitioned table's index reads "ON ONLY public.<table>": built here on the whole table.
        cursor.execute(re.sub(rf"ON (ONLY )?public\.{source} ", f"ON public.{TABLE} ", definition))
    # Migration 0002's function; on a partitioned table the trigger is cloned to every partition.
    cursor.execute(f'CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON "{TABLE}" '
                   "FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()")


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_plain"')
        cursor.execute(f'ALTER TABLE "{TABLE}_plain" RENAME CONSTRAINT "{TABLE}_pkey" TO "{TABLE}_plain_pkey"')
        _move(cursor, f"{TABLE}_plain", NEW, partitioned=True)


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_parted"')
        cursor.execute(f'ALTER TABLE "{TABLE}_parted" RENAME CONSTRAINT "{TABLE}_pkey" TO "{TABLE}_parted_pkey"')
        cursor.execute(f'ALTER SEQUENCE "{TABLE}_id_seq" RENAME TO "{TABLE}_parted_id_seq"')
        _move(cursor, f"{TABLE}_parted", f"{TABLE}_single", partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0009_audit_drop_redundant_indexes")]

    operations = [migrations.RunPython(partition, unpartition)]
