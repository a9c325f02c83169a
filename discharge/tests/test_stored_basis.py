"""The stored invoice basis: what the pages read equals the month computed from the cases, after
every kind of change to a case or an agreement; a month never stored is computed for the page and
not stored; disputes work on the stored basis."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEvent
from core.tests.factories import login
from discharge import actions
from discharge.invoicing import month_basis, stored_month_basis, summary_values
from discharge.models import (
    AgreementCareTypeRule, BasisMonth, CaseEvent, InvoiceDispute, StoredBasis, StoredBasisLine,
)
from discharge.rules.liability import Month
from discharge.tests.factories import make_case
from discharge.tests.test_invoicing import OCTOBER, api_key, at, discharged_case, setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

LINE_FIELDS = ["case_id", "care_type", "day0", "discharge_day", "ready_days", "eligible", "reason", "rule", "free_days",
               "first_liable_day", "long_stay", "liable_days", "amount_sek", "facts"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """The tasks queued on commit run in the test, as `db_worker` would run them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def comparable(bases):
    """Everything a page, an export or a dispute reads from a basis."""
    return [{
        "municipality": b.municipality.code, "agreement": b.agreement.pk if b.agreement else None, "error": b.error,
        "summaries": [summary_values(s) for s in b.result.summaries] if b.result else None,
        "lines": [{name: getattr(r, name) for name in LINE_FIELDS} for r in b.result.cases] if b.result else None,
        "line_amounts": {r.case_id: b.line_amount(r.case_id) for r in b.result.cases} if b.result else None,
        "totals": (b.case_count, b.liable_days, b.invoiced_sek, b.disputed_sek, b.credited_sek, b.final_sek),
    } for b in bases]


def assert_stored_is_fresh(region, month=OCTOBER):
    stored = stored_month_basis(region, month, lines="all")
    assert stored is not None
    assert comparable(stored) == comparable(month_basis(region, month))
    return comparable(stored)


def ready_case(parties, *, ready="2026-10-20 09:00"):
    """An October case that is medically ready and still admitted."""
    return discharged_case(parties, ready=ready, discharged=None)


def change_new_case(s, capture):
    with capture(execute=True):
        discharged_case(s["parties"], ready="2026-10-10 09:00", discharged="2026-10-20 10:00")


def change_discharge(s, capture):
    case = ready_case(s["parties"])
    store(s)
    with capture(execute=True):
        actions.send_discharge_notice(s["parties"]["ward"], case, at=at("2026-10-29 10:00"))


def change_withdraw_ready(s, capture):
    case = ready_case(s["parties"])
    store(s)
    with capture(execute=True):
        actions.withdraw_ready_notice(s["parties"]["ward"], case, reason="Feber", at=at("2026-10-21 09:00"))


def change_cancel(s, capture):
    case = ready_case(s["parties"])
    store(s)
    with capture(execute=True):
        actions.cancel_case(s["parties"]["ward"], case, reason="moved", at=at("2026-10-25 09:00"))


def change_objection(s, capture):
    with capture(execute=True):
        actions.record_consent(s["parties"]["ward"], s["longer"], objected=True, note="")


def change_correction(s, capture):
    discharge = CaseEvent.objects.get(case=s["longer"], kind=CaseEvent.Kind.DISCHARGE_NOTICE)
    with capture(execute=True):
        # The discharge was in fact three days later: six ready days become nine.
        actions.correct_event(s["parties"]["ward"], discharge, reason="Fel datum", at=at("2026-10-15 10:00"))


def change_agreement(s, capture):
    rule = AgreementCareTypeRule.objects.get(care_type="somatic")
    agreement = rule.agreement
    values = {name: getattr(agreement, name) for name in (
        "name", "is_example", "model", "day_break", "count_discharge_day", "admission_notice_max_hours",
        "planning_invitation_days", "valid_from", "valid_until")}
    with capture(execute=True):
        actions.save_agreement(s["finance"], agreement, region=s["region"], values=values, municipalities=[],
                               care_types={"somatic": {"free_days": 3, "average_limit_days": Decimal("1"),
                                                       "long_stay_days": 30},
                                           "psychiatric": {"free_days": 30, "average_limit_days": Decimal("5"),
                                                           "long_stay_days": None}},
                               amounts={2026: 9300})


def store(s):
    actions.store_basis(None, s["region"], OCTOBER)


