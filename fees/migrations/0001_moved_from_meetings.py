# The fee models, moved here from meetings (issue 11) in state only: the tables were created by
# meetings/migrations/0002_fees.py and keep their names (db_table), so no row moves, on a fresh
# database or an existing one.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0004_invoice_read_basis'),
        ('meetings', '0007_fee_models_to_fees_app'),
    ]

    operations = [
        # State only: the tables stay where they are, with their names and rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Prisbasbelopp',
                fields=[
                    ('year', models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name='år')),
                    ('amount_sek', models.PositiveIntegerField(verbose_name='belopp (kr)')),
                    ('source', models.CharField(blank=True, max_length=100, verbose_name='källa')),
                ],
                options={
                    'db_table': 'meetings_prisbasbelopp',
                    'ordering': ['-year'],
                },
            ),
            migrations.CreateModel(
                name='FeeSchedule',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='år')),
                    ('child_free_until_age', models.PositiveSmallIntegerField(default=20, verbose_name='avgiftsfritt för den som är yngre än')),
                    ('free_from_age', models.PositiveSmallIntegerField(default=85, verbose_name='avgiftsfritt från och med ålder')),
                    ('no_show_fee_sek', models.PositiveIntegerField(default=400, verbose_name='avgift för uteblivet besök (kr)')),
                    ('ceiling_share', models.DecimalField(decimal_places=4, default='0.0250', max_digits=5, verbose_name='högkostnadsskydd, andel av prisbasbeloppet')),
                    ('region', models.ForeignKey(limit_choices_to={'kind': 'region'}, on_delete=django.db.models.deletion.PROTECT, related_name='fee_schedules', to='core.organisation')),
                ],
                options={
                    'db_table': 'meetings_feeschedule',
                    'ordering': ['-year'],
                },
            ),
            migrations.CreateModel(
                name='FeeScheduleRow',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('visit_kind_key', models.SlugField(max_length=40, verbose_name='besökstyp (nyckel)')),
                    ('form', models.CharField(choices=[('physical', 'Besök på mottagningen'), ('phone', 'Telefon'), ('video', 'Video')], max_length=10, verbose_name='besöksform')),
                    ('fee_sek', models.PositiveIntegerField(verbose_name='avgift (kr)')),
                    ('schedule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='fees.feeschedule')),
                ],
                options={
                    'db_table': 'meetings_feeschedulerow',
                },
            ),
            migrations.CreateModel(
                name='PatientCharge',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('date', models.DateField(verbose_name='besöksdag')),
                    ('fee_sek', models.PositiveIntegerField(verbose_name='avgift (kr)')),
                    ('counts_to_ceiling', models.BooleanField(verbose_name='räknas mot högkostnadsskyddet')),
                    ('paid_in_period_sek', models.PositiveIntegerField(blank=True, null=True)),
                    ('free_card_until', models.DateField(blank=True, null=True)),
                    ('reason', models.CharField(max_length=20, verbose_name='skäl')),
                    ('explanation', models.TextField(verbose_name='förklaring')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                    ('booking', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='charge', to='meetings.booking')),
                    ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='core.patient')),
                    ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organisation')),
                ],
                options={
                    'db_table': 'meetings_patientcharge',
                    'ordering': ['date'],
                },
            ),
            migrations.AddConstraint(
                model_name='feeschedule',
                constraint=models.UniqueConstraint(fields=('region', 'year'), name='one_fee_schedule_per_region_year'),
            ),
            migrations.AddConstraint(
                model_name='feeschedulerow',
                constraint=models.UniqueConstraint(fields=('schedule', 'visit_kind_key', 'form'), name='one_fee_per_kind_and_form'),
            ),
            migrations.AddIndex(
                model_name='patientcharge',
                index=models.Index(fields=['patient', 'region', 'date'], name='charge_patient_region_date'),
            ),
        ]),
    ]
