"""The settings of digital care meetings: the unit's booking rules and the region's visit kinds, with
the sections other apps register (`meetings.settings_panels`: the fees app's fee schedules and
prisbasbelopp). Everyone at a unit may read them; who may change what is decided in `meetings.actions`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.forms import run_action
from core.views.decorators import staff_required
from meetings import actions, forms, permissions
from meetings.queries import calendar_of, region_of
from meetings.models import VisitKind
from meetings.settings_panels import settings_panels


def _region(request):
    region = region_of(request.actor.unit)
    if region is None:
        raise Http404("Enheten hör inte till någon region.")
    return region


@staff_required
def overview(request):
    unit, region = request.actor.unit, _region(request)
    return render(request, "meetings/settings.html", {
        "unit": unit, "region": region, "calendar": calendar_of(unit),
        "kinds": list(VisitKind.objects.filter(region=region)),
        "may_manage_calendar": permissions.may_manage_calendar(request.actor, unit),
        "may_manage_visit_kinds": permissions.may_manage_visit_kinds(request.actor, region),
        "panels": settings_panels(request.actor, region),
    })


@staff_required
def booking_rules(request):
    unit = request.actor.unit
    if not permissions.may_manage_calendar(request.actor, unit):
        raise PermissionDenied("Bokningsreglerna ändras av enhetens administratör eller samordnare.")
    calendar = calendar_of(unit)
    form = forms.BookingRulesForm(request.POST or None, initial={
        "late_cancel_hours": calendar.late_cancel_hours, "join_opens_minutes": calendar.join_opens_minutes})
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.save_booking_rules, request.actor, unit=unit, **form.cleaned_data):
            messages.success(request, "Bokningsreglerna är sparade. De gäller för avbokningar från och med nu.")
            return redirect("meetings:settings")
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": f"Bokningsregler: {unit.name}",
        "lead": "Reglerna gäller alla besök i enhetens kalender."}, status=400 if form.errors else 200)


@staff_required
def visit_kind_edit(request, kind_id=None):
    region = _region(request)
    if not permissions.may_manage_visit_kinds(request.actor, region):
        raise PermissionDenied("Besökstyper ändras av regionens ekonomiansvariga.")
    kind = None if kind_id is None else get_object_or_404(VisitKind, pk=kind_id, region=region)
    initial = {} if kind is None else {name: getattr(kind, name) for name in actions.VISIT_KIND_FIELDS}
    form = forms.VisitKindForm(request.POST or None, initial=initial, editing=kind is not None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.save_visit_kind, request.actor, region=region, kind=kind, **form.cleaned_data):
            messages.success(request, "Besökstypen är sparad.")
            return redirect("meetings:settings")
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": "Ny besökstyp" if kind is None else f"Besökstyp: {kind.name}",
        "lead": f"Besökstyper i {region.name}. Nyckeln är det avgiftstabellen prissätter efter; en ny "
                "besökstyp behöver en avgift i varje års tabell innan den kan debiteras."},
        status=400 if form.errors else 200)
