# The fee models moved to the fees app (issue 11): removed from meetings' state only. Their tables
# (meetings_prisbasbelopp, meetings_feeschedule, meetings_feeschedulerow, meetings_patientcharge)
# and rows stay; fees/migrations/0001_moved_from_meetings.py takes them over under the same names.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0006_sip_invitations_and_consent'),
    ]

    operations = [
        # State only: the tables stay where they are, with their names and rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='feeschedule',
                name='region',
            ),
            migrations.RemoveField(
                model_name='feeschedulerow',
                name='schedule',
            ),
            migrations.RemoveField(
                model_name='patientcharge',
                name='booking',
            ),
            migrations.RemoveField(
                model_name='patientcharge',
                name='patient',
            ),
            migrations.RemoveField(
                model_name='patientcharge',
                name='region',
            ),
            migrations.DeleteModel(
                name='Prisbasbelopp',
            ),
            migrations.DeleteModel(
                name='FeeSchedule',
            ),
            migrations.DeleteModel(
                name='FeeScheduleRow',
            ),
            migrations.DeleteModel(
                name='PatientCharge',
            ),
        ]),
    ]
