"""Closed months of the audit log rewritten in patient order (PostgreSQL; core/partitions.py): the same
rows, still append-only, sorted as a patient's log is read, once, and never the current month or a
month that closed less than a day ago."""

import random
from datetime import datetime, timedelta
from datetime import timezone as tz
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from core import partitions
from core.audit import record_read
from core.models import AuditEvent
from core.queries import access_log_extract
from core.tests.factories import make_actor, make_patient
from core.tests.append_only import refused

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")


def closed_month(months_back=3):
    return partitions.add_months(partitions.month_start(timezone.now().date()), -months_back)


def fill(month, patients, rows_each=8):
    """The month's partition with rows of `patients` in time order, as a live log appends them: a
    patient's rows scattered among the others'."""
    with connection.cursor() as cursor:
        cursor.execute(partitions.create_partition_sql(month))
    actor = make_actor()
    moments = sorted(datetime(month.year, month.month, 1, tzinfo=tz.utc) + timedelta(minutes=random.randrange(40_000))
                     for _ in range(rows_each * len(patients)))
    owners = [patient for patient in patients for _ in range(rows_each)]
    random.shuffle(owners)
    for moment, patient in zip(moments, owners, strict=True):
        record_read(actor, patient, endpoint="core:patient_detail", basis="relation", at=moment)
    return partitions.partition_name(month)


