"""The reads a request logs are written together when it ends (core.audit.collected_reads, through
core.db.insert_new): one INSERT, the same rows as writing each read at once would give."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import collected_reads, record_read, record_reads
from core.db import insert_new
from core.models import AuditEvent
from core.tests.factories import make_actor, make_patient

pytestmark = pytest.mark.django_db

COLUMNS = [field.attname for field in AuditEvent._meta.concrete_fields if field.attname != "id"]


def rows(events):
    return [{name: getattr(event, name) for name in COLUMNS} for event in events]


def test_collected_reads_are_one_insert_of_the_rows_a_read_at_once_writes():
    actor, patients = make_actor(), [make_patient() for _ in range(3)]
    at_once = record_read(actor, patients[0], endpoint="core:patient_detail", basis="relation", reason="Vårdrelation")
    with CaptureQueriesContext(connection) as captured:
        with collected_reads():
            collected = record_read(actor, patients[0], endpoint="core:patient_detail", basis="relation",
                                    reason="Vårdrelation", at=at_once.at)
            for patient in patients:
                patient.patient_id = patient.pk
            record_reads(actor, patients, action="patient.list", reason="Vårdrelation", endpoint="core:patients")
            assert not captured.captured_queries  # nothing written before the request ends
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]
    written = list(AuditEvent.objects.exclude(pk=at_once.pk).order_by("pk"))
    assert rows(written[:1]) == rows([AuditEvent.objects.get(pk=at_once.pk)]) == rows([collected])
    assert [(e.patient_id, e.action, e.unit_name, e.organisation_name, e.changes) for e in written[1:]] == [
        (p.pk, "patient.list", actor.unit.name, actor.unit.organisation.name, {}) for p in patients]


def test_more_reads_than_the_database_takes_in_one_statement_are_all_written(monkeypatch):
    # The plain INSERT (SQLite; on PostgreSQL one row, or rows sharing no column: core.audit._insert_reads)
    # splits the rows by the database's batch size; each batch one statement.
    actor, patient = make_actor(), make_patient()
    gathered = []
    monkeypatch.setattr("core.audit._insert_reads", gathered.extend)
    with collected_reads():
        for n in range(5):
            record_read(actor, patient, endpoint="core:patient_detail", basis="relation", reason=f"läsning {n}")
    assert not AuditEvent.objects.exists()
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    with CaptureQueriesContext(connection) as captured:
        insert_new(gathered)
    assert sorted(AuditEvent.objects.values_list("reason", flat=True)) == [f"läsning {n}" for n in range(5)]
    assert len([q for q in captured.captured_queries if q["sql"].startswith("INSERT")]) == 3


def test_the_rows_of_one_list_are_one_read_at_one_moment_each_of_its_own_patient():
    # record_reads copies its first row for the others (core.audit._like): each copy must carry its
    # own object and patient, and nothing of the first row's object.
    actor, patients = make_actor(), [make_patient() for _ in range(3)]
    for patient in patients:
        patient.patient_id = patient.pk
    with collected_reads():
        record_reads(actor, patients, action="patient.list", reason="Vårdrelation", endpoint="core:patients")
    written = list(AuditEvent.objects.order_by("pk"))
    assert [(e.patient_id, e.object_id, e.object_type, e.user_id, e.unit_id) for e in written] == [
        (p.pk, str(p.pk), "core.patient", actor.user.pk, actor.unit.pk) for p in patients]
    assert len({e.at for e in written}) == 1
