"""Pages of digital care meetings: the unit's calendar, booking a visit and handling it (new time,
cancellation, outcome), the video join page for the booked staff member and for the patient from
Mina sidor, and the patient's upcoming visits."""

import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language

from core import params
from core import queries as core_queries
from core.forms import run_action
from core.rows import rows_html
from core.views.decorators import resident_required, staff_required
from meetings import actions, forms, queries
from meetings.models import Booking, VisitForm
from meetings.permissions import may_change_own_visit


def _join_page(request, booking, *, display_name, moderator, back_url):
    state = queries.join_state(booking)
    url = queries.room_url(booking, display_name=display_name, moderator=moderator) if state.key == "open" else ""
    return render(request, "meetings/join.html", {
        "booking": booking, "state": state, "room_url": url, "back_url": back_url,
    }, status=410 if state.key == "closed" else 200)


@staff_required
def join(request, booking_id):
    booking = queries.staff_booking(request.actor, booking_id, endpoint="meetings:join", booked_staff_only=True)
    return _join_page(request, booking, display_name=request.actor.user.display_name(), moderator=True,
                      back_url="/")


@resident_required
def portal_join(request, booking_id):
    booking = queries.own_booking(request.actor, booking_id, endpoint="meetings:portal_join")
    # The patient's name stays out of the video service: it sees "Patient".
    return _join_page(request, booking, display_name="Patient", moderator=False, back_url="/mina-sidor/")


@resident_required
def portal_visits(request):
    bookings = list(queries.upcoming_for_patient(request.actor.user.patient_id))
    return render(request, "meetings/portal_visits.html", {
        "rows": [(b, queries.join_state(b)) for b in bookings],
    })


@resident_required
def portal_visit(request, booking_id):
    """The resident's own visit: cancel it, or move it to another free time of the same kind at
    the unit, up to the unit's limit for a late cancellation."""
    booking = queries.own_booking(request.actor, booking_id, endpoint="meetings:portal_visit")
    may_change = may_change_own_visit(request.actor, booking, timezone.now())
    calendar = queries.calendar_of(booking.unit)
    slots = []
    if may_change:
        since = timezone.now() + timedelta(hours=calendar.late_cancel_hours)
        slots = queries.free_slots(booking.visit_kind, form=booking.form, unit_id=booking.unit_id, since=since, limit=12)
    action = request.POST.get("action") if request.method == "POST" else None
    cancel_form = forms.OwnVisitCancelForm(request.POST if action == "cancel" else None)
    rebook_form = forms.OwnVisitRebookForm(request.POST if action == "rebook" else None, slots=slots)
    if action == "cancel" and cancel_form.is_valid():
        if run_action(cancel_form, actions.cancel_own_visit, request.actor, booking,
                      reason=cancel_form.cleaned_data["reason"]):
            messages.success(request, "Besöket är avbokat. Du får en bekräftelse med e-post.")
            return redirect("meetings:portal_visits")
    elif action == "rebook" and rebook_form.is_valid():
        if run_action(rebook_form, actions.rebook_own_visit, request.actor, booking,
                      slot=rebook_form.cleaned_data["slot"]):
            messages.success(request, "Besöket har fått en ny tid. Du får en bekräftelse med e-post.")
            return redirect("meetings:portal_visits")
    return render(request, "meetings/portal_visit.html", {
        "booking": booking, "may_change": may_change, "late_cancel_hours": calendar.late_cancel_hours,
        "cancel_form": cancel_form, "rebook_form": rebook_form, "slots": slots,
    }, status=400 if action else 200)


# --- The unit's calendar ---------------------------------------------------------------------------

def _day(request):
    try:
        return params.parsed(request, "dag", params.calendar_day, timezone.localdate())
    except params.Invalid:
        return timezone.localdate()


