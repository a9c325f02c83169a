"""The invoice basis from the database, its pages and exports, disputes and agreements: the same
numbers on screen, in the CSV and through the engine; who may see and do what."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.actor import Actor
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent, Unit
from core.tests.factories import login, make_municipality, make_staff, make_unit
from core.tests.hostile import MARKUP, assert_safe_pdf
from discharge import actions
from discharge.invoicing import month_basis
from discharge.models import Agreement, AgreementCareTypeRule, AgreementDailyAmount, InvoiceDispute
from discharge.rules.liability import STOCKHOLM, Month
from discharge.tests.factories import make_case, make_parties

pytestmark = pytest.mark.django_db
OCTOBER = Month(2026, 10)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def discharged_case(parties, *, ready, discharged, admitted="2026-10-01 08:00"):
    """A case through the real actions, with its times in the past."""
    _, case = make_case(parties)
    case.admitted_at = at(admitted)
    case.save(update_fields=["admitted_at"])
    actions.send_admission_notice(parties["ward"], case, at=at(admitted) + timedelta(hours=2))
    actions.appoint_care_contact(parties["primary"], case, name="Distriktssköterska", at=at(admitted) + timedelta(hours=5))
    actions.send_ready_notice(parties["ward"], case, judged_by="Dr Holm", at=at(ready))
    if discharged:
        actions.send_discharge_notice(parties["ward"], case, at=at(discharged))
    return case


def average_agreement(region, amounts=None):
    agreement = Agreement.objects.create(region=region, name="Exempel", is_example=True, model="average",
                                         day_break=time(12, 0), admission_notice_max_hours=24,
                                         valid_from=date(2026, 1, 1))
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="somatic", free_days=3,
                                         average_limit_days=Decimal("2.8"), long_stay_days=30)
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="psychiatric", free_days=30,
                                         average_limit_days=Decimal("5"))
    for year, amount in (amounts or {2026: 9300}).items():
        AgreementDailyAmount.objects.create(agreement=agreement, year=year, amount_sek=amount)
    return agreement


@pytest.fixture
def setup():
    parties = make_parties()
    region = parties["ward"].unit.organisation
    average_agreement(region)
    # Ready days 1 and 6 (day break 12:00): T = 7, n = 2, 7 - 5.6 = 1.4 -> 1 day.
    short = discharged_case(parties, ready="2026-10-05 11:00", discharged="2026-10-06 10:00")
    longer = discharged_case(parties, ready="2026-10-05 13:00", discharged="2026-10-12 10:00")
    finance = Actor.for_membership(make_staff(unit=make_unit(region, name="Regionkansliet",
                                                             kind=Unit.Kind.ADMINISTRATION), roles=["finance"]))
    municipal_finance = Actor.for_membership(make_staff(unit=parties["needs"].unit, roles=["finance"]))
    return {"parties": parties, "region": region, "short": short, "longer": longer, "finance": finance,
            "municipal_finance": municipal_finance, "municipality": parties["municipality"]}


def test_the_basis_from_the_database_follows_the_agreements_average(setup):
    (basis,) = month_basis(setup["region"], OCTOBER)
    (summary,) = basis.result.summaries
    assert (summary.cases, summary.average_total_ready_days, summary.liable_days, summary.amount_sek) == (2, 7, 1, 9300)
    assert basis.invoiced_sek == 9300 and basis.final_sek == 9300


def test_without_an_agreement_the_law_applies_and_a_missing_year_is_shown_not_guessed(setup):
    Agreement.objects.all().delete()
    (basis,) = month_basis(setup["region"], OCTOBER)
    assert basis.agreement is None and "2026" in basis.error


def test_a_municipality_of_another_county_is_priced_by_an_agreement_that_names_it(client, setup):
    """Out-of-county patients fall to the law's fallback, whose amounts stop where the law's
    figures were last checked: the page says how to fix it, and an agreement naming the
    municipality does."""
    halmstad = make_municipality("1380", "Halmstads kommun")
    make_unit(halmstad, name="Biståndshandläggning Halmstad", kind=Unit.Kind.NEEDS_ASSESSMENT)
    parties = {**setup["parties"], "municipality": halmstad}
    discharged_case(parties, ready="2026-10-05 11:00", discharged="2026-10-20 10:00")
    login(client, setup["finance"])
    page = client.get(reverse("discharge:basis") + "?manad=2026-10").content.decode()
    assert "Inget avtal gäller för kommunen" in page and "utga_fran=law" in page
    form = client.get(reverse("discharge:agreement_new") + "?utga_fran=law").content.decode()
    assert "Halmstads kommun" in form
    client.post(reverse("discharge:agreement_new") + "?utga_fran=law", {
        "name": "Lagens utfallsregel, andra län", "model": "individual", "day_break": "00:00",
        "valid_from": "2026-01-01", "municipalities": [halmstad.pk], "somatic_free_days": "3",
        "psychiatric_free_days": "30", "daily_amounts": "2026 9300"})
    bases = {b.municipality.code: b for b in month_basis(setup["region"], OCTOBER)}
    other = bases["1380"]
    assert other.agreement.name == "Lagens utfallsregel, andra län" and not other.error
    # Day 0 is 5 October, 3 free days, discharged on the 20th: the 8th to the 19th are liable.
    assert (other.liable_days, other.invoiced_sek) == (12, 12 * 9300)
    assert bases[setup["municipality"].code].invoiced_sek == 9300  # the county's own agreement is untouched


def test_a_case_the_engine_places_in_another_month_is_not_in_this_one(setup):
    assert month_basis(setup["region"], Month(2026, 8)) == []


def test_region_finance_sees_the_overview_and_the_page_matches_the_csv(client, setup):
    login(client, setup["finance"])
    page = client.get(reverse("discharge:basis") + "?manad=2026-10")
    assert page.status_code == 200 and "9\u00a0300\u00a0kr" in page.content.decode()
    code = setup["municipality"].code
    detail = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": code}))
    assert detail.status_code == 200
    summary = client.get(reverse("discharge:basis_export", kwargs={"month": "2026-10", "code": code,
                                                                   "fmt": "summering.csv"}))
    (row,) = csv.DictReader(io.StringIO(summary.content.decode()))
    assert (row["liable_days"], row["amount_sek"], row["mean_ready_days"]) == ("1", "9300", "3.50")
    cases = client.get(reverse("discharge:basis_export", kwargs={"month": "2026-10", "code": code,
                                                                 "fmt": "arenden.csv"}))
    assert sorted(r["ready_days"] for r in csv.DictReader(io.StringIO(cases.content.decode()))) == ["1", "6"]
    pdf = client.get(reverse("discharge:basis_export", kwargs={"month": "2026-10", "code": code, "fmt": "pdf"}))
    assert pdf.content.startswith(b"%PDF")


def test_the_case_explanation_logs_the_read_of_patient_data(client, setup):
    login(client, setup["finance"])
    case = setup["longer"]
    page = client.get(reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": setup["municipality"].code,
                                                              "case_id": case.pk}))
    text = page.content.decode()
    assert "Dag 0: 2026-10-06" in text and "vid eller efter dygnsbrytet 12:00" in text
    assert AuditEvent.objects.filter(patient=case.patient, kind="read", basis="invoice").count() == 1


def test_a_nurse_without_finance_role_is_refused_and_another_municipality_is_not_found(client, setup):
    login(client, setup["parties"]["ward"])
    assert client.get(reverse("discharge:basis")).status_code == 403
    login(client, setup["municipal_finance"])
    assert client.get(reverse("discharge:basis")).status_code == 302
    other = reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": "1280"})
    assert client.get(other).status_code == 404
    bad_month = reverse("discharge:basis_municipality", kwargs={"month": "2026-13", "code": setup["municipality"].code})
    assert client.get(bad_month).status_code == 404


def test_a_municipality_disputes_a_line_and_the_region_accepts_it_as_a_credit(client, setup):
    code, case = setup["municipality"].code, setup["longer"]
    url = reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": code, "case_id": case.pk})
    login(client, setup["municipal_finance"])
    empty = client.post(url, {"action": "dispute", "reason": ""})
    assert "Detta fält måste fyllas i" in empty.content.decode() or "This field is required" in empty.content.decode()
    client.post(url, {"action": "dispute", "reason": "Vårdkontakt utsågs först efter utskrivningsklar."})
    dispute = InvoiceDispute.objects.get()
    # Without the case the average is 1 day - 2.8 = nothing: the case adds the whole 9 300 kr.
    assert (dispute.status, dispute.disputed_sek) == ("open", 9300)
    login(client, setup["finance"])
    refused = client.post(url, {"action": "answer", "decision": "reject", "answer": ""})
    assert "Skriv varför bestridan avslås" in refused.content.decode()
    client.post(url, {"action": "answer", "decision": "accept", "answer": "Godtas."})
    (basis,) = month_basis(setup["region"], OCTOBER)
    assert (basis.invoiced_sek, basis.disputed_sek, basis.credited_sek, basis.final_sek) == (9300, 9300, 9300, 0)
    assert AuditEvent.objects.filter(action__startswith="discharge.dispute").count() == 2


def test_a_dispute_is_for_the_amount_the_basis_shows_whatever_the_caller_says(client, setup):
    case = setup["longer"]
    dispute = actions.dispute_line(setup["municipal_finance"], case, month=OCTOBER, reason="x", line_amount=1)
    assert dispute.disputed_sek == 9300
    dispute.delete()
    url = reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": setup["municipality"].code,
                                                  "case_id": case.pk})
    login(client, setup["municipal_finance"])
    client.post(url, {"action": "dispute", "reason": "Fel belopp?", "line_amount": "1", "disputed_sek": "1"})
    assert InvoiceDispute.objects.get(case=case).disputed_sek == 9300


def test_only_the_municipality_disputes_and_only_the_region_answers(setup):
    month, case = OCTOBER, setup["longer"]
    with pytest.raises(NotPermitted):
        actions.dispute_line(setup["finance"], case, month=month, reason="x")
    with pytest.raises(ActionError, match="inget belopp"):
        # Without the short case the longer one alone is 3 liable days: the short case adds nothing.
        actions.dispute_line(setup["municipal_finance"], setup["short"], month=month, reason="x")
    dispute = actions.dispute_line(setup["municipal_finance"], case, month=month, reason="x")
    with pytest.raises(ActionError):
        actions.dispute_line(setup["municipal_finance"], case, month=month, reason="igen")
    with pytest.raises(NotPermitted):
        actions.answer_dispute(setup["municipal_finance"], dispute, accept=True, answer="")
    actions.answer_dispute(setup["finance"], dispute, accept=False, answer="Tidpunkterna stämmer.")
    with pytest.raises(ActionError):
        actions.answer_dispute(setup["finance"], dispute, accept=True, answer="")


def test_finance_edits_an_agreement_and_the_change_is_in_its_history(client, setup):
    agreement = Agreement.objects.get()
    login(client, setup["finance"])
    url = reverse("discharge:agreement_edit", kwargs={"pk": agreement.pk})
    form = client.get(url)
    assert form.status_code == 200
    data = {"name": "Exempel", "model": "average", "day_break": "00:00", "valid_from": "2026-01-01",
            "somatic_free_days": "3", "somatic_average_limit_days": "2.8", "somatic_long_stay_days": "30",
            "psychiatric_free_days": "30", "psychiatric_average_limit_days": "5",
            "daily_amounts": "2026 9300\n2025 kr"}
    bad = client.post(url, data)
    assert "Rad 2: skriv år och belopp" in bad.content.decode()
    data["daily_amounts"] = "2026 9300\n2027 9600"
    client.post(url, data)
    agreement.refresh_from_db()
    assert agreement.day_break == time(0, 0)
    assert sorted(agreement.daily_amounts.values_list("year", flat=True)) == [2026, 2027]
    history = client.get(reverse("discharge:agreement", kwargs={"pk": agreement.pk})).content.decode()
    assert "day_break" in history and "12:00:00 → 00:00:00" in history


def test_the_average_model_needs_its_limit(setup):
    with pytest.raises(ActionError) as raised:
        actions.save_agreement(setup["finance"], None, region=setup["region"], values={
            "name": "Nytt", "model": "average", "day_break": time(12, 0), "valid_from": date(2026, 1, 1)},
            municipalities=[], care_types={"somatic": {"free_days": 3, "average_limit_days": None,
                                                       "long_stay_days": None}}, amounts={2026: 9300})
    assert "somatic_average_limit_days" in raised.value.errors


def test_a_clinician_may_not_edit_agreements(client, setup):
    with pytest.raises(NotPermitted):
        actions.save_agreement(setup["parties"]["ward"], None, region=setup["region"], values={}, municipalities=[],
                               care_types={}, amounts={})
    login(client, setup["parties"]["ward"])
    assert client.get(reverse("discharge:agreement_new")).status_code == 403


def test_a_new_agreement_starts_from_the_law_preset(client, setup):
    login(client, setup["finance"])
    page = client.get(reverse("discharge:agreement_new") + "?utga_fran=law").content.decode()
    assert 'value="Lagens utfallsregel"' in page and "2022 9300" in page
    assert client.get(reverse("discharge:agreement_new") + "?utga_fran=okand").status_code == 404


def test_timezone_is_stockholm():
    assert timezone.get_current_timezone_name() == "Europe/Stockholm"


# --- API -------------------------------------------------------------------------------------------

def api_key(actor):
    from core.tests.factories import make_api_token
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(actor.membership)[1]}"}


def test_the_api_gives_the_same_basis_as_the_page(client, setup):
    answer = client.get("/api/v1/discharge/liability?month=2026-10", **api_key(setup["finance"])).json()
    (municipality,) = answer["municipalities"]
    assert municipality["invoiced_sek"] == 9300
    assert municipality["summaries"][0]["liable_days"] == "1"
    assert client.get("/api/v1/discharge/liability?month=2026-13", **api_key(setup["finance"])).status_code == 422
    assert client.get("/api/v1/discharge/liability?month=2026-10",
                      **api_key(setup["parties"]["ward"])).status_code == 403
    other = client.get("/api/v1/discharge/liability?month=2026-10&municipality=1280",
                       **api_key(setup["municipal_finance"]))
    assert other.status_code == 404


def test_the_api_calculates_an_uploaded_events_file(client, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile
    events = ("case_id,municipality_code,care_type,admitted_at,admission_notice_sent_at,ready_notice_sent_at,"
              "discharged_at,care_contact_appointed,patient_objected\n"
              "A,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no\n")
    agreement = 'model = "individual"\n[daily_amount_sek]\n"2023" = 9300\n[somatic]\nfree_days = 3\n'
    headers = api_key(setup["finance"])
    answer = client.post("/api/v1/discharge/liability/calculate", {
        "month": "2023-03", "events": SimpleUploadedFile("e.csv", events.encode()),
        "agreement": SimpleUploadedFile("a.toml", agreement.encode())}, **headers)
    assert answer.status_code == 200, answer.content
    assert answer.json()["cases"][0]["liable_days"] == "5"
    bad = client.post("/api/v1/discharge/liability/calculate", {
        "month": "2023-03", "events": SimpleUploadedFile("e.csv", events.replace("1280", "12").encode()),
        "agreement": SimpleUploadedFile("a.toml", agreement.encode())}, **headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "events" and "rad 2" in bad.json()["detail"][0]["message"]
    wrong_type = client.post("/api/v1/discharge/liability/calculate", {
        "month": "2023-03", "events": SimpleUploadedFile("e.exe", b"MZ"),
        "agreement": SimpleUploadedFile("a.toml", agreement.encode())}, **headers)
    assert wrong_type.status_code == 422


@pytest.mark.parametrize("value", MARKUP)
def test_the_basis_pdf_shows_markup_in_names_literally_and_never_as_a_link(client, setup, value):
    """An agreement's name is free text from finance staff; organisations' names come from admins."""
    Agreement.objects.update(name=value)
    for organisation in (setup["municipality"], setup["region"]):
        organisation.name = value
        organisation.save(update_fields=["name"])
    login(client, setup["finance"])
    response = client.get(reverse("discharge:basis_export", kwargs={
        "month": "2026-10", "code": setup["municipality"].code, "fmt": "pdf"}))
    assert_safe_pdf(response, f"Fakturaunderlag 2026-10: {value} ({setup['municipality'].code})",
                    f"Fakturerande region: {value}. Avtal: {value}.")


def test_finance_tells_the_rows_apart_by_patient_and_sees_why_the_timeline_is_not_theirs(client, setup):
    login(client, setup["finance"])
    code, case = setup["municipality"].code, setup["longer"]
    listing = client.get(reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": code})).content.decode()
    assert case.patient.formatted_personal_number in listing and str(case.pk)[:8] + "<" not in listing
    assert AuditEvent.objects.filter(action="discharge.invoice_list", patient=case.patient, basis="invoice").exists()
    page = client.get(reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": code, "case_id": case.pk}))
    text = page.content.decode()
    assert 'data-testid="timeline-not-shown"' in text and reverse("discharge:case", args=[case.pk]) not in text


def test_municipal_finance_reads_the_agreement_its_municipality_is_party_to(client, setup):
    agreement = Agreement.objects.get(region=setup["region"])
    login(client, setup["municipal_finance"])
    assert client.get(reverse("discharge:agreement", args=[agreement.pk])).status_code == 200
    assert agreement.name in client.get(reverse("discharge:agreements")).content.decode()
    other = make_municipality(code="1283", name="Helsingborgs kommun")
    agreement.municipalities.set([other])
    assert client.get(reverse("discharge:agreement", args=[agreement.pk])).status_code == 404


def test_finance_staff_start_on_the_month_to_check_and_the_open_disputes(client, setup):
    code, case = setup["municipality"].code, setup["longer"]
    login(client, setup["municipal_finance"])
    client.post(reverse("discharge:basis_case", kwargs={"month": "2026-10", "code": code, "case_id": case.pk}),
                {"action": "dispute", "reason": "Fel dag 0."})
    login(client, setup["finance"])
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="finance-panel"' in page and 'data-testid="discharge-counters"' not in page
    assert "bestridanden att besvara" in page and "?manad=2026-10" in page
    login(client, setup["municipal_finance"])
    page = client.get(reverse("core:home")).content.decode()
    assert "väntar på regionens svar" in page and f"/2026-10/{code}/" in page
