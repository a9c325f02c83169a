"""The invoice basis from the cases in the database: which agreement applies, the facts the engine
needs, the month's calculation per municipality, and the disputes on its lines.

The numbers come from `discharge.rules.liability.calculate_month`, the same function the
`liability` command runs on files.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import CharField, Q, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Cast

from core.db import CompiledRead, columns_of, fetch_rows, objects_from_row
from core.errors import NotPermitted
from core.models import Organisation, Unit
from core.collation import sort_key
from discharge import permissions
from discharge.models import (
    Agreement, AgreementCareTypeRule, AgreementDailyAmount, BasisMonth, DischargeCase, InvoiceDispute, StoredBasis,
    StoredBasisLine,
)
from discharge.rules.liability import (
    LAW_FALLBACK, STOCKHOLM, CaseResult, CareTypeTerms, CaseFacts, LiabilityError, Month, MonthResult, Summary,
    Terms, calculate_month,
)

CASE_FIELDS = [
    "id", "municipality_id", "municipality__code", "care_type", "admitted_at", "admission_notice_sent_at",
    "ready_notice_sent_at", "discharged_at", "closed_at", "status", "care_contact_appointed_at", "patient_objected",
]


# --- Agreements -------------------------------------------------------------------------------------

def terms_from(agreement):
    """The engine's Terms for an agreement in the database (None: the law's fallback)."""
    if agreement is None:
        return LAW_FALLBACK
    return terms_of(agreement, [(rule.care_type, rule.free_days, rule.average_limit_days, rule.long_stay_days)
                                for rule in agreement.care_type_rules.all()],
                    [(amount.year, amount.amount_sek) for amount in agreement.daily_amounts.all()])


def terms_of(agreement, rules, amounts):
    """`terms_from` with the agreement's rules and daily amounts given as `RULE_COLUMNS` and
    `AMOUNT_COLUMNS` rows (read without model objects: `terms_read`)."""
    return Terms(
        name=agreement.name, model=agreement.model, day_break=agreement.day_break,
        count_discharge_day=agreement.count_discharge_day,
        admission_notice_max_hours=agreement.admission_notice_max_hours,
        care_types={care_type: CareTypeTerms(free_days, average_limit_days, long_stay_days)
                    for care_type, free_days, average_limit_days, long_stay_days in rules},
        daily_amounts=dict(amounts),
    )


RULE_COLUMNS = ["care_type", "free_days", "average_limit_days", "long_stay_days"]
AMOUNT_COLUMNS = ["year", "amount_sek"]


def _rules_and_amounts(agreement_id):
    """One agreement's rules (RULE_COLUMNS) and daily amounts in one statement: an amount's row
    has no care type, its year and amount in the rules' two whole-number columns."""
    rules = AgreementCareTypeRule.objects.filter(agreement_id=agreement_id).values_list(*RULE_COLUMNS)
    amounts = AgreementDailyAmount.objects.filter(agreement_id=agreement_id).order_by().values_list(
        Cast(Value(None), CharField()), "year", Cast(Value(None), AgreementCareTypeRule.average_limit_days.field),
        "amount_sek")
    return rules.union(amounts, all=True)


# One agreement's rules and daily amounts, compiled once per process: the invoice basis page reads
# them on every load (its municipality's agreement); built through the ORM, then as two reads, they
# cost more than PostgreSQL's answer.
_terms_read = CompiledRead(_rules_and_amounts, (AgreementCareTypeRule._meta.get_field("agreement"), 977_777_777_511))


def terms_read(agreement):
    """The engine's Terms of an agreement (`terms_from`) through `_terms_read`."""
    rules, amounts = [], []
    for care_type, number, average_limit_days, long_stay_days in _terms_read.rows(agreement.pk):
        if care_type is None:
            amounts.append((number, long_stay_days))
        else:
            rules.append((care_type, number, average_limit_days, long_stay_days))
    return terms_of(agreement, rules, amounts)


def agreements_in_force(region, month):
    """The region's agreements valid on some day of the month."""
    return list(
        Agreement.objects.filter(region=region, valid_from__lte=month.last_day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=month.first_day))
        .prefetch_related("care_type_rules", "daily_amounts", "municipalities")
        .order_by("-valid_from", "-pk")
    )


def agreement_for(municipality, agreements):
    """The agreement that names the municipality, else the region-wide one for its county, else
    None (the law's fallback). The latest start wins when two overlap."""
    named = [a for a in agreements if any(m.pk == municipality.pk for m in a.municipalities.all())]
    if named:
        return named[0]
    wide = [a for a in agreements if not a.municipalities.all() and municipality.county_code == a.region.county_code]
    return wide[0] if wide else None


