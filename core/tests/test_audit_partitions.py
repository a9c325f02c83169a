"""The audit log by month on PostgreSQL: a row lands in its month's partition, every partition refuses
UPDATE and DELETE as the log does, the schedule creates the coming months and detaches the months
past the retention time. On SQLite the log stays one table."""

import importlib
import re
import threading
import time
from datetime import date, datetime
from datetime import timezone as tz
from io import StringIO

import pytest
from django.utils import timezone
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, ProgrammingError, connection, transaction

from core import partitions
from core.audit import record_read
from core.models import AuditEvent
from core.tests.factories import make_actor, make_patient
from core.tests.append_only import refused

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")


def partition_of(event):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_auditevent WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_on_sqlite_the_log_is_one_table_and_the_schedule_says_there_is_nothing_to_do():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    out = StringIO()
    call_command("audit_partitions", stdout=out)
    assert "one table" in out.getvalue()
    assert not partitions.is_partitioned(connection)


@postgres_only
@pytest.mark.django_db
def test_a_read_lands_in_its_months_partition_and_old_history_in_the_default():
    event = record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation")
    assert partition_of(event) == partitions.partition_name(partitions.month_start(event.at.date()))
    old = record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation",
                      at=datetime(2001, 3, 4, 12, tzinfo=tz.utc))
    assert partition_of(old) == partitions.DEFAULT_PARTITION
    assert AuditEvent.objects.filter(pk__in=[event.pk, old.pk]).count() == 2


@postgres_only
@pytest.mark.django_db
def test_every_partition_refuses_update_and_delete():
    attached = partitions.partitions(connection)
    assert len(attached) > 4 and attached[-1].name == partitions.DEFAULT_PARTITION
    actor, patient = make_actor(), make_patient()
    for partition in attached:
        # A row in each (a trigger on rows has nothing to refuse in an empty table).
        month = partition.month or date(2001, 3, 1)
        event = record_read(actor, patient, endpoint="core:patient_detail", basis="relation",
                            at=datetime(month.year, month.month, 15, 12, tzinfo=tz.utc))
        assert partition_of(event) == partition.name
        assert refused(f'UPDATE "{partition.name}" SET action = \'x\''), partition.name
        assert refused(f'DELETE FROM "{partition.name}"'), partition.name


@postgres_only
@pytest.mark.django_db
def test_the_schedule_creates_the_coming_months_and_a_new_month_is_append_only_too():
    out = StringIO()
    call_command("audit_partitions", "--months-ahead", "6", "--no-detach", stdout=out)
    today = timezone.now().date()  # as the command: the partitions are UTC months
    sixth = partitions.add_months(partitions.month_start(today), 6)
    assert f"created {partitions.partition_name(sixth)}" in out.getvalue()
    assert sixth in {p.month for p in partitions.partitions(connection)}
    record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation",
                at=datetime(sixth.year, sixth.month, 2, tzinfo=tz.utc))
    assert refused(f'DELETE FROM "{partitions.partition_name(sixth)}"')
    again = StringIO()
    call_command("audit_partitions", "--months-ahead", "6", "--no-detach", stdout=again)
    assert again.getvalue() == ""


@postgres_only
@pytest.mark.django_db
def test_months_older_than_the_retention_time_are_detached_and_no_longer_in_the_log(settings):
    settings.AUDIT_RETENTION_YEARS = 1
    today = timezone.now().date()  # as the command: the partitions are UTC months
    expired = partitions.add_months(partitions.month_start(today), -14)
    kept = partitions.add_months(partitions.month_start(today), -11)
    with connection.cursor() as cursor:
        for month in (expired, kept):
            cursor.execute(partitions.create_partition_sql(month))
    out = StringIO()
    call_command("audit_partitions", stdout=out)
    names = {p.name for p in partitions.partitions(connection)}
    assert partitions.partition_name(expired) not in names
    assert partitions.partition_name(kept) in names
    assert f"detached {partitions.partition_name(expired)}" in out.getvalue()
    with connection.cursor() as cursor:  # detached, not dropped: it is for the administrator to archive
        cursor.execute("SELECT to_regclass(%s)", [partitions.partition_name(expired)])
        assert cursor.fetchone()[0] is not None