@pytest.mark.parametrize("change", [change_new_case, change_discharge, change_withdraw_ready, change_cancel,
                                    change_objection, change_correction, change_agreement])
def test_the_stored_basis_equals_the_month_computed_now_after_each_kind_of_change(
        setup, django_capture_on_commit_callbacks, change):  # noqa: F811 (fixture)
    store(setup)
    before = assert_stored_is_fresh(setup["region"])
    change(setup, django_capture_on_commit_callbacks)
    after = assert_stored_is_fresh(setup["region"])
    assert after != before  # the change moved the month, and the stored basis followed


def test_a_changed_case_does_not_store_a_month_that_was_never_stored(setup, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        ready_case(setup["parties"])
    assert not BasisMonth.objects.exists()
    assert stored_month_basis(setup["region"], OCTOBER) is None


def test_the_pages_read_the_stored_basis_and_say_when_it_was_computed(client, setup):  # noqa: F811
    store(setup)
    code = setup["municipality"].code
    line = StoredBasisLine.objects.get(case=setup["longer"])
    # What the page shows comes from the stored line, not from the cases (changed here behind the
    # actions' back, which nothing but this test does).
    StoredBasisLine.objects.filter(pk=line.pk).update(amount_sek=123456)
    login(client, setup["finance"])
    overview = client.get(reverse("discharge:basis") + "?manad=2026-10").content.decode()
    assert 'data-testid="basis-computed"' in overview and "basis-not-stored" not in overview
    # When, in Swedish time: 23:30 UTC on 31 October is 00:30 on 1 November in Stockholm.
    StoredBasis.objects.update(computed_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    overview = client.get(reverse("discharge:basis") + "?manad=2026-10").content.decode()
    assert "Underlaget beräknades 2026-11-01 00:30 och" in overview
    page = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": code}))
    assert "123\u00a0456\u00a0kr" in page.content.decode()
    csv_text = client.get(reverse("discharge:basis_export", kwargs={"month": "2026-10", "code": code,
                                                                    "fmt": "arenden.csv"})).content.decode()
    assert "123456" in csv_text
    answer = client.get("/api/v1/discharge/liability?month=2026-10", **api_key(setup["finance"])).json()
    assert 123456 in [int(line["amount_sek"]) for m in answer["municipalities"] for line in m["cases"]]


def test_a_month_never_stored_is_computed_for_the_page_and_not_stored(client, setup):  # noqa: F811
    login(client, setup["finance"])
    writes = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE).count()
    overview = client.get(reverse("discharge:basis") + "?manad=2026-10").content.decode()
    assert 'data-testid="basis-not-stored"' in overview and "Räkna fram och spara 2026-10" in overview
    page = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10",
                                                                      "code": setup["municipality"].code}))
    assert page.status_code == 200 and "basis-not-stored" in page.content.decode()
    assert not BasisMonth.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE).count() == writes
    # Region finance has it stored by a POST (queued; run at once here).
    answer = client.post(reverse("discharge:basis_store"), {"manad": "2026-10"})
    assert answer.status_code == 302
    assert_stored_is_fresh(setup["region"])
    assert AuditEvent.objects.filter(action="discharge.basis.store").count() == 1
    # Who asked is in the log (the storing itself runs as the system).
    assert AuditEvent.objects.get(action="discharge.basis.store_requested").user == setup["finance"].user
    past_the_end = reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": setup["municipality"].code})
    assert client.get(past_the_end + "?sida=9").status_code == 404


def test_only_region_finance_may_have_a_month_stored(client, setup):  # noqa: F811
    login(client, setup["municipal_finance"])
    assert client.post(reverse("discharge:basis_store"), {"manad": "2026-10"}).status_code == 403
    login(client, setup["parties"]["ward"])
    assert client.post(reverse("discharge:basis_store"), {"manad": "2026-10"}).status_code == 403
    assert not BasisMonth.objects.exists()


