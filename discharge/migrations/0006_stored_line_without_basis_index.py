import django.db.models.deletion
from django.db import migrations, models

# The unique (basis, position) serves every lookup by basis; the basis's own index misled the plan of
# the invoice basis page's prepared read (discharge/models.py, StoredBasisLine.basis). Only the index
# goes: Django's AlterField would also drop and re-add the foreign key, checking every stored line.
INDEX = "discharge_storedbasisline_basis_id_90ecbd67"


class Migration(migrations.Migration):

    dependencies = [
        ('discharge', '0005_party_worklist_times'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='storedbasisline',
                    name='basis',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name='lines', to='discharge.storedbasis'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{INDEX}"',
                                  reverse_sql=f'CREATE INDEX "{INDEX}" ON "discharge_storedbasisline" ("basis_id")'),
            ],
        ),
    ]
