# The queue in its order (flagged and waiting first, then due time) from an index: queue_rank is
# computed by the database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0004_queue_open_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='matter',
            name='contact_queue_open',
        ),
        migrations.AddField(
            model_name='matter',
            name='queue_rank',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(first_response_at__isnull=False, then=models.Value(2)), models.When(red_flags=[], then=models.Value(1)), default=models.Value(0)), output_field=models.PositiveSmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('status__in', ('received', 'assessing', 'answered', 'booked'))), fields=['unit', 'queue_rank', 'due_at'], name='contact_queue_ranked'),
        ),
    ]
