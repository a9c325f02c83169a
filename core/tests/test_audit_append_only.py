"""The audit log is append-only in the database itself, on PostgreSQL and on SQLite: raw SQL that
changes or deletes a row is refused, while emptying the whole database (flush) still works."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.audit import record_read
from core.models import AuditEvent
from core.tests.factories import make_actor, make_patient
from core.tests.append_only import refused

REFUSED = ["UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"]


def a_read():
    return record_read(make_actor(), make_patient(), endpoint="core:patient_detail", basis="relation")


@pytest.mark.django_db
def test_the_database_refuses_update_and_delete_of_audit_rows_in_sql():
    event = a_read()
    for statement in REFUSED:
        assert refused(statement), f"{connection.vendor} let through: {statement}"
    assert AuditEvent.objects.get().action == event.action == "patient.read"


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_leaves_it_append_only():
    a_read()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    a_read()
    assert all(refused(statement) for statement in REFUSED)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_of_the_sqlite_triggers_can_be_reversed():
    a_read()
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0004_invoice_read_basis")])
    try:
        if connection.vendor == "sqlite":
            assert not refused("UPDATE core_auditevent SET action = 'x'")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert all(refused(statement) for statement in REFUSED)
