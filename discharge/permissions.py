"""Who may do what in discharge planning (utskrivningsplanering): the `may_*` checks that the
actions enforce and the pages use to offer only what the action would accept.

Patient access is not decided here: an action that touches a patient calls
`core.access.require_access`, and cases are fetched through `DischargeCase.objects.visible_to`.
"""

from core.models import Role, Unit

# The roles that work on a case (notices, needs, planning, discharge).
CASE_ROLES = (Role.CLINICAL, Role.COORDINATOR)
# The units that open discharge cases: inpatient wards.
WARD_KINDS = (Unit.Kind.WARD, Unit.Kind.PSYCHIATRY)


def may_work_on_cases(actor):
    """Clinical staff and coordinators act on the cases their unit takes part in."""
    return actor.has_role(*CASE_ROLES)


def may_open_cases(actor):
    """A case is opened by a ward (somatic or psychiatric) through its clinical staff or coordinator."""
    return actor.unit is not None and actor.unit.kind in WARD_KINDS and may_work_on_cases(actor)


def is_ward(actor):
    return actor.unit is not None and actor.unit.kind in WARD_KINDS


def may_read_basis(actor):
    """The invoice basis (fakturaunderlag) is for finance staff of a region or a municipality."""
    return bool(actor.membership) and actor.has_role(Role.FINANCE)


def may_read_followup(actor):
    """The follow-up figures are for finance staff and coordinators."""
    return bool(actor.membership) and actor.has_role(Role.FINANCE, Role.COORDINATOR)


def may_calculate_liability(actor):
    """The calculation on uploaded files (API) is a finance tool."""
    return actor.has_role(Role.FINANCE)


def is_finance_of(actor, organisation):
    """Finance staff acting for a unit of this organisation (a region or a municipality)."""
    return actor.has_role(Role.FINANCE) and actor.unit is not None and actor.unit.organisation_id == organisation.pk


def may_edit_agreements(actor, region):
    """A region's agreements on liability are changed by its finance staff (or a system admin)."""
    return actor.is_system_admin or is_finance_of(actor, region)


def may_store_basis(actor, region):
    """A region's finance staff may have its month's basis computed and stored again (it is also
    stored by the nightly command and whenever a case of the month changes)."""
    return is_finance_of(actor, region)
