"""Background tasks of the contact entry, run by `manage.py db_worker`. Ids only in the arguments
(the task table is kept): a task reads the matter when it runs."""

from django_tasks import task

from contact import notify


@task()
def notify_resident(matter_id, kind):
    """Tell the resident (and whoever filed for them) that something happened: no health
    information in the message. Returns how many were told."""
    from contact.models import Matter

    matter = Matter.objects.select_related("patient", "filed_by", "unit").filter(pk=matter_id).first()
    return notify.tell_resident(matter, kind) if matter is not None else 0


@task()
def check_breach(matter_id):
    """Queued to run when the matter's response time runs out: mark it breached if nobody answered."""
    from contact.actions import record_breach

    return record_breach(matter_id)


@task()
def check_breaches():
    """The sweep (queued by `manage.py contact_breaches`, e.g. from a timer): every overdue matter."""
    from django.utils import timezone

    from contact.actions import record_breach
    from contact.models import Matter

    overdue = Matter.objects.filter(status__in=Matter.OPEN, first_response_at__isnull=True, breached_at__isnull=True,
                                    due_at__lte=timezone.now()).values_list("pk", flat=True)
    return sum(1 for pk in list(overdue) if record_breach(pk))


@task()
def remind_residents():
    """The reminder sweep (queued by `manage.py contact_reminders`, e.g. every 15 minutes): each
    resident who has left a staff member's chat message unanswered for a day is reminded, once.
    Returns how many were reminded."""
    from django.utils import timezone

    from contact.actions import remind_resident, waiting_for_resident

    now = timezone.now()
    return sum(1 for message_id in waiting_for_resident(now) if remind_resident(message_id, now=now))
