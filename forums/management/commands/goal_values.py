"""`manage.py goal_values`: queue the refresh of every goal whose values come from the platform
(forums.tasks.refresh_goal, one task per goal, so that one goal's failure or slow computation leaves
the others alone). Run it nightly from cron (README, "Four jobs run on a schedule"): the chair's page
then shows yesterday's figures without anyone pressing "Hämta värdena på nytt"."""

from django.core.management.base import BaseCommand

from forums.models import Goal
from forums.tasks import refresh_goal


class Command(BaseCommand):
    help = "Queue the refresh of every goal's values from the platform's own data."

    def handle(self, *args, **options):
        ids = list(Goal.objects.exclude(source=Goal.Source.MANUAL).order_by("pk").values_list("pk", flat=True))
        for goal_id in ids:
            refresh_goal.enqueue(goal_id)
        self.stdout.write(f"Queued the refresh of {len(ids)} goals.")
