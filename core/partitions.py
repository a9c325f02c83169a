"""The audit log's monthly partitions on PostgreSQL (issue 14; docs/decisions.md "Audit log at scale").

`core_auditevent` is partitioned by range of `at`, one partition a month, named
`core_auditevent_yYYYYmMM`, and a DEFAULT partition that catches a row no month covers (history older
than the first month, or a month the schedule failed to create). The append-only trigger is defined
on the partitioned table, so PostgreSQL gives it to every partition, present and future.

`manage.py audit_partitions`, run daily from cron, keeps the coming months created and detaches the
months older than AUDIT_RETENTION_YEARS: a detached partition is an ordinary table outside the log,
for the database administrator to archive (pg_dump) and drop; the application never deletes a row.
It also rewrites each month a day after it closes in the order a patient's log is read (below:
"Closed months rewritten in patient order"), the same rows, once. On SQLite the log is one table, and these functions do nothing.
"""

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import OperationalError, transaction

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


def indexes_being_built(connection):
    """The log's partitioned indexes that are not valid yet: one a migration builds month by month
    (core 0014), or one such a build left when it stopped. Until it is complete the partitions must not
    change: attaching a compacted month without its piece makes PostgreSQL build it in one go under the
    log's lock, and creating a month waits, holding that lock, behind a build on the default partition."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND NOT i.indisvalid ORDER BY c.relname""", [TABLE])
        return [row[0] for row in cursor.fetchall()]


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


# --- Closed months rewritten in patient order ---------------------------------------------------
# A live log appends rows in time order, so the rows of one patient lie one per heap page, and a
# patient's year of log (core.queries.access_log_extract: the (patient, at) index, twelve months)
# reads a page per row: at 100 M rows, twice the machine's memory, the extract's p95 was the disk's
# (bench/README.md). A month that has closed does not change (rows are written at now(); the log is
# append-only), so it is rewritten once, sorted as that index reads it, and a patient's month is then
# a page or two. The month's partition is copied while SHARE-locked (reads go on; a stray late write
# waits), the copy checked row for row (count and a hash of every column), and swapped in with the
# same bounds in one short moment under the log's exclusive lock. docs/decisions.md, "Closed months
# of the audit log compacted".

COMPACTED = "compacted in patient order"  # how a compacted partition's COMMENT begins: not redone
CLOSED_FOR = timedelta(days=1)  # a month is compacted a day after it ends (late rows of the last day)
SWAP_LOCK_TIMEOUT = "1s"  # how long the swap may wait for the log's lock, queueing requests behind it
SWAP_ATTEMPTS = 5
LOCK_NOT_AVAILABLE = "55P03"  # the SQLSTATE of a lock_timeout


@dataclass(frozen=True)
class Compaction:
    name: str
    rows: int
    seconds: float  # the whole rewrite: copy, indexes, check, swap
    lock_wait_seconds: float  # waiting for the log's exclusive lock (requests queue behind the wait)
    lock_seconds: float  # the swap, from holding the log's exclusive lock to its commit
    vacuum_seconds: float  # the VACUUM (FREEZE) after it (no lock that stops readers or writers)


def compaction_order():
    """The extract's index, (patient, at), then id: the columns the copy is sorted by."""
    from core.models import AuditEvent

    index = next(index for index in AuditEvent._meta.indexes if index.name == "audit_patient_at")
    return [AuditEvent._meta.get_field(name).column for name in index.fields] + ["id"]


def month_end(partition):
    end = add_months(partition.month, 1)
    return datetime(end.year, end.month, end.day, tzinfo=dt_timezone.utc)


def compacted(connection, name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [name])
        comment = cursor.fetchone()[0]
    return bool(comment and comment.startswith(COMPACTED))


def months_to_compact(connection, now):
    """The month partitions that closed at least CLOSED_FOR before `now` and are not compacted yet,
    newest first (the extract reads the recent months most)."""
    due = [p for p in partitions(connection)
           if p.month is not None and month_end(p) + CLOSED_FOR <= now and not compacted(connection, p.name)]
    return due[::-1]


def compact_closed_months(connection, now):
    """Compacts every month due (months_to_compact). Returns the Compactions and, for the months left
    as they were (tried again on the next run), (name, why)."""
    done, postponed = [], []
    with connection.cursor() as cursor:  # a month replaced by a run that stopped before dropping it
        for partition in partitions(connection):
            cursor.execute(f'DROP TABLE IF EXISTS "{partition.name}_replaced"')
    for partition in months_to_compact(connection, now):
        try:
            done.append(compact_month(connection, partition))
        except Postponed as why:
            postponed.append((partition.name, str(why)))
    return done, postponed


class Postponed(Exception):
    """The month was left as it was: its copy is dropped, the next run tries again."""