def test_the_command_stores_every_regions_month(setup):  # noqa: F811
    call_command("invoice_basis", "--month", "2026-10", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_stored_is_fresh(setup["region"])
    call_command("invoice_basis", "--month", "2026-10", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert BasisMonth.objects.count() == 1 and StoredBasisLine.objects.count() == 2


def test_a_dispute_on_the_stored_basis_is_for_the_amount_shown_and_is_read_live(client, setup):  # noqa: F811
    store(setup)
    code, case = setup["municipality"].code, setup["longer"]
    url = reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": code, "case_id": case.pk})
    login(client, setup["municipal_finance"])
    page = client.get(url).content.decode()
    assert "9\u00a0300\u00a0kr" in page  # the line's share of the month
    client.post(url, {"action": "dispute", "reason": "Vårdkontakt utsågs för sent."})
    assert InvoiceDispute.objects.get().disputed_sek == 9300
    login(client, setup["finance"])
    client.post(url, {"action": "answer", "decision": "accept", "answer": "Godtas."})
    (basis,) = stored_month_basis(setup["region"], OCTOBER)
    assert (basis.invoiced_sek, basis.disputed_sek, basis.credited_sek, basis.final_sek) == (9300, 9300, 9300, 0)
    # The page reads the disputes' figures only (`DisputeFigures`): the same totals and status.
    (whole,) = stored_month_basis(setup["region"], OCTOBER, lines="all")
    assert (whole.disputed_sek, whole.credited_sek, whole.final_sek, whole.open_disputes) == (9300, 9300, 0, 0)
    shown, full = basis.disputes[str(case.pk)], whole.disputes[str(case.pk)]
    assert (shown.status, shown.get_status_display()) == (full.status, full.get_status_display())
    listing = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": code})).content.decode()
    assert '<span class="badge">Godtagen – krediteras</span>' in listing
    assert 'data-testid="basis-final">0\u00a0kr<' in listing


def test_a_large_municipality_is_shown_fifty_lines_a_page_and_only_those_patients_are_logged(client, setup):  # noqa: F811
    parties = setup["parties"]
    for n in range(51):
        _, case = make_case(parties)
        case.admitted_at = at("2026-10-01 08:00") + timedelta(minutes=n)
        case.save(update_fields=["admitted_at"])
    store(setup)
    url = reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": setup["municipality"].code})
    login(client, setup["finance"])
    before = AuditEvent.objects.filter(action="discharge.invoice_list").count()
    first = client.get(url).content.decode()
    assert "Ärende 1–50 av 53" in first and "Sida 1 av 2" in first
    assert AuditEvent.objects.filter(action="discharge.invoice_list").count() == before + 50
    last_case = StoredBasisLine.objects.order_by("position").last().case_id
    second = client.get(url + "?sida=2").content.decode()
    assert reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": setup["municipality"].code,
                                                   "case_id": last_case}) in second
    assert "Ärende 51–53 av 53" in second
    assert first.count('data-testid="still-admitted"') + second.count('data-testid="still-admitted"') == 51
    assert Month(2026, 10) == OCTOBER


@pytest.mark.django_db(transaction=True)
def test_the_nightly_command_and_the_tasks_store_outside_any_transaction(setup):  # noqa: F811
    """cron and db_worker call store_basis with no transaction around it (the other tests run inside
    one): it must open its own, or its audit row is refused and nothing is stored."""
    call_command("invoice_basis", "--month", "2026-10", stdout=io.StringIO())
    assert_stored_is_fresh(setup["region"])
    from discharge import tasks

    tasks.store_basis_month.enqueue(setup["region"].pk, "2026-10")
    tasks.restore_basis.enqueue(setup["region"].pk, None, "2026-10", "2026-10")
    assert_stored_is_fresh(setup["region"])
    assert AuditEvent.objects.filter(action="discharge.basis.store").count() == 3


