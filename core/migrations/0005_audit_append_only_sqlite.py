"""On SQLite too the database itself refuses to change or delete audit rows: the twin of 0002.

SQLite has no TRUNCATE, and Django's `flush` empties tables with DELETE; the project's `flush`
command (core/management/commands/flush.py) drops these triggers and creates them again around
it, in the same transaction, as TRUNCATE passes the PostgreSQL trigger.

SQLite forgets a table's triggers when Django rebuilds the table (an AlterField on AuditEvent
does): such a migration must create them again. The test in core/tests/test_audit_append_only.py
fails on SQLite if they are missing.
"""

from django.db import migrations

TRIGGERS = {
    "core_auditevent_no_update": "UPDATE",
    "core_auditevent_no_delete": "DELETE",
}

CREATE = """
CREATE TRIGGER {name} BEFORE {operation} ON core_auditevent
BEGIN
    SELECT RAISE(ABORT, 'The audit log is append-only: {operation} refused.');
END
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, operation in TRIGGERS.items():
            schema_editor.execute(CREATE.format(name=name, operation=operation))


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_invoice_read_basis")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
