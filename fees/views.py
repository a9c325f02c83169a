"""The fee pages: the region's fee schedules and the prisbasbelopp (a section of the meetings
settings page, and their forms), and the resident's own charges in Mina sidor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.forms import run_action
from core.views.decorators import resident_required, staff_required
from fees import actions, charges, forms, permissions
from fees.models import FeeSchedule, PatientCharge, Prisbasbelopp
from fees.rules import FeeError, ceiling_amount
from meetings.models import VisitForm, VisitKind
from meetings.queries import region_of


def _region(request):
    region = region_of(request.actor.unit)
    if region is None:
        raise Http404("Enheten hör inte till någon region.")
    return region


def _unpriced_kinds(schedule, kinds):
    """The region's chargeable visit kinds the schedule has no fee for in every form."""
    priced = {(row.visit_kind_key, row.form) for row in schedule.rows.all()}
    return [kind for kind in kinds if any((kind.key, form) not in priced for form in VisitForm.values)]


def settings_panel(actor, region):
    """The fee schedules and prisbasbelopp on the meetings settings page (`meetings.settings_panels`)."""
    chargeable = list(VisitKind.objects.filter(region=region, is_sip=False))
    schedules = list(FeeSchedule.objects.filter(region=region).prefetch_related("rows"))
    amounts = {amount.year: amount for amount in Prisbasbelopp.objects.all()}
    for schedule in schedules:
        schedule.unpriced = _unpriced_kinds(schedule, chargeable)
        schedule.prisbasbelopp = amounts.get(schedule.year)
        schedule.ceiling = (None if schedule.prisbasbelopp is None else
                            ceiling_amount(schedule.ceiling_share, {schedule.year: schedule.prisbasbelopp.amount_sek},
                                           schedule.year))
    return {
        "region": region, "schedules": schedules, "amounts": sorted(amounts.values(), key=lambda a: -a.year),
        "may_manage_fees": permissions.may_manage_fees(actor, region),
        "prisbasbelopp_form": forms.PrisbasbeloppForm() if permissions.may_enter_prisbasbelopp(actor) else None,
    }


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
    return render(request, "fees/fee_schedule_form.html", {
        "form": form, "schedule": schedule, "region": region, "forms": VisitForm.choices,
    }, status=400 if form.errors else 200)


@staff_required
def prisbasbelopp(request):
    if not permissions.may_enter_prisbasbelopp(request.actor):
        raise PermissionDenied("Prisbasbeloppet läggs in av en systemadministratör.")
    form = forms.PrisbasbeloppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.save_prisbasbelopp, request.actor, **form.cleaned_data):
            messages.success(request, f"Prisbasbeloppet för {form.cleaned_data['year']} är sparat.")
            return redirect("meetings:settings")
    return render(request, "meetings/settings_form.html", {
        "form": form, "title": "Prisbasbelopp", "lead": "Beloppet gäller alla regioner."},
        status=400 if form.errors else 200)


@resident_required
def portal_fees(request):
    """The patient's charges and, per region, how far they are from the free card."""
    patient = request.actor.user.patient
    charged = list(PatientCharge.objects.visible_to(request.actor).select_related("booking__unit", "booking__visit_kind",
                                                                                 "region").order_by("-date"))
    regions = {c.region_id: c.region for c in charged}
    standings = []
    for region in regions.values():
        try:
            standings.append((region, charges.standing(patient, region), ""))
        except FeeError as error:
            standings.append((region, None, str(error)))
    return render(request, "fees/portal_fees.html", {"charges": charged, "standings": standings})
