"""Pages of SIP: the unit's plans and its invitations to plans (answered there), starting a plan,
the plan with its participants, consents, efforts, versions and meetings, a version as PDF, and the
person's own plans in Mina sidor."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core import queries as core_queries
from core.forms import run_action
from core.views.decorators import post_only, resident_required, staff_required
from meetings import actions, exports, forms, permissions, queries
from meetings.models import SipParticipant


@staff_required
def sip_list(request):
    return render(request, "meetings/sip_list.html", {
        "rows": queries.unit_sip_plans(request.actor), "invitations": queries.unit_sip_invitations(request.actor),
        "may_answer": permissions.may_answer_invitations(request.actor),
        "today": timezone.localdate()})


@staff_required
@post_only("meetings:sip_list")
def sip_invitation_answer(request, participant_id):
    """The invited unit accepts or declines; after accepting it opens the plan when the person's
    consent names its organisation."""
    participant = queries.unit_sip_invitation(request.actor, participant_id)
    form = forms.SipInvitationAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Välj att tacka ja eller nej.")
        return redirect("meetings:sip_list")
    accept = form.cleaned_data["answer"] == "accept"
    if run_action(form, actions.answer_sip_invitation, request.actor, participant, accept=accept) is None:
        messages.error(request, " ".join(form.non_field_errors()) or "Inbjudan kunde inte besvaras.")
        return redirect("meetings:sip_list")
    if not accept:
        messages.success(request, f"Din enhet har tackat nej till {participant.reference}.")
        return redirect("meetings:sip_list")
    if queries.taking_part(participant.plan).filter(unit_id=request.actor.unit_id).exists():
        messages.success(request, f"Din enhet deltar nu i {participant.reference}.")
        return redirect("meetings:sip", plan_id=participant.plan_id)
    messages.success(request, f"Din enhet har tackat ja till {participant.reference}. Planen öppnas när personens "
                              f"samtycke omfattar {request.actor.unit.organisation.name}.")
    return redirect("meetings:sip_list")


@staff_required
def sip_new(request, patient_id):
    patient, _basis = core_queries.open_patient(request.actor, patient_id, endpoint="meetings:sip_new")
    form = forms.SipCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = run_action(form, actions.create_sip, request.actor, patient, **form.cleaned_data)
        if plan:
            messages.success(request, "Planen är påbörjad. Lägg till deltagare och insatser, och fastställ den sedan.")
            return redirect("meetings:sip", plan_id=plan.pk)
    return render(request, "meetings/sip_new.html", {
        "form": form, "patient": patient, "card": core_queries.patient_card(patient, request.actor),
    }, status=400 if form.errors else 200)


def _sip_forms(actor, plan, data=None, action=None):
    """Every form on the plan page; the one that was sent is bound to its data."""
    def bound(name):
        return data if action == name else None

    # Prefixed: several forms share field names (unit), and ids must stay unique on the page.
    return {
        "update": forms.SipUpdateForm(bound("update"), plan=plan, prefix="update", initial={
            "person_goals": plan.person_goals, "overall_responsible": plan.overall_responsible_id,
            "follow_up_on": plan.follow_up_on}),
        "participant": forms.SipParticipantForm(bound("participant"), prefix="participant"),
        "consent": forms.SipConsentForm(bound("consent"), plan=plan, prefix="consent"),
        "effort": forms.SipEffortForm(bound("effort"), plan=plan, prefix="effort"),
        "publish": forms.SipPublishForm(bound("publish"), prefix="publish"),
        "meeting": forms.SipMeetingForm(bound("meeting"), unit=actor.unit, prefix="meeting"),
    }


def _run_sip_action(actor, plan, action, data):
    if action == "update":
        return actions.update_sip(actor, plan, **data), "Planen är uppdaterad."
    if action == "participant":
        participant = actions.add_sip_participant(actor, plan, **data)
        if participant.status == SipParticipant.Status.INVITED:
            return participant, f"{participant.unit.name} är inbjuden. Enheten deltar när den har tackat ja."
        return participant, "Deltagaren är tillagd."
    if action == "consent":
        consent = actions.record_sip_consent(actor, plan, **data)
        return consent, f"Samtycket för {consent.organisation.name} är registrerat."
    if action == "effort":
        return actions.add_sip_effort(actor, plan, **data), "Insatsen är tillagd."
    if action == "publish":
        version = actions.publish_sip_version(actor, plan, **data)
        return version, f"Version {version.number} är fastställd."
    if action == "meeting":
        return actions.book_sip_meeting(actor, plan, **data), "SIP-mötet är bokat."
    meeting = get_object_or_404(plan.meetings, pk=data.pop("meeting"))
    return actions.record_sip_minutes(actor, meeting, **data), "Minnesanteckningarna är sparade."


@staff_required
def sip_detail(request, plan_id):
    plan = queries.staff_sip(request.actor, plan_id, endpoint="meetings:sip")
    action = request.POST.get("action") if request.method == "POST" else None
    sip_forms = _sip_forms(request.actor, plan, request.POST, action)
    minutes_form = forms.SipMinutesForm(request.POST if action == "minutes" else None)
    if action is not None:
        form = minutes_form if action == "minutes" else sip_forms.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            outcome = run_action(form, _run_sip_action, request.actor, plan, action, dict(form.cleaned_data))
            if outcome:
                messages.success(request, outcome[1])
                return redirect("meetings:sip", plan_id=plan.pk)
    return render(request, "meetings/sip_detail.html", {
        "plan": plan, "card": core_queries.patient_card(plan.patient, request.actor), "forms": sip_forms,
        "minutes_form": minutes_form, "minutes_for": request.POST.get("meeting") if action == "minutes" else None,
        "participants": plan.participants.select_related("unit", "unit__organisation"),
        "consents": plan.consents.select_related("organisation", "recorded_by"),
        "consented": set(plan.consents.values_list("organisation_id", flat=True)),
        "efforts": plan.efforts.select_related("unit"), "versions": plan.versions.select_related("published_by"),
        "meetings": plan.meetings.select_related("booking__staff", "booking__unit"),
    }, status=400 if action else 200)


@staff_required
def sip_version_pdf(request, plan_id, number):
    plan = queries.staff_sip(request.actor, plan_id, endpoint="meetings:sip_version_pdf")
    return _pdf(plan, get_object_or_404(plan.versions, number=number), request.actor)


@resident_required
def portal_sip(request):
    return render(request, "meetings/portal_sip.html", {"plans": queries.own_sip_plans(request.actor)})


@resident_required
def portal_sip_pdf(request, plan_id, number):
    version = queries.own_sip_version(request.actor, plan_id, number, endpoint="meetings:portal_sip_pdf")
    return _pdf(version.plan, version, request.actor)


def _pdf(plan, version, actor):
    card = core_queries.patient_card(plan.patient, actor, for_export=True)
    response = HttpResponse(exports.sip_pdf(version, card=card), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sip-version-{version.number}.pdf"'
    return response
