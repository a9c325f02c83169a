"""The settings of digital care meetings: a unit's booking rules, the region's visit kinds and
conference series, each changed by the people who own them, with the change in the audit log. (Fee
schedules and the prisbasbelopp: fees/tests/test_fee_settings.py.)"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import NotPermitted
from core.models import AuditEvent, Unit
from core.tests.factories import login, make_actor, make_municipality, make_patient, make_region, make_unit
from meetings import actions
from meetings.models import ConferenceSeries, UnitCalendar, VisitKind
from meetings.tests.factories import in_care, later, make_clinic
from meetings.tests.factories_conference import make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    clinic = make_clinic()
    clinic["finance"] = make_actor(unit=make_unit(clinic["region"], name="Regionkansliet"), roles=("finance",))
    return clinic


def test_only_the_regions_finance_staff_change_fees_and_visit_kinds(client, clinic):
    login(client, clinic["nurse"])
    page = client.get(reverse("meetings:settings")).content.decode()
    assert "Läkarbesök" in page and "ändras av regionens ekonomiansvariga" in page
    assert reverse("fees:fee_schedule_new") not in page
    assert client.get(reverse("fees:fee_schedule_new")).status_code == 403
    assert client.post(reverse("meetings:visit_kind_new"), {"key": "x", "name": "X", "minutes": 30}).status_code == 403
    other_region_finance = make_actor(unit=make_unit(make_region("10", "Region Blekinge")), roles=("finance",))
    with pytest.raises(NotPermitted):
        actions.save_visit_kind(other_region_finance, clinic["region"], key="x", name="X", minutes=30)


def test_a_new_visit_kind_shows_as_missing_from_the_schedules_until_priced(client, clinic):
    login(client, clinic["finance"])
    response = client.post(reverse("meetings:visit_kind_new"), {"key": "fysioterapi", "name": "Fysioterapi",
                                                                "minutes": 45, "suits_video": "on"})
    assert response.status_code == 302
    kind = VisitKind.objects.get(region=clinic["region"], key="fysioterapi")
    page = client.get(reverse("meetings:settings")).content.decode()
    assert "Saknar avgift för Fysioterapi" in page
    upper = client.post(reverse("meetings:visit_kind_new"), {"key": "Fysio", "name": "Fysio", "minutes": 30})
    assert upper.status_code == 400 and "små bokstäver" in upper.content.decode()
    duplicate = client.post(reverse("meetings:visit_kind_new"), {"key": "fysioterapi", "name": "Igen", "minutes": 30})
    assert duplicate.status_code == 400 and "redan en besökstyp" in duplicate.content.decode()
    # The key is set once: a posted key is ignored when the kind is changed.
    client.post(reverse("meetings:visit_kind", kwargs={"kind_id": kind.pk}),
                {"key": "annat", "name": "Fysioterapi, uppföljning", "minutes": 30})
    kind.refresh_from_db()
    assert (kind.key, kind.name, kind.minutes) == ("fysioterapi", "Fysioterapi, uppföljning", 30)
    assert AuditEvent.objects.filter(action="meetings.visit_kind.update", object_id=str(kind.pk)).exists()


def test_the_units_coordinator_sets_when_a_cancellation_is_late(client, clinic):
    url = reverse("meetings:booking_rules")
    login(client, clinic["nurse"])
    assert client.get(url).status_code == 403
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    login(client, coordinator)
    assert client.post(url, {"late_cancel_hours": 500, "join_opens_minutes": 10}).status_code == 400
    assert client.post(url, {"late_cancel_hours": 48, "join_opens_minutes": 10}).status_code == 302
    assert UnitCalendar.objects.get(unit=clinic["unit"]).late_cancel_hours == 48
    assert "mindre än 48 timmar" in client.get(reverse("meetings:settings")).content.decode()
    visit = actions.book_visit(clinic["nurse"], in_care(clinic, make_patient()), staff=clinic["physician"].user,
                               visit_kind=clinic["kind"], form="video", starts_at=later(30))
    assert actions.cancel(clinic["nurse"], visit, reason="Förhindrad", by_patient=True).status == "late_cancel"


def test_a_municipal_nurse_reads_the_countys_settings(client, clinic):
    home_care = make_actor(unit=make_unit(make_municipality(), name="Hemsjukvården", kind=Unit.Kind.HOME_CARE))
    login(client, home_care)
    page = client.get(reverse("meetings:settings")).content.decode()
    assert "Region Skåne" in page and "Läkarbesök" in page


def test_a_unit_sets_up_a_conference_and_plans_a_session(client):
    mdk = make_conference()
    login(client, mdk["chair"])
    url = reverse("meetings:conference_series_new")
    data = {"name": "Tumörkonferens huvud-hals", "specialty": "Öron-näsa-hals", "chair": mdk["chair"].user.pk,
            "schedule": "Torsdagar 08.00", "required_professions": ["lakare", "sjukskoterska"],
            "participating_units": [mdk["owner"].pk, mdk["referring_unit"].pk], "registration_deadline_hours": 72}
    outsider = make_actor(unit=mdk["referring_unit"])
    refused = client.post(url, {**data, "chair": outsider.user.pk})
    assert refused.status_code == 400
    assert client.post(url, {**data, "participating_units": []}).status_code == 400
    assert client.post(url, data).status_code == 302
    series = ConferenceSeries.objects.get(name="Tumörkonferens huvud-hals")
    assert series.owner_unit == mdk["owner"] and series.participating_units.count() == 2
    assert AuditEvent.objects.filter(action="meetings.conference.series.create").exists()

    new_session = reverse("meetings:conference_session_new", kwargs={"series_id": series.pk})
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(new_session, {"starts_at": past, "minutes": 60}).status_code == 400
    ahead = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(new_session, {"starts_at": ahead, "minutes": 60})
    session = series.sessions.get()
    assert response["Location"] == reverse("meetings:conference_session", kwargs={"session_id": session.pk})

    # The referring unit takes part but does not own the series: it cannot change it or plan sessions.
    login(client, mdk["referrer"])
    assert client.get(reverse("meetings:conference_series", kwargs={"series_id": series.pk})).status_code == 404
    assert client.post(new_session, {"starts_at": ahead, "minutes": 60}).status_code == 404
