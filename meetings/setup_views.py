"""The settings of digital care meetings: the unit's booking rules, the region's visit kinds and fee
schedules (its avgiftshandbok) and the national prisbasbelopp. Everyone at a unit may read them;
who may change what is decided in `meetings.actions`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.forms import run_action
from core.views.decorators import staff_required
from meetings import actions, forms, permissions
from meetings.queries import calendar_of, region_of
from meetings.models import FeeSchedule, Prisbasbelopp, VisitForm, VisitKind
from meetings.rules.fees import ceiling_amount


def _region(request):
    region = region_of(request.actor.unit)
    if region is None:
        raise Http404("Enheten hör inte till någon region.")
    return region


def _unpriced_kinds(schedule, kinds):
    """The region's chargeable visit kinds the schedule has no fee for in every form."""
    priced = {(row.visit_kind_key, row.form) for row in schedule.rows.all()}
    return [kind for kind in kinds if any((kind.key, form) not in priced for form in VisitForm.values)]


@staff_required
def overview(request):
    unit, region = request.actor.unit, _region(request)
    kinds = list(VisitKind.objects.filter(region=region))
    chargeable = [kind for kind in kinds if not kind.is_sip]
    schedules = list(FeeSchedule.objects.filter(region=region).prefetch_related("rows"))
    amounts = {amount.year: amount for amount in Prisbasbelopp.objects.all()}
    for schedule in schedules:
        schedule.unpriced = _unpriced_kinds(schedule, chargeable)
        schedule.prisbasbelopp = amounts.get(schedule.year)
        schedule.ceiling = (None if schedule.prisbasbelopp is None else
                            ceiling_amount(schedule.ceiling_share, {schedule.year: schedule.prisbasbelopp.amount_sek},
                                           schedule.year))
    return render(request, "meetings/settings.html", {
        "unit": unit, "region": region, "calendar": calendar_of(unit), "kinds": kinds, "schedules": schedules,
        "amounts": sorted(amounts.values(), key=lambda a: -a.year),
        "may_manage_calendar": permissions.may_manage_calendar(request.actor, unit),
        "may_manage_fees": permissions.may_manage_fees(request.actor, region),
        "prisbasbelopp_form": forms.PrisbasbeloppForm() if request.actor.is_system_admin else None,
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
    if not permissions.may_manage_fees(request.actor, region):
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


def _schedule_initial(schedule):
    initial = {name: getattr(schedule, name) for name in actions.FEE_SCHEDULE_FIELDS}
    for row in schedule.rows.all():
        initial[forms.FeeScheduleForm.fee_field(row.visit_kind_key, row.form)] = row.fee_sek
    return initial


@staff_required
def fee_schedule_edit(request, year=None):
    region = _region(request)
    if not permissions.may_manage_fees(request.actor, region):
        raise PermissionDenied("Avgiftstabellen ändras av regionens ekonomiansvariga.")
    schedule = None
    if year is not None:
        schedule = get_object_or_404(FeeSchedule.objects.prefetch_related("rows"), region=region, year=year)
        initial = _schedule_initial(schedule)
    else:
        # A new year starts from the latest schedule: most years only a few figures change.
        latest = FeeSchedule.objects.filter(region=region).prefetch_related("rows").first()
        initial = {**_schedule_initial(latest), "year": latest.year + 1} if latest else {}
    kinds = VisitKind.objects.filter(region=region, is_sip=False)
    form = forms.FeeScheduleForm(request.POST or None, initial=initial, kinds=kinds, editing=schedule is not None)
    if request.method == "POST" and form.is_valid():
        saved = run_action(form, actions.save_fee_schedule, request.actor, region=region, schedule=schedule,
                      **form.action_arguments())
        if saved:
            messages.success(request, f"Avgiftstabellen för {saved.year} är sparad.")
            return redirect("meetings:settings")
    return render(request, "meetings/fee_schedule_form.html", {
        "form": form, "schedule": schedule, "region": region, "forms": VisitForm.choices,
    }, status=400 if form.errors else 200)


@staff_required
def prisbasbelopp(request):
    if not request.actor.is_system_admin:
        raise PermissionDenied("Prisbasbeloppet läggs in av en systemadministratör.")
    form = forms.PrisbasbeloppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.save_prisbasbelopp, request.actor, **form.cleaned_data):
            messages.success(request, f"Prisbasbeloppet för {form.cleaned_data['year']} är sparat.")
            return redirect("meetings:settings")
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": "Prisbasbelopp", "lead": "Beloppet gäller alla regioner."},
        status=400 if form.errors else 200)
