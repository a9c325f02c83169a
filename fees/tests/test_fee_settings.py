"""A region's fee schedules and the national prisbasbelopp, each changed by the people who own them,
with the change in the audit log and in the next charge."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.tests.factories import login, make_actor, make_patient, make_unit
from fees.models import FeeSchedule, Prisbasbelopp
from meetings import actions
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    clinic = make_clinic()
    clinic["finance"] = make_actor(unit=make_unit(clinic["region"], name="Regionkansliet"), roles=("finance",))
    return clinic


def schedule_post(year, **overrides):
    data = {"year": year, "child_free_until_age": 20, "free_from_age": 85, "no_show_fee_sek": 400,
            "ceiling_share": "0,025", "fee_lakarbesok_physical": 300, "fee_lakarbesok_phone": 300,
            "fee_lakarbesok_video": 200}
    data.update(overrides)
    return data


def test_region_finance_starts_next_years_schedule_from_the_latest(client, clinic):
    login(client, clinic["finance"])
    latest = FeeSchedule.objects.filter(region=clinic["region"]).first().year
    form = client.get(reverse("fees:fee_schedule_new")).content.decode()
    assert f'value="{latest + 1}"' in form and 'name="fee_lakarbesok_video" id="id_fee_lakarbesok_video" value="300"' in form

    response = client.post(reverse("fees:fee_schedule_new"), schedule_post(latest + 1))
    assert response.status_code == 302
    schedule = FeeSchedule.objects.get(region=clinic["region"], year=latest + 1)
    assert {(r.visit_kind_key, r.form): r.fee_sek for r in schedule.rows.all()}[("lakarbesok", "video")] == 200
    event = AuditEvent.objects.get(action="fees.fee_schedule.create")
    assert event.changes["fees"][1]["lakarbesok/video"] == 200

    again = client.post(reverse("fees:fee_schedule_new"), schedule_post(latest + 1))
    assert again.status_code == 400 and f"redan en avgiftstabell för {latest + 1}" in again.content.decode()


def test_a_schedule_missing_a_fee_or_with_upside_down_ages_is_refused_on_the_field(client, clinic):
    login(client, clinic["finance"])
    year = timezone.localdate().year
    url = reverse("fees:fee_schedule", kwargs={"year": year})
    missing = client.post(url, schedule_post(year, fee_lakarbesok_phone=""))
    assert missing.status_code == 400 and 'id="id_fee_lakarbesok_phone"' in missing.content.decode()
    upside_down = client.post(url, schedule_post(year, child_free_until_age=90))
    assert upside_down.status_code == 400 and "kan inte vara lägre" in upside_down.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="fees.fee_schedule").exists()


def test_a_changed_fee_is_what_the_next_registered_visit_costs(client, clinic):
    year = timezone.localdate().year
    login(client, clinic["finance"])
    # The year field is disabled when a schedule is changed: a posted year is ignored.
    client.post(reverse("fees:fee_schedule", kwargs={"year": year}), {**schedule_post(year, fee_lakarbesok_video=0),
                                                                          "year": 1999})
    assert FeeSchedule.objects.filter(region=clinic["region"], year=year).exists()  # the year does not move
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, make_patient(birth=date(1970, 3, 1))), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=later(2))
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(hours=1),
                                                 ends_at=timezone.now() - timedelta(minutes=30))
    booking.refresh_from_db()
    actions.register_outcome(clinic["nurse"], booking, outcome="attended")
    assert booking.charge.fee_sek == 0 and booking.charge.reason == "free_visit"


def test_only_a_system_administrator_enters_the_prisbasbelopp(client, clinic):
    url = reverse("fees:prisbasbelopp")
    login(client, clinic["finance"])
    assert client.post(url, {"year": 2031, "amount_sek": 61000}).status_code == 403
    login(client, make_actor(unit=clinic["unit"], roles=("system_admin",)))
    assert client.post(url, {"year": 2031, "amount_sek": 99}).status_code == 400
    assert client.post(url, {"year": 2031, "amount_sek": 61000, "source": "SFS 2030:1"}).status_code == 302
    assert Prisbasbelopp.objects.get(year=2031).amount_sek == 61000
    assert AuditEvent.objects.filter(action="fees.prisbasbelopp.save").exists()


def test_a_year_without_prisbasbelopp_is_flagged(client, clinic):
    year = timezone.localdate().year + 1
    Prisbasbelopp.objects.filter(year=year).delete()
    login(client, clinic["finance"])
    assert f"Prisbasbelopp för {year} saknas" in client.get(reverse("meetings:settings")).content.decode()