# --- Facts from cases -------------------------------------------------------------------------------

def local_midnight(day):
    return datetime.combine(day, time(0, 0), tzinfo=STOCKHOLM)


def cases_touching(month, *, region=None, municipality=None):
    """Every case that may belong in the month's basis (a superset the engine narrows): admitted
    before the month ends and not closed before it began."""
    start, end = local_midnight(month.first_day), local_midnight(month.next().first_day)
    cases = DischargeCase.objects.filter(admitted_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    if region is not None:
        cases = cases.filter(ward__organisation=region)
    if municipality is not None:
        cases = cases.filter(municipality=municipality)
    return cases


def case_rows(cases):
    """The `CASE_FIELDS` of the cases as dicts (binary on PostgreSQL, see `core.db.fetch_rows`)."""
    return [dict(zip(CASE_FIELDS, row, strict=True)) for row in fetch_rows(cases, CASE_FIELDS)]


def case_facts(row):
    """CaseFacts from a `CASE_FIELDS` values row. A cancelled case (avbrott) ends its stay for the
    liability at the cancellation: nobody pays for days after the process stopped."""
    ended = row["discharged_at"]
    if ended is None and row["status"] == DischargeCase.Status.CANCELLED:
        ended = row["closed_at"]
    return CaseFacts(
        case_id=str(row["id"]), municipality_code=row["municipality__code"], care_type=row["care_type"],
        admitted_at=row["admitted_at"], admission_notice_sent_at=row["admission_notice_sent_at"],
        ready_notice_sent_at=row["ready_notice_sent_at"], discharged_at=ended,
        care_contact_appointed=row["care_contact_appointed_at"] is not None, patient_objected=row["patient_objected"],
    )


# --- The basis --------------------------------------------------------------------------------------

@dataclass
class MunicipalityBasis:
    municipality: Organisation
    agreement: Agreement | None
    terms: Terms | None  # None: not read (`stored_month_basis` without lines)
    result: object  # MonthResult
    facts: dict = field(default_factory=dict)  # case id -> CaseFacts
    disputes: dict = field(default_factory=dict)  # case id -> InvoiceDispute (DisputeFigures when read without lines)
    error: str = ""  # the agreement cannot price the month (a missing year): shown, not guessed
    computed_at: datetime | None = None  # when the stored basis was computed (None: computed now)
    stored_cases: int | None = None  # the stored basis's number of cases (its lines may be one page)
    stored_id: int | None = None  # the stored basis's (StoredBasis) id; None: computed now

    @property
    def model(self):
        """The model of payment liability the basis was computed by (the agreement's, else the
        law's), also when its terms were not read (`stored_month_basis` without lines)."""
        return self.agreement.model if self.agreement is not None else LAW_FALLBACK.model

    @property
    def case_count(self):
        if self.stored_cases is not None:
            return self.stored_cases
        return len(self.result.cases) if self.result else 0

    @property
    def invoiced_sek(self):
        return sum(s.amount_sek for s in self.result.summaries) if self.result else 0

    @property
    def liable_days(self):
        return sum(s.liable_days for s in self.result.summaries) if self.result else 0

    @property
    def disputed_sek(self):
        return sum(d.disputed_sek for d in self.disputes.values())

    @property
    def credited_sek(self):
        return sum(d.credited_sek for d in self.disputes.values() if d.status == InvoiceDispute.Status.ACCEPTED)

    @property
    def final_sek(self):
        return self.invoiced_sek - self.credited_sek

    @property
    def open_disputes(self):
        return sum(1 for d in self.disputes.values() if d.status == InvoiceDispute.Status.OPEN)

    def row(self, case_id):
        return next((r for r in self.result.cases if r.case_id == case_id), None) if self.result else None

    def line_amount(self, case_id):
        """What the case adds to the month's invoice: its own amount, or in the average model the
        difference the case makes to its municipality's and care type's average."""
        row = self.row(case_id)
        if row is None:
            return 0
        if row.rule != "average":
            return row.amount_sek
        others = [f for key, f in self.facts.items() if key != case_id]
        without = calculate_month(others, self.terms, self.result.month)
        before = sum(s.amount_sek for s in self.result.summaries if s.care_type == row.care_type)
        after = sum(s.amount_sek for s in without.summaries if s.care_type == row.care_type)
        return max(0, before - after)


def month_disputes(region, month, *, municipality=None, figures_only=False):
    """{municipality id: {case id: InvoiceDispute}} of the region's month. Disputes are read live,
    never stored with the basis: an answer shows at once. `figures_only`: each a `DisputeFigures`
    (what a list of lines and the totals show) instead of the whole dispute."""
    disputes = {}
    found = _disputes_read(municipality is not None, figures_only).rows(
        region.pk, month.first_day, *([municipality.pk] if municipality is not None else []))
    for row in found:
        if figures_only:
            municipality_id, case_id, *figures = row
            disputes.setdefault(municipality_id, {})[str(case_id)] = DisputeFigures(*figures)
        else:
            (dispute,) = objects_from_row(row, (InvoiceDispute,))
            disputes.setdefault(dispute.municipality_id, {})[str(dispute.case_id)] = dispute
    return disputes


@dataclass(frozen=True, slots=True)
class DisputeFigures:
    """A dispute as a basis's page shows it: its status on the line and its amounts in the totals
    (a month's disputes as model objects cost ~10 µs each; the largest municipality has dozens)."""

    status: str
    disputed_sek: int
    credited_sek: int

    def get_status_display(self):
        return dict(InvoiceDispute.Status.choices).get(self.status, self.status)  # as the model's


_FIGURES = ["municipality_id", "case_id", "status", "disputed_sek", "credited_sek"]


@functools.cache
def _disputes_read(one_municipality, figures_only=False):
    """The month's disputes on the region's wards' cases (of one municipality), compiled once per
    process (the invoice basis page reads them on every load)."""
    def build(region_id, first_day, *municipality_id):
        found = InvoiceDispute.objects.filter(month=first_day, case__ward__organisation_id=region_id)
        if one_municipality:
            found = found.filter(municipality_id=municipality_id[0])
        return found.values_list(*(_FIGURES if figures_only else columns_of(InvoiceDispute)))

    arguments = [(Unit._meta.get_field("organisation"), 977_777_777_521),
                 (InvoiceDispute._meta.get_field("month"), date(1977, 7, 8))]
    arguments += [(InvoiceDispute._meta.get_field("municipality"), 977_777_777_522)] if one_municipality else []
    return CompiledRead(build, *arguments)


def month_basis(region, month, *, municipality=None):
    """The month's basis per municipality for a region's wards (one municipality when given),
    computed from the cases now. Pages read the stored basis (`stored_month_basis`)."""
    agreements = agreements_in_force(region, month)
    by_municipality = {}
    for row in case_rows(cases_touching(month, region=region, municipality=municipality)):
        by_municipality.setdefault(row["municipality_id"], []).append(case_facts(row))
    municipalities = Organisation.objects.in_bulk(list(by_municipality))
    disputes = month_disputes(region, month, municipality=municipality)
    bases = []
    for municipality_id, facts in by_municipality.items():
        organisation = municipalities[municipality_id]
        agreement = agreement_for(organisation, agreements)
        basis = MunicipalityBasis(municipality=organisation, agreement=agreement, terms=terms_from(agreement),
                                  result=None, facts={f.case_id: f for f in facts},
                                  disputes=disputes.get(municipality_id, {}))
        try:
            basis.result = calculate_month(facts, basis.terms, month)
        except LiabilityError as error:
            basis.error = str(error)
        if basis.error or basis.result.cases:
            bases.append(basis)
    bases.sort(key=lambda b: (sort_key(b.municipality.name), b.municipality.code))
    return bases


# --- The stored basis -------------------------------------------------------------------------------
# What `month_basis` computes, kept in `BasisMonth` / `StoredBasis` / `StoredBasisLine` (written by
# `discharge.actions.store_basis`) so that a page reads a municipality's month instead of computing it.

SUMMARY_FIELDS = ["care_type", "cases", "eligible_cases", "mean_ready_days", "liable_days", "amount_sek",
                  "average_cases", "average_total_ready_days", "average_limit_days", "average_excess_days",
                  "long_stay_days"]
DECIMAL_FIELDS = {"mean_ready_days", "average_limit_days"}


def summary_values(summary):
    """A `Summary` as JSON values (decimals as text, so that they come back exact)."""
    values = {name: getattr(summary, name) for name in SUMMARY_FIELDS}
    return {name: str(value) if name in DECIMAL_FIELDS and value is not None else value
            for name, value in values.items()}


def summary_from(values, municipality_code, month):
    return Summary(municipality_code=municipality_code, month=month, **{
        name: Decimal(value) if name in DECIMAL_FIELDS and value is not None else value
        for name, value in values.items()})


def line_from(result, position):
    """The stored line of one `CaseResult` (unsaved, without its basis)."""
    facts = result.facts
    return StoredBasisLine(
        position=position, case_id=facts.case_id, care_type=facts.care_type, admitted_at=facts.admitted_at,
        admission_notice_sent_at=facts.admission_notice_sent_at, ready_notice_sent_at=facts.ready_notice_sent_at,
        ended_at=facts.discharged_at, care_contact_appointed=facts.care_contact_appointed,
        patient_objected=facts.patient_objected, day0=result.day0, discharge_day=result.discharge_day,
        ready_days=result.ready_days, eligible=result.eligible, reason=result.reason, rule=result.rule,
        free_days=result.free_days, first_liable_day=result.first_liable_day, long_stay=result.long_stay,
        liable_days=result.liable_days, amount_sek=result.amount_sek)


# The columns of a stored line that `result_from` reads, in its order (the rows come as tuples: a
# page of 50 lines, or every line of an export, without a model object each).
LINE_COLUMNS = [
    "basis_id", "case_id", "care_type", "admitted_at", "admission_notice_sent_at", "ready_notice_sent_at", "ended_at",
    "care_contact_appointed", "patient_objected", "day0", "discharge_day", "ready_days", "eligible", "reason", "rule",
    "free_days", "first_liable_day", "long_stay", "liable_days", "amount_sek",
]


def result_from(line, municipality_code):
    """A stored line (a `LINE_COLUMNS` tuple) as the engine's `CaseResult` (without its list of days
    and day 0's sentence: `explained_row` computes those for one case from the same facts)."""
    (_basis, case_id, care_type, admitted_at, admission_notice_sent_at, ready_notice_sent_at, ended_at,
     care_contact_appointed, patient_objected, day0, discharge_day, ready_days, eligible, reason, rule, free_days,
     first_liable_day, long_stay, liable_days, amount_sek) = line
    facts = CaseFacts(
        case_id=str(case_id), municipality_code=municipality_code, care_type=care_type, admitted_at=admitted_at,
        admission_notice_sent_at=admission_notice_sent_at, ready_notice_sent_at=ready_notice_sent_at,
        discharged_at=ended_at, care_contact_appointed=care_contact_appointed, patient_objected=patient_objected)
    return CaseResult(
        facts=facts, day0=day0, day0_explanation="", discharge_day=discharge_day, ready_days=ready_days,
        eligible=eligible, reason=reason, rule=rule, free_days=free_days, first_liable_day=first_liable_day,
        long_stay=long_stay, liable_days=liable_days, amount_sek=amount_sek)


def basis_month_of(region, month):
    return BasisMonth.objects.filter(region=region, month=month.first_day).first()


def stored_month_basis(region, month, *, municipality=None, lines=None):
    """The stored basis of the region's month per municipality (one when given), in the order of
    `month_basis`; None when the month has never been stored. `lines`: "all", or None for the totals
    and summaries only: then neither the lines nor the agreement's terms are read (each basis's
    `terms` is None; its `model` is known) and its disputes are `DisputeFigures`: all a page shows of
    a basis (a page reads its lines with `queries.basis_page`)."""
    read = _stored_read(municipality is not None)
    rows = read.rows(region.pk, month.first_day, *([municipality.pk] if municipality is not None else []))
    stored = [_stored_item(row) for row in rows]
    # Whether the month was stored at all is asked only when it holds nothing for the page.
    if not stored and basis_month_of(region, month) is None:
        return None
    return _stored_bases(stored, region, month, municipality, lines)


def county_month_basis(municipality, month, *, lines=None):
    """(region, [basis]) for the municipality's finance staff: their municipality's stored basis of
    the month from the region of its county (`organisation_scope`'s region), read with that region
    in one statement; None when none is stored (the caller then asks the long way round). One
    statement fewer on every basis page a municipality opens (issue 14, tenth round)."""
    rows = _county_stored_read.rows(municipality.county_code, month.first_day, municipality.pk)
    if not rows:
        return None
    stored = [_stored_item(row) for row in rows]
    (region,) = objects_from_row(rows[0][_REGION_AT:], (Organisation,))
    return region, _stored_bases(stored, region, month, municipality, lines)


def _stored_item(row):
    """A StoredBasis with its municipality and agreement from a row of `_STORED_COLUMNS`."""
    item, organisation, agreement = objects_from_row(row, (StoredBasis, Organisation, Agreement))
    StoredBasis.municipality.field.set_cached_value(item, organisation)
    StoredBasis.agreement.field.set_cached_value(item, agreement)
    return item


def _stored_bases(stored, region, month, municipality, lines):
    """`stored_month_basis`'s bases from the StoredBasis items read: their lines and terms when
    `lines` is "all", and the month's disputes."""
    terms_of_basis = _stored_terms(stored) if lines == "all" else {}
    by_basis = {}
    if lines == "all" and stored:
        found = StoredBasisLine.objects.filter(basis__in=stored).order_by("basis_id", "position")
        for line in fetch_rows(found, LINE_COLUMNS):
            by_basis.setdefault(line[0], []).append(line)
    disputes = month_disputes(region, month, municipality=municipality, figures_only=lines != "all")
    bases = []
    for item in stored:
        code = item.municipality.code
        terms = terms_of_basis.get(item.pk)
        results = [result_from(line, code) for line in by_basis.get(item.pk, [])]
        result = None if item.error else MonthResult(
            month=month, terms=terms, cases=results,
            summaries=[summary_from(values, code, month) for values in item.summaries])
        bases.append(MunicipalityBasis(
            municipality=item.municipality, agreement=item.agreement, terms=terms, result=result,
            facts={r.case_id: r.facts for r in results}, disputes=disputes.get(item.municipality_id, {}),
            error=item.error, computed_at=item.computed_at, stored_cases=item.cases, stored_id=item.pk))
    bases.sort(key=lambda b: (sort_key(b.municipality.name), b.municipality.code))
    return bases


def _stored_terms(stored):
    """{stored basis id: the engine's Terms of its agreement}. One agreement (the page of a
    municipality) is read by two compiled reads; several (the region's overview) are prefetched."""
    agreements = {item.agreement_id for item in stored if item.agreement_id is not None}
    if len(agreements) == 1:
        (agreement_id,) = agreements
        terms = terms_read(next(item.agreement for item in stored if item.agreement_id == agreement_id))
        return {item.pk: terms if item.agreement_id is not None else LAW_FALLBACK for item in stored}
    prefetch_related_objects(stored, "agreement__care_type_rules", "agreement__daily_amounts")
    return {item.pk: terms_from(item.agreement) for item in stored}


_STORED_COLUMNS = [*columns_of(StoredBasis), *columns_of(Organisation, "municipality__"),
                   *columns_of(Agreement, "agreement__")]
_REGION_AT = len(_STORED_COLUMNS)  # where `_county_stored_read`'s region columns start


@functools.cache
def _stored_read(one_municipality):
    """The month's stored bases with their municipality and agreement, of the region or of one
    municipality, compiled once per process: the invoice basis page reads it on every load, and
    building it through the ORM cost more CPU than PostgreSQL's answer (bench/README.md, "The fourth
    round")."""
    def build(region_id, first_day, *municipality_id):
        stored = StoredBasis.objects.filter(basis_month__region_id=region_id, basis_month__month=first_day)
        if one_municipality:
            stored = stored.filter(municipality_id=municipality_id[0])
        return stored.values_list(*_STORED_COLUMNS)

    arguments = [(BasisMonth._meta.get_field("region"), 977_777_777_501),
                 (BasisMonth._meta.get_field("month"), date(1977, 7, 7))]
    arguments += [(StoredBasis._meta.get_field("municipality"), 977_777_777_502)] if one_municipality else []
    return CompiledRead(build, *arguments)


def _county_stored_of(county_code, first_day, municipality_id):
    # The county's region as `organisation_scope` finds it: the first region of the county in
    # Organisation's order (nothing makes a county's region unique).
    region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=county_code).values("pk")[:1]
    return StoredBasis.objects.filter(
        basis_month__region_id=Subquery(region), basis_month__month=first_day, municipality_id=municipality_id,
    ).values_list(*_STORED_COLUMNS, *columns_of(Organisation, "basis_month__region__"))