def rows_of(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')
        return cursor.fetchall()


def stored_order(table):
    """(patient, at, id) of each row in the order the rows lie in the table's pages."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT patient_id, at, id FROM "{table}" ORDER BY ctid')
        return cursor.fetchall()


def oid(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [table])
        return cursor.fetchone()[0]


def attached_indexes(table):
    """The partition's indexes that are part of one of the log's indexes, by name."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                          JOIN pg_inherits h ON h.inhrelid = x.indexrelid
                          WHERE x.indrelid = to_regclass(%s) ORDER BY 1""", [table])
        return [row[0] for row in cursor.fetchall()]


def run_schedule():
    out = StringIO()
    call_command("audit_partitions", "--no-detach", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_closed_month_is_rewritten_in_patient_order_with_the_same_rows_and_indexes():
    name = fill(closed_month(), [make_patient() for _ in range(5)])
    before, indexes = rows_of(name), attached_indexes(name)
    assert stored_order(name) != sorted(stored_order(name))  # time order, patients interleaved

    out = run_schedule()

    assert f"compacted {name} in patient order: 40 rows" in out
    assert rows_of(name) == before  # every column of every row
    assert stored_order(name) == sorted(stored_order(name), key=lambda r: (str(r[0]), r[1], r[2]))
    assert attached_indexes(name) == indexes and len(indexes) == 6  # the primary key and five indexes
    assert partitions.compacted(connection, name)
    record = AuditEvent.objects.get(action="audit.compact_month")
    assert record.changes["partition"] == name and record.changes["rows"] == 40


@pytest.mark.django_db
def test_a_compacted_month_still_refuses_update_and_delete():
    name = fill(closed_month(), [make_patient(), make_patient()], rows_each=3)
    run_schedule()
    assert partitions.compacted(connection, name)
    assert refused(f'UPDATE "{name}" SET action = \'x\'')
    assert refused(f'DELETE FROM "{name}"')
    assert refused("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(at__lt=partitions.month_end(partitions.Partition(name, closed_month()))).count() == 6


@pytest.mark.django_db
def test_the_extract_returns_the_same_rows_after_the_month_is_compacted():
    patients = [make_patient() for _ in range(4)]
    month = closed_month(2)
    name = fill(month, patients)
    period = (month - timedelta(days=200), month + timedelta(days=100))
    before = [list(access_log_extract(patient, *period)) for patient in patients]
    assert all(len(rows) == 8 for rows in before)
    run_schedule()
    assert partitions.compacted(connection, name)
    assert [list(access_log_extract(patient, *period)) for patient in patients] == before


@pytest.mark.django_db
def test_the_current_month_and_a_month_closed_less_than_a_day_ago_are_left_alone():
    month = closed_month(4)
    name = fill(month, [make_patient(), make_patient()], rows_each=3)
    following = partitions.partition_name(partitions.add_months(month, 1))
    fill(partitions.add_months(month, 1), [make_patient()], rows_each=3)
    end = partitions.month_end(partitions.Partition(name, month))
    tables = {table: oid(table) for table in (name, following)}

    # Twelve hours after the month closed: it is not due yet, and the month running then is not either.
    assert partitions.compact_closed_months(connection, end + timedelta(hours=12)) == ([], [])
    assert {table: oid(table) for table in tables} == tables and not partitions.compacted(connection, name)

    done, busy = partitions.compact_closed_months(connection, end + timedelta(hours=25))
    assert [c.name for c in done] == [name] and busy == []
    assert oid(name) != tables[name] and oid(following) == tables[following]

    # The real current month, with a row in it, through the schedule.
    current = partitions.partition_name(partitions.month_start(timezone.now().date()))
    record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation")
    kept = oid(current)
    run_schedule()
    assert oid(current) == kept and not partitions.compacted(connection, current)


@pytest.mark.django_db
def test_a_second_run_compacts_nothing():
    name = fill(closed_month(), [make_patient(), make_patient()], rows_each=4)
    assert f"compacted {name}" in run_schedule()
    first = oid(name)
    assert "compacted" not in run_schedule()
    assert oid(name) == first
    assert AuditEvent.objects.filter(action="audit.compact_month").count() == 1


@pytest.fixture
def past_month_dropped_after():
    """A month partition made in a test that commits (transaction=True): gone again after it."""
    month = closed_month(5)
    yield month
    with connection.cursor() as cursor:
        name = partitions.partition_name(month)
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0]:
            cursor.execute(f'ALTER TABLE core_auditevent DETACH PARTITION "{name}"')
            cursor.execute(f'DROP TABLE "{name}"')


@pytest.mark.django_db(transaction=True)
def test_as_the_schedule_runs_it_each_month_commits_and_is_vacuumed(past_month_dropped_after):
    name = fill(past_month_dropped_after, [make_patient(), make_patient()], rows_each=5)
    out = run_schedule()
    assert f"compacted {name} in patient order: 10 rows" in out
    with connection.cursor() as cursor:  # the VACUUM after the commit has been and set the visibility map
        cursor.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [name])
        assert cursor.fetchone()[0]
    assert refused(f'DELETE FROM "{name}"')


@pytest.mark.django_db
def test_a_row_written_into_the_month_while_it_is_copied_leaves_the_month_as_it_was(monkeypatch):
    month = closed_month()
    name = fill(month, [make_patient(), make_patient()], rows_each=3)
    first, build = oid(name), partitions._build_copy

    def build_then_a_late_row(cursor, partition, copy, indexes):
        built = build(cursor, partition, copy, indexes)
        record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation",
                    at=datetime(month.year, month.month, 20, tzinfo=tz.utc))
        return built

    monkeypatch.setattr(partitions, "_build_copy", build_then_a_late_row)
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("audit_partitions", "--no-detach", stdout=StringIO(), stderr=err)
    assert f"not compacted {name}: rows arrived in the month while it was copied" in err.getvalue()
    assert oid(name) == first and not partitions.compacted(connection, name)
    assert len(rows_of(name)) == 7
    with connection.cursor() as cursor:  # the copy is gone
        cursor.execute("SELECT to_regclass(%s)", [f"{name}_compact"])
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db(transaction=True)
def test_a_swap_that_cannot_get_the_log_from_a_long_reader_gives_up_and_changes_nothing(
        past_month_dropped_after, monkeypatch):
    name = fill(past_month_dropped_after, [make_patient()], rows_each=4)
    monkeypatch.setattr(partitions, "SWAP_LOCK_TIMEOUT", "100ms")
    monkeypatch.setattr(partitions, "SWAP_ATTEMPTS", 2)
    first = oid(name)
    reader = connections.create_connection("default")
    try:
        with reader.cursor() as cursor:  # a long read of the log, its transaction open
            cursor.execute("BEGIN")
            cursor.execute("SELECT count(*) FROM core_auditevent")
            done, postponed = partitions.compact_closed_months(connection, timezone.now())
            cursor.execute("ROLLBACK")
    finally:
        reader.close()
    assert done == [] and postponed == [(name, "the audit log stayed busy (2 × 100ms)")]
    assert oid(name) == first and not partitions.compacted(connection, name)
    assert not AuditEvent.objects.filter(action="audit.compact_month").exists()


@pytest.mark.django_db
def test_the_swap_does_not_scan_the_default_partition():
    # The default keeps the history older than the partitioned months (migration 0010); ATTACH would
    # scan all of it with the whole log locked unless a validated CHECK tells it the month is not there.
    # PostgreSQL says at DEBUG1 when a constraint spares it the scan.
    old = AuditEvent.objects.create(at=datetime(2001, 5, 1, tzinfo=tz.utc), kind=AuditEvent.Kind.READ,
                                    action="patient.read", object_type="core.patient", object_id="1")
    name = fill(closed_month(), [make_patient(), make_patient()], rows_each=3)
    notices = []
    raw = connection.connection
    raw.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
    with connection.cursor() as cursor:
        cursor.execute("SET client_min_messages = debug1")
    try:
        run_schedule()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages")
    assert partitions.compacted(connection, name)
    assert any("default partition" in notice and "implied by existing constraints" in notice for notice in notices), notices
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    with connection.cursor() as cursor:  # the CHECK is gone once the month is attached
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = %s", [partitions.DEFAULT_CHECK])
        assert cursor.fetchone()[0] == 0
