"""Remind the participants of visits that start within the coming hours (default 24), once per
visit. Run it from cron or a systemd timer, e.g. every 15 minutes; the mails are tasks that
the worker (`manage.py db_worker`) sends:

    python manage.py send_reminders [--hours 24]
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from meetings import tasks
from meetings.models import Booking


class Command(BaseCommand):
    help = "Send reminders for visits starting within the coming hours (once per visit)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        now = timezone.now()
        due = Booking.objects.filter(status=Booking.Status.BOOKED, reminded_at__isnull=True, starts_at__gt=now,
                                     starts_at__lte=now + timedelta(hours=hours)).order_by("starts_at")
        sent = 0
        for booking in due.iterator():
            with transaction.atomic():
                # Claim the reminder first: two overlapping runs must not both send it.
                if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                    continue
                transaction.on_commit(lambda b=booking: tasks.mail_visit.enqueue(str(b.pk), "reminder"))
            sent += 1
        self.stdout.write(f"Påminnelser: {sent} besök.")
