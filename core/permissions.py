"""Who may grant which role, and whom an administrator may govern.

The one place these rules live: the register actions (`core.actions`) call them before every
write, and the register pages use them only to offer what the action would accept. The rules are
written down in docs/decisions.md ("Who may grant which role").

- Organisations and units are created and changed by system administrators only.
- A system administrator grants every role in every unit.
- A unit administrator grants only the everyday roles (`UNIT_ADMIN_GRANTS`) and only in the unit
  they act for; never system administration, unit administration, protected identity or finance.
- Nobody creates or changes their own memberships, nor sets their own password here (they use
  "Byt lösenord", which asks for the old one).
- A membership's person and unit are fixed when it is made: to move someone, end one membership and
  make another (a key acting as the membership must never start acting as someone else).
- An administrator changes a person's account (name, e-mail, active, password) only when they
  govern that person: a system administrator governs everyone but themselves; a unit administrator
  governs a staff account whose home unit is their unit and whose every membership lies there with
  everyday roles. Adding a membership never gives governance: the home unit is set when the account
  is made (a unit administrator's new accounts are homed in their unit) and only a system
  administrator moves it.
- An API key acts as a membership with the roles it was given, so making one hands power to a
  system: only system administrators make keys. Any administrator of the key's unit may revoke it.
"""

from core.models import Membership, Role

# The roles a unit administrator may hand out in their own unit.
UNIT_ADMIN_GRANTS = frozenset({Role.CLINICAL, Role.COORDINATOR, Role.FORUM_SECRETARY})


def may_manage_registers(actor):
    """Whether the actor may create or change organisations and units: system administrators only."""
    return actor.is_system_admin


def grantable_roles(actor):
    """The roles this actor may put on a membership (in a unit they may manage)."""
    if actor.is_system_admin:
        return frozenset(Role.values)
    if actor.has_role(Role.UNIT_ADMIN):
        return UNIT_ADMIN_GRANTS
    return frozenset()


def may_manage_unit(actor, unit_id):
    """Whether the actor may place memberships in this unit."""
    if actor.is_system_admin:
        return True
    return actor.has_role(Role.UNIT_ADMIN) and unit_id is not None and unit_id == actor.unit_id


def may_grant(actor, unit_id, roles):
    """Whether the actor may hold a membership in `unit_id` with exactly these roles in their hands."""
    return may_manage_unit(actor, unit_id) and set(roles or []) <= grantable_roles(actor)


def may_change_membership(actor, before, after):
    """Creating (`before` None) or changing a membership from `before` to `after` (both Membership
    instances; `before` as stored). Both sides must be within the actor's grant, and neither may be
    the actor's own membership."""
    own = actor.user.pk
    if after.user_id == own or (before is not None and before.user_id == own):
        return False
    if before is not None and (before.user_id, before.unit_id) != (after.user_id, after.unit_id):
        return False
    if after.user_id is not None and after.user.is_resident and not actor.is_system_admin:
        return False
    if before is not None and not may_grant(actor, before.unit_id, before.roles):
        return False
    return may_grant(actor, after.unit_id, after.roles)


def may_govern_user(actor, user):
    """Whether the actor may change this person's account: details, active flag, password."""
    if user.pk is not None and user.pk == actor.user.pk:
        return False
    if actor.is_system_admin:
        return True
    if not actor.has_role(Role.UNIT_ADMIN) or user.is_resident:
        return False
    if user.pk is None:
        return True  # a new account: the action homes it in the actor's unit
    if user.home_unit_id is None or user.home_unit_id != actor.unit_id:
        return False
    memberships = Membership.objects.filter(user=user).only("unit_id", "roles")
    return all(may_grant(actor, m.unit_id, m.roles) for m in memberships)


def may_make_api_key(actor, membership):
    """A key hands the membership's power to a system, and acts under the person's name: a system
    administrator's decision."""
    return actor.is_system_admin and membership.active


# --- Patients ----------------------------------------------------------------------------------
# Whether the actor's unit may open a patient at all is core.access's question (care relations and
# emergency access); these say which roles may do what with a patient once they may.

def may_register_patients(actor):
    return actor.has_role(Role.CLINICAL, Role.COORDINATOR, Role.SYSTEM_ADMIN)


def may_record_care_relations(actor):
    """Coordinators and unit administrators document care relations by hand; clinicians without a
    relation use emergency access, which is flagged."""
    return actor.has_role(Role.COORDINATOR, Role.UNIT_ADMIN)


def may_use_emergency_access(actor):
    """Nödåtkomst is for clinical staff."""
    return actor.has_role(Role.CLINICAL)