def test_a_municipality_s_page_reads_only_its_own_lines_disputes_and_agreement(setup):  # noqa: F811
    """One municipality's page reads its stored basis, agreement and disputes through compiled reads
    (`invoicing._terms_read`, `_disputes_read`, and `queries._page_lines_read` for a page of its
    lines with their patients): they carry the municipality, the region and the month as the
    region-wide read does, and a page's lines are those of the engine's order."""
    from discharge.queries import basis_page
    from datetime import date

    from core.models import Unit
    from core.tests.factories import make_municipality, make_region, make_unit
    from discharge.models import DischargeCase
    from discharge.tests.test_invoicing import average_agreement

    parties, region, home = setup["parties"], setup["region"], setup["municipality"]
    neighbour = make_municipality(code="1282", name="Landskrona kommun")  # same county, its own agreement
    average_agreement(region, {2026: 7000}).municipalities.add(neighbour)
    make_unit(neighbour, name="Biståndshandläggning Landskrona", kind=Unit.Kind.NEEDS_ASSESSMENT)
    theirs = discharged_case(dict(parties, municipality=neighbour), ready="2026-10-05 13:00",
                             discharged="2026-10-09 10:00")
    _, stray = make_case(parties)  # a case of the municipality at another region's ward
    DischargeCase.objects.filter(pk=stray.pk).update(ward=make_unit(make_region(code="13", name="Region Halland")))
    raised_by = setup["municipal_finance"].user

    def dispute(case, month, municipality=home):
        InvoiceDispute.objects.create(case=case, month=month, municipality=municipality, disputed_sek=100,
                                      reason="Fel", raised_by=raised_by)

    october, november = date(2026, 10, 1), date(2026, 11, 1)
    dispute(setup["longer"], october)
    dispute(setup["short"], november)
    dispute(theirs, october, neighbour)
    dispute(stray, october)
    store(setup)
    (own,) = stored_month_basis(region, OCTOBER, municipality=home, lines="all")
    (other,) = stored_month_basis(region, OCTOBER, municipality=neighbour, lines="all")
    assert sorted(r.case_id for r in own.result.cases) == sorted(str(c.pk) for c in (setup["short"], setup["longer"]))
    assert set(own.disputes) == {str(setup["longer"].pk)} and set(other.disputes) == {str(theirs.pk)}
    assert own.terms.daily_amounts == {2026: 9300} and other.terms.daily_amounts == {2026: 7000}
    assert [r.case_id for r in other.result.cases] == [str(theirs.pk)]
    assert comparable([other, own]) == comparable(stored_month_basis(region, OCTOBER, lines="all"))

    reader = setup["municipal_finance"]
    page = basis_page(reader, own, 0, 50, endpoint="test")
    assert [line.row for line in page] == own.result.cases  # the stored lines, in the engine's order
    assert [line.row for line in basis_page(reader, other, 0, 50, endpoint="test")] == other.result.cases
    (second,) = basis_page(reader, own, 1, 50, endpoint="test")
    assert second.row == own.result.cases[1]
    assert basis_page(reader, own, 2, 50, endpoint="test") == []


def test_a_page_of_the_basis_shows_each_line_s_patient_as_the_reader_may_see_them_and_logs_each(setup):  # noqa: F811
    """`queries.basis_page` reads a stored page's lines with their patients in one statement, and
    answers as a month computed now does (`_basis_patients`, the patient card): a protected identity
    masked, the personal number formatted, every patient shown logged as an invoicing read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.audit import collected_reads
    from core.queries import PROTECTED_NAME
    from discharge.queries import basis_page, region_basis

    setup["longer"].patient.__class__.objects.filter(pk=setup["longer"].patient_id).update(protected_identity=True)
    reader, region, home = setup["municipal_finance"], setup["region"], setup["municipality"]
    (computed,) = region_basis(region, OCTOBER, municipality=home)
    assert computed.stored_id is None
    now = [(line.row.case_id, line.name, line.personal_number) for line in basis_page(reader, computed, 0, 50, endpoint="t")]
    store(setup)
    (stored,) = region_basis(region, OCTOBER, municipality=home)
    before = AuditEvent.objects.filter(action="discharge.invoice_list").count()
    with collected_reads(), CaptureQueriesContext(connection) as queries:  # as in a request
        page = basis_page(reader, stored, 0, 50, endpoint="t")
    assert len(queries) == 1  # the lines with their patients; the reads go in the request's one INSERT
    assert [(line.row.case_id, line.name, line.personal_number) for line in page] == now
    names = {line.row.case_id: line.name for line in page}
    assert names[str(setup["longer"].pk)] == PROTECTED_NAME
    short = setup["short"].patient
    assert names[str(setup["short"].pk)] == f"{short.first_name} {short.last_name}"
    assert {line.personal_number for line in page} == {c.patient.formatted_personal_number for c in (setup["short"], setup["longer"])}
    logged = AuditEvent.objects.filter(action="discharge.invoice_list").order_by("id")[before:]
    assert {(e.object_id, e.patient_id, e.basis, e.endpoint) for e in logged} == {
        (str(c.pk), c.patient_id, "invoice", "t") for c in (setup["short"], setup["longer"])}


def test_the_basis_writes_quotes_and_markup_in_names_as_django_does(client, setup):  # noqa: F811
    from core.models import Patient

    Patient.objects.filter(pk=setup["short"].patient_id).update(first_name='Seán "Bob"', last_name="O'Brien & <Co>")
    store(setup)
    login(client, setup["municipal_finance"])
    page = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": setup["municipality"].code}))
    assert "Seán &quot;Bob&quot; O&#x27;Brien &amp; &lt;Co&gt;</a>" in page.content.decode()


def test_an_agreement_s_terms_read_in_one_statement_are_the_orm_s(setup):  # noqa: F811
    """`invoicing.terms_read` (rules and daily amounts in one compiled statement) gives the Terms
    `terms_from` builds through the ORM, and nothing of another agreement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from discharge.invoicing import terms_from, terms_read
    from discharge.tests.test_invoicing import average_agreement

    agreement = average_agreement(setup["region"], {2026: 9300, 2027: 9550})
    other = average_agreement(setup["region"], {2026: 1, 2028: 2})
    AgreementCareTypeRule.objects.filter(agreement=other).update(free_days=99, average_limit_days=Decimal("9.5"))
    with CaptureQueriesContext(connection) as statements:
        terms = terms_read(agreement)
    assert len(statements) == 1
    assert terms == terms_from(agreement) and terms != terms_from(other)
    assert terms.daily_amounts == {2026: 9300, 2027: 9550}
    assert terms.care_types["somatic"].average_limit_days == Decimal("2.8")
    assert terms.care_types["psychiatric"].long_stay_days is None


