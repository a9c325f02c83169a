"""Background tasks of the meetings app, run by `manage.py db_worker` (docs/decisions.md "Background tasks").

Tasks take ids, never patient data: the task table keeps every task's arguments, so it is a log
too. The task reads the booking again when it runs."""

from django_tasks import task

from meetings import invitations
from meetings.models import Booking


@task()
def mail_visit(booking_id, kind):
    """Mail the participants of booking `booking_id`: kind is invitation, update, cancellation or reminder.
    Returns how many mails were sent (kept as the task's result)."""
    booking = Booking.objects.filter(pk=booking_id).first()
    return invitations.send(booking, kind) if booking is not None else 0