@dataclass(slots=True)
class CalendarEntry:
    """A booking as the calendar's rows show it, every value worked out here once per booking: the
    rows are rendered by Jinja2 (core.rows.rows_html, meetings/jinja2/meetings/calendar_*_rows.html),
    where Django's engine cost ~8 500 variable lookups a week (issue 14, fifth round). Not frozen:
    a frozen dataclass sets each field through object.__setattr__, 40 rows a page."""
    time: str  # "08:00–08:15", local time
    url: str  # the booking's page
    join_url: str  # the video room, for the staff member booked while it is open; else ""
    name: str  # the patient's as the actor may see it
    personal_number: str
    staff: str  # the staff member's name
    visit_kind: str
    form_key: str
    form: str  # its label
    status_key: str
    status: str  # its label


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day of the week's calendar: its cells, one per staff member (their name, the entries)."""
    today: bool
    param: str  # ?dag=
    label: str  # "Måndag 30 november"
    cells: list


def _url_maker(name):
    """One reverse() per page: each booking's URL is the pattern's with its id put in."""
    placeholder = str(uuid.UUID(int=0))
    pattern = reverse(name, kwargs={"booking_id": placeholder})
    return lambda pk: pattern.replace(placeholder, str(pk))


@functools.cache
def _labels(language):
    """The forms' and statuses' labels in a language, once per process (get_FOO_display() translates
    every choice of the field on each call; translating them once a page was ~60 µs)."""
    return {k: str(v) for k, v in VisitForm.choices}, {k: str(v) for k, v in Booking.Status.choices}


def _calendar_entries(actor):
    booking_url, join_url = _url_maker("meetings:booking"), _url_maker("meetings:join")
    forms_, statuses = _labels(get_language())
    zone, user_id = timezone.get_current_timezone(), actor.user.pk

    def entry(booking, state):
        starts, ends = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
        may_join = state.key == "open" and booking.staff_id == user_id
        return CalendarEntry(
            # "08:00–08:15" from the numbers: strftime cost ~2 µs a time.
            time=f"{starts.hour:02}:{starts.minute:02}–{ends.hour:02}:{ends.minute:02}", url=booking_url(booking.pk),
            join_url=join_url(booking.pk) if may_join else "", name=booking.name,
            personal_number=booking.personal_number, staff=booking.staff.display_name,
            visit_kind=booking.visit_kind, form_key=booking.form, form=forms_[booking.form],
            status_key=booking.status, status=statuses[booking.status])
    return entry


@functools.lru_cache(maxsize=1024)
def _day_label(day, language):
    """"Måndag 30 november": the `date` filter's "l j F" took ~15 µs a day, five to seven a page."""
    return capfirst(date_format(day, "l j F"))


def _week_rows(rows, entry, today):
    """The week's rows for calendar_week_rows.html."""
    language = get_language()
    return [CalendarDay(today=day == today, param=day.isoformat(), label=_day_label(day, language),
                        cells=[(person.display_name, [entry(*item) for item in cell]) for person, cell in cells])
            for day, cells in rows]


@staff_required
def calendar(request):
    day = _day(request)
    entry = _calendar_entries(request.actor)
    today = timezone.localdate()
    # The week by default; one day when a day is asked for (as after booking) or the day view chosen.
    view = params.choice(request, "vy", {"vecka", "dag"}, default="dag" if "dag" in request.GET else "vecka")
    if view == "vecka":
        monday = day - timedelta(days=day.weekday())
        days, staff, rows = queries.unit_week(request.actor, monday)
        previous, next_ = monday - timedelta(days=7), monday + timedelta(days=7)
        # ISO week numbers and ?dag= values from the dates themselves: the `date` filter took ~15 µs a value.
        return render(request, "meetings/calendar_week.html", {
            "day": day, "day_param": day.isoformat(), "monday": monday, "sunday": monday + timedelta(days=6),
            "week": monday.isocalendar().week, "days": days, "staff": staff,
            "rows_html": rows_html("meetings/calendar_week_rows.html", _week_rows(rows, entry, today)),
            "previous": previous, "previous_week": previous.isocalendar().week, "next": next_,
            "next_week": next_.isocalendar().week, "today": today,
        })
    rows = [entry(*item) for item in queries.unit_day(request.actor, day)]
    return render(request, "meetings/calendar.html", {
        "day": day, "day_param": day.isoformat(), "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "rows": rows, "rows_html": rows_html("meetings/calendar_day_rows.html", rows), "today": today,
    })


