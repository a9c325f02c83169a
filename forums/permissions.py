"""Who may do what in a forum. Used by `forums.actions` before every write and by the pages to
offer only what the action would accept.

- A forum is created by a forum secretary (role `forum_secretary`, granted by system and unit
  administrators, core/permissions.py) for their own organisation, or by a system administrator.
- A forum is run (members, meetings, agendas, minutes) by its current chair, vice chair and
  secretary, and by a forum secretary of the owner organisation.
- Members (current or past) see the forum, its meetings and its minutes; staff of the owner
  organisation see it too. A public forum's published minutes are read by anyone, without login.
- Each named approver (justerare) approves with their own login; nobody approves for another.
"""

from core.models import Role
from forums.models import ANSWERING_ROLES, MANAGING_ROLES, ForumMember


def seat(actor, forum):
    """The actor's current seat in the forum, or None."""
    if actor is None or actor.user.pk is None:
        return None
    return ForumMember.objects.current().filter(forum=forum, user=actor.user).first()


def _staff(actor):
    return actor is not None and actor.membership is not None


def may_create_forum(actor):
    return _staff(actor) and actor.has_role(Role.FORUM_SECRETARY, Role.SYSTEM_ADMIN)


def may_manage(actor, forum):
    if not _staff(actor):
        return False
    if actor.is_system_admin:
        return True
    if actor.has_role(Role.FORUM_SECRETARY) and actor.unit.organisation_id == forum.owner_id:
        return True
    found = seat(actor, forum)
    return found is not None and found.role in MANAGING_ROLES


def managed_among(actor, forums):
    """The forums of `forums` the actor may manage (`may_manage` of each), with one query for the
    actor's seats instead of one per forum: the chair's goal page offers every forum they run."""
    if not _staff(actor):
        return []
    if actor.is_system_admin:
        return list(forums)
    secretary = actor.has_role(Role.FORUM_SECRETARY)
    first_role = {}
    # The seat `seat` finds in each forum: the first in the model's order.
    for forum_id, role in (ForumMember.objects.current().filter(user=actor.user)
                           .order_by("forum", "role", "user__last_name").values_list("forum_id", "role")):
        first_role.setdefault(forum_id, role)
    return [forum for forum in forums
            if (secretary and actor.unit.organisation_id == forum.owner_id) or first_role.get(forum.pk) in MANAGING_ROLES]


def may_see(actor, forum):
    if not _staff(actor):
        return False
    if may_manage(actor, forum) or actor.unit.organisation_id == forum.owner_id:
        return True
    return ForumMember.objects.filter(forum=forum, user=actor.user).exists()


def may_approve(actor, meeting):
    return (_staff(actor) and not meeting.locked
            and meeting.approvers.filter(user=actor.user, approved_at__isnull=True).exists())


def answering_organisation(actor, item):
    """The organisation the actor answers a consultation for: the one their current seat represents."""
    found = seat(actor, item.meeting.forum)
    return found.organisation if found and found.role in ANSWERING_ROLES else None


def may_answer(actor, item):
    return _staff(actor) and item.kind == "consultation" and answering_organisation(actor, item) is not None


def may_update_assignment(actor, assignment):
    """The forum's managers, the person given the assignment, and members from the organisation given it."""
    if may_manage(actor, assignment.forum):
        return True
    if not _staff(actor):
        return False
    if assignment.assignee_user_id == actor.user.pk:
        return True
    return (assignment.assignee_organisation_id is not None
            and assignment.assignee_organisation_id == actor.unit.organisation_id)


def may_manage_goal(actor, goal):
    if not _staff(actor):
        return False
    if goal.forum_id and may_manage(actor, goal.forum):
        return True
    return actor.unit.organisation_id == goal.owner_id and actor.has_role(Role.FORUM_SECRETARY, Role.COORDINATOR,
                                                                           Role.SYSTEM_ADMIN)


def may_create_goal(actor, owner):
    return _staff(actor) and actor.unit.organisation_id == owner.pk and actor.has_role(
        Role.FORUM_SECRETARY, Role.COORDINATOR, Role.SYSTEM_ADMIN)


def may_see_goal(actor, goal):
    if not _staff(actor):
        return False
    if actor.unit.organisation_id == goal.owner_id:
        return True
    return goal.forum_id is not None and may_see(actor, goal.forum)
