"""`manage.py contact_reminders`: queue the sweep that reminds residents who have left a staff
member's chat message unanswered for a day (contact.tasks.remind_residents; once per message, no
health information in the notice). Run it from a timer beside the worker, e.g. every 15 minutes."""

from django.core.management.base import BaseCommand

from contact.tasks import remind_residents


class Command(BaseCommand):
    help = "Queue the contact entry's reminders to residents who have not replied."

    def handle(self, *args, **options):
        result = remind_residents.enqueue()
        self.stdout.write(f"Queued reminder sweep {result.id}.")
