import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0005_queue_rank'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='matterevent',
            name='kind',
            field=models.CharField(choices=[('filed', 'Ärendet skickades in'), ('routed', 'Hamnade i kö'), ('taken', 'Togs'), ('released', 'Släpptes tillbaka till kön'), ('transferred', 'Flyttades'), ('triaged', 'Bedömdes'), ('answered', 'Besvarades'), ('message', 'Meddelande i chatten'), ('video', 'Videosamtal startades'), ('booked', 'Besök bokades'), ('closed', 'Avslutades'), ('breached', 'Svarstiden överskreds'), ('reminded', 'Invånaren påmindes om ett obesvarat meddelande')], max_length=12),
        ),
        migrations.CreateModel(
            name='NoticeSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mobile_number', models.CharField(blank=True, max_length=16, verbose_name='mobilnummer')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='contact_notices', to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
