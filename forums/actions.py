"""Every write of the forums app. Each action takes the actor, checks permission itself, runs in one
transaction and records its audit event in it (core/audit.py).

Minutes are locked once every named approver (justerare) has approved: after that no action
changes a meeting's attendance, notes, decisions, assignments' content or carried items, and a
correction is a dated addendum. Following an assignment up (its status) goes on after the lock.
"""

from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.files import check_attachment, reencoded_picture
from forums import permissions, rules
from forums.models import (
    Addendum, AgendaItem, Approver, Assignment, Attachment, Attendance, ConsultationAnswer, Decision, DecisionCounter,
    Forum, ForumMember, Goal, GoalValue, ItemKind, Meeting, Nomination, StandingItem,
)

LOCKED = "Protokollet är justerat och låst. Rättelser skrivs som ett daterat tillägg."
# Reminders of a consultation go out this many days before its answers are due, in the morning.
REMINDER_DAYS = 7
REMINDER_TIME = time(8, 0)


def _require(allowed, message="Du har inte behörighet att göra detta i forumet."):
    if not allowed:
        raise NotPermitted(message)


def _require_manager(actor, forum):
    _require(permissions.may_manage(actor, forum),
             "Bara forumets ordförande, vice ordförande och sekreterare kan göra detta.")


def _require_open(meeting):
    if meeting.locked:
        raise ActionError(LOCKED)


def _locked_meeting(meeting):
    """The meeting row locked for this transaction, so an approval and an edit cannot cross."""
    return Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)


# --- Forums and members ------------------------------------------------------------------------------

FORUM_FIELDS = ["name", "short_name", "owner", "description", "public"]


def create_forum(actor, *, name, short_name, owner, description="", public=False):
    _require(permissions.may_create_forum(actor), "Bara forumsekreterare kan skapa forum.")
    if not actor.is_system_admin and owner.pk != actor.unit.organisation_id:
        raise NotPermitted("Du kan skapa forum för din egen organisation.")
    with transaction.atomic():
        forum = Forum.objects.create(name=name, short_name=short_name, owner=owner, description=description,
                                     public=public)
        record_write(actor, "forums.forum.create", forum, changes=diff({}, snapshot(forum, FORUM_FIELDS)))
    return forum


def update_forum(actor, forum, **values):
    _require_manager(actor, forum)
    with transaction.atomic():
        before = snapshot(forum, FORUM_FIELDS)
        for name, value in values.items():
            if name not in ("name", "short_name", "description", "public"):
                raise ValueError(name)
            setattr(forum, name, value)
        forum.save()
        record_write(actor, "forums.forum.update", forum, changes=diff(before, snapshot(forum, FORUM_FIELDS)))
    return forum


MEMBER_FIELDS = ["user", "organisation", "role", "title", "valid_from", "valid_until"]


def add_member(actor, forum, *, user, organisation, role, title="", valid_from=None, valid_until=None):
    _require_manager(actor, forum)
    valid_from = valid_from or timezone.localdate()
    if valid_until and valid_until < valid_from:
        raise ActionError("Perioden kan inte sluta innan den börjar.", field="valid_until")
    if user.is_resident:
        raise ActionError("Ett invånarkonto kan inte vara ledamot.", field="user")
    with transaction.atomic():
        member = ForumMember.objects.create(forum=forum, user=user, organisation=organisation, role=role, title=title,
                                            valid_from=valid_from, valid_until=valid_until)
        record_write(actor, "forums.member.add", member, changes=diff({}, snapshot(member, MEMBER_FIELDS)))
    return member


def end_member(actor, member, *, until=None):
    _require_manager(actor, member.forum)
    until = until or timezone.localdate()
    if until < member.valid_from:
        raise ActionError("Perioden kan inte sluta innan den börjar.", field="valid_until")
    with transaction.atomic():
        before = snapshot(member, MEMBER_FIELDS)
        member.valid_until = until
        member.save(update_fields=["valid_until"])
        record_write(actor, "forums.member.end", member, changes=diff(before, snapshot(member, MEMBER_FIELDS)))
    return member


# --- Standing items ----------------------------------------------------------------------------------

def add_standing_item(actor, forum, *, title, kind=ItemKind.INFORMATION, presenter="", goal=None):
    _require_manager(actor, forum)
    with transaction.atomic():
        standing = StandingItem.objects.create(forum=forum, title=title, kind=kind, presenter=presenter, goal=goal)
        record_write(actor, "forums.standing.add", standing, changes={"title": [None, title], "kind": [None, kind]})
    return standing


