"""Pages of discharge coordination: the worklists, opening a case, and the case with its timeline."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.template.defaultfilters import time as time_filter
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from core import params
from core import queries as core_queries
from core.errors import ActionError, NotPermitted
from core.forms import apply_action_error, local_now_value
from core.rows import rows_html
from core.views.decorators import post_only, staff_required
from discharge import actions, forms, queries
from discharge.models import CareType, CaseEvent, CaseParty, DischargeCase

Party = CaseParty.Role


@staff_required
def worklists(request):
    filters = {
        "ward": params.integer(request, "avdelning"),
        "municipality": params.integer(request, "kommun"),
        "care_type": params.choice(request, "vardform", CareType.values),
    }
    sort = params.choice(request, "sort", queries.SORTS, default="admitted")
    page = params.integer(request, "sida", 1, maximum=10_000)
    filtered = any(value is not None for value in filters.values()) or sort != "admitted"
    # The filter panel's choices (the wards and municipalities of every open case) are read only
    # when the panel is open: most loads of the page are a nurse reading the first screen.
    show_filters = filtered or params.choice(request, "filtrera", {"1"}) is not None
    # An unknown list is the default list, as an unknown filter is no filter; the default is the
    # first list with work in it.
    counts = queries.worklist_counts(request.actor)
    key = params.choice(request, "lista", {w.key for w in queries.WORKLISTS}) or queries.default_worklist(counts)
    total, rows = queries.worklist_page(request.actor, key, filters=filters, sort=sort, page=page,
                                        endpoint="discharge:worklists",
                                        total=None if filtered else counts[key])
    wards, municipalities = queries.worklist_filter_choices(request.actor) if show_filters else ([], [])
    wards, municipalities = list(wards), list(municipalities)
    return render(request, "discharge/worklists.html", {
        "tabs": [(w, counts[w.key]) for w in queries.WORKLISTS], "current": key,
        "current_list": next(w for w in queries.WORKLISTS if w.key == key),
        "filtered": filtered, "show_filters": show_filters,
        "rows": rows, "rows_html": rows_html("discharge/worklist_rows.html", rows),
        "total": total, "page": page, "pages": max(1, -(-total // queries.PAGE_SIZE)),
        "filters": filters, "sort": sort,
        "wards": wards, "municipalities": municipalities,
        "care_types": CareType.choices,
    })


@staff_required
def open_case(request, patient_id):
    patient, _basis = core_queries.open_patient(request.actor, patient_id, endpoint="discharge:open_case")
    existing = queries.open_case_here(request.actor, patient)
    if existing is not None:
        # One open case per patient and ward: the way to it, instead of a form that would refuse.
        queries.log_reads(request.actor, [existing], endpoint="discharge:open_case")
        messages.info(request, "Patienten har redan ett pågående utskrivningsärende på avdelningen. Här är det.")
        return redirect("discharge:case", case_id=existing.pk)
    form = forms.OpenCaseForm(request.POST or None, initial={
        "admitted_at": local_now_value(), "municipality": patient.home_municipality_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.open_case(request.actor, patient, municipality=data["municipality"],
                                     admitted_at=data["admitted_at"], care_type=data["care_type"],
                                     primary_care=data["primary_care"],
                                     expected_discharge_on=data["expected_discharge_on"])
        except NotPermitted:
            raise
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, "Utskrivningsärendet är öppnat. Skicka inskrivningsmeddelandet inom 24 timmar.")
            return redirect("discharge:case", case_id=case.pk)
    return render(request, "discharge/open_case.html", {
        "form": form, "patient": patient, "card": core_queries.patient_card(patient, request.actor)})


# Each action on a case: its form, the call, and what the user is told.
CASE_ACTIONS = {
    "admission_notice": (forms.AdmissionNoticeForm, lambda a, c, f: actions.send_admission_notice(
        a, c, at=f.cleaned_data["at"], preliminary_discharge_on=f.cleaned_data["preliminary_discharge_on"], known_needs=f.cleaned_data["known_needs"]),
        "Inskrivningsmeddelandet är skickat."),
    "needs_assessment": (forms.NeedsAssessmentForm, lambda a, c, f: actions.record_needs_assessment(
        a, c, answers=f.answers()), "Kartläggningen är sparad."),
    "commitment": (forms.CommitmentForm, lambda a, c, f: actions.record_commitment(
        a, c, provides=f.cleaned_data["provides"], description=f.cleaned_data["description"]), "Ställningstagandet är skickat."),
    "care_contact": (forms.CareContactForm, lambda a, c, f: actions.appoint_care_contact(
        a, c, name=f.cleaned_data["name"], phone=f.cleaned_data["phone"]), "Fast vårdkontakt är utsedd."),
    "planning_invitation": (forms.PlanningInvitationForm, lambda a, c, f: actions.send_planning_invitation(
        a, c, meeting_at=f.cleaned_data["meeting_at"], form=f.cleaned_data["form"], note=f.cleaned_data["note"]), "Kallelsen är skickad."),
    "ready_notice": (forms.ReadyNoticeForm, lambda a, c, f: actions.send_ready_notice(
        a, c, judged_by=f.cleaned_data["judged_by"], at=f.cleaned_data["at"]), "Meddelandet om utskrivningsklar är skickat."),
    "ready_withdrawn": (forms.WithdrawReadyForm, lambda a, c, f: actions.withdraw_ready_notice(
        a, c, reason=f.cleaned_data["reason"], at=f.cleaned_data["at"]), "Bedömningen är återkallad. Klockan startar om vid nästa meddelande."),
    "discharge_notice": (forms.DischargeNoticeForm, lambda a, c, f: actions.send_discharge_notice(
        a, c, at=f.cleaned_data["at"], medication_list=f.cleaned_data["medication_list"], summary=f.cleaned_data["summary"], transport=f.cleaned_data["transport"]),
        "Utskrivningsmeddelandet är skickat och ärendet avslutat."),
    "cancellation": (forms.CancelForm, lambda a, c, f: actions.cancel_case(a, c, reason=f.cleaned_data["reason"], note=f.cleaned_data["note"]),
                     "Ärendet är avbrutet."),
    "consent": (forms.ConsentForm, lambda a, c, f: actions.record_consent(
        a, c, objected=f.cleaned_data["objected"], note=f.cleaned_data["note"]), "Patientens inställning är registrerad."),
    "dialog": (forms.MessageForm, lambda a, c, f: actions.post_message(a, c, text=f.cleaned_data["text"]), "Meddelandet är skickat."),
}


# What each action is called on its link, its form's title and its button.
ACTION_TITLES = {
    "admission_notice": "Skicka inskrivningsmeddelande", "needs_assessment": "Uppdatera kartläggning",
    "commitment": "Skicka ställningstagande", "care_contact": "Utse fast vårdkontakt",
    "planning_invitation": "Kalla till planering/SIP", "ready_notice": "Meddela utskrivningsklar",
    "ready_withdrawn": "Återkalla utskrivningsklar", "discharge_notice": "Skriv ut patienten",
    "cancellation": "Avbryt ärendet", "consent": "Registrera samtycke/invändning", "dialog": "Skicka meddelande",
}


def available_actions(case, role):
    """Which forms the acting party sees, in the order the process runs."""
    if case.status != DischargeCase.Status.OPEN:
        return ["dialog"]
    shown = []
    if role == Party.WARD:
        if not case.admission_notice_sent_at:
            shown.append("admission_notice")
        shown += ["consent", "needs_assessment", "commitment", "planning_invitation"]
        shown.append("ready_withdrawn" if case.ready_notice_sent_at else "ready_notice")
        if case.ready_notice_sent_at:
            shown.append("discharge_notice")
    elif role == Party.PRIMARY_CARE:
        if not case.care_contact_appointed_at:
            shown.append("care_contact")
        shown += ["needs_assessment", "commitment", "planning_invitation"]
    else:
        shown += ["needs_assessment", "commitment"]
    return shown + ["dialog", "cancellation"]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """An event as the case page shows it (discharge/jinja2/discharge/case_events.html): text escaped
    here as Django's templates escape it, times and labels formatted, so the page is the same to the byte."""

    pk: int
    kind: str
    kind_label: str
    unread: bool
    corrected: bool
    occurred_at: str
    author: str
    author_unit: str
    recorded_at: str  # "" when recorded within the minute it happened
    read_by: str
    correctable: bool
    body: dict


