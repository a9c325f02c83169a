"""The access log extract (loggutdrag) and the admin reports."""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import queries
from core.exports import extract_csv, extract_lines, extract_pdf
from core.forms import AccessLogLookupForm, PeriodForm
from core.models import Patient
from core.views.decorators import admin_required
from core.db_router import reads_from_replica


def default_period():
    today = timezone.localdate()
    return today - timedelta(days=365), today


def period_from(request):
    """The period from the query string, or the last year when it is missing or wrong."""
    form = PeriodForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    start, end = default_period()
    if not request.GET:
        form = PeriodForm(initial={"date_from": start, "date_to": end})
    return form, start, end


def render_extract(request, actor, patient_id, *, endpoint, template, extra=None):
    """The extract as a page, or as CSV or PDF with ?format=csv|pdf."""
    form, date_from, date_to = period_from(request)
    patient, events = queries.open_access_log_extract(actor, patient_id, date_from, date_to, endpoint=endpoint)
    lines = extract_lines(events)
    export = request.GET.get("format")
    filename = f"loggutdrag-{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    if export == "csv":
        response = HttpResponse(extract_csv(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "pdf":
        card = queries.patient_card(patient, actor, for_export=True)
        pdf = extract_pdf(lines, card=card, date_from=date_from, date_to=date_to)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    return render(request, template, {
        "form": form, "lines": lines, "date_from": date_from, "date_to": date_to,
        "card": queries.patient_card(patient, actor), "query": f"date_from={date_from:%Y-%m-%d}&date_to={date_to:%Y-%m-%d}",
        **(extra or {}),
    })


@admin_required
def access_log_lookup(request):
    """Find the patient by number (by POST), then show the extract under their opaque id."""
    start, end = default_period()
    form = AccessLogLookupForm(request.POST or None, initial={"date_from": start, "date_to": end})
    if request.method == "POST" and form.is_valid():
        if not request.actor.is_system_admin:
            form.add_error(None, "Bara systemadministratörer kan ta ut loggutdrag för en patient.")
        else:
            patient = Patient.objects.filter(personal_number=form.cleaned_data["personal_number"]).first()
            if patient is None:
                form.add_error("personal_number", "Ingen patient med det numret finns i Samverkan.")
            else:
                data = form.cleaned_data
                url = reverse("core:access_log_extract", args=[patient.pk])
                return redirect(f"{url}?date_from={data['date_from']:%Y-%m-%d}&date_to={data['date_to']:%Y-%m-%d}")
    return render(request, "core/access_log_lookup.html", {"form": form})


@admin_required
def access_log_extract(request, patient_id):
    return render_extract(request, request.actor, patient_id, endpoint="core:access_log_extract",
                          template="core/access_log_extract.html", extra={"admin": True})


@admin_required
@reads_from_replica
def emergency_report(request):
    form, date_from, date_to = period_from(request)
    accesses = queries.emergency_access_report(request.actor, date_from, date_to, endpoint="core:emergency_report")
    rows = [(access, queries.patient_card(access.patient, request.actor)) for access in accesses]
    volumes = queries.reads_per_user(request.actor, date_from, date_to)
    return render(request, "core/emergency_report.html", {
        "form": form, "rows": rows, "volumes": volumes, "date_from": date_from, "date_to": date_to,
    })