@staff_required
def book(request, patient_id):
    patient, _basis = core_queries.open_patient(request.actor, patient_id, endpoint="meetings:book")
    form = forms.BookingForm(request.POST or None, unit=request.actor.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booking = run_action(form, actions.book_visit, request.actor, patient, staff=data["staff"],
                             visit_kind=data["visit_kind"], form=data["form"], starts_at=data["starts_at"],
                             note=data["note"], slot=data["slot"],
                             ends_at=data["slot"].ends_at if data["slot"] else None)
        if booking:
            messages.success(request, "Besöket är bokat och kallelsen skickad.")
            return redirect(f"{reverse('meetings:calendar')}?dag={timezone.localdate(booking.starts_at)}")
    kinds = list(form.fields["visit_kind"].queryset)
    chosen_id = params.integer(request, "besokstyp")
    chosen = next((k for k in kinds if k.pk == chosen_id), None)
    return render(request, "meetings/book.html", {
        "form": form, "patient": patient, "card": core_queries.patient_card(patient, request.actor),
        "video_kinds": [k.name for k in kinds if k.suits_video], "kinds": kinds, "chosen": chosen,
        "free": queries.free_slots(chosen, unit_id=request.actor.unit_id, limit=12) if chosen else [],
    }, status=400 if form.errors else 200)


BOOKING_ACTIONS = {
    "rebook": (forms.RebookForm, lambda actor, b, d: actions.rebook(actor, b, starts_at=d["starts_at"]),
                "Besöket har fått ny tid och patienten en ny kallelse."),
    "cancel": (forms.CancelForm, lambda actor, b, d: actions.cancel(actor, b, reason=d["reason"],
                                                                     by_patient=d["by_patient"]),
               "Besöket är avbokat."),
    "outcome": (forms.OutcomeForm, lambda actor, b, d: actions.register_outcome(actor, b, outcome=d["outcome"],
                                                                                form=d["form"]),
               "Utfallet är registrerat."),
}


@staff_required
def booking_detail(request, booking_id):
    booking = queries.staff_booking(request.actor, booking_id, endpoint="meetings:booking")
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in BOOKING_ACTIONS:
            raise Http404
        form_class, run, done = BOOKING_ACTIONS[action]
        form = form_class(request.POST)
        if form.is_valid():
            if run_action(form, run, request.actor, booking, form.cleaned_data):
                messages.success(request, done)
                return redirect("meetings:booking", booking_id=booking.pk)
        bound[action] = form
    forms_ = {key: bound.get(key) or form_class(initial=_initial(key, booking))
              for key, (form_class, _run, _done) in BOOKING_ACTIONS.items()}
    return render(request, "meetings/booking.html", {
        "booking": booking, "card": core_queries.patient_card(booking.patient, request.actor),
        "state": queries.join_state(booking), "forms": forms_, "started": booking.starts_at <= timezone.now(),
        "is_booked_staff": booking.staff_id == request.actor.user.pk,
    }, status=400 if bound else 200)


def _initial(key, booking):
    if key == "outcome":
        return {"form": booking.form, "outcome": "attended"}
    if key == "rebook":
        return {"starts_at": timezone.localtime(booking.starts_at).strftime("%Y-%m-%dT%H:%M")}
    return {}


@staff_required
def slots(request):
    """Open bookable times: a staff member's day cut into slots for one visit kind."""
    form = forms.SlotsForm(request.POST or None, unit=request.actor.unit)
    if request.method == "POST" and form.is_valid():
        made = run_action(form, actions.create_slots, request.actor, **form.cleaned_data)
        if made is not None:
            messages.success(request, f"{len(made)} tider är upplagda.")
            return redirect("meetings:slots")
    return render(request, "meetings/slots.html", {
        "form": form, "days": queries.slot_days(request.actor.unit_id),
    }, status=400 if form.errors else 200)
