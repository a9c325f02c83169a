"""Pages of payment liability: the month's invoice basis per municipality with each case's
explanation, exports, disputes, and the region's agreements with their history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core import params
from core.audit import record_read
from core.errors import ActionError, NotPermitted
from core.forms import apply_action_error
from core.models import AuditEvent, Organisation
from core.queries import patient_card
from core.views.decorators import staff_required
from core.db_router import reads_from_replica
from discharge import actions, exports
from discharge.invoicing import PRESETS, basis_scope, month_basis, previous_month
from discharge.models import Agreement, CareType, DischargeCase, InvoiceDispute
from discharge.rules.liability import REASON_TEXTS, RULE_TEXTS, Month, stay_liable_days


def _scope(request):
    try:
        return basis_scope(request.actor)
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from None


def _month(text):
    try:
        return Month.parse(text)
    except ValueError:
        raise Http404 from None


def _municipality_basis(request, month_text, code):
    """The basis of one municipality in one month, if the actor may see it; 404 otherwise."""
    scope = _scope(request)
    month = _month(month_text)
    if scope.municipality is not None and scope.municipality.code != code:
        raise Http404
    municipality = get_object_or_404(Organisation, kind=Organisation.Kind.MUNICIPALITY, code=code)
    bases = month_basis(scope.region, month, municipality=municipality)
    if not bases:
        raise Http404
    return scope, month, bases[0]


@staff_required
@reads_from_replica
def basis_overview(request):
    scope = _scope(request)
    default = previous_month(timezone.localdate())
    try:
        month = params.parsed(request, "manad", Month.parse, default)
    except params.Invalid:
        messages.error(request, "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-10.")
        month = default
    if scope.municipality is not None:
        return redirect("discharge:basis_municipality", month=str(month), code=scope.municipality.code)
    bases = month_basis(scope.region, month)
    return render(request, "discharge/basis_overview.html", {
        "scope": scope, "month": month, "bases": bases, "may_edit": _may_edit(request.actor, scope.region),
        "totals": {key: sum(getattr(b, key) for b in bases)
                   for key in ("liable_days", "invoiced_sek", "disputed_sek", "credited_sek", "final_sek")},
        "previous": Month(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1),
        "next": month.next(),
    })


@staff_required
@reads_from_replica
def basis_municipality(request, month, code):
    scope, month, basis = _municipality_basis(request, month, code)
    return render(request, "discharge/basis_municipality.html", {
        "scope": scope, "month": month, "basis": basis, "reason_texts": REASON_TEXTS,
        "may_edit": _may_edit(request.actor, scope.region),
        "rows": [(row, basis.disputes.get(row.case_id)) for row in (basis.result.cases if basis.result else [])],
    })


@staff_required
@reads_from_replica
def basis_export(request, month, code, fmt):
    scope, month, basis = _municipality_basis(request, month, code)
    if basis.result is None:
        raise Http404
    name = f"fakturaunderlag-{month}-{code}"
    if fmt == "arenden.csv":
        response = HttpResponse(exports.basis_cases_csv(basis), content_type="text/csv; charset=utf-8")
    elif fmt == "summering.csv":
        response = HttpResponse(exports.basis_summary_csv(basis), content_type="text/csv; charset=utf-8")
        name += "-summering"
    elif fmt == "pdf":
        response = HttpResponse(exports.basis_pdf(basis, region=scope.region), content_type="application/pdf")
    else:
        raise Http404
    extension = "pdf" if fmt == "pdf" else "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}{"-arenden" if fmt == "arenden.csv" else ""}.{extension}"'
    return response


class DisputeForm(forms.Form):
    reason = forms.CharField(label="Varför bestrids raden?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Beslut", choices=[("accept", "Godta – kreditera beloppet"),
                                                          ("reject", "Avslå")], widget=forms.RadioSelect)
    answer = forms.CharField(label="Svar till kommunen", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             required=False)


@staff_required
@reads_from_replica
def basis_case(request, month, code, case_id):
    scope, month, basis = _municipality_basis(request, month, code)
    row = basis.row(str(case_id))
    if row is None:
        raise Http404
    case = DischargeCase.objects.select_related("patient", "ward", "municipality").get(pk=case_id)
    dispute = basis.disputes.get(row.case_id)
    dispute_form, answer_form = DisputeForm(), AnswerForm()
    if request.method == "POST":
        dispute_form, answer_form = _handle_dispute_post(request, scope, month, basis, case, dispute)
        if dispute_form is None:
            return redirect(request.path)
    # The explanation shows who the patient is: a read of patient data, logged.
    record_read(request.actor, case.patient, endpoint="discharge:basis_case", basis=AuditEvent.Basis.INVOICE)
    stay = None
    if basis.terms.model == "individual" and row.eligible:
        until = row.discharge_day or month.last_day
        stay = stay_liable_days(basis.facts[row.case_id], basis.terms, until)[1]
    return render(request, "discharge/basis_case.html", {
        "scope": scope, "month": month, "basis": basis, "row": row, "case": case,
        "card": patient_card(case.patient, request.actor), "dispute": dispute,
        "reason_text": REASON_TEXTS.get(row.reason, ""), "rule_text": RULE_TEXTS[row.rule],
        "summary": next((s for s in basis.result.summaries if s.care_type == row.care_type), None),
        "line_amount": basis.line_amount(row.case_id), "stay": stay,
        "may_dispute": scope.municipality is not None and dispute is None,
        "may_answer": scope.is_region and dispute is not None and dispute.status == InvoiceDispute.Status.OPEN,
        "dispute_form": dispute_form, "answer_form": answer_form,
    })


def _handle_dispute_post(request, scope, month, basis, case, dispute):
    """(None, None) when the write went through; otherwise the forms with their errors."""
    dispute_form, answer_form = DisputeForm(), AnswerForm()
    try:
        if request.POST.get("action") == "dispute":
            dispute_form = DisputeForm(request.POST)
            if dispute_form.is_valid():
                actions.dispute_line(request.actor, case, month=month, reason=dispute_form.cleaned_data["reason"],
                                     line_amount=basis.line_amount(str(case.pk)))
                messages.success(request, "Raden är bestriden. Regionen får besvara bestridan.")
                return None, None
        elif request.POST.get("action") == "answer" and dispute is not None:
            answer_form = AnswerForm(request.POST)
            if answer_form.is_valid():
                accept = answer_form.cleaned_data["decision"] == "accept"
                actions.answer_dispute(request.actor, dispute, accept=accept, answer=answer_form.cleaned_data["answer"])
                messages.success(request, "Bestridan är godtagen och beloppet krediteras." if accept
                                 else "Bestridan är avslagen.")
                return None, None
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from None
    except ActionError as error:
        apply_action_error(dispute_form if request.POST.get("action") == "dispute" else answer_form, error)
    return dispute_form, answer_form


# --- Agreements ------------------------------------------------------------------------------------

def _region_of(request):
    """The region whose agreements the actor sees: their own organisation when it is a region."""
    organisation = request.actor.unit.organisation
    if organisation.kind != Organisation.Kind.REGION:
        raise PermissionDenied("Avtalen visas för regionens medarbetare.")
    return organisation


def _may_edit(actor, region):
    return actor.is_system_admin or (actor.has_role("finance") and actor.unit.organisation_id == region.pk)


@staff_required
def agreements(request):
    region = _region_of(request)
    return render(request, "discharge/agreements.html", {
        "region": region, "presets": PRESETS, "may_edit": _may_edit(request.actor, region),
        "agreements": Agreement.objects.filter(region=region).prefetch_related(
            "municipalities", "care_type_rules", "daily_amounts"),
    })


@staff_required
def agreement_detail(request, pk):
    region = _region_of(request)
    agreement = get_object_or_404(Agreement.objects.prefetch_related("municipalities", "care_type_rules",
                                                                     "daily_amounts"), pk=pk, region=region)
    history = AuditEvent.objects.filter(object_type="discharge.agreement", object_id=str(agreement.pk)).order_by("-at")
    return render(request, "discharge/agreement_detail.html", {
        "agreement": agreement, "history": history, "may_edit": _may_edit(request.actor, region),
        "rules": {r.care_type: r for r in agreement.care_type_rules.all()},
    })


class AgreementForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=200)
    is_example = forms.BooleanField(label="Exempel (inte ett gällande avtal)", required=False)
    model = forms.ChoiceField(label="Modell", choices=Agreement.Model.choices)
    day_break = forms.TimeField(label="Dygnsbryt (TT:MM)", help_text="Meddelanden vid eller efter den tiden räknas "
                                "från nästa dag. 00:00 betyder att meddelandets eget datum är dag 0.")
    count_discharge_day = forms.BooleanField(label="Räkna utskrivningsdagen som betaldag", required=False)
    admission_notice_max_hours = forms.IntegerField(label="Inskrivningsmeddelande senast (timmar efter inskrivning)",
                                                    required=False, min_value=1, max_value=240)
    planning_invitation_days = forms.IntegerField(label="Kallelse till planering senast (dagar)", required=False,
                                                  min_value=1, max_value=60)
    valid_from = forms.DateField(label="Gäller från (ÅÅÅÅ-MM-DD)")
    valid_until = forms.DateField(label="Gäller till (ÅÅÅÅ-MM-DD, tomt = tills vidare)", required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label="Kommuner (inga valda = alla kommuner i länet)", required=False,
        help_text="Regionen fakturerar också kommuner i andra län vars invånare vårdas här: välj dem i listan "
                  "under länets egna, annars gäller lagens utfallsregel för dem.",
        queryset=Organisation.objects.none(), widget=forms.SelectMultiple(attrs={"size": 8}))
    somatic_free_days = forms.IntegerField(label="Somatisk vård: fria dagar", min_value=0, max_value=365)
    somatic_average_limit_days = forms.DecimalField(label="Somatisk vård: gräns i genomsnitt (dagar)", required=False,
                                                    min_value=0, max_digits=5, decimal_places=2)
    somatic_long_stay_days = forms.IntegerField(label="Somatisk vård: långliggare efter (dagar)", required=False,
                                                min_value=1, max_value=365)
    psychiatric_free_days = forms.IntegerField(label="Psykiatrisk vård: fria dagar", min_value=0, max_value=365)
    psychiatric_average_limit_days = forms.DecimalField(label="Psykiatrisk vård: gräns i genomsnitt (dagar)",
                                                        required=False, min_value=0, max_digits=5, decimal_places=2)
    psychiatric_long_stay_days = forms.IntegerField(label="Psykiatrisk vård: långliggare efter (dagar)",
                                                    required=False, min_value=1, max_value=365)
    daily_amounts = forms.CharField(
        label="Belopp per dygn", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ett år per rad: år och belopp i hela kronor, till exempel “2026 9300”.")

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        # The county's own municipalities first, then the rest of the country.
        self.fields["municipalities"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.MUNICIPALITY).annotate(
            other_county=Case(When(county_code=region.county_code, then=Value(0)), default=Value(1))
        ).order_by("other_county", "name")

    def clean_daily_amounts(self):
        amounts, errors = {}, []
        for number, line in enumerate(self.cleaned_data["daily_amounts"].splitlines(), start=1):
            parts = line.replace(":", " ").replace("=", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) != 4 or not parts[1].isdigit():
                errors.append(f"Rad {number}: skriv år och belopp i hela kronor, till exempel “2026 9300”.")
            elif int(parts[0]) in amounts:
                errors.append(f"Rad {number}: året {parts[0]} finns redan.")
            else:
                amounts[int(parts[0])] = int(parts[1])
        if errors:
            raise forms.ValidationError(errors)
        return amounts

    def action_arguments(self):
        data = self.cleaned_data
        values = {name: data[name] for name in ("name", "is_example", "model", "day_break", "count_discharge_day",
                                                "admission_notice_max_hours", "planning_invitation_days",
                                                "valid_from", "valid_until")}
        care_types = {care_type: {"free_days": data[f"{care_type}_free_days"],
                                  "average_limit_days": data[f"{care_type}_average_limit_days"],
                                  "long_stay_days": data[f"{care_type}_long_stay_days"]} for care_type in CareType.values}
        return {"values": values, "municipalities": list(data["municipalities"]), "care_types": care_types,
                "amounts": data["daily_amounts"]}


def _initial(agreement=None, preset=None):
    if agreement is not None:
        rules = {r.care_type: r for r in agreement.care_type_rules.all()}
        initial = {name: getattr(agreement, name) for name in (
            "name", "is_example", "model", "day_break", "count_discharge_day", "admission_notice_max_hours",
            "planning_invitation_days", "valid_from", "valid_until")}
        initial["municipalities"] = list(agreement.municipalities.all())
        amounts = {a.year: a.amount_sek for a in agreement.daily_amounts.all()}
        for care_type, rule in rules.items():
            for key in ("free_days", "average_limit_days", "long_stay_days"):
                initial[f"{care_type}_{key}"] = getattr(rule, key)
    else:
        preset = PRESETS[preset]
        initial = {**preset["values"], "valid_from": timezone.localdate().replace(month=1, day=1)}
        amounts = preset["amounts"]
        for care_type, rule in preset["care_types"].items():
            for key, value in rule.items():
                initial[f"{care_type}_{key}"] = value
    initial["daily_amounts"] = "\n".join(f"{year} {amount}" for year, amount in sorted(amounts.items()))
    return initial


@staff_required
def agreement_edit(request, pk=None):
    region = _region_of(request)
    if not _may_edit(request.actor, region):
        raise PermissionDenied("Avtal ändras av regionens ekonomiansvariga.")
    agreement = None
    if pk is not None:
        agreement = get_object_or_404(Agreement.objects.prefetch_related("municipalities", "care_type_rules",
                                                                         "daily_amounts"), pk=pk, region=region)
    preset = params.choice(request, "utga_fran", PRESETS, default="law", or_404=agreement is None)
    form = AgreementForm(request.POST or None, region=region, initial=_initial(agreement, preset))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_agreement(request.actor, agreement, region=region, **form.action_arguments())
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, "Avtalet är sparat. Ändringen syns i historiken.")
            return redirect("discharge:agreement", pk=saved.pk)
    return render(request, "discharge/agreement_form.html", {"form": form, "agreement": agreement, "region": region})