def compact_month(connection, partition):
    """Rewrites one closed month's partition sorted by compaction_order(). Two transactions: the copy
    is built and committed while the month is SHARE-locked (reads go on; no lock on the log), then the
    swap: readers see the old partition until its commit and the new one after, never neither.

    The copy is committed before the swap so that the swap's commit is short whatever the server's
    wal_level: with `minimal` a table made in a transaction is written to disk at its commit (seconds
    for a month), which must not happen while the whole log is locked."""
    from core.audit import record_write

    started = time.monotonic()
    copy = f"{partition.name}_compact"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{copy}"')  # left by a run stopped between the two
        # Reads go on; an INSERT into this month waits (a closed month gets none but a late import's).
        cursor.execute(f'LOCK TABLE "{partition.name}" IN SHARE MODE')
        indexes = _index_definitions(cursor, partition.name)
        rows, checksum = _build_copy(cursor, partition, copy, indexes)
    try:
        _default_excludes(connection, partition)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{partition.name}" IN SHARE MODE')
            # The log refuses UPDATE and DELETE: the same count means the same rows as the copy's.
            cursor.execute(f'SELECT count(*) FROM "{partition.name}"')
            if cursor.fetchone()[0] != rows:
                raise Postponed("rows arrived in the month while it was copied")
            waited, locked = _swap(cursor, partition, copy, indexes, (rows, checksum))
            # After the swap has the log's lock: an INSERT into the log before it would hold a lock
            # on the log that two such swaps at once would each wait for (a deadlock).
            record_write(None, "audit.compact_month", None,
                         changes={"partition": partition.name, "rows": rows, "checksum": checksum})
    except Exception:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{copy}"')
        raise
    finally:
        _drop_default_check(connection)
    committed = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{partition.name}_replaced"')  # outside the log since the swap
    vacuum = 0.0
    if not connection.in_atomic_block:
        # Hint bits, the visibility map and frozen rows now, once: a closed month never changes, so
        # the anti-wraparound vacuums skip it from now on, and autovacuum (woken by the inserts) finds
        # nothing to do at a time of its choosing. Not possible inside a transaction (the tests run in one).
        with connection.cursor() as cursor:
            cursor.execute(f'VACUUM (FREEZE) "{partition.name}"')
        vacuum = time.monotonic() - committed
    return Compaction(partition.name, rows, committed - started, locked - waited, committed - locked, vacuum)


DEFAULT_CHECK = f"{DEFAULT_PARTITION}_outside_compacted_month"


def _default_excludes(connection, partition):
    """A validated CHECK on the default partition that none of its rows lies in the month. ATTACH must
    prove that the default holds none of the new partition's rows, and without such a constraint it
    scans the default for it, with the whole log locked: the default keeps the history older than the
    partitioned months (core migration 0010), so the swap would stop every audited request for a
    scan of all of it. Added NOT VALID (a moment's lock of the default) and then validated, which
    reads the default while reads and writes go on."""
    if not any(p.name == DEFAULT_PARTITION for p in partitions(connection)):
        return
    start, end = partition.month, add_months(partition.month, 1)
    _drop_default_check(connection)
    _waiting_briefly(connection, lambda cursor: cursor.execute(
        f'ALTER TABLE "{DEFAULT_PARTITION}" ADD CONSTRAINT "{DEFAULT_CHECK}" '
        f"CHECK (at < '{start.isoformat()} 00:00:00+00' OR at >= '{end.isoformat()} 00:00:00+00') NOT VALID"))
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{DEFAULT_PARTITION}" VALIDATE CONSTRAINT "{DEFAULT_CHECK}"')


def _drop_default_check(connection):
    """The CHECK of _default_excludes, once its month is attached (or the swap gave up): it would
    otherwise refuse a row of that month in the default if the month were detached one day. A default
    kept busy leaves it to the next run, which drops it first."""
    with connection.cursor() as cursor:  # ALTER TABLE would lock the default even with nothing to drop
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [DEFAULT_CHECK])
        if cursor.fetchone() is None:
            return
    try:
        _waiting_briefly(connection, lambda cursor: cursor.execute(
            f'ALTER TABLE IF EXISTS "{DEFAULT_PARTITION}" DROP CONSTRAINT IF EXISTS "{DEFAULT_CHECK}"'))
    except Postponed:
        pass


def _index_definitions(cursor, name):
    """(index name, CREATE INDEX statement, constraint name or None) of the partition's indexes."""
    cursor.execute("""
        SELECT i.relname, pg_get_indexdef(i.oid), con.conname, pg_get_constraintdef(con.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
        WHERE x.indrelid = to_regclass(%s) ORDER BY i.relname""", [name])
    return cursor.fetchall()


def _columns():
    from core.models import AuditEvent

    return ", ".join(f'"{field.column}"' for field in AuditEvent._meta.concrete_fields)


def _count_and_checksum(cursor, table):
    """The number of rows and the sum of a 64-bit hash of each whole row (every column, by name):
    the same for two tables holding the same rows in any order."""
    cursor.execute(f'SELECT count(*), coalesce(sum(hashtextextended(ROW({_columns()})::text, 0)), 0) FROM "{table}"')
    rows, checksum = cursor.fetchone()
    return rows, str(checksum)


