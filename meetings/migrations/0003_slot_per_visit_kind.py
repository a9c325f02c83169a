# A slot is for one visit kind, with the forms as flags and a `booked` flag, so that free times are
# one partial index. No slots existed before this migration (they could not be created yet).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0002_fees"),
    ]

    operations = [
        migrations.RemoveField(model_name="slot", name="visit_kinds"),
        migrations.RemoveField(model_name="slot", name="forms"),
        migrations.AddField(
            model_name="slot", name="visit_kind",
            field=models.ForeignKey(default=0, on_delete=django.db.models.deletion.PROTECT, related_name="slots",
                                    to="meetings.visitkind"),
            preserve_default=False,
        ),
        migrations.AddField(model_name="slot", name="physical",
                            field=models.BooleanField(default=True, verbose_name="besök på mottagningen")),
        migrations.AddField(model_name="slot", name="phone", field=models.BooleanField(default=True, verbose_name="telefon")),
        migrations.AddField(model_name="slot", name="video", field=models.BooleanField(default=False, verbose_name="video")),
        migrations.AddField(model_name="slot", name="booked", field=models.BooleanField(default=False, editable=False)),
        migrations.AddIndex(
            model_name="slot",
            index=models.Index(condition=models.Q(("booked", False)), fields=["visit_kind", "starts_at"],
                               name="slot_free_by_kind"),
        ),
    ]
