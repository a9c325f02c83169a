"""Import staff accounts and memberships (docs/imports.md). Idempotent; all or nothing."""

from core.imports import import_staff
from core.management.commands._import import ImportCommand
from core.models import Role


class Command(ImportCommand):
    help = ("Create or update staff accounts and their memberships from a CSV (person_hsa_id, first_name, last_name, "
            "email, unit_hsa_id, profession, roles), acting as a system or unit administrator. A file with a bad "
            "row is refused whole.")
    importer = staticmethod(import_staff)
    roles = (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