def remove_standing_item(actor, standing):
    _require_manager(actor, standing.forum)
    with transaction.atomic():
        standing.removed_at = timezone.now()
        standing.save(update_fields=["removed_at"])
        record_write(actor, "forums.standing.remove", standing, changes={"title": [standing.title, None]})
    return standing


# --- Meetings and agendas ----------------------------------------------------------------------------

MEETING_FIELDS = ["starts_at", "ends_at", "place", "digital_link", "video_room"]


def schedule_meeting(actor, forum, *, starts_at, ends_at, place="", digital_link="", video=False):
    """A new meeting; its agenda starts with the forum's standing items, in the order they were added."""
    return schedule_series(actor, forum, starts_at=starts_at, ends_at=ends_at, place=place, digital_link=digital_link,
                           video=video)[0]


MAX_SERIES = 24


def series_times(starts_at, ends_at, *, count, every_weeks):
    """The (start, end) of `count` meetings `every_weeks` weeks apart at the same local time of day
    (10:00 stays 10:00 across the change to and from summer time)."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    times = []
    for n in range(count):
        step = timedelta(weeks=every_weeks * n)
        times.append((timezone.make_aware((start + step).replace(tzinfo=None)),
                      timezone.make_aware((end + step).replace(tzinfo=None))))
    return times


def schedule_series(actor, forum, *, starts_at, ends_at, place="", digital_link="", video=False, count=1,
                    every_weeks=4):
    """The forum's meeting series: `count` meetings `every_weeks` weeks apart, each with the standing
    items on its agenda (and its own video room when asked). Returns the meetings, first first."""
    _require_manager(actor, forum)
    if ends_at <= starts_at:
        raise ActionError("Mötet måste sluta efter att det börjar.", field="ends_at")
    if not (place or digital_link or video):
        raise ActionError("Ange en plats, en länk eller välj videorum.", field="place")
    if not 1 <= count <= MAX_SERIES:
        raise ActionError(f"Lägg upp mellan 1 och {MAX_SERIES} möten åt gången.", field="count")
    if not 1 <= every_weeks <= 52:
        raise ActionError("Ange hur många veckor det är mellan mötena (1–52).", field="every_weeks")
    rooms = [""] * count
    if video:
        from meetings.video import provider

        rooms = [provider().new_room() for _ in range(count)]
    standing = list(forum.standing_items.filter(removed_at__isnull=True))
    meetings = []
    with transaction.atomic():
        for (start, end), room in zip(series_times(starts_at, ends_at, count=count, every_weeks=every_weeks), rooms, strict=True):
            meeting = Meeting.objects.create(forum=forum, starts_at=start, ends_at=end, place=place,
                                             digital_link=digital_link, video_room=room)
            for number, item in enumerate(standing, start=1):
                AgendaItem.objects.create(meeting=meeting, number=number, title=item.title, kind=item.kind,
                                          presenter=item.presenter, standing=item)
            record_write(actor, "forums.meeting.schedule", meeting, changes=diff({}, snapshot(meeting, MEETING_FIELDS)))
            meetings.append(meeting)
    return meetings


def _next_number(meeting):
    return (meeting.items.aggregate(n=Max("number"))["n"] or 0) + 1


def add_item(actor, meeting, *, title, kind=ItemKind.INFORMATION, presenter="", description="", answer_by=None):
    _require_manager(actor, meeting.forum)
    _require_open(meeting)
    if kind == ItemKind.CONSULTATION and answer_by is None:
        raise ActionError("Ange när remissvaren ska vara inne.", field="answer_by")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        item = AgendaItem.objects.create(meeting=meeting, number=_next_number(meeting), title=title, kind=kind,
                                         presenter=presenter, description=description,
                                         answer_by=answer_by if kind == ItemKind.CONSULTATION else None)
        record_write(actor, "forums.item.add", item, changes=diff({}, snapshot(
            item, ["meeting", "number", "title", "kind", "presenter", "answer_by"])))
        if item.answer_by:
            _schedule_reminder(item)
    return item


def _schedule_reminder(item):
    from forums import tasks

    run_after = timezone.make_aware(datetime.combine(item.answer_by - timedelta(days=REMINDER_DAYS), REMINDER_TIME))
    run_after = max(run_after, timezone.now())
    transaction.on_commit(lambda: tasks.remind_consultation.using(run_after=run_after).enqueue(item.pk))


ITEM_FIELDS = ["title", "kind", "presenter", "description", "answer_by"]


def update_item(actor, item, *, title, kind, presenter="", description="", answer_by=None):
    """Change an item's heading, kind, presenter or papers while the minutes are open."""
    _require_manager(actor, item.meeting.forum)
    if kind == ItemKind.CONSULTATION and answer_by is None:
        raise ActionError("Ange när remissvaren ska vara inne.", field="answer_by")
    with transaction.atomic():
        _require_open(_locked_meeting(item.meeting))
        before = snapshot(item, ITEM_FIELDS)
        item.title, item.kind, item.presenter, item.description = title, kind, presenter, description
        item.answer_by = answer_by if kind == ItemKind.CONSULTATION else None
        item.save(update_fields=ITEM_FIELDS)
        record_write(actor, "forums.item.update", item, changes=diff(before, snapshot(item, ITEM_FIELDS)))
        if item.answer_by and item.answer_by.isoformat() != before["answer_by"]:
            _schedule_reminder(item)
    return item


