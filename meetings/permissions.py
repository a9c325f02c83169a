"""Who may do what in the care meetings (vårdmöten): bookings, plans, conferences, calendars and
visit kinds (fees are `fees.permissions`). The `may_*` checks here are enforced by
`meetings.actions` and used by the pages to offer only what the action would accept.

Patient access is not decided here: an action that touches a patient calls
`core.access.require_access`, and reads go through the `visible_to(actor)` managers.
"""

from core.models import Role

# The roles that book, rebook and cancel visits and register their outcome.
BOOKING_ROLES = (Role.CLINICAL, Role.COORDINATOR)


def may_book_visits(actor):
    """Clinical staff and coordinators book visits in their unit's calendar."""
    return actor.has_role(*BOOKING_ROLES)


def may_answer_invitations(actor):
    """Who answers the acting unit's invitations: its clinicians and coordinators (who would take
    part) and its unit administrator (who answers for the unit's relations)."""
    return actor.unit_id is not None and actor.has_role(Role.CLINICAL, Role.COORDINATOR, Role.UNIT_ADMIN)


def may_answer_invitation(actor, participant):
    return participant.unit_id is not None and actor.unit_id == participant.unit_id and may_answer_invitations(actor)


def may_manage_calendar(actor, unit):
    """A unit's booking rules and free times belong to its administrator and coordinators."""
    return actor.is_system_admin or (actor.unit_id == unit.pk and actor.has_role(Role.UNIT_ADMIN, Role.COORDINATOR))


def may_manage_visit_kinds(actor, region):
    """A region's visit kinds belong to its finance staff, with its fee schedules
    (`fees.permissions.may_manage_fees`): together they are its avgiftshandbok."""
    return actor.is_system_admin or (
        region is not None and actor.has_role(Role.FINANCE) and actor.unit is not None
        and actor.unit.organisation_id == region.pk)


def may_read_followup(actor):
    """The follow-up figures are for coordinators and finance staff."""
    return bool(actor.membership) and actor.has_role(Role.COORDINATOR, Role.FINANCE)


def may_change_own_visit(actor, booking, now):
    """A resident cancels or moves their own booked visit themselves up to the unit's limit for a
    late cancellation before it; later, they call the unit (a late cancellation may carry a fee)."""
    from datetime import timedelta

    from meetings.queries import calendar_of

    if not actor.is_resident or actor.user.patient_id != booking.patient_id or not booking.is_open:
        return False
    return booking.starts_at - now >= timedelta(hours=calendar_of(booking.unit).late_cancel_hours)
