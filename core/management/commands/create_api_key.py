"""`manage.py create_api_key USERNAME --unit HSA_ID --name NAME`: an API key acting as the user's
membership in that unit. Prints the raw key alone on standard output, so an operator can script it
(`KEY=$(manage.py create_api_key ...)`); everything else goes to standard error. The key is made by
the same action as in the pages, acting as the command line's system administrator, and logged."""

from django.core.management.base import BaseCommand, CommandError

from core.actions import create_api_token
from core.actor import Actor
from core.errors import ActionError
from core.models import Membership, Role


class Command(BaseCommand):
    help = "Create an API key acting as USERNAME's membership in the unit; prints the key only."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--unit", required=True, help="The unit's HSA-id.")
        parser.add_argument("--name", required=True, help="The key's name, e.g. the system's name.")

    def handle(self, *args, username, unit, name, **options):
        membership = (Membership.objects.select_related("user", "unit")
                      .filter(user__username=username, unit__hsa_id__iexact=unit, active=True).first())
        if membership is None:
            raise CommandError(f"{username} has no active membership in the unit {unit}.")
        admin = _first_system_admin()
        if admin is None:
            raise CommandError("No active system administrator: run `manage.py bootstrap` first.")
        try:
            _token, raw = create_api_token(Actor.for_membership(admin), membership, name=name)
        except ActionError as error:
            raise CommandError(" ".join(m for ms in error.errors.values() for m in ms)) from None
        self.stderr.write(f"Key {name!r} acts as {username} at {membership.unit.name}.")
        self.stdout.write(raw)


def _first_system_admin():
    # JSON containment differs between SQLite and PostgreSQL: the roles are filtered in Python.
    candidates = Membership.objects.select_related("user", "unit").filter(active=True, user__is_active=True)
    return next((m for m in candidates.order_by("pk") if Role.SYSTEM_ADMIN in (m.roles or [])), None)

