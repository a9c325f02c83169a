"""Import care units from an HSA catalogue extract (docs/imports.md). Idempotent; all or nothing."""

from core.imports import import_units
from core.management.commands._import import ImportCommand
from core.models import Role


class Command(ImportCommand):
    help = ("Create or update care units from a CSV (hsa_id, name, organisation, parent_hsa_id, kind), acting as "
            "a system administrator. A file with a bad row is refused whole.")
    importer = staticmethod(import_units)
    roles = (Role.SYSTEM_ADMIN,)