def move_item(actor, item, step):
    """Move an item one place up (step -1) or down (+1) on the agenda; the neighbour takes its number."""
    _require_manager(actor, item.meeting.forum)
    if step not in (-1, 1):
        raise ValueError(step)
    with transaction.atomic():
        meeting = _locked_meeting(item.meeting)
        _require_open(meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        neighbour = meeting.items.filter(number=item.number + step).first()
        if neighbour is None:
            return item
        number = item.number
        # Through a free number: (meeting, number) is unique at every statement.
        AgendaItem.objects.filter(pk=item.pk).update(number=0)
        AgendaItem.objects.filter(pk=neighbour.pk).update(number=number)
        AgendaItem.objects.filter(pk=item.pk).update(number=number + step)
        item.refresh_from_db()
        record_write(actor, "forums.item.move", item, changes={"number": [number, item.number]})
    return item


def remove_item(actor, item):
    """Take an item off an agenda that is not yet locked; the items after it move up one number."""
    meeting = item.meeting
    _require_manager(actor, meeting.forum)
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        if item.decisions.exists() or item.assignments.exists():
            raise ActionError("Punkten har beslut eller uppdrag och kan inte tas bort.")
        number = item.number
        record_write(actor, "forums.item.remove", item, changes={"title": [item.title, None]})
        item.delete()
        for later in meeting.items.filter(number__gt=number).order_by("number"):
            AgendaItem.objects.filter(pk=later.pk).update(number=F("number") - 1)
    return meeting


def add_attachment(actor, item, upload):
    _require_manager(actor, item.meeting.forum)
    name, content_type = check_attachment(upload)
    if content_type in ("image/png", "image/jpeg"):
        # Pictures are drawn again so that no GPS position, camera or time from a phone survives.
        upload = ContentFile(reencoded_picture(upload, content_type), name=name)
    with transaction.atomic():
        # The meeting as it is now, locked against an approval crossing the upload.
        _require_open(_locked_meeting(item.meeting))
        attachment = Attachment(item=item, name=name, content_type=content_type, size=upload.size,
                                uploaded_by=actor.user)
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_write(actor, "forums.attachment.add", attachment, changes={"name": [None, name], "size": [None, upload.size]})
    return attachment


def send_agenda(actor, meeting):
    """Mail the agenda to the forum's current members, with the meeting as an iCalendar event
    (a background task, after the transaction commits)."""
    _require_manager(actor, meeting.forum)
    from forums import tasks

    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        meeting.sequence += 1 if meeting.agenda_sent_at else 0
        meeting.agenda_sent_at = timezone.now()
        meeting.save(update_fields=["sequence", "agenda_sent_at"])
        record_write(actor, "forums.agenda.send", meeting, changes={"sequence": [None, meeting.sequence]})
        transaction.on_commit(lambda: tasks.mail_agenda.enqueue(meeting.pk))
    return meeting


# --- Minutes -----------------------------------------------------------------------------------------

def hold_meeting(actor, meeting):
    """The meeting is held: the minutes can be written, and the goal figures shown are kept."""
    _require_manager(actor, meeting.forum)
    from forums import goals

    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        meeting.held = True
        meeting.goal_snapshot = goals.snapshot_for(meeting.forum, timezone.localtime(meeting.starts_at).date())
        meeting.save(update_fields=["held", "goal_snapshot"])
        record_write(actor, "forums.meeting.hold", meeting, changes={"held": [False, True]})
    return meeting


def set_attendance(actor, meeting, member, status, *, substitute_name=""):
    _require_manager(actor, meeting.forum)
    if member.forum_id != meeting.forum_id:
        raise ActionError("Personen är inte ledamot i forumet.")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        row, created = Attendance.objects.get_or_create(meeting=meeting, member=member,
                                                        defaults={"status": status, "substitute_name": substitute_name})
        before = {} if created else snapshot(row, ["status", "substitute_name"])
        row.status, row.substitute_name = status, substitute_name
        row.save()
        record_write(actor, "forums.attendance.set", row, changes=diff(before, snapshot(row, ["status", "substitute_name"])))
    return row


def write_notes(actor, item, notes):
    _require_manager(actor, item.meeting.forum)
    with transaction.atomic():
        _require_open(_locked_meeting(item.meeting))
        before = item.notes
        item.notes = notes
        item.save(update_fields=["notes"])
        record_write(actor, "forums.item.notes", item, changes={"notes": [before, notes]})
    return item


def _take_decision_number(forum, year):
    """The next number in the forum's series for the year. The counter row is locked for the rest
    of the transaction, so two secretaries deciding at once get two numbers, never the same one."""
    try:
        with transaction.atomic():
            DecisionCounter.objects.get_or_create(forum=forum, year=year)
    except IntegrityError:
        pass  # made by a concurrent transaction a moment ago
    counter = DecisionCounter.objects.select_for_update().get(forum=forum, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def record_decision(actor, item, text):
    """A decision in the forum's numbered series (§ 12/2026), per forum and calendar year of the meeting."""
    forum = item.meeting.forum
    _require_manager(actor, forum)
    if not text.strip():
        raise ActionError("Skriv vad forumet beslutade.", field="text")
    with transaction.atomic():
        meeting = _locked_meeting(item.meeting)
        _require_open(meeting)
        year = timezone.localtime(meeting.starts_at).year
        decision = Decision.objects.create(forum=forum, item=item, year=year,
                                           number=_take_decision_number(forum, year), text=text.strip())
        record_write(actor, "forums.decision.record", decision,
                     changes={"label": [None, decision.label], "text": [None, decision.text]})
    return decision


ASSIGNMENT_FIELDS = ["assignee_user", "assignee_organisation", "what", "due", "status"]


def add_assignment(actor, item, *, what, assignee_user=None, assignee_organisation=None, due=None):
    forum = item.meeting.forum
    _require_manager(actor, forum)
    if (assignee_user is None) == (assignee_organisation is None):
        raise ActionError("Ange antingen en person eller en organisation som får uppdraget.", field="assignee_user")
    if not what.strip():
        raise ActionError("Skriv vad uppdraget är.", field="what")
    with transaction.atomic():
        _require_open(_locked_meeting(item.meeting))
        assignment = Assignment.objects.create(forum=forum, item=item, what=what.strip(), due=due,
                                               assignee_user=assignee_user, assignee_organisation=assignee_organisation)
        record_write(actor, "forums.assignment.add", assignment,
                     changes=diff({}, snapshot(assignment, ASSIGNMENT_FIELDS)))
    return assignment


def update_assignment_status(actor, assignment, status):
    """Following an assignment up; allowed after the minutes are locked (the minutes do not change)."""
    _require(permissions.may_update_assignment(actor, assignment))
    if status not in Assignment.Status.values:
        raise ActionError("Okänd status.", field="status")
    with transaction.atomic():
        before = snapshot(assignment, ["status"])
        assignment.status = status
        assignment.save(update_fields=["status"])
        record_write(actor, "forums.assignment.status", assignment, changes=diff(before, snapshot(assignment, ["status"])))
    return assignment


def carry_item(actor, item, to_meeting):
    """"Tas upp vid …": the item goes on the agenda of a named later meeting of the same forum, last,
    linked to where it came from."""
    meeting = item.meeting
    _require_manager(actor, meeting.forum)
    if to_meeting.forum_id != meeting.forum_id or to_meeting.starts_at <= meeting.starts_at:
        raise ActionError("Välj ett senare möte i samma forum.", field="to_meeting")
    with transaction.atomic():
        _require_open(_locked_meeting(meeting))
        target = _locked_meeting(to_meeting)
        _require_open(target)
        if AgendaItem.objects.filter(carried_from=item).exists():
            raise ActionError("Punkten är redan flyttad till ett senare möte.")
        carried = AgendaItem.objects.create(meeting=target, number=_next_number(target), title=item.title,
                                            kind=item.kind, presenter=item.presenter, description=item.description,
                                            carried_from=item)
        record_write(actor, "forums.item.carry", carried,
                     changes={"carried_from": [None, item.pk], "meeting": [None, target.pk]})
    return carried


# --- Approval (justering), addenda, publication ---------------------------------------------------------

def set_approvers(actor, meeting, users):
    _require_manager(actor, meeting.forum)
    if not users:
        raise ActionError("Välj minst en justerare.", field="approvers")
    seated = set(ForumMember.objects.filter(forum=meeting.forum).values_list("user_id", flat=True))
    if any(user.pk not in seated for user in users):
        raise ActionError("Justerare väljs bland forumets ledamöter.", field="approvers")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        if meeting.approvers.filter(approved_at__isnull=False).exists():
            raise ActionError("Justeringen har börjat; justerarna kan inte bytas.")
        meeting.approvers.all().delete()
        for user in users:
            Approver.objects.create(meeting=meeting, user=user)
        record_write(actor, "forums.approvers.set", meeting,
                     changes={"approvers": [None, [u.display_name() for u in users]]})
    return meeting


def approve_minutes(actor, meeting):
    """The approver approves with their own login; when the last has, the minutes lock."""
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _require_open(meeting)
        row = meeting.approvers.filter(user=actor.user, approved_at__isnull=True).first()
        _require(row is not None and actor.membership is not None,
                 "Bara de som är utsedda att justera protokollet kan justera det, var och en själv.")
        row.approved_at = timezone.now()
        row.save(update_fields=["approved_at"])
        record_write(actor, "forums.minutes.approve", meeting, changes={"approved_by": [None, actor.user.display_name()]})
        if not meeting.approvers.filter(approved_at__isnull=True).exists():
            meeting.locked_at = timezone.now()
            if not meeting.goal_snapshot:
                from forums import goals

                meeting.goal_snapshot = goals.snapshot_for(meeting.forum, timezone.localtime(meeting.starts_at).date())
            meeting.save(update_fields=["locked_at", "goal_snapshot"])
            record_write(actor, "forums.minutes.lock", meeting, changes={"locked": [False, True]})
    return meeting


def add_addendum(actor, meeting, text):
    _require_manager(actor, meeting.forum)
    if not text.strip():
        raise ActionError("Skriv tillägget.", field="text")
    with transaction.atomic():
        if not _locked_meeting(meeting).locked:
            raise ActionError("Protokollet är inte justerat än: ändra i det direkt.")
        addendum = Addendum.objects.create(meeting=meeting, text=text.strip(), written_by=actor.user)
        record_write(actor, "forums.minutes.addendum", addendum, changes={"text": [None, addendum.text]})
    return addendum


def publish_minutes(actor, meeting):
    _require_manager(actor, meeting.forum)
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        if not meeting.locked:
            raise ActionError("Protokollet kan publiceras först när alla justerare har justerat det.")
        if meeting.published_at is None:
            meeting.published_at = timezone.now()
            meeting.save(update_fields=["published_at"])
            record_write(actor, "forums.minutes.publish", meeting, changes={"published": [False, True]})
    return meeting


# --- Consultations and nominations -----------------------------------------------------------------------

def answer_consultation(actor, item, text):
    """The answer of the organisation the actor's seat represents; a later answer replaces it."""
    _require(permissions.may_answer(actor, item), "Bara forumets ledamöter svarar på remissen, för sin organisation.")
    if not text.strip():
        raise ActionError("Skriv svaret.", field="text")
    organisation = permissions.answering_organisation(actor, item)
    with transaction.atomic():
        answer, created = ConsultationAnswer.objects.get_or_create(
            item=item, organisation=organisation, defaults={"text": text.strip(), "answered_by": actor.user})
        before = None if created else answer.text
        if not created:
            answer.text, answer.answered_by, answer.answered_at = text.strip(), actor.user, timezone.now()
            answer.save()
        record_write(actor, "forums.consultation.answer", answer,
                     changes={"organisation": [None, organisation.name], "text": [before, answer.text]})
    return answer


def add_nomination(actor, item, *, nominee, body, decision_text=""):
    """A nomination on the item; with `decision_text`, the forum's decision on it, numbered."""
    _require_manager(actor, item.meeting.forum)
    with transaction.atomic():
        _require_open(_locked_meeting(item.meeting))
        nomination = Nomination.objects.create(item=item, nominee=nominee, body=body)
        if decision_text.strip():
            nomination.decision = record_decision(actor, item, decision_text)
            nomination.save(update_fields=["decision"])
        record_write(actor, "forums.nomination.add", nomination,
                     changes={"nominee": [None, nominee], "body": [None, body]})
    return nomination


# --- Goals -------------------------------------------------------------------------------------------------

GOAL_FIELDS = ["name", "owner", "owner_name", "forum", "target", "direction", "unit", "period_start", "period_end",
               "source"]


def create_goal(actor, *, name, owner, target, direction, unit, period_start, period_end,
                source=Goal.Source.MANUAL, owner_name="", forum=None):
    _require(permissions.may_create_goal(actor, owner) or (forum is not None and permissions.may_manage(actor, forum)),
             "Bara forumsekreterare och samordnare i organisationen kan lägga upp mål.")
    if period_end < period_start:
        raise ActionError("Perioden kan inte sluta innan den börjar.", field="period_end")
    with transaction.atomic():
        goal = Goal.objects.create(name=name, owner=owner, owner_name=owner_name, forum=forum, target=target,
                                   direction=direction, unit=unit, period_start=period_start,
                                   period_end=period_end, source=source)
        record_write(actor, "forums.goal.create", goal, changes=diff({}, snapshot(goal, GOAL_FIELDS)))
        if forum is not None:
            StandingItem.objects.create(forum=forum, title=f"Måluppföljning: {name}", goal=goal)
    return goal


def enter_goal_value(actor, goal, *, month, value, source, area=""):
    """A month's value entered by hand, with where it comes from; the person is kept with it."""
    _require(permissions.may_manage_goal(actor, goal))
    if goal.source != Goal.Source.MANUAL:
        raise ActionError("Målet hämtar sina värden från plattformen.")
    if not source.strip():
        raise ActionError("Ange varifrån värdet kommer.", field="source")
    month = month.replace(day=1)
    with transaction.atomic():
        row, created = GoalValue.objects.update_or_create(
            goal=goal, month=month, area=area,
            defaults={"value": value, "source": source.strip(), "entered_by": actor.user, "entered_at": timezone.now()})
        record_write(actor, "forums.goal.value", row,
                     changes={"month": [None, month.isoformat()], "value": [None, str(value)], "area": [None, area]})
    return row


def refresh_goal_values(actor, goal, *, today=None):
    """The goal's monthly values computed again from the platform's own data, with the same
    functions the follow-up pages use, for the whole and per unit or municipality."""
    _require(permissions.may_manage_goal(actor, goal))
    return _store_platform_values(actor, goal, today or timezone.localdate())


def refresh_goal_values_on_schedule(goal_id, *, today=None):
    """The nightly refresh of one goal (forums.tasks.refresh_goal, queued by `manage.py goal_values`):
    no person asked, so the audit event has no user. None for a goal gone or entered by hand."""
    goal = Goal.objects.select_related("owner").exclude(source=Goal.Source.MANUAL).filter(pk=goal_id).first()
    return _store_platform_values(None, goal, today or timezone.localdate()) if goal else None


def _store_platform_values(actor, goal, today):
    """The months computed replace what was stored for them, the whole and every area: an area the
    computation no longer has (a unit renamed, a municipality no longer taking part) does not linger
    beside the new ones. Months not computed (older than the follow-up's window) stay."""
    from forums import goals

    rows = goals.platform_values(goal, today)  # read outside the transaction: it can take a while
    with transaction.atomic():
        now = timezone.now()
        GoalValue.objects.filter(goal=goal, month__in={month for month, _area in rows}).delete()
        GoalValue.objects.bulk_create([
            GoalValue(goal=goal, month=month, area=area.name, area_unit_id=area.unit_id,
                      area_organisation_id=area.organisation_id, value=value, weight=weight,
                      source=goal.get_source_display(), entered_by=None, entered_at=now)
            for (month, area), (value, weight) in rows.items()])
        Goal.objects.filter(pk=goal.pk).update(refreshed_at=now)
        goal.refreshed_at = now
        record_write(actor, "forums.goal.refresh", goal, changes={"values": [None, len(rows)]})
    return goal


def assignment_sort_key(assignment, today):
    return rules.assignment_order(assignment.due, assignment.status in ("open", "ongoing"), today)