def timeline_rows(actor, case, events):
    rows = []
    for event in events:
        own = event.author_unit_id == actor.unit_id
        occurred = queries.local_minute(event.occurred_at)
        recorded = queries.local_minute(event.recorded_at)
        rows.append(TimelineRow(
            pk=event.pk, kind=event.kind, kind_label=escape(CaseEvent.Kind(event.kind).label),
            # Another party's message the acting unit has not receipted (docs/decisions.md "Read receipts").
            unread=not own and all(unit_id != actor.unit_id for unit_id, _name in event.receipts),
            corrected=event.is_corrected, occurred_at=occurred,
            author=escape(event.author), author_unit=escape(event.author_unit),
            recorded_at=recorded if recorded != occurred else "",
            read_by=mark_safe(", ".join(escape(name) for _unit_id, name in event.receipts)),
            correctable=(own and event.kind not in (CaseEvent.Kind.DIALOG, CaseEvent.Kind.CORRECTION)
                         and case.status == DischargeCase.Status.OPEN),
            body=_event_body(event, occurred)))
    return rows


def _event_body(event, occurred):
    """What the event's body shows, by kind, each value as the Django template printed it."""
    d, kind = event.data, event.kind
    if kind == CaseEvent.Kind.ADMISSION_NOTICE:
        return {"preliminary": _day(d.get("preliminary_discharge_on"), "j F Y"), "known_needs": _lines_if(d, "known_needs")}
    if kind == CaseEvent.Kind.NEEDS_ASSESSMENT:
        return {"answers": [(escape(label), linebreaksbr(d[key], autoescape=True))
                            for key, label in actions.NEEDS_FIELDS.items() if key in d]}
    if kind == CaseEvent.Kind.COMMITMENT:
        return {"provides": bool(d.get("provides")), "description": _lines(d, "description")}
    if kind == CaseEvent.Kind.CARE_CONTACT:
        return {"name": _text(d, "name"), "phone": _text_if(d, "phone")}
    if kind == CaseEvent.Kind.PLANNING_INVITATION:
        at = from_iso(d.get("meeting_at", ""))
        return {"day": _day(at, "l j F Y"), "time": escape(time_filter(template_localtime(at), "H:i")),
                "form": d.get("form"), "note": _text_if(d, "note")}
    if kind == CaseEvent.Kind.READY_NOTICE:
        return {"judged_by": _text(d, "judged_by")}
    if kind == CaseEvent.Kind.READY_WITHDRAWN:
        return {"reason": escape(event.reason)}
    if kind == CaseEvent.Kind.DISCHARGE_NOTICE:
        return {"summary": _lines_if(d, "summary"), "medication_list": _lines_if(d, "medication_list"),
                "transport": _text_if(d, "transport")}
    if kind == CaseEvent.Kind.CANCELLATION:
        return {"reason": escape(actions.CANCEL_REASONS.get(d.get("reason"), d.get("reason"))), "note": _text_if(d, "note")}
    if kind == CaseEvent.Kind.CONSENT:
        return {"objected": bool(d.get("objected")), "note": _text_if(d, "note")}
    if kind == CaseEvent.Kind.DIALOG:
        return {"text": _lines(d, "text")}
    if kind == CaseEvent.Kind.CORRECTION:
        label = CaseEvent.Kind(event.corrects_kind).label.lower() if event.corrects_kind else ""
        return {"corrects": event.corrects_id, "corrects_label": escape(label),
                "corrects_at": queries.local_minute(event.corrects_occurred_at), "void": bool(d.get("void")),
                "at": occurred, "reason": escape(event.reason)}
    return {}