def object_writes_indexes():
    """The partitions' pieces of the partitioned index audit_object_writes (migration 0014)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relid::text FROM pg_partition_tree('audit_object_writes') WHERE isleaf")
        return {row[0] for row in cursor.fetchall()}


@postgres_only
@pytest.mark.django_db
def test_an_objects_history_is_read_through_the_writes_index_on_every_partition_new_ones_too():
    call_command("audit_partitions", "--months-ahead", "6", "--no-detach", stdout=StringIO())  # months after 0014
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'audit_object_writes'::regclass")
        assert cursor.fetchone() == (True,)
        cursor.execute("""SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
                          WHERE h.inhparent = 'core_auditevent'::regclass""")
        every_index = {row[0] for row in cursor.fetchall()}
    pieces = object_writes_indexes()
    assert len(pieces) == len(partitions.partitions(connection))  # one on each month and the default
    assert pieces <= every_index
    history = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE, object_type="discharge.agreement",
                                        object_id="7").order_by("-at")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's few rows would be read whole otherwise
        sql, params = history.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    used = set(re.findall(r"Index Scan(?: Backward)? using (\S+)", plan))
    assert used and used <= pieces, plan


@postgres_only
@pytest.mark.django_db(transaction=True)  # CREATE INDEX CONCURRENTLY runs outside a transaction
def test_the_writes_index_migration_run_again_after_stopping_halfway_goes_on_with_the_months_left():
    migration = importlib.import_module("core.migrations.0014_audit_object_writes_index")
    months = partitions.partitions(connection)
    second = months[1].month
    for day in (2, 3):  # two rows alike in the second month, for a build there that fails
        record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation",
                    at=datetime(second.year, second.month, day, tzinfo=tz.utc))
    piece = {p.name: f"{p.name}_object_writes" for p in months}
    with connection.cursor() as cursor:  # as a run that stopped in the fourth month
        cursor.execute("DROP INDEX audit_object_writes")
        cursor.execute(f"CREATE INDEX audit_object_writes ON ONLY core_auditevent {migration.COLUMNS_AND_CONDITION}")
        for month in months[0], months[2]:
            cursor.execute(f"CREATE INDEX {piece[month.name]} ON {month.name} {migration.COLUMNS_AND_CONDITION}")
        cursor.execute(f"ALTER INDEX audit_object_writes ATTACH PARTITION {piece[months[0].name]}")  # the third not yet
        with pytest.raises(IntegrityError):  # a build that failed: its index stays, invalid
            cursor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {piece[months[1].name]} ON {months[1].name} (kind)")
        cursor.execute("SELECT indexrelid::regclass::text, indisvalid FROM pg_index WHERE indexrelid::regclass::text "
                       "= ANY(%s)", [[piece[months[1].name], piece[months[2].name], "audit_object_writes"]])
        assert dict(cursor.fetchall()) == {piece[months[1].name]: False, piece[months[2].name]: True,
                                           "audit_object_writes": False}
        cursor.execute("SELECT %s::regclass::oid", [piece[months[2].name]])
        built = cursor.fetchone()
    with connection.schema_editor(atomic=False) as editor:
        migration.add_index(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'audit_object_writes'::regclass")
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT %s::regclass::oid", [piece[months[2].name]])
        assert cursor.fetchone() == built  # the valid piece attached as it was, not built again
    assert object_writes_indexes() == set(piece.values())


@postgres_only
@pytest.mark.django_db(transaction=True)  # the lock is held by a second connection: the table must be committed
def test_a_brief_step_of_the_writes_index_migration_waits_out_a_long_held_lock_and_goes_on(monkeypatch):
    """Migration 0014's `_briefly` (the ON ONLY index and each ATTACH): a lock held past its 2 s
    lock_timeout makes it wait a second and try again, not fail and not queue the log's writers;
    after its last try it gives up with the lock error; any other error is raised at once."""
    migration = importlib.import_module("core.migrations.0014_audit_object_writes_index")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE briefly_probe (id int)")
    locked, release = threading.Event(), threading.Event()

    def hold():  # a long transaction on the table, in a connection of its own (this thread's)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE briefly_probe IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    slept, real_sleep = [], time.sleep

    def sleep(seconds):  # the wait between tries ends the long transaction
        slept.append(seconds)
        release.set()
        real_sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        monkeypatch.setattr(migration.time, "sleep", sleep)
        add_column = "ALTER TABLE briefly_probe ADD COLUMN added int"
        with connection.cursor() as cursor:
            with pytest.raises(OperationalError):  # one try only: the lock error itself
                migration._briefly(cursor, add_column, tries=1)
            assert slept == []
            migration._briefly(cursor, add_column)
            assert slept == [1]  # timed out once, waited, went on
            cursor.execute("SELECT count(*) FROM information_schema.columns "
                           "WHERE table_name = 'briefly_probe' AND column_name = 'added'")
            assert cursor.fetchone() == (1,)
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone() == ("0",)  # reset after it
            with pytest.raises(ProgrammingError):
                migration._briefly(cursor, "ALTER TABLE briefly_probe_missing ADD COLUMN added int")
            assert slept == [1]
    finally:
        release.set()
        holder.join(10)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS briefly_probe")


@postgres_only
@pytest.mark.django_db
def test_while_an_index_of_the_log_is_incomplete_the_schedule_leaves_the_partitions_as_they_are():
    # As migration 0014 leaves the log between its first step and its last: the index on the log
    # alone, not valid until every month has its piece.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX audit_being_built ON ONLY core_auditevent (reason)")
    before = partitions.partitions(connection)
    err = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("audit_partitions", "--months-ahead", "6", stdout=StringIO(), stderr=err)
    assert stopped.value.code == 1
    assert "audit_being_built is not complete" in err.getvalue()
    assert partitions.partitions(connection) == before  # no month created (nor detached, nor compacted)
