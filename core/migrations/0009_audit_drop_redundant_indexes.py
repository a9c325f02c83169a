"""The audit log's single-column indexes on user_id and patient_id go (issue 14): the (user, at) and
(patient, at) indexes begin with the same column and serve every lookup, and each index is one more
write on every audited request.

Only the indexes are dropped, by name as the database reports them. AlterField would rebuild the
table on SQLite, and with it drop the append-only triggers of migration 0005."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "core_auditevent"
COLUMNS = ("patient_id", "user_id")


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if (info.get("index") and not info.get("unique") and not info.get("primary_key")
                and info.get("columns") and len(info["columns"]) == 1 and info["columns"][0] in COLUMNS):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for column in COLUMNS:
        schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(f'{TABLE}_{column}_single')} "
                              f"ON {TABLE} ({column})")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_audit_basis_consent'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='patient',
                    field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.patient'),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='user',
                    field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
