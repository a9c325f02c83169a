"""A fresh install's first administration unit and system administrator."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from core.actions import bootstrap_system_admin
from core.errors import ActionError
from core.models import Organisation


class Command(BaseCommand):
    help = ("Create the deploying organisation's first administration unit and its first system administrator. "
            "Refuses when a system administrator exists, unless --another. Load the registers first.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True,
                            help="The deploying organisation's code: county code (12), municipality code (1281), "
                                 "or an organisation number already registered.")
        parser.add_argument("--unit-name", required=True, help='For example "Regionkansliet, Samverkan".')
        parser.add_argument("--unit-hsa-id", required=True, help="The administration unit's HSA-id.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--hsa-id", default="",
                            help="The person's HSA-id, for e-ID login (needed when password login is off).")
        parser.add_argument("--another", action="store_true",
                            help="Create one more system administrator although one exists.")

    def handle(self, *args, organisation, unit_name, unit_hsa_id, username, email, first_name, last_name, hsa_id,
               another, **options):
        owner = Organisation.objects.filter(code=organisation).first()
        if owner is None:
            raise CommandError(f"Ingen organisation med koden {organisation!r}. Kör först "
                               "'manage.py load_registers' (regioner och kommuner).")
        # The password never goes on the command line (it would stay in the shell history and ps).
        password = os.environ.get("SAMVERKAN_BOOTSTRAP_PASSWORD")
        if not password:
            if not self.stdin_is_interactive():
                raise CommandError("Ange lösenordet i SAMVERKAN_BOOTSTRAP_PASSWORD eller kör kommandot interaktivt.")
            password = getpass.getpass("Lösenord: ")
            if password != getpass.getpass("Lösenord igen: "):
                raise CommandError("Lösenorden är inte lika.")
        try:
            membership = bootstrap_system_admin(
                organisation=owner, unit_name=unit_name, unit_hsa_id=unit_hsa_id, username=username,
                password=password, email=email, first_name=first_name, last_name=last_name, hsa_id=hsa_id,
                allow_another=another)
        except ActionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Systemadministratören {membership.user.username} arbetar för {membership.unit.name} "
            f"({owner.name}). Logga in och lägg upp enheter, användare och medlemskap under Administration."))

    def stdin_is_interactive(self):
        import sys

        return sys.stdin.isatty()
