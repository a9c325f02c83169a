"""Finding and opening patients. Search is by number, by POST, so the number never appears in a
URL; opening needs a care relation or an emergency access, and answers 404 otherwise."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from core import actions, permissions, queries
from core.errors import ActionError, NotPermitted
from core.forms import (
    CareRelationForm, EmergencyAccessForm, PatientNameForm, PatientSearchForm, RegisterPatientForm, apply_action_error,
)
from core.home_panels import patient_panels
from core.views.decorators import staff_required


@staff_required
def search(request):
    form = PatientSearchForm(request.POST or None)
    hits = None
    if request.method == "POST" and form.is_valid():
        hits = queries.search_patients(request.actor, form.cleaned_data["personal_number"], endpoint="core:patient_search")
    return render(request, "core/patient_search.html", {"form": form, "hits": hits})


@staff_required
def unit_list(request):
    """The unit's patients (those it has a care relation to), found by name. The name is sent by
    POST, as the number is in search: names stay out of addresses and server logs."""
    form = PatientNameForm(request.POST or None)
    name = form.cleaned_data["name"] if request.method == "POST" and form.is_valid() else ""
    hits, more = queries.unit_patients(request.actor, name, endpoint="core:unit_patients")
    return render(request, "core/unit_patients.html", {"form": form, "hits": hits, "more": more, "name": name,
                                                       "limit": queries.UNIT_PATIENTS_LIMIT})


@staff_required
def detail(request, patient_id):
    patient, basis = queries.open_patient(request.actor, patient_id, endpoint="core:patient_detail")
    return render(request, "core/patient_detail.html", {
        "patient": patient,
        "card": queries.patient_card(patient, request.actor),
        "basis": basis,
        "relations": queries.care_relations_of(patient, request.actor),
        "relation_form": CareRelationForm() if permissions.may_record_care_relations(request.actor) else None,
        "panels": patient_panels(request.actor, patient),
    })


@staff_required
def emergency_access(request, patient_id):
    patient = queries.find_patient_for_emergency(request.actor, patient_id)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.start_emergency_access(request.actor, patient, reason=form.cleaned_data["reason"])
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.warning(request, "Nödåtkomst är registrerad. Åtkomsten loggas och granskas av enhetens administratör.")
            return redirect("core:patient_detail", patient_id=patient.pk)
    # Nothing that identifies the patient is shown before the access is started (not even the
    # number): the person came from a search hit, which showed it and was logged.
    return render(request, "core/emergency_access.html", {
        "form": form, "may_use": permissions.may_use_emergency_access(request.actor),
    })


@staff_required
def add_care_relation(request, patient_id):
    patient, _basis = queries.open_patient(request.actor, patient_id, endpoint="core:patient_add_relation")
    form = CareRelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_care_relation(request.actor, patient, reason=form.cleaned_data["reason"],
                                      valid_until=form.cleaned_data["valid_until"])
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, "Vårdrelationen är registrerad.")
            return redirect("core:patient_detail", patient_id=patient.pk)
    return render(request, "core/care_relation_form.html", {"form": form, "patient": patient,
                                                            "card": queries.patient_card(patient, request.actor)})


@staff_required
def register(request):
    form = RegisterPatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient = actions.register_patient(
                request.actor, personal_number=data["personal_number"], first_name=data["first_name"],
                last_name=data["last_name"], street_address=data["street_address"], postal_code=data["postal_code"],
                city=data["city"], home_municipality=data["home_municipality"],
                protected_identity=data["protected_identity"], endpoint="core:patient_register",
            )
        except NotPermitted as error:
            messages.error(request, " ".join(m for msgs in error.errors.values() for m in msgs))
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, "Patienten är registrerad och din enhet har en vårdrelation.")
            return redirect("core:patient_detail", patient_id=patient.pk)
    return render(request, "core/patient_register.html", {"form": form, "now": timezone.now()})