_county_stored_read = CompiledRead(
    _county_stored_of,
    (Organisation._meta.get_field("county_code"), "9777-county-stored-marker"),
    (BasisMonth._meta.get_field("month"), date(1977, 7, 9)),
    (StoredBasis._meta.get_field("municipality"), 977_777_777_503),
)


def explained_row(basis, case_id):
    """One case's line with its explanation (day 0's sentence, each liable day), computed from the
    facts the basis holds for it: the same facts the stored line was computed from."""
    facts = basis.facts.get(case_id)
    if facts is None or basis.result is None:
        return None
    rows = calculate_month([facts], basis.terms, basis.result.month).cases
    return rows[0] if rows else None


# --- Who sees which basis ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BasisScope:
    region: Organisation
    municipality: Organisation | None  # None: every municipality the region invoices

    @property
    def is_region(self):
        return self.municipality is None


def basis_scope(actor):
    """Finance staff of a region see its whole basis; finance staff of a municipality see their
    municipality's lines from the region of their county. Anyone else: NotPermitted."""
    require_basis_reader(actor)
    return organisation_scope(actor)


def require_basis_reader(actor):
    if not permissions.may_read_basis(actor):
        raise NotPermitted("Fakturaunderlaget visas för den som har ekonomibehörighet.")


def organisation_scope(actor):
    """The region whose wards' cases the actor's organisation follows, narrowed to the actor's own
    municipality when they work for one. Roles are checked by the caller."""
    organisation = actor.unit.organisation
    if organisation.kind == Organisation.Kind.REGION:
        return BasisScope(region=organisation, municipality=None)
    if organisation.kind == Organisation.Kind.MUNICIPALITY:
        row = _county_region_read.first(organisation.county_code)
        if row is not None:
            return BasisScope(region=objects_from_row(row, (Organisation,))[0], municipality=organisation)
    raise NotPermitted("Din enhet hör inte till en region eller kommun.")


