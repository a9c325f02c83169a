# The queue page's partial index: a unit's open matters in due order (bench/contact_bench.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0003_question_active'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('status__in', ('received', 'assessing', 'answered', 'booked'))), fields=['unit', 'due_at'], name='contact_queue_open'),
        ),
    ]
