"""Follow-up pages: ready days against the agreement's limit, discharges on day 0, admission notices
within 24 hours and long-stayers; the same numbers as the invoice basis; who sees which
municipality; the charts."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.actor import Actor
from core.charts import Bar, bar_chart
from core.errors import NotPermitted
from core.models import Organisation, Unit
from core.tests.factories import login, make_actor, make_municipality, make_staff, make_unit
from discharge import actions, followup
from discharge.invoicing import basis_scope, month_basis
from discharge.models import Agreement, AgreementCareTypeRule, AgreementDailyAmount
from discharge.rules.liability import STOCKHOLM, Month
from discharge.tests.factories import make_case, make_parties

pytestmark = pytest.mark.django_db
OCTOBER = Month(2026, 10)
FOLLOWUP = reverse("discharge:followup")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def discharged_case(parties, *, ready, discharged, admitted="2026-10-01 08:00", notice_after_hours=2):
    """A case through the real actions, with its times in the past."""
    _, case = make_case(parties)
    case.admitted_at = at(admitted)
    case.save(update_fields=["admitted_at"])
    actions.send_admission_notice(parties["ward"], case, at=at(admitted) + timedelta(hours=notice_after_hours))
    actions.appoint_care_contact(parties["primary"], case, name="Distriktssköterska",
                                 at=at(admitted) + timedelta(hours=5))
    actions.send_ready_notice(parties["ward"], case, judged_by="Dr Holm", at=at(ready))
    if discharged:
        actions.send_discharge_notice(parties["ward"], case, at=at(discharged))
    return case


def open_case_ready_since(parties, days):
    """An open case whose patient has been ready for about `days` days."""
    _, case = make_case(parties, admitted_hours_ago=24 * (days + 5))
    now = timezone.now()
    actions.send_admission_notice(parties["ward"], case, at=now - timedelta(days=days + 4, hours=20))
    actions.appoint_care_contact(parties["primary"], case, name="Distriktssköterska", at=now - timedelta(days=days + 3))
    actions.send_ready_notice(parties["ward"], case, judged_by="Dr Holm", at=now - timedelta(days=days))
    return case


def average_agreement(region):
    agreement = Agreement.objects.create(region=region, name="Exempel: genomsnittsmodell", is_example=True,
                                         model="average", day_break=time(12, 0), admission_notice_max_hours=24,
                                         valid_from=date(2025, 1, 1))
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="somatic", free_days=3,
                                         average_limit_days=Decimal("2.8"), long_stay_days=30)
    AgreementCareTypeRule.objects.create(agreement=agreement, care_type="psychiatric", free_days=30,
                                         average_limit_days=Decimal("5"))
    AgreementDailyAmount.objects.create(agreement=agreement, year=2026, amount_sek=9300)
    return agreement


@pytest.fixture
def setup():
    """Three cases discharged in October 2026 with ready days 0, 2 and 5 (day break 12:00)."""
    parties = make_parties()
    region = parties["ward"].unit.organisation
    average_agreement(region)
    cases = [
        discharged_case(parties, ready="2026-10-05 09:00", discharged="2026-10-05 15:00"),  # day 0 = 5th: 0
        discharged_case(parties, ready="2026-10-06 09:00", discharged="2026-10-08 10:00"),  # day 0 = 6th: 2
        discharged_case(parties, ready="2026-10-07 13:00", discharged="2026-10-13 10:00"),  # day 0 = 8th: 5
    ]
    office = make_unit(region, name="Regionkansliet", kind=Unit.Kind.ADMINISTRATION)
    finance = Actor.for_membership(make_staff(unit=office, roles=["finance"]))
    return {"parties": parties, "region": region, "cases": cases, "finance": finance,
            "municipality": parties["municipality"], "scope": followup.followup_scope(finance)}


# --- The numbers ------------------------------------------------------------------------------------

def test_three_cases_with_ready_days_0_2_and_5_give_mean_2_33_and_a_third_on_day_0(setup):
    days = followup.ready_days(setup["scope"], OCTOBER)
    october = days.by_municipality[setup["municipality"]][-1]
    assert (october.discharged, october.mean_ready_days) == (3, Decimal("2.33"))
    assert (october.day0, october.day0_percent) == (1, 33)
    assert october.limit == Decimal("2.8") and not october.over_limit
    assert days.total[-1].mean_ready_days == Decimal("2.33")
    assert [m.discharged for m in days.total[:-1]] == [0] * 11


def test_the_mean_is_the_one_the_invoice_basis_compares_with_the_limit(setup):
    (basis,) = month_basis(setup["region"], OCTOBER)
    (summary,) = basis.result.summaries
    october = followup.ready_days(setup["scope"], OCTOBER).total[-1]
    assert october.mean_ready_days == summary.mean_ready_days


def test_a_long_stayer_is_counted_as_discharged_but_left_out_of_the_mean(setup):
    discharged_case(setup["parties"], admitted="2026-08-20 08:00", ready="2026-09-01 09:00",
                    discharged="2026-10-14 10:00")
    october = followup.ready_days(setup["scope"], OCTOBER).total[-1]
    assert (october.discharged, october.long_stayers, october.in_mean) == (4, 1, 3)
    assert october.mean_ready_days == Decimal("2.33") and october.day0_percent == 25


def test_a_mean_above_the_limit_is_marked(setup):
    discharged_case(setup["parties"], ready="2026-10-10 09:00", discharged="2026-10-20 10:00")
    october = followup.ready_days(setup["scope"], OCTOBER).total[-1]
    assert october.mean_ready_days == Decimal("4.25") and october.over_limit


def test_without_an_agreement_the_law_applies_and_there_is_no_limit(setup, client):
    Agreement.objects.all().delete()
    october = followup.ready_days(setup["scope"], OCTOBER).total[-1]
    assert october.limit is None and october.discharged == 3
    login(client, setup["finance"])
    page = client.get(FOLLOWUP + "?manad=2026-10").content.decode()
    assert 'class="limit"' not in page and "Ingen gräns att jämföra med" in page


def test_admission_notices_are_on_time_late_or_missing_and_not_due_before_24_hours():
    admitted, now = at("2026-10-01 08:00"), at("2026-10-20 12:00")
    timeliness = followup.admission_notice_timeliness
    assert timeliness(admitted, admitted + timedelta(hours=24), None, now) == followup.ON_TIME
    assert timeliness(admitted, admitted + timedelta(hours=25), None, now) == followup.LATE
    assert timeliness(admitted, None, None, now) == followup.MISSING
    assert timeliness(admitted, None, admitted + timedelta(hours=10), now) is None
    assert timeliness(admitted, None, None, admitted + timedelta(hours=3)) is None


def test_admission_notices_within_24_hours_per_month_and_ward(setup):
    discharged_case(setup["parties"], ready="2026-10-10 09:00", discharged="2026-10-11 10:00", notice_after_hours=30)
    notices = followup.admission_notices(setup["scope"], OCTOBER, timezone.now())
    (ward,) = notices.by_ward
    assert ward.label == "Avdelning 2 Ortopedi"
    assert (ward.due, ward.on_time, ward.late, ward.on_time_percent) == (4, 3, 1, 75)
    assert notices.by_month[-1].on_time_percent == 75
    assert notices.by_municipality[setup["municipality"].code].due == 4


def test_an_open_case_ready_longer_than_the_agreements_limit_is_a_long_stayer(setup):
    long_ready = open_case_ready_since(setup["parties"], 40)
    open_case_ready_since(setup["parties"], 10)
    (stayer,) = followup.long_stayers(setup["scope"], timezone.localdate())
    assert stayer.case_id == str(long_ready.pk) and stayer.long_stay_days == 30 and 39 <= stayer.ready_days <= 40


# --- Who sees what ----------------------------------------------------------------------------------

def test_a_nurse_without_finance_or_coordinator_role_gets_403(setup, client):
    nurse = make_actor(unit=setup["parties"]["ward"].unit, roles=("clinical",))
    login(client, nurse)
    assert client.get(FOLLOWUP).status_code == 403
    code = setup["municipality"].code
    assert client.get(reverse("discharge:followup_municipality", kwargs={"code": code})).status_code == 403


def test_a_private_providers_coordinator_is_not_offered_follow_up(client):
    clinic = Organisation.objects.create(kind=Organisation.Kind.PRIVATE, name="Vårdbolaget AB", code="5560000001",
                                         county_code="12")
    coordinator = make_actor(unit=make_unit(clinic, kind=Unit.Kind.PRIMARY_CARE), roles=("coordinator",))
    login(client, coordinator)
    assert 'href="/utskrivning/uppfoljning/"' not in client.get("/").content.decode()
    assert client.get(FOLLOWUP).status_code == 403


def test_coordinators_see_follow_up_but_still_not_the_invoice_basis(setup):
    coordinator = make_actor(unit=setup["parties"]["ward"].unit, roles=("coordinator",))
    assert followup.followup_scope(coordinator).is_region
    with pytest.raises(NotPermitted):
        basis_scope(coordinator)


def test_a_municipality_user_sees_only_their_municipality(setup, client):
    malmo = make_municipality("1280", "Malmö stad")
    make_unit(malmo, name="Biståndshandläggning Malmö", kind=Unit.Kind.NEEDS_ASSESSMENT)
    discharged_case({**setup["parties"], "municipality": malmo}, ready="2026-10-05 09:00",
                    discharged="2026-10-09 10:00")
    lund = setup["parties"]["needs"]  # a coordinator in Lunds kommun
    assert followup.followup_scope(lund).municipality == setup["municipality"]
    login(client, lund)
    own = reverse("discharge:followup_municipality", kwargs={"code": "1281"})
    response = client.get(FOLLOWUP + "?manad=2026-10&kommun=1280")
    assert response.status_code == 302 and response["Location"].startswith(own)
    page = client.get(own + "?manad=2026-10").content.decode()
    assert "2,33" in page and "Malmö" not in page
    assert client.get(reverse("discharge:followup_municipality", kwargs={"code": "1280"})).status_code == 404


def test_region_staff_compare_the_municipalities_and_drill_down(setup, client):
    malmo = make_municipality("1280", "Malmö stad")
    make_unit(malmo, name="Biståndshandläggning Malmö", kind=Unit.Kind.NEEDS_ASSESSMENT)
    discharged_case({**setup["parties"], "municipality": malmo}, ready="2026-10-05 09:00",
                    discharged="2026-10-09 10:00")
    login(client, setup["finance"])
    page = client.get(FOLLOWUP + "?manad=2026-10").content.decode()
    assert "Lunds kommun" in page and "Malmö stad" in page and "4,00" in page and "2,33" in page
    response = client.get(FOLLOWUP + "?manad=2026-10&kommun=1280")
    assert response.status_code == 302
    drill_down = client.get(response["Location"]).content.decode()
    assert "Uppföljning: Malmö stad" in drill_down and "4,00" in drill_down and "2,33" not in drill_down


# --- The pages --------------------------------------------------------------------------------------

def test_the_page_says_so_when_nothing_was_discharged(client):
    region = make_parties()["ward"].unit.organisation
    login(client, make_actor(unit=make_unit(region, kind=Unit.Kind.ADMINISTRATION), roles=("finance",)))
    page = client.get(FOLLOWUP + "?manad=2026-10")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Inga utskrivna ärenden den här perioden" in text and "<svg" not in text
    assert "Inga långliggare just nu" in text


def test_the_page_shows_mean_and_share_and_the_chart_draws_the_limit_line(setup, client):
    login(client, setup["finance"])
    page = client.get(FOLLOWUP + "?manad=2026-10").content.decode()
    assert "2,33" in page and "33&nbsp;%" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    assert '<title id="chart-ready-days-title">' in page and '<desc id="chart-ready-days-desc">' in page
    assert 'class="limit" data-limit="2,8"' in page and 'stroke-dasharray="8 5"' in page
    assert "Avtalets gräns: 2,8 dagar" in page


def test_a_month_written_wrongly_is_explained_and_the_previous_month_shown(setup, client):
    login(client, setup["finance"])
    page = client.get(FOLLOWUP + "?manad=oktober", follow=True).content.decode()
    assert "Skriv månaden som ÅÅÅÅ-MM" in page


def test_chart_texts_are_escaped():
    svg = bar_chart([Bar(label="<script>", value=Decimal("2.5"), text="2,5", limit=Decimal("2.8"))],
                    chart_id="c", title="A & B", description='"quoted"', limit_label="<b>gräns</b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg and "&lt;b&gt;" in svg
    assert '<line class="limit"' in svg
