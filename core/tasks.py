"""Background tasks of the core app, run by `manage.py db_worker` (docs/decisions.md "Background tasks").

Tasks take ids, never patient data: the task table keeps every task's arguments, so it is a log
too. A task reads what it needs when it runs."""

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from core.models import EmergencyAccess, Membership, Role


@task()
def notify_unit_admins_of_emergency_access(access_id):
    """Tell the unit's admins that an emergency access needs review. The mail names the person
    and the time but no patient: mail leaves the system, patient data must not.
    Returns how many admins were mailed (kept as the task's result)."""
    access = EmergencyAccess.objects.select_related("unit", "user").filter(pk=access_id).first()
    if access is None:
        return 0
    admins = Membership.objects.filter(unit=access.unit, active=True, user__is_active=True).exclude(user__email="")
    recipients = sorted({m.user.email for m in admins.select_related("user") if Role.UNIT_ADMIN in (m.roles or [])})
    if not recipients:
        return 0
    started = timezone.localtime(access.started_at)
    send_mail(
        subject=f"Nödåtkomst på {access.unit.name}",
        message=(
            f"{access.user.display_name()} använde nödåtkomst på {access.unit.name} {started:%Y-%m-%d %H:%M}.\n\n"
            f"Granska skälet i Samverkan under Administration → Nödåtkomster ({reverse('core:emergency_report')}).\n"
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )
    return len(recipients)