# As the template's `{{ d.key }}` printed a value of an event's data: "" when absent, escaped.
def _text(d, key):
    return escape(d[key]) if key in d else ""


def _text_if(d, key):  # printed only when set ({% if d.key %})
    return escape(d[key]) if d.get(key) else ""


def _lines(d, key):  # {{ d.key|linebreaksbr }}
    return linebreaksbr(d[key], autoescape=True) if key in d else ""


def _lines_if(d, key):
    return linebreaksbr(d[key], autoescape=True) if d.get(key) else ""


def from_iso(value):
    """A date or date-time kept as ISO text in an event's data, as a date or datetime; anything else
    as it was (shown as it is stored)."""
    if not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return value


def _day(value, format_):  # {{ value|from_iso|date:format_ }}
    return escape(date_filter(template_localtime(from_iso(value)), format_)) if value else ""


CASE_TIMES = ["admitted_at", "admission_notice_sent_at", "care_contact_appointed_at", "planning_invitation_sent_at",
              "ready_notice_sent_at", "discharged_at"]


def _render_case(request, case, *, bound=None, status=200):
    # The parties are read once: the page lists them and the acting unit's role is among them.
    parties = queries.case_parties(case)
    role = next((p.role for p in parties if p.unit_id == request.actor.unit_id), None)
    # Only the action asked for (?atgard=…, or the one just refused) is rendered with its form: the
    # others are links that open theirs. Rendering every form took a large part of the page's time.
    available = available_actions(case, role)
    if bound:
        open_action, form = bound
        if open_action not in available:  # refused because it is not on offer: say so beside it
            available.append(open_action)
    else:
        open_action = params.choice(request, "atgard", available) or ""
        form = CASE_ACTIONS[open_action][0]() if open_action else None
    # The timeline's rows by Jinja2 (core/rows.py): through Django's engine they were a third of the page.
    rows = timeline_rows(request.actor, case, queries.timeline(case))
    unread = [row.pk for row in rows if row.unread]
    context = {}
    if any(row.correctable for row in rows):
        # One token for the page, its rows' correction forms among them, as {% csrf_token %} gives.
        context["csrf_token"] = get_token(request)
    events_html = rows_html("discharge/case_events.html", rows, csrf_token=context.get("csrf_token"),
                            correct_url=reverse("discharge:correct", args=[case.pk])) if rows else ""
    return render(request, "discharge/case.html", context | {
        "case": case, "card": core_queries.patient_card(case.patient, request.actor), "role": role,
        "role_label": Party(role).label if role else "", "parties": parties,
        # The case's times as the page shows them ("2026-11-30 14:05"): the `date` filter cost ~35 µs each.
        "times": {name: queries.local_minute(getattr(case, name)) for name in CASE_TIMES},
        "events_html": events_html, "unread_ids": unread, "unread": len(unread),
        "actions": [(key, ACTION_TITLES[key]) for key in available],
        "open_action": open_action, "form": form,
    }, status=status)


