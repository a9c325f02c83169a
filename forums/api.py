"""Forums over the API, read only: forums, their meetings with the agenda, decisions and
assignments, so that a region's intranet can show what was decided and what is being done. The
caller sees what the person (or the key's membership) sees on the pages: their forums and the
forums of their organisation."""

from datetime import date, datetime
from typing import Annotated, Optional

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core.api import MAX_PAGE, Id, Pagination, Text, actor_of, get_or_404
from forums import queries, search
from forums.models import Assignment, Meeting

router = Router(tags=["Samverkansforum"])


class ForumOut(Schema):
    id: int
    name: str
    short_name: str
    owner: str
    public: bool


class MeetingOut(Schema):
    id: int
    forum_id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    held: bool
    approved: bool
    published: bool


class ItemOut(Schema):
    id: int
    number: int
    title: str
    kind: str
    presenter: str
    notes: str
    answer_by: Optional[date]
    carried_from_id: Optional[int]
    carried_to_id: Optional[int]


class MeetingDetailOut(MeetingOut):
    items: list[ItemOut]


class DecisionOut(Schema):
    id: int
    forum_id: int
    meeting_id: int
    label: str
    year: int
    number: int
    text: str


class AssignmentOut(Schema):
    id: int
    forum_id: int
    meeting_id: int
    assignee: str
    assignee_user_id: Optional[int]
    assignee_organisation_id: Optional[int]
    what: str
    due: Optional[date]
    status: str
    overdue: bool


def _forum(forum):
    return {"id": forum.pk, "name": forum.name, "short_name": forum.short_name, "owner": forum.owner.name,
            "public": forum.public}


def _meeting(meeting):
    return {"id": meeting.pk, "forum_id": meeting.forum_id, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
            "place": meeting.place, "held": meeting.held, "approved": meeting.locked,
            "published": meeting.published_at is not None}


def _carried_to(item):
    carried = getattr(item, "carried_to", None)
    return carried.pk if carried is not None else None


@router.get("", response=list[ForumOut], summary="Forum som den inloggade ser")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_forums(request):
    return [_forum(f) for f in queries.visible_forums(actor_of(request)).select_related("owner").order_by("name", "pk")]


@router.get("/{int:forum_id}", response=ForumOut, summary="Ett forum")
def get_forum(request, forum_id: Id):
    return _forum(get_or_404(queries.visible_forums(actor_of(request)).select_related("owner"), pk=forum_id))


@router.get("/{int:forum_id}/meetings", response=list[MeetingOut], summary="Forumets möten, senaste först")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_meetings(request, forum_id: Id):
    forum = get_or_404(queries.visible_forums(actor_of(request)), pk=forum_id)
    return [_meeting(m) for m in forum.meetings.order_by("-starts_at", "-pk")]


@router.get("/meetings/{int:meeting_id}", response=MeetingDetailOut, summary="Ett möte med dagordningen och protokollets anteckningar")
def get_meeting(request, meeting_id: Id):
    meeting = get_or_404(Meeting.objects.filter(forum__in=queries.visible_forums(actor_of(request))), pk=meeting_id)
    items = [{"id": i.pk, "number": i.number, "title": i.title, "kind": i.kind, "presenter": i.presenter,
              "notes": i.notes if meeting.held else "", "answer_by": i.answer_by, "carried_from_id": i.carried_from_id,
              "carried_to_id": _carried_to(i)} for i in meeting.items.select_related("carried_to")]
    return {**_meeting(meeting), "items": items}


class DecisionFilter(Schema):
    forum_id: Optional[Id] = None
    year: Optional[Annotated[int, Field(ge=1900, le=2199)]] = None
    q: Optional[Text(200)] = None


@router.get("/decisions", response=list[DecisionOut], summary="Beslut, senaste först, eller bäst träff vid sökning")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_decisions(request, filters: Query[DecisionFilter]):
    found = queries.visible_decisions(actor_of(request)).select_related("item")
    if filters.forum_id:
        found = found.filter(forum_id=filters.forum_id)
    if filters.year:
        found = found.filter(year=filters.year)
    # A search pages through its newest search.CANDIDATES matches, best first (as the page does).
    if filters.q and filters.q.strip():
        found = search.best(found, "decision", filters.q.strip())[:search.CANDIDATES]
    return [{"id": d.pk, "forum_id": d.forum_id, "meeting_id": d.item.meeting_id, "label": d.label, "year": d.year,
             "number": d.number, "text": d.text} for d in found]


class AssignmentFilter(Schema):
    forum_id: Optional[Id] = None
    status: Optional[Assignment.Status] = None


@router.get("/assignments", response=list[AssignmentOut], summary="Uppdrag, försenade först")
@paginate(Pagination, max_limit=MAX_PAGE)
def list_assignments(request, filters: Query[AssignmentFilter]):
    from django.utils import timezone

    from forums import rules

    found = queries.visible_assignments(actor_of(request)).select_related(
        "item", "assignee_user", "assignee_organisation")
    if filters.forum_id:
        found = found.filter(forum_id=filters.forum_id)
    if filters.status:
        found = found.filter(status=filters.status)
    today = timezone.localdate()
    rows = sorted(found, key=lambda a: (rules.assignment_order(a.due, a.status in ("open", "ongoing"), today), a.pk))
    return [{"id": a.pk, "forum_id": a.forum_id, "meeting_id": a.item.meeting_id, "assignee": a.assignee,
             "assignee_user_id": a.assignee_user_id, "assignee_organisation_id": a.assignee_organisation_id,
             "what": a.what, "due": a.due, "status": a.status, "overdue": a.overdue(today)} for a in rows]

