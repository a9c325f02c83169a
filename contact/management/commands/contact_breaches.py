"""`manage.py contact_breaches`: queue the sweep that marks every overdue, unanswered matter as
breached (contact.tasks.check_breaches). Each matter also has its own check queued for its due time
when it arrives; the sweep catches what those missed (a worker that was down, a changed target).
Run it from a timer, e.g. every five minutes."""

from django.core.management.base import BaseCommand

from contact.tasks import check_breaches


class Command(BaseCommand):
    help = "Queue the contact entry's response-time breach sweep."

    def handle(self, *args, **options):
        result = check_breaches.enqueue()
        self.stdout.write(f"Queued breach sweep {result.id}.")
