"""Follow-up of digital care meetings: the video share per unit and month against the goal, SIP
meetings and the share digital, and conference throughput."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Unit
from core.tests.factories import login, make_actor, make_care_relation, make_municipality, make_patient, make_unit
from meetings import actions, followup
from meetings.models import Booking, ConferenceSession
from meetings.tests.factories import in_care, later, make_clinic
from meetings.tests.factories_conference import make_conference

pytestmark = pytest.mark.django_db


def held(clinic, form, *, days_ago=1, kind=None):
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, make_patient(birth=date(1970, 6, 15))), staff=clinic["physician"].user,
                                 visit_kind=kind or clinic["kind"], form=form, starts_at=later(24 * 40 + days_ago * 3))
    start = timezone.now() - timedelta(days=days_ago)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + timedelta(minutes=30))
    return actions.register_outcome(clinic["physician"], booking, outcome="attended")


def test_the_video_share_per_unit_and_month(client):
    clinic = make_clinic()
    held(clinic, "video")
    for _ in range(3):
        held(clinic, "physical")
    cancelled = actions.book_visit(clinic["nurse"], in_care(clinic, make_patient()), staff=clinic["physician"].user,
                                   visit_kind=clinic["kind"], form="video", starts_at=later(300))
    actions.cancel(clinic["nurse"], cancelled, reason="x", by_patient=False)
    firsts, total, units, goal = followup.video_share(clinic["region"])
    this_month = (timezone.localtime() - timedelta(days=1)).date().replace(day=1)
    assert total.by_month[this_month] == (1, 4) and total.share(this_month) == 25.0
    assert [u.unit for u in units] == ["Vårdcentralen Norr"] and goal == 10
    coordinator = make_actor(unit=clinic["unit"], roles=("coordinator",))
    login(client, coordinator)
    page = client.get(reverse("meetings:followup")).content.decode()
    assert "Mål 10" in page and "25\u202f%" in page and "(1/4)" in page
    login(client, clinic["nurse"])
    assert client.get(reverse("meetings:followup")).status_code == 403


def test_conference_throughput_counts_days_to_the_answer():
    mdk = make_conference()
    case = actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="?", legal_basis="consent")
    ConferenceSession.objects.filter(pk=mdk["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    case.refresh_from_db()
    actions.record_recommendation(mdk["chair"], case, recommendation="Operation", informs_patient="Remittent",
                                  inform_by=None)
    rows = [r for r in followup.conference_throughput(mdk["owner"].organisation) if r["registered"]]
    assert [(r["registered"], r["answered"], r["median_days"]) for r in rows] == [(1, 1, 0)]


def test_sip_plans_count_for_an_organisation_once_its_unit_takes_part():
    clinic = make_clinic()
    patient = make_patient()
    make_care_relation(clinic["nurse"], patient)
    plan = actions.create_sip(clinic["nurse"], patient, consent_given=True,
                              follow_up_on=timezone.localdate() + timedelta(days=30))
    home_care = make_unit(make_municipality(), name="Hemsjukvården Lund", kind=Unit.Kind.HOME_CARE)
    invitation = actions.add_sip_participant(clinic["nurse"], plan, name="Lena", role="Sjuksköterska", unit=home_care,
                                             consent_given=True)

    def started(organisation):
        return sum(row["plans"] for row in followup.sip_numbers(organisation))

    assert (started(clinic["region"]), started(home_care.organisation)) == (1, 0)
    actions.answer_sip_invitation(make_actor(unit=home_care), invitation, accept=True)
    assert started(home_care.organisation) == 1
