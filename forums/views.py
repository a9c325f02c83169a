"""Pages of collaboration forums: the secretary's forum, meeting (agenda builder, minutes editor,
approval, publication), the member's view of the same, the assignment list, search, the chair's
goal page, and the public page of a public forum's published minutes (no login)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core import params
from core.errors import ActionError
from core.forms import run_action
from core.views.decorators import staff_required
from core.collation import sort_key, swedish
from forums import actions, exports, forms, goals, permissions, queries
from forums.models import ANSWERING_ROLES, AgendaItem, Attachment, ForumMember, Meeting


@staff_required
def index(request):
    actor = request.actor
    form = forms.ForumForm(request.POST or None)
    if request.method == "POST":
        if not permissions.may_create_forum(actor):
            raise PermissionDenied
        if form.is_valid():
            forum = run_action(form, actions.create_forum, actor, owner=actor.unit.organisation, **form.cleaned_data)
            if forum:
                messages.success(request, "Forumet är skapat. Lägg till ledamöter och ett första möte.")
                return redirect("forums:forum", forum_id=forum.pk)
    forums_ = list(queries.visible_forums(actor).select_related("owner").order_by(swedish("name")))
    upcoming = (Meeting.objects.filter(forum__in=forums_, starts_at__gte=timezone.now()).select_related("forum")
                .order_by("starts_at")[:10])
    return render(request, "forums/index.html", {
        "forums": forums_, "upcoming": upcoming, "form": form, "may_create": permissions.may_create_forum(actor),
        "my_assignments": queries.assignment_list(actor)[:5],
        "consultations": queries.consultations_awaiting(actor),
    })


def _forum_context(request, forum, **extra):
    actor = request.actor
    today = timezone.localdate()
    members = forum.members.select_related("user", "organisation").order_by("valid_until", "role", "user__last_name")
    context = {
        "forum": forum, "may_manage": permissions.may_manage(actor, forum),
        "members": [(m, m.valid_from <= today and (m.valid_until is None or m.valid_until >= today)) for m in members],
        "meetings": forum.meetings.all(), "standing": forum.standing_items.filter(removed_at__isnull=True),
        "goals": forum.goals.all(),
        "member_form": forms.MemberForm(initial={"valid_from": today, "organisation": forum.owner_id}),
        "standing_form": forms.StandingItemForm(), "meeting_form": forms.MeetingForm(),
        "settings_form": forms.ForumForm(initial={"name": forum.name, "short_name": forum.short_name,
                                                  "description": forum.description, "public": forum.public}),
    }
    context.update(extra)
    return context


@staff_required
def forum_page(request, forum_id):
    forum = queries.forum_for(request.actor, forum_id)
    return render(request, "forums/forum.html", _forum_context(request, forum))


@staff_required
@require_POST
def forum_action(request, forum_id, action):
    actor = request.actor
    forum = queries.forum_for(actor, forum_id)
    if not permissions.may_manage(actor, forum):
        raise PermissionDenied
    if action == "ledamot":
        form = forms.MemberForm(request.POST)
        if form.is_valid() and run_action(form, actions.add_member, actor, forum, **form.cleaned_data):
            messages.success(request, "Ledamoten är tillagd.")
            return redirect("forums:forum", forum_id=forum.pk)
        return render(request, "forums/forum.html", _forum_context(request, forum, member_form=form), status=400)
    if action == "installningar":
        form = forms.ForumForm(request.POST)
        if form.is_valid() and run_action(form, actions.update_forum, actor, forum, **form.cleaned_data):
            messages.success(request, "Forumets uppgifter är sparade.")
            return redirect("forums:forum", forum_id=forum.pk)
        return render(request, "forums/forum.html", _forum_context(request, forum, settings_form=form), status=400)
    if action == "avsluta-ledamot":
        member = get_object_or_404(ForumMember, pk=params.posted_id(request, "member"), forum=forum)
        try:
            actions.end_member(actor, member)
        except ActionError as error:  # e.g. a period that has not begun yet
            messages.error(request, str(error))
        else:
            messages.success(request, "Ledamotens period är avslutad.")
    elif action == "staende-punkt":
        form = forms.StandingItemForm(request.POST)
        if form.is_valid() and run_action(form, actions.add_standing_item, actor, forum, **form.cleaned_data):
            messages.success(request, "Den stående punkten kommer med på varje nytt möte.")
            return redirect("forums:forum", forum_id=forum.pk)
        return render(request, "forums/forum.html", _forum_context(request, forum, standing_form=form), status=400)
    elif action == "ta-bort-staende":
        standing = get_object_or_404(forum.standing_items, pk=params.posted_id(request, "standing"))
        actions.remove_standing_item(actor, standing)
        messages.success(request, "Den stående punkten är borttagen från kommande möten.")
    elif action == "mote":
        form = forms.MeetingForm(request.POST)
        meetings = form.is_valid() and run_action(form, actions.schedule_series, actor, forum, **form.cleaned_data)
        if meetings:
            messages.success(request, "Mötet är upplagt med de stående punkterna på dagordningen." if len(meetings) == 1
                             else f"{len(meetings)} möten är upplagda, vart och ett med de stående punkterna på dagordningen.")
            return redirect("forums:meeting", meeting_id=meetings[0].pk)
        return render(request, "forums/forum.html", _forum_context(request, forum, meeting_form=form), status=400)
    else:
        raise Http404
    return redirect("forums:forum", forum_id=forum.pk)


def _meeting_context(request, meeting, **extra):
    actor = request.actor
    forum = meeting.forum
    may_manage = permissions.may_manage(actor, forum)
    items = list(meeting.items.select_related("carried_from__meeting", "carried_to__meeting", "standing")
                 .prefetch_related("attachments", "decisions", "assignments__assignee_user",
                                   "assignments__assignee_organisation", "answers__organisation", "nominations"))
    later = forum.meetings.filter(starts_at__gt=meeting.starts_at, locked_at__isnull=True).order_by("starts_at")
    seats = list(ForumMember.objects.current(timezone.localtime(meeting.starts_at).date()).filter(forum=forum)
                 .select_related("user", "organisation"))
    attendance = {row.member_id: row for row in meeting.attendance.all()}
    today = timezone.localdate()
    member_orgs = sorted({s.organisation for s in seats if s.role in ANSWERING_ROLES}, key=lambda o: sort_key(o.name))
    for item in items:
        if item.kind == "consultation":
            answered = {a.organisation_id for a in item.answers.all()}
            item.missing = [o for o in member_orgs if o.pk not in answered]
            item.overdue = item.answer_by is not None and item.answer_by < today and bool(item.missing)
    context = {
        "meeting": meeting, "forum": forum, "items": items, "may_manage": may_manage,
        "editable": may_manage and not meeting.locked,
        "may_approve": permissions.may_approve(actor, meeting),
        "may_answer_org": permissions.answering_organisation(actor, items[0]) if items else None,
        "approvers": list(meeting.approvers.select_related("user")),
        "seats": [(s, attendance.get(s.pk)) for s in seats], "addenda": meeting.addenda.all(),
        "later": later, "item_form": forms.ItemForm(), "carry_form": forms.CarryForm(later=later),
        "assignment_form": forms.AssignmentForm(forum=forum), "approvers_form": forms.ApproversForm(forum=forum),
        "no_patient_data": forms.NO_PATIENT_DATA, "attendance_choices": forms.Attendance.Status.choices,
        "status_choices": forms.Assignment.Status.choices, "goal_snapshot": meeting.goal_snapshot,
        "kind_choices": forms.ItemKind.choices,
    }
    context.update(extra)
    return context


@staff_required
def meeting_page(request, meeting_id):
    meeting = queries.meeting_for(request.actor, meeting_id)
    return render(request, "forums/meeting.html", _meeting_context(request, meeting))


MEETING_FORMS = {
    "punkt": forms.ItemForm, "andra-punkt": forms.ItemEditForm, "bilaga": forms.AttachmentForm, "anteckningar": forms.NotesForm,
    "beslut": forms.DecisionForm, "uppdrag": forms.AssignmentForm, "flytta": forms.CarryForm,
    "narvaro": forms.AttendanceForm, "justerare": forms.ApproversForm, "tillagg": forms.TextForm,
    "remissvar": forms.AnswerForm, "nominering": forms.NominationForm,
}
SIMPLE_ITEM = {"ta-bort-punkt": (actions.remove_item, "Punkten är borttagen från dagordningen."),
               "upp": (lambda actor, item: actions.move_item(actor, item, -1), "Punkten är flyttad upp."),
               "ner": (lambda actor, item: actions.move_item(actor, item, 1), "Punkten är flyttad ner.")}
SIMPLE = {"skicka": (actions.send_agenda, "Dagordningen skickas till ledamöterna med mötet som kalenderinbjudan."),
          "hallet": (actions.hold_meeting, "Mötet är markerat som hållet. Skriv protokollet nedan."),
          "justera": (actions.approve_minutes, "Du har justerat protokollet."),
          "publicera": (actions.publish_minutes, "Protokollet är publicerat.")}


@staff_required
@require_POST
def meeting_action(request, meeting_id, action):
    actor = request.actor
    meeting = queries.meeting_for(actor, meeting_id)
    if action in SIMPLE:
        function, message = SIMPLE[action]
        form = forms.forms.Form(request.POST)
        if run_action(form, function, actor, meeting):
            messages.success(request, message)
        else:
            messages.error(request, " ".join(form.non_field_errors()))
        return redirect("forums:meeting", meeting_id=meeting.pk)
    if action in SIMPLE_ITEM:
        function, message = SIMPLE_ITEM[action]
        item = get_object_or_404(AgendaItem, pk=params.posted_id(request, "item"), meeting=meeting)
        form = forms.forms.Form(request.POST)
        if run_action(form, function, actor, item):
            messages.success(request, message)
        else:
            messages.error(request, " ".join(form.non_field_errors()))
        return redirect("forums:meeting", meeting_id=meeting.pk)
    if action not in MEETING_FORMS:
        raise Http404
    kwargs = {}
    if action in ("uppdrag", "justerare"):
        kwargs["forum"] = meeting.forum
    if action == "flytta":
        kwargs["later"] = meeting.forum.meetings.filter(starts_at__gt=meeting.starts_at)
    form = MEETING_FORMS[action](request.POST, request.FILES, **kwargs) if action == "bilaga" else \
        MEETING_FORMS[action](request.POST, **kwargs)
    done = form.is_valid() and _run_meeting_form(action, form, actor, meeting)
    if done:
        messages.success(request, "Sparat.")
        return redirect(f"{meeting_url(meeting)}#{request.POST.get('item') and 'punkt-' + request.POST['item'] or 'protokoll'}"
                        if request.POST.get("item", "").isdigit() else meeting_url(meeting))
    return render(request, "forums/meeting.html", _meeting_context(request, meeting, failed_form=form,
                                                                    failed_action=action), status=400)


def meeting_url(meeting):
    return reverse("forums:meeting", kwargs={"meeting_id": meeting.pk})


def _item(meeting, form):
    return get_object_or_404(AgendaItem, pk=form.cleaned_data["item"], meeting=meeting)


def _run_meeting_form(action, form, actor, meeting):
    data = dict(form.cleaned_data)
    if "item" in data:
        item = _item(meeting, form)
        data.pop("item")
    if action == "punkt":
        return run_action(form, actions.add_item, actor, meeting, **data)
    if action == "andra-punkt":
        return run_action(form, actions.update_item, actor, item, **data)
    if action == "bilaga":
        return run_action(form, actions.add_attachment, actor, item, data["file"])
    if action == "anteckningar":
        return run_action(form, actions.write_notes, actor, item, data["notes"])
    if action == "beslut":
        return run_action(form, actions.record_decision, actor, item, data["text"])
    if action == "uppdrag":
        return run_action(form, actions.add_assignment, actor, item, **data)
    if action == "flytta":
        return run_action(form, actions.carry_item, actor, item, data["to_meeting"])
    if action == "narvaro":
        member = get_object_or_404(ForumMember, pk=data["member"], forum=meeting.forum)
        return run_action(form, actions.set_attendance, actor, meeting, member, data["status"],
                          substitute_name=data["substitute_name"])
    if action == "justerare":
        return run_action(form, actions.set_approvers, actor, meeting, list(data["approvers"]))
    if action == "tillagg":
        return run_action(form, actions.add_addendum, actor, meeting, data["text"])
    if action == "remissvar":
        return run_action(form, actions.answer_consultation, actor, item, data["text"])
    if action == "nominering":
        return run_action(form, actions.add_nomination, actor, item, **data)
    raise Http404


def _pdf(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
def agenda_pdf(request, meeting_id):
    meeting = queries.meeting_for(request.actor, meeting_id)
    return _pdf(exports.agenda_pdf(meeting), f"dagordning-{timezone.localtime(meeting.starts_at):%Y-%m-%d}.pdf")


@staff_required
def minutes_pdf(request, meeting_id):
    meeting = queries.meeting_for(request.actor, meeting_id)
    return _pdf(exports.minutes_pdf(meeting), f"protokoll-{timezone.localtime(meeting.starts_at):%Y-%m-%d}.pdf")


@staff_required
def attachment(request, attachment_id):
    """A bilaga as a download, never shown inline: the browser saves it instead of running it."""
    found = get_object_or_404(Attachment.objects.select_related("item__meeting"), pk=attachment_id)
    queries.meeting_for(request.actor, found.item.meeting_id)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name,
                            content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required
def join(request, meeting_id):
    """The forum meeting's video room, for its members: the room's address is made here, per person."""
    meeting = queries.meeting_to_join(request.actor, meeting_id)
    from meetings.video import provider

    url = provider().join_url(meeting.video_room, display_name=request.actor.user.display_name(),
                              moderator=permissions.may_manage(request.actor, meeting.forum),
                              valid_until=meeting.ends_at + timezone.timedelta(hours=1))
    return render(request, "forums/join.html", {"meeting": meeting, "room_url": url})


# --- Assignments, search ---------------------------------------------------------------------------------

@staff_required
def assignments(request):
    actor = request.actor
    view = params.choice(request, "vy", {"person", "organisation"}, "person")
    rows = queries.assignment_list(actor, mine=view == "person")
    today = timezone.localdate()
    return render(request, "forums/assignments.html", {
        "view": view, "rows": [(a, a.overdue(today), permissions.may_update_assignment(actor, a)) for a in rows],
        "organisation": actor.unit.organisation, "status_choices": forms.Assignment.Status.choices,
    })


@staff_required
@require_POST
def assignment_status(request, assignment_id):
    actor = request.actor
    assignment = get_object_or_404(queries.assignments_for_follow_up(actor), pk=assignment_id)
    form = forms.StatusForm(request.POST)
    if form.is_valid() and run_action(form, actions.update_assignment_status, actor, assignment,
                                      form.cleaned_data["status"]):
        messages.success(request, "Status är ändrad.")
    return redirect(request.POST.get("next") if request.POST.get("next") in ("/forum/uppdrag/?vy=organisation",)
                    else "forums:assignments")


@staff_required
def search(request):
    words = params.text(request, "q", max_length=200)
    kind = params.choice(request, "typ", set(queries.SEARCH_KINDS), None)
    if kind is None:
        results = queries.search_all(request.actor, words)
    else:
        results = queries.search_all(request.actor, words, only=queries.SEARCH_KINDS[kind],
                                     page=params.integer(request, "sida", 1, maximum=1000), per_page=50)
    return render(request, "forums/search.html", {"q": words, "kind": kind, "results": results})


# --- Goals: the chair's page -------------------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def goals_page(request):
    actor = request.actor
    today = timezone.localdate()
    form = forms.GoalForm(request.POST or None, forums=queries.managed_forums(actor))
    may_create = permissions.may_create_goal(actor, actor.unit.organisation) or form.fields["forum"].queryset.exists()
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            goal = run_action(form, actions.create_goal, actor, owner=actor.unit.organisation, **form.cleaned_data)
            if goal:
                if goal.source != "manual":
                    actions.refresh_goal_values(actor, goal)
                messages.success(request, "Målet är upplagt." + (" Det står som stående punkt i forumet."
                                                                 if goal.forum else ""))
                return redirect(f"{reverse('forums:goals')}#mal-{goal.pk}")
    summaries = [goals.summarise(goal, today) for goal in queries.visible_goals(actor)]
    return render(request, "forums/goals.html", {
        "summaries": [(s, permissions.may_manage_goal(actor, s.goal)) for s in summaries],
        "value_form": forms.GoalValueForm(initial={"month": today.replace(day=1)}),
        "goal_form": form, "may_create": may_create,
    }, status=400 if form.is_bound else 200)


@staff_required
@require_POST
def goal_action(request, goal_id, action):
    actor = request.actor
    goal = queries.goal_for(actor, goal_id)
    if action == "varde":
        form = forms.GoalValueForm(request.POST)
        if form.is_valid() and run_action(form, actions.enter_goal_value, actor, goal, **form.cleaned_data):
            messages.success(request, "Värdet är sparat.")
        else:
            messages.error(request, "Värdet sparades inte: " + " ".join(
                str(e) for errors in form.errors.values() for e in errors))
    elif action == "hamta":
        form = forms.forms.Form(request.POST)
        if run_action(form, actions.refresh_goal_values, actor, goal):
            messages.success(request, "Värdena är hämtade från plattformen.")
    else:
        raise Http404
    return redirect("forums:goals")


# --- Public pages (no login) -----------------------------------------------------------------------------

def public_forum(request, forum_id):
    forum = queries.public_forum(forum_id)
    meetings = forum.meetings.filter(published_at__isnull=False).order_by("-starts_at")
    return render(request, "forums/public_forum.html", {"forum": forum, "meetings": meetings})


def public_minutes(request, meeting_id):
    meeting = queries.public_meeting(meeting_id)
    items = meeting.items.select_related("carried_to__meeting").prefetch_related(
        "decisions", "assignments__assignee_user", "assignments__assignee_organisation")
    attendance = list(meeting.attendance.select_related("member__user", "member__organisation"))
    return render(request, "forums/public_minutes.html", {
        "meeting": meeting, "forum": meeting.forum, "items": items, "addenda": meeting.addenda.all(),
        "approvers": meeting.approvers.select_related("user"),
        "present": [row for row in attendance if row.status != "absent"],
        "absent": [row for row in attendance if row.status == "absent"],
    })


def public_minutes_pdf(request, meeting_id):
    meeting = queries.public_meeting(meeting_id)
    return _pdf(exports.minutes_pdf(meeting), f"protokoll-{timezone.localtime(meeting.starts_at):%Y-%m-%d}.pdf")