def organisation_read(kind, field):
    """The first organisation of a kind (in Organisation's order) by one of its columns, compiled once
    per process: a municipality's finance staff reach their region by county on every basis page."""
    return CompiledRead(
        lambda value: Organisation.objects.filter(kind=kind, **{field: value}).values_list(*columns_of(Organisation))[:1],
        (Organisation._meta.get_field(field), f"9777-{field}-marker"))


_county_region_read = organisation_read(Organisation.Kind.REGION, "county_code")


def readable_agreements(actor):
    """(region, agreements) the actor may read: a region's staff its own agreements; a
    municipality's finance staff those of their county's region that their municipality is party
    to (named in it, or an agreement for every municipality of the county)."""
    organisation = actor.unit.organisation
    if organisation.kind == Organisation.Kind.REGION:
        return organisation, Agreement.objects.filter(region=organisation)
    if organisation.kind == Organisation.Kind.MUNICIPALITY and permissions.may_read_basis(actor):
        region = organisation_scope(actor).region
        party = Q(municipalities=organisation) | Q(municipalities__isnull=True)
        return region, Agreement.objects.filter(party, region=region).distinct()
    raise NotPermitted("Avtalen visas för regionens medarbetare och för kommunens ekonomer.")


def previous_month(today):
    """The month before today's: the last whole month, the default of the basis and follow-up."""
    return Month.of(today).previous()



