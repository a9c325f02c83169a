from django.apps import apps
from django.core.management.base import BaseCommand

from core.management.commands.seed_demo import DEMO_PASSWORD, STAFF
from core.models import Profession


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write("\nSamverkan demo: http://127.0.0.1:8000/")
        self.stdout.write(f"Every demo login has the password: {DEMO_PASSWORD}\n")
        self.stdout.write(f"  {'username':<20} {'profession':<22} roles")
        for username, _first, _last, profession, roles, _units in STAFF:
            self.stdout.write(f"  {username:<20} {Profession(profession).label:<22} {', '.join(roles)}")
        # Apps with demo logins of their own list them through their AppConfig's `demo_logins()`:
        # (username, what the login shows) pairs; core knows no app above it.
        self.stdout.write(f"  {'invanare':<20} {'invånare (portal)':<22} -")
        self.stdout.write(f"  {'invanare2':<20} {'invånare (portal)':<22} - (nära frikort)")
        extra = [login for config in apps.get_app_configs() for login in getattr(config, "demo_logins", list)()]
        if extra:
            self.stdout.write("\nWhat to try in the contact entry and the forums (some are logins above):")
            for username, what in extra:
                self.stdout.write(f"  {username:<22} {what}")
        self.stdout.write("")
