"""Fees for the visits in the database: charged when the outcome is registered (or a late
cancellation), by the region's schedule for the visit's year, with the ceiling per person and
region, SIP meetings free, and a refusal when a schedule is missing."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import ActionError
from core.models import AuditEvent
from core.tests.factories import login, make_patient
from fees.charges import region_year, schedule_book, standing
from meetings import actions
from fees.models import FeeSchedule, PatientCharge
from meetings.models import Booking, UnitCalendar, VisitKind
from meetings.tests.factories import in_care, later, make_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic()


def held(clinic, patient, *, days_ago=1, kind=None, outcome="attended", form="video"):
    """A visit booked ahead, then moved into the past (as time passes) and its outcome registered."""
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, patient), staff=clinic["physician"].user,
                                 visit_kind=kind or clinic["kind"], form=form, starts_at=later(24 * 30 + days_ago))
    start = timezone.now() - timedelta(days=days_ago)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + timedelta(minutes=30))
    return actions.register_outcome(clinic["physician"], booking, outcome=outcome)


def test_an_attended_visit_is_charged_by_the_schedule_with_its_reason(clinic):
    booking = held(clinic, make_patient(birth=date(1970, 6, 15)))
    charge = PatientCharge.objects.get(booking=booking)
    assert (charge.fee_sek, charge.reason, charge.counts_to_ceiling) == (300, "fee", True)
    assert "Läkarbesök per video kostar 300 kr enligt avgifterna i" in charge.explanation
    assert "Du betalar 300 kr." in charge.explanation
    event = AuditEvent.objects.get(action="meetings.outcome")
    assert event.changes["fee_sek"] == [None, 300]


def test_a_no_show_is_charged_the_no_show_fee(clinic):
    booking = held(clinic, make_patient(birth=date(1970, 6, 15)), outcome="no_show")
    assert (booking.charge.fee_sek, booking.charge.reason) == (400, "no_show")


def test_a_late_cancellation_by_the_patient_is_charged(clinic):
    UnitCalendar.objects.create(unit=clinic["unit"], late_cancel_hours=24)
    adult = make_patient(birth=date(1970, 6, 15))
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, adult), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="phone", starts_at=later(hours=3))
    actions.cancel(clinic["nurse"], booking, reason="Förhindrad", by_patient=True)
    assert (PatientCharge.objects.get(booking=booking).fee_sek, booking.charge.reason) == (400, "no_show")


def test_the_ceiling_and_the_free_card_follow_the_patients_visits_in_the_region(clinic):
    patient = make_patient(birth=date(1970, 6, 15))
    for days_ago in (50, 40, 30, 20, 10):
        held(clinic, patient, days_ago=days_ago)
    ceiling = schedule_book(clinic["region"]).ceiling(timezone.localdate().year - (
        (timezone.now() - timedelta(days=50)).year != timezone.localdate().year))
    charges = list(PatientCharge.objects.filter(patient=patient).order_by("date"))
    assert sum(c.fee_sek for c in charges) == min(5 * 300, ceiling)
    status = standing(patient, clinic["region"])
    assert status.paid_sek == min(1500, ceiling)
    assert status.free_card_until is not None


def test_an_85_year_old_is_not_charged_even_for_a_no_show(clinic):
    booking = held(clinic, make_patient(birth=date(1930, 6, 15)), outcome="no_show")
    assert (booking.charge.fee_sek, booking.charge.reason) == (0, "age_exempt")


def test_a_sip_meeting_is_not_booked_straight_into_the_calendar(clinic):
    sip = VisitKind.objects.create(region=clinic["region"], key="sip", name="SIP-möte", minutes=60, is_sip=True)
    with pytest.raises(ActionError, match="bokas från planen"):
        held(clinic, make_patient(birth=date(1970, 6, 15)), kind=sip)
    assert not Booking.objects.exists()


def test_a_missing_schedule_refuses_the_registration_with_a_message(clinic):
    FeeSchedule.objects.all().delete()
    with pytest.raises(ActionError, match="ingen avgiftstabell"):
        held(clinic, make_patient())
    assert not PatientCharge.objects.exists()
    assert Booking.objects.get().status == "booked"  # the registration was rolled back whole


def test_the_patient_sees_charges_and_how_far_to_the_free_card(client, clinic):
    from core.tests.factories import make_resident

    resident = make_resident(make_patient(birth=date(1970, 6, 15)))
    held(clinic, resident.patient, days_ago=3)
    login(client, resident)
    page = client.get("/mina-sidor/avgifter/").content.decode()
    assert "Du har betalat <strong>300 kr</strong>" in page and "kvar till frikort" in page
    assert "Läkarbesök per video kostar 300 kr" in page
    other = make_resident(make_patient())
    login(client, other)
    assert "Du har inga registrerade avgifter" in client.get("/mina-sidor/avgifter/").content.decode()


def test_a_regions_year_recalculated_matches_the_registered_charges(clinic):
    patient = make_patient(birth=date(1970, 6, 15))
    for days_ago in (30, 20, 10):
        held(clinic, patient, days_ago=days_ago)
    year = (timezone.now() - timedelta(days=10)).year
    charges = region_year(clinic["region"], year)
    stored = {str(c.booking_id): c.fee_sek for c in PatientCharge.objects.all()}
    assert {str(c.visit_id): c.fee_sek for c in charges if str(c.visit_id) in stored} == {
        k: v for k, v in stored.items() if PatientCharge.objects.get(booking_id=k).date.year == year}


def test_a_regions_year_carries_a_free_card_from_last_years_visits(clinic):
    patient = make_patient(birth=date(1970, 6, 15))
    today = timezone.localdate()
    for day in range(1, 6):  # five visits of 300 kr in December reach last year's ceiling (1 450 kr)
        held(clinic, patient, days_ago=(today - date(today.year - 1, 12, day)).days)
    january = held(clinic, patient, days_ago=(today - date(today.year, 1, 2)).days)
    assert january.charge.reason == "free_card"
    charges = region_year(clinic["region"], today.year)
    assert [(str(c.visit_id), c.fee_sek, c.reason) for c in charges] == [(str(january.pk), 0, "free_card")]


def test_the_years_check_finds_the_registered_charges_unchanged_and_then_a_changed_schedule(clinic):
    from io import StringIO

    from django.core.management import call_command

    patient = make_patient(birth=date(1970, 6, 15))
    for days_ago in (30, 20, 10):
        held(clinic, patient, days_ago=days_ago)
    year = (timezone.now() - timedelta(days=10)).year
    out = StringIO()
    call_command("fees_check_year", "--region", clinic["region"].county_code, "--year", str(year), stdout=out)
    assert "0 avviker" in out.getvalue()
    assert patient.personal_number not in out.getvalue()
    FeeSchedule.objects.get(region=clinic["region"], year=year).rows.update(fee_sek=250)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("fees_check_year", "--region", clinic["region"].county_code, "--year", str(year), stdout=out)
    assert "avviker: bokning" in out.getvalue()