def _build_copy(cursor, partition, copy, indexes):
    start, end = partition.month, add_months(partition.month, 1)
    order = ", ".join(f'"{column}"' for column in compaction_order())
    # Sorting a month in memory if the maintenance budget allows: this is maintenance.
    cursor.execute("SELECT set_config('work_mem', current_setting('maintenance_work_mem'), true)")
    # The bound as a CHECK: ATTACH then proves the rows fit instead of scanning the month again.
    # LIKE the month, not the log: a lock on the log held while the copy is built would hold up the
    # swap of another month. No autovacuum on the copy until it is in the log: the swap would wait
    # for it while holding the log's lock.
    cursor.execute(f'CREATE TABLE "{copy}" (LIKE "{partition.name}" INCLUDING ALL EXCLUDING INDEXES, '
                   f"CONSTRAINT \"{copy}_bound\" CHECK (at >= '{start.isoformat()} 00:00:00+00' "
                   f"AND at < '{end.isoformat()} 00:00:00+00')) WITH (autovacuum_enabled = false)")
    cursor.execute(f'INSERT INTO "{copy}" ({_columns()}) SELECT {_columns()} FROM "{partition.name}" ORDER BY {order}')
    for n, (_name, definition, constraint, constraint_definition) in enumerate(indexes):
        if constraint:  # the primary key: the partition's part of the log's (id, at)
            cursor.execute(f'ALTER TABLE "{copy}" ADD CONSTRAINT "{copy}_{n}" {constraint_definition}')
        else:
            cursor.execute(_index_on(definition, f"{copy}_{n}", copy))
    cursor.execute(f'ANALYZE "{copy}"')
    before, after = _count_and_checksum(cursor, partition.name), _count_and_checksum(cursor, copy)
    if before != after:
        raise RuntimeError(f"{partition.name}: the sorted copy differs (rows, checksum {before} != {after}); "
                           "nothing changed")
    return before


def _index_on(definition, name, table):
    """The partition's CREATE INDEX statement made for `table` under `name`."""
    found = re.fullmatch(r"CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)", definition, re.DOTALL)
    return f'CREATE {found.group(1) or ""}INDEX "{name}" ON "{table}" {found.group(2)}'


def _rename(cursor, table, new, indexes, *, copy_names=False):
    """Renames `table` and its indexes: the copy's ({copy}_{n}) to the month's own names, the old
    month's to {new}_{n}."""
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{new}"')
    for n, (name, _definition, constraint, _constraint_definition) in enumerate(indexes):
        old, renamed = (f"{table}_{n}", constraint or name) if copy_names else (constraint or name, f"{new}_{n}")
        if constraint:
            cursor.execute(f'ALTER TABLE "{new}" RENAME CONSTRAINT "{old}" TO "{renamed}"')
        else:
            cursor.execute(f'ALTER INDEX "{old}" RENAME TO "{renamed}"')


def _swap(cursor, partition, copy, indexes, check):
    """Detaches the old month, attaches the copy under the same bounds (PostgreSQL gives it the log's
    append-only trigger and joins its indexes to the log's), drops the old and gives the copy its
    names. Returns when it began waiting for the log's lock and when it held it."""
    cursor.execute("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = to_regclass(%s)", [partition.name])
    bound = cursor.fetchone()[0]
    waited = time.monotonic()

    def swap(cursor):
        nonlocal waited
        waited = time.monotonic()
        # The copy first (nobody reads it), then the log itself, ONLY: readers lock it before
        # its months, so they wait there; without ONLY it would lock every month as well.
        cursor.execute(f'LOCK TABLE "{copy}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'LOCK TABLE ONLY "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        locked = time.monotonic()
        cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{partition.name}"')
        cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{copy}" {bound}')
        cursor.execute(f'ALTER TABLE "{copy}" DROP CONSTRAINT "{copy}_bound"')
        cursor.execute(f'ALTER TABLE "{copy}" RESET (autovacuum_enabled)')
        # The old month is renamed here and dropped after the commit: a DROP's files are
        # truncated at its commit, a second of a month's gigabytes with the log locked.
        _rename(cursor, partition.name, f"{partition.name}_replaced", indexes)
        _rename(cursor, copy, partition.name, indexes, copy_names=True)
        cursor.execute(f'COMMENT ON TABLE "{partition.name}" IS %s',
                       [f"{COMPACTED} ({', '.join(compaction_order())}) on "
                        f"{datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {check[0]} rows, checksum {check[1]}"])
        return locked

    locked = _waiting_briefly(cursor.db, swap)
    return waited, locked


def _waiting_briefly(connection, step):
    """`step(cursor)` in a transaction that waits at most SWAP_LOCK_TIMEOUT for a lock, tried
    SWAP_ATTEMPTS times: requests queue behind a waiting lock, so a log kept busy longer (a long reader
    such as a backup) postpones the month to the next run instead."""
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                return step(cursor)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            if attempt == SWAP_ATTEMPTS:
                raise Postponed(f"the audit log stayed busy ({SWAP_ATTEMPTS} × {SWAP_LOCK_TIMEOUT})") from error
            time.sleep(attempt)
