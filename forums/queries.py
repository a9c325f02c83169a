"""Reads of the forums app with their access rules: members see their forums, staff of the owner
organisation see its forums, anyone reads a public forum's published minutes. A page asking for
something the person may not see gets 404 (it stays hidden)."""

from types import SimpleNamespace

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from forums import permissions, rules, search
from forums.models import AgendaItem, Assignment, Decision, Forum, Goal, Meeting


def visible_forums(actor):
    if actor is None or actor.membership is None:
        return Forum.objects.none()
    if actor.is_system_admin:
        return Forum.objects.all()
    return Forum.objects.filter(Q(members__user=actor.user) | Q(owner_id=actor.unit.organisation_id)).distinct()


def managed_forums(actor):
    """The forums the actor runs (chair, vice chair, secretary, or forum secretary of the owner)."""
    return Forum.objects.filter(pk__in=[f.pk for f in permissions.managed_among(actor, visible_forums(actor))])


def forum_for(actor, forum_id):
    forum = visible_forums(actor).filter(pk=forum_id).select_related("owner").first()
    if forum is None:
        raise Http404
    return forum


def meeting_for(actor, meeting_id):
    meeting = Meeting.objects.select_related("forum__owner").filter(pk=meeting_id,
                                                                    forum__in=visible_forums(actor)).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_to_join(actor, meeting_id):
    """A meeting whose video room the actor may enter: its members with a seat today and those who
    run the forum. Staff of the owner organisation who only read the minutes do not (404)."""
    meeting = meeting_for(actor, meeting_id)
    if not meeting.video_room or not (permissions.seat(actor, meeting.forum) or permissions.may_manage(actor, meeting.forum)):
        raise Http404
    return meeting


def public_meeting(meeting_id):
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id, forum__public=True,
                                                             published_at__isnull=False).first()
    if meeting is None:
        raise Http404
    return meeting


def public_forum(forum_id):
    forum = Forum.objects.filter(pk=forum_id, public=True).first()
    if forum is None:
        raise Http404
    return forum


def visible_decisions(actor):
    return Decision.objects.filter(forum__in=visible_forums(actor))


def visible_assignments(actor):
    return Assignment.objects.filter(forum__in=visible_forums(actor))


def assignments_for_follow_up(actor):
    """Assignments the actor may find to follow up: in forums they see, given to them, or given to
    their organisation (the organisation's list shows those whatever forum gave them)."""
    return Assignment.objects.filter(Q(forum__in=visible_forums(actor)) | Q(assignee_user=actor.user)
                                     | Q(assignee_organisation_id=actor.unit.organisation_id))


def minutes_items(actor):
    """Items of meetings that were held, in the forums the person sees."""
    return AgendaItem.objects.filter(meeting__forum__in=visible_forums(actor), meeting__held=True)


def assignment_list(actor, *, mine=True, today=None):
    """The actor's own assignments (mine) or their organisation's, open and overdue first."""
    today = today or timezone.localdate()
    rows = Assignment.objects.select_related("forum", "item__meeting", "assignee_user", "assignee_organisation")
    if mine:
        rows = rows.filter(assignee_user=actor.user)
    else:
        rows = rows.filter(assignee_organisation_id=actor.unit.organisation_id)
    rows = list(rows)
    rows.sort(key=lambda a: rules.assignment_order(a.due, a.status in ("open", "ongoing"), today))
    return rows


# The kinds a search shows, by their name in the page's address.
SEARCH_KINDS = {"beslut": "decisions", "uppdrag": "assignments", "protokoll": "items"}


def _hits(model, fields, **names):
    """fetch(ids) for a search: {id: row} with only the fields the results list shows, as plain
    objects (no model instances: the ids come from the access-checked search statement)."""
    def fetch(ids):
        rows = model.objects.filter(pk__in=ids).values("pk", *fields)
        return {row["pk"]: SimpleNamespace(**{names.get(key, key): value for key, value in row.items()})
                for row in rows}
    return fetch


def _decision_hits(ids):
    rows = _hits(Decision, ["text", "number", "year", "item_id", "item__meeting_id", "forum__short_name"],
                 item__meeting_id="meeting_id", forum__short_name="forum")(ids)
    for row in rows.values():
        row.label = Decision(number=row.number, year=row.year).label
    return rows


def _assignment_hits(ids):
    status = dict(Assignment.Status.choices)
    rows = _hits(Assignment, ["what", "status", "item_id", "item__meeting_id", "item__meeting__starts_at",
                              "forum__short_name", "assignee_user__first_name", "assignee_user__last_name",
                              "assignee_user__username", "assignee_organisation__name"],
                 item__meeting_id="meeting_id", item__meeting__starts_at="starts_at", forum__short_name="forum")(ids)
    for row in rows.values():
        if row.assignee_user__username:  # as Assignment.assignee: the person's name, or their organisation
            full_name = f"{row.assignee_user__first_name} {row.assignee_user__last_name}".strip()
            row.assignee = full_name or row.assignee_user__username
        else:
            row.assignee = row.assignee_organisation__name or ""
        row.status_text = status.get(row.status, row.status)
    return rows


# What a search shows of each kind: the access-checked rows it searches, and how to fetch the hits.
_SEARCHED = {
    "decisions": (visible_decisions, "decision", _decision_hits),
    "assignments": (visible_assignments, "assignment", _assignment_hits),
    "items": (minutes_items, "agendaitem", _hits(AgendaItem, ["title", "number", "meeting_id", "meeting__starts_at",
                                                              "meeting__forum__name"],
                                                 meeting__starts_at="starts_at", meeting__forum__name="forum")),
}


def search_all(actor, words, *, only=None, page=1, per_page=10):
    """Decisions, assignments and minutes (items) matching `words`, each a `search.Found` page, best
    first; `only` one of them (a name of SEARCH_KINDS' values) to page through that kind alone."""
    names = [only] if only else list(SEARCH_KINDS.values())
    if not words:
        return {name: search.Found(rows=[], count=0, more=False, page=1, pages=1) for name in names}
    kinds = {name: (_SEARCHED[name][0](actor), _SEARCHED[name][1], _SEARCHED[name][2]) for name in names}
    return search.found_all(kinds, words, page=page, per_page=per_page)


def visible_goals(actor):
    if actor is None or actor.membership is None:
        return Goal.objects.none()
    return (Goal.objects.filter(Q(owner_id=actor.unit.organisation_id) | Q(forum__in=visible_forums(actor)))
            .distinct().select_related("owner", "forum"))


def goal_for(actor, goal_id):
    goal = visible_goals(actor).filter(pk=goal_id).first()
    if goal is None or not permissions.may_see_goal(actor, goal):
        raise Http404
    return goal


def consultations_awaiting(actor, today=None):
    """Consultations (remisser) the actor's organisation has not answered, in forums where they hold a
    seat that answers: due soonest first, overdue ones too (they stay until answered)."""
    from forums.models import ANSWERING_ROLES, ForumMember

    today = today or timezone.localdate()
    seats = ForumMember.objects.current(today).filter(user=actor.user, role__in=ANSWERING_ROLES)
    found = []
    for seat in seats.select_related("organisation"):
        items = (AgendaItem.objects.filter(meeting__forum_id=seat.forum_id, kind="consultation", answer_by__isnull=False)
                 .exclude(answers__organisation_id=seat.organisation_id).select_related("meeting__forum"))
        found += [(item, seat.organisation, item.answer_by < today) for item in items]
    return sorted(found, key=lambda row: (row[0].answer_by, row[0].pk))