@staff_required
def case_detail(request, case_id):
    # A GET writes nothing: the read is logged, and the unit receipts the messages it has read with
    # the page's button (`mark_read`).
    case = queries.open_case(request.actor, case_id, endpoint="discharge:case")
    return _render_case(request, case)


@staff_required
@post_only("discharge:case", case_id="case_id")
def mark_read(request, case_id):
    """The acting unit receipts as read the other parties' messages the page showed it."""
    case = queries.open_case(request.actor, case_id, endpoint="discharge:mark_read")
    shown = {int(value) for value in request.POST.getlist("event") if value.isdigit() and len(value) < 19}
    receipted = actions.mark_case_read(request.actor, case, event_ids=shown)
    if receipted:
        messages.success(request, f"{len(receipted)} {'meddelande' if len(receipted) == 1 else 'meddelanden'} "
                                  "kvitterade som lästa.")
    return redirect("discharge:case", case_id=case.pk)


@staff_required
@post_only("discharge:case", case_id="case_id")
def case_action(request, case_id, action):
    if action not in CASE_ACTIONS:
        raise Http404
    case = queries.open_case(request.actor, case_id, endpoint="discharge:case_action")
    form_class, call, done = CASE_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(request.actor, case, form)
        except NotPermitted as error:
            form.add_error(None, " ".join(m for msgs in error.errors.values() for m in msgs))
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, done)
            return redirect("discharge:case", case_id=case.pk)
    case.refresh_from_db()
    return _render_case(request, case, bound=(action, form), status=400)


@staff_required
@post_only("discharge:case", case_id="case_id")
def correct(request, case_id):
    case = queries.open_case(request.actor, case_id, endpoint="discharge:correct")
    form = forms.CorrectionForm(request.POST)
    if form.is_valid():
        event = CaseEvent.objects.filter(case=case, pk=form.cleaned_data["event"]).first()
        if event is None:
            raise Http404
        try:
            actions.correct_event(request.actor, event, reason=form.cleaned_data["reason"], at=form.cleaned_data["at"],
                                  void=form.cleaned_data["void"])
        except ActionError as error:
            messages.error(request, " ".join(m for msgs in error.errors.values() for m in msgs))
        else:
            messages.success(request, "Rättelsen är skickad.")
    else:
        messages.error(request, "Ange varför meddelandet rättas.")
    return redirect("discharge:case", case_id=case.pk)