def test_a_municipality_s_finance_staff_read_their_stored_month_with_their_county_s_region(setup):  # noqa: F811
    """`county_month_basis` reads a municipality's stored month and the region of its county in one
    statement (the disputes in a second), and answers as `organisation_scope` and
    `stored_month_basis` do: the county's first region in Organisation's order, never another
    region's basis of the same municipality; None when that region's month is not stored."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.tests.factories import make_region
    from discharge.invoicing import county_month_basis, organisation_scope

    region, home = setup["region"], setup["municipality"]
    assert county_month_basis(home, OCTOBER) is None  # nothing stored yet
    store(setup)
    with CaptureQueriesContext(connection) as statements:
        found, bases = county_month_basis(home, OCTOBER)
    assert len(statements) == 2  # the bases with the region, the disputes
    assert found == region and found.name == region.name
    assert comparable(bases) == comparable(stored_month_basis(region, OCTOBER, municipality=home))
    assert bases[0].case_count == 2
    assert county_month_basis(home, Month(2026, 9)) is None

    # A second region of the county, made later but first in Organisation's order (by name), with a
    # basis of its own for the municipality: now it is the county's region, and only its basis is read.
    first = make_region("99", "Region Ale")
    first.__class__.objects.filter(pk=first.pk).update(county_code=region.county_code)
    month = BasisMonth.objects.create(region=first, month=OCTOBER.first_day, computed_at=at("2026-11-01 02:00"))
    StoredBasis.objects.create(basis_month=month, municipality=home, computed_at=month.computed_at, cases=99)
    assert organisation_scope(setup["municipal_finance"]).region == first
    found, (basis,) = county_month_basis(home, OCTOBER)
    assert found == first and basis.case_count == 99


def test_a_municipality_s_finance_staff_open_their_basis_page_with_one_statement_fewer_than_the_region_s(
        client, setup):  # noqa: F811
    """The region's finance staff look the municipality up by its code; the municipality's have it
    already and read their county's region with the basis: the same page, one statement fewer."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    store(setup)
    path = reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": setup["municipality"].code})
    pages, counts = [], []
    for reader in (setup["finance"], setup["municipal_finance"]):
        client.logout()
        login(client, reader)
        assert client.get(path).status_code == 200  # the first may set up the session
        reset_queries()
        with CaptureQueriesContext(connection) as statements:
            page = client.get(path)
        assert page.status_code == 200
        pages.append(page.content.decode())
        counts.append(len(statements))
    assert counts[1] == counts[0] - 1
    lead, cases = f"{setup['region'].name} fakturerar enligt", 'data-testid="basis-cases">'
    assert lead in pages[0] and lead in pages[1]
    assert pages[0].split(cases)[1].split("</table>")[0] == pages[1].split(cases)[1].split("</table>")[0]
