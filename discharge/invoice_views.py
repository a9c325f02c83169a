"""Pages of payment liability: the month's invoice basis per municipality with each case's
explanation, exports, disputes, and the region's agreements with their history."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core import params
from core.errors import ActionError, NotPermitted
from core.forms import apply_action_error
from core.models import AuditEvent, Organisation
from core.queries import patient_card
from core.rows import rows_html
from core.views.decorators import post_only, staff_required
from core.db_router import reads_from_replica
from discharge import actions, exports, permissions, queries
from discharge.forms import AgreementForm, AnswerForm, DisputeForm, agreement_initial
from discharge.invoicing import PRESETS, basis_scope, previous_month, readable_agreements
from discharge.models import Agreement, InvoiceDispute
from discharge.templatetags.liability_format import kr
from discharge.rules.liability import REASON_TEXTS, RULE_TEXTS, Month, stay_liable_days


def _scope(request):
    return basis_scope(request.actor)


def _municipality_basis(request, month_text, code, *, lines="all"):
    return queries.municipality_basis(request.actor, month_text, code, lines=lines)


BASIS_PAGE_SIZE = 50  # a municipality's lines per page (the largest has thousands in a month)
CARE_TYPE_SHORT = {"somatic": "Somatisk", "psychiatric": "Psykiatrisk"}
RULE_SHORT = {"individual": "Individ", "average": "Genomsnitt"}  # else: the long-stay rule


@dataclass(frozen=True, slots=True)
class BasisLine:
    """A line of the basis as the page shows it, its cells formatted here once: the template's
    filters and look-ups per cell cost more than the rest of the page (bench/README.md, "The third
    round"). Rendered by Jinja2 (discharge/jinja2/discharge/basis_rows.html)."""
    row: object  # the engine's CaseResult
    name: str  # the patient as the actor may see them ("" when the case is gone)
    personal_number: str
    url: str
    care_type: str
    day0: str
    discharged: str
    ready_days: str
    reason: str  # the condition not met, in Swedish
    rule: str
    amount: str
    dispute: object  # InvoiceDispute or None
    dispute_open: bool
    dispute_status: str  # the dispute's status in Swedish


def _basis_lines(basis, shown, page_url):
    lines = []
    for line in shown:
        row, dispute = line.row, basis.disputes.get(line.row.case_id)
        lines.append(BasisLine(
            row=row, name=line.name, personal_number=line.personal_number,
            url=f"{page_url}{row.case_id}/", care_type=CARE_TYPE_SHORT.get(row.care_type, "Psykiatrisk"),
            day0=row.day0.isoformat() if row.day0 else "–",
            discharged=row.discharge_day.isoformat() if row.discharge_day else "inneliggande",
            ready_days="–" if row.ready_days is None else str(row.ready_days),
            reason=REASON_TEXTS.get(row.reason, ""), rule=RULE_SHORT.get(row.rule, "Långliggare"),
            amount=kr(row.amount_sek), dispute=dispute,
            dispute_open=dispute is not None and dispute.status == InvoiceDispute.Status.OPEN,
            dispute_status=str(dispute.get_status_display()) if dispute else ""))
    return lines


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
    bases = queries.region_basis(scope.region, month)
    return render(request, "discharge/basis_overview.html", {
        "scope": scope, "month": month, "bases": bases, "may_edit": _may_edit(request.actor, scope.region),
        "stored": _stored(bases), "may_store": permissions.may_store_basis(request.actor, scope.region),
        "totals": {key: sum(getattr(b, key) for b in bases)
                   for key in ("liable_days", "invoiced_sek", "disputed_sek", "credited_sek", "final_sek")},
        "previous": month.previous(),
        "next": month.next(),
    })


@staff_required
@reads_from_replica
def basis_municipality(request, month, code):
    page = params.integer(request, "sida", 1, maximum=100_000)
    start = (page - 1) * BASIS_PAGE_SIZE
    # The totals from the stored summaries; the page's lines with their patients in one more read.
    scope, month, basis = _municipality_basis(request, month, code, lines=None)
    shown = queries.basis_page(request.actor, basis, start, start + BASIS_PAGE_SIZE,
                               endpoint="discharge:basis_municipality")
    if page > 1 and not shown:
        raise Http404  # past the last page
    # A line's page and the exports are under this one (urls.py: basis_case, basis_export): one
    # reverse() for the page, not one per row and link.
    page_url = reverse("discharge:basis_municipality", kwargs={"month": str(month), "code": code})
    return render(request, "discharge/basis_municipality.html", {
        "scope": scope, "month": month, "basis": basis,
        "may_edit": _may_edit(request.actor, scope.region), "stored": _stored([basis]),
        "rows_html": rows_html("discharge/basis_rows.html", _basis_lines(basis, shown, page_url)),
        "export_url": f"{page_url}underlag-",
        "page": page, "pages": max(1, -(-basis.case_count // BASIS_PAGE_SIZE)), "first": start + 1,
        "last": start + len(shown),
    })


def _stored(bases):
    """When the shown basis was computed: {"at": the oldest computation, as the page writes it} when
    stored, None when it was computed for this page (a month never stored). Written here, not by the
    template's `date` filter: it cost the basis page ~0.08 ms of CPU (issue 14, seventh round)."""
    times = [b.computed_at for b in bases if b.computed_at is not None]
    if bases and len(times) < len(bases):
        return None
    return {"at": timezone.localtime(min(times)).strftime("%Y-%m-%d %H:%M") if times else ""}


@staff_required
@post_only("discharge:basis")
def basis_store(request):
    """Queue the computation and storing of a month's basis (region finance): the page itself never
    stores (no writes on GET), and a region's month takes seconds, so it runs in the background."""
    scope = _scope(request)
    try:
        month = Month.parse(request.POST.get("manad", ""))
    except ValueError:
        raise Http404 from None
    if not scope.is_region:
        raise NotPermitted("Fakturaunderlaget räknas om av regionens ekonomiansvariga.")
    actions.request_basis_store(request.actor, scope.region, month)
    messages.success(request, f"Underlaget för {month} räknas fram och sparas. Ladda om sidan om en stund.")
    return redirect(f"{reverse('discharge:basis')}?manad={month}")


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


@staff_required
@reads_from_replica
def basis_case(request, month, code, case_id):
    scope, month, basis, row, case = queries.basis_row(request.actor, month, code, case_id)
    dispute = basis.disputes.get(row.case_id)
    dispute_form, answer_form = DisputeForm(), AnswerForm()
    if request.method == "POST":
        dispute_form, answer_form = _handle_dispute_post(request, month, case, dispute)
        if dispute_form is None:
            return redirect(request.path)
    queries.log_basis_read(request.actor, case, endpoint="discharge:basis_case")
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
        "may_open_case": queries.may_open(request.actor, case.pk),
        "may_answer": scope.is_region and dispute is not None and dispute.status == InvoiceDispute.Status.OPEN,
        "dispute_form": dispute_form, "answer_form": answer_form,
    })


def _handle_dispute_post(request, month, case, dispute):
    """(None, None) when the write went through; otherwise the forms with their errors."""
    dispute_form, answer_form = DisputeForm(), AnswerForm()
    try:
        if request.POST.get("action") == "dispute":
            dispute_form = DisputeForm(request.POST)
            if dispute_form.is_valid():
                actions.dispute_line(request.actor, case, month=month, reason=dispute_form.cleaned_data["reason"])
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
    except NotPermitted:
        raise
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


def _readable_agreements(request):
    try:
        return readable_agreements(request.actor)
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from None


def _may_edit(actor, region):
    return permissions.may_edit_agreements(actor, region)


@staff_required
def agreements(request):
    region, readable = _readable_agreements(request)
    return render(request, "discharge/agreements.html", {
        "region": region, "presets": PRESETS, "may_edit": _may_edit(request.actor, region),
        "agreements": readable.prefetch_related("municipalities", "care_type_rules", "daily_amounts"),
    })


@staff_required
def agreement_detail(request, pk):
    region, readable = _readable_agreements(request)
    agreement = get_object_or_404(readable.prefetch_related("municipalities", "care_type_rules", "daily_amounts"), pk=pk)
    history = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE, object_type="discharge.agreement",
                                        object_id=str(agreement.pk)).order_by("-at")  # index audit_object_writes
    return render(request, "discharge/agreement_detail.html", {
        "agreement": agreement, "history": history, "may_edit": _may_edit(request.actor, region),
        "rules": {r.care_type: r for r in agreement.care_type_rules.all()},
    })


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
    form = AgreementForm(request.POST or None, region=region, initial=agreement_initial(agreement, preset))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_agreement(request.actor, agreement, region=region, **form.action_arguments())
        except ActionError as error:
            apply_action_error(form, error)
        else:
            messages.success(request, "Avtalet är sparat. Ändringen syns i historiken.")
            return redirect("discharge:agreement", pk=saved.pk)
    return render(request, "discharge/agreement_form.html", {"form": form, "agreement": agreement, "region": region})
