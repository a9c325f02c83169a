"""Who may do what with patient fees: a region's fee schedules, the prisbasbelopp, and the fee
calculation on files. Enforced by `fees.actions` and the API, and used by the pages to offer only
what the action would accept (`{% if actor|may:"fees.calculate_fees" %}`)."""

from core.models import Role
from meetings.permissions import may_manage_visit_kinds


def may_manage_fees(actor, region):
    """A region's fee schedules belong to its finance staff, as its visit kinds do (its avgiftshandbok)."""
    return may_manage_visit_kinds(actor, region)


def may_enter_prisbasbelopp(actor):
    """The prisbasbelopp is one national figure for every region: a system administrator enters it."""
    return actor.is_system_admin


def may_calculate_fees(actor):
    """The fee calculation on uploaded files (API) is for finance staff and coordinators."""
    return actor.has_role(Role.FINANCE, Role.COORDINATOR)
