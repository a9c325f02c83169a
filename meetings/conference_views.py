"""Pages of clinical remote case conferences: the unit's conferences and sessions, registering a
patient case, and the session with its case list, attendance and recommendations."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.db.models import Count
from django.utils import timezone

from core import queries as core_queries
from core.errors import ActionError
from core.forms import run_action
from core.models import Membership, Profession
from core.views.decorators import staff_required
from core.collation import swedish
from meetings import actions, forms, queries
from meetings.models import ConferenceSeries, ConferenceSession
from meetings.video import provider


@staff_required
def conferences(request):
    series = queries.unit_conferences(request.actor)
    sessions = (ConferenceSession.objects.filter(series__in=series, ends_at__gt=timezone.now() - timedelta(days=30))
                .select_related("series").annotate(case_count=Count("cases")).order_by("starts_at"))
    return render(request, "meetings/conferences.html", {"series": series, "sessions": sessions})


@staff_required
def register_case(request, patient_id):
    patient, _basis = core_queries.open_patient(request.actor, patient_id, endpoint="meetings:conference_register")
    form = forms.ConferenceCaseForm(request.POST or None, sessions=queries.open_sessions(request.actor))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        session = data.pop("session")
        if run_action(form, actions.register_case, request.actor, session, patient, **data):
            messages.success(request, "Fallet är anmält. Svaret kommer tillbaka hit efter konferensen.")
            return redirect("meetings:conference_session", session_id=session.pk)
    return render(request, "meetings/conference_register.html", {
        "form": form, "patient": patient, "card": core_queries.patient_card(patient, request.actor),
    }, status=400 if form.errors else 200)


def _position(text):
    try:
        return int(text or 0)
    except ValueError:
        raise ActionError("Ordningen anges med heltal, 1 för det första fallet.") from None


def _joinable(session, now):
    return session.starts_at - timedelta(minutes=15) <= now <= session.ends_at + timedelta(hours=1)


@staff_required
def session_detail(request, session_id):
    session, rows = queries.conference_session(request.actor, session_id)
    series = session.series
    is_lead = series.owner_unit_id == request.actor.unit_id
    members = (Membership.objects.filter(unit__in=series.participating_units.all(), active=True)
               .select_related("user", "unit").order_by(swedish("unit__name"), swedish("user__last_name")))
    bound_case = None
    if request.method == "POST":
        if not is_lead:
            raise PermissionDenied("Det görs av konferensens ägande enhet.")
        action = request.POST.get("action")
        try:
            if action == "order":
                order = sorted((_position(request.POST.get(f"pos-{case.pk}")), str(case.pk)) for case, _ in rows)
                actions.order_cases(request.actor, session, [case_id for _, case_id in order])
                messages.success(request, "Ordningen är sparad.")
            elif action == "attendance":
                present = request.POST.getlist("present")
                if not all(value.isdigit() for value in present):
                    raise ActionError("Välj de närvarande i listan.")
                chosen = members.filter(pk__in=present)
                actions.record_attendance(request.actor, session, list(chosen))
                messages.success(request, "Närvaron är registrerad.")
            elif action == "recommendation":
                form = forms.RecommendationForm(request.POST)
                if not form.is_valid():
                    raise ActionError.many({k: v for k, v in form.errors.items()})
                data = dict(form.cleaned_data)
                case = get_object_or_404(session.cases, pk=data.pop("case"))
                actions.record_recommendation(request.actor, case, **data)
                messages.success(request, "Rekommendationen är sparad och syns för den remitterande enheten.")
            else:
                raise Http404
        except ActionError as error:
            bound_case = request.POST.get("case")
            for message_list in error.errors.values():
                for message in message_list:
                    messages.error(request, message)
        else:
            return redirect("meetings:conference_session", session_id=session.pk)
    present = set(session.attendance.values_list("user_id", flat=True))
    attended = set(session.attendance.values_list("profession", flat=True))
    missing = [Profession(p).label for p in series.required_professions if p not in attended]
    now = timezone.now()
    return render(request, "meetings/conference_session.html", {
        "session": session, "series": series, "rows": rows, "is_lead": is_lead, "members": members,
        "present": present, "missing_professions": missing, "bound_case": bound_case,
        "room_url": provider().join_url(session.room, display_name=request.actor.user.display_name(),
                                        moderator=is_lead, valid_until=session.ends_at + timedelta(hours=1))
        if _joinable(session, now) else "",
        "started": session.starts_at <= now,
    }, status=400 if request.method == "POST" else 200)


def _owned_series(request, series_id):
    """A series the acting unit owns (404 for any other: the owner alone changes it)."""
    return get_object_or_404(ConferenceSeries, pk=series_id, owner_unit_id=request.actor.unit_id)


@staff_required
def series_edit(request, series_id=None):
    series = None if series_id is None else _owned_series(request, series_id)
    initial = {"participating_units": [request.actor.unit]}
    if series is not None:
        initial = {name: getattr(series, name) for name in
                   ["name", "specialty", "chair", "schedule", "required_professions", "registration_deadline_hours"]}
        initial["participating_units"] = list(series.participating_units.all())
    form = forms.ConferenceSeriesForm(request.POST or None, initial=initial, owner_unit=request.actor.unit)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.save_conference_series, request.actor, series, **form.cleaned_data):
            messages.success(request, "Konferensen är sparad.")
            return redirect("meetings:conferences")
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": "Ny konferens" if series is None else f"Konferens: {series.name}",
        "lead": f"Konferensen ägs av {request.actor.unit.name}, som planerar tillfällena, leder dem och skriver "
                "rekommendationerna.",
        "back_url": reverse("meetings:conferences"), "back_text": "Konferenser",
    }, status=400 if form.errors else 200)


@staff_required
def session_new(request, series_id):
    series = _owned_series(request, series_id)
    form = forms.ConferenceSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = run_action(form, actions.schedule_session, request.actor, series, **form.cleaned_data)
        if session:
            messages.success(request, "Tillfället är planerat. Deltagande enheter kan anmäla fall till det.")
            return redirect("meetings:conference_session", session_id=session.pk)
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": f"Nytt tillfälle: {series.name}",
        "lead": f"Anmälan stänger {series.registration_deadline_hours} timmar före start. Ett videorum skapas för "
                "tillfället.",
        "back_url": reverse("meetings:conferences"), "back_text": "Konferenser",
    }, status=400 if form.errors else 200)