# --- Presets for a new agreement -------------------------------------------------------------------

PRESETS = {
    "law": {
        "label": "Lagens utfallsregel (individmodell, dygnsbryt 00:00, 3 resp. 30 fria dagar)",
        "values": {"name": "Lagens utfallsregel", "model": "individual", "day_break": time(0, 0),
                   "count_discharge_day": False, "admission_notice_max_hours": None, "planning_invitation_days": None},
        "care_types": {"somatic": {"free_days": 3, "average_limit_days": None, "long_stay_days": None},
                       "psychiatric": {"free_days": 30, "average_limit_days": None, "long_stay_days": None}},
        # Socialstyrelsen's amounts as far as they have been checked; add each new year's figure.
        "amounts": dict(LAW_FALLBACK.daily_amounts),
    },
    "skane_example": {
        "label": "Exempel i Skånes stil (genomsnittsmodell, dygnsbryt 12:00, gräns 2,8 dagar, långliggare över 30)",
        "values": {"name": "Exempel: genomsnittsmodell med dygnsbryt 12", "model": "average", "day_break": time(12, 0),
                   "count_discharge_day": False, "admission_notice_max_hours": 24, "planning_invitation_days": 3,
                   "is_example": True},
        "care_types": {"somatic": {"free_days": 3, "average_limit_days": Decimal("2.8"), "long_stay_days": 30},
                       "psychiatric": {"free_days": 30, "average_limit_days": Decimal("5"), "long_stay_days": None}},
        "amounts": {2022: 9300, 2023: 9300},
    },
}
