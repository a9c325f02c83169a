"""The audit log's monthly partitions on PostgreSQL (issue 14; docs/decisions.md "Audit log at scale").

`core_auditevent` is partitioned by range of `at`, one partition a month, named
`core_auditevent_yYYYYmMM`, and a DEFAULT partition that catches a row no month covers (history older
than the first month, or a month the schedule failed to create). The append-only trigger is defined
on the partitioned table, so PostgreSQL gives it to every partition, present and future.

`manage.py audit_partitions`, run daily from cron, keeps the coming months created and detaches the
months older than AUDIT_RETENTION_YEARS: a detached partition is an ordinary table outside the log,
for the database administrator to archive (pg_dump) and drop; the application never deletes a row.
On SQLite the log is one table, and these functions do nothing.
"""

from dataclasses import dataclass
from datetime import date

TABLE = "core_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"


def month_start(day):
    return date(day.year, day.month, 1)


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month):
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def create_partition_sql(month):
    """Rows with `at` in the month (Stockholm's midnight would split a partition's day: the bounds are
    UTC months, which only matters for which table a row is in, never for what a query finds)."""
    return (f'CREATE TABLE IF NOT EXISTS "{partition_name(month)}" PARTITION OF "{TABLE}" '
            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{add_months(month, 1).isoformat()} 00:00:00+00')")


def is_partitioned(connection):
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace", [TABLE])
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition


def partitions(connection):
    """The partitions attached to the log now, months in order, the default last."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = %s AND p.relnamespace = 'public'::regnamespace ORDER BY c.relname""", [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    found = []
    for name in names:
        suffix = name.removeprefix(f"{TABLE}_y")
        if suffix != name and len(suffix) == 7 and suffix[4] == "m":
            found.append(Partition(name, date(int(suffix[:4]), int(suffix[5:]), 1)))
    found.sort(key=lambda p: p.month)
    return found + [Partition(n, None) for n in names if n == DEFAULT_PARTITION]


def default_rows_between(connection, start, end):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{DEFAULT_PARTITION}" WHERE at >= %s AND at < %s', [start, end])
        return cursor.fetchone()[0]


def ensure_months(connection, today, months_ahead=3):
    """Creates the partitions of this month and `months_ahead` more. A month whose rows already sit
    in the default partition is left (creating it would fail) and reported. Returns (created, skipped)."""
    existing = {p.month for p in partitions(connection)}
    created, skipped = [], []
    for n in range(months_ahead + 1):
        month = add_months(month_start(today), n)
        if month in existing:
            continue
        if default_rows_between(connection, month, add_months(month, 1)):
            skipped.append(partition_name(month))
            continue
        with connection.cursor() as cursor:
            cursor.execute(create_partition_sql(month))
        created.append(partition_name(month))
    return created, skipped


def retention_cutoff(today, years):
    """The first month kept: months that ended more than `years` years before today's month go."""
    return add_months(month_start(today), -12 * years)


def detach_expired(connection, today, years):
    """Detaches the monthly partitions that end before the retention cutoff. Returns their names."""
    cutoff = retention_cutoff(today, years)
    detached = []
    for partition in partitions(connection):
        if partition.month is not None and add_months(partition.month, 1) <= cutoff:
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{partition.name}"')
            detached.append(partition.name)
    return detached
