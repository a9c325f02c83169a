"""The demo data `make run` loads: every seed command runs on an empty database and again on a
loaded one, and the meetings demo shows what it promises (a video visit for `invanare` opening
soon, a resident near the free card, a SIP and a conference)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import Membership, User
from fees.charges import standing
from meetings.models import Booking, ConferenceSession, SipParticipant, SipPlan

pytestmark = pytest.mark.django_db


def test_the_demo_loads_twice_and_shows_visits_fees_sip_and_a_conference():
    for _ in range(2):  # idempotent: `make run` loads it again on every start
        for command in ("seed_demo", "seed_discharge_demo", "seed_meetings_demo"):
            call_command(command, stdout=io.StringIO())
    resident = User.objects.get(username="invanare")
    video = Booking.objects.filter(patient=resident.patient, form="video", status="booked").order_by("starts_at").first()
    assert timezone.now() < video.starts_at < timezone.now() + timedelta(hours=1)
    assert SipPlan.objects.filter(patient=resident.patient).exists()
    # Lund's home care accepted its invitation, and the consent names Lunds kommun: it takes part.
    assert SipParticipant.objects.units_taking_part().filter(plan__patient=resident.patient,
                                                             unit__hsa_id="SE2120001281-0001").exists()

    second = User.objects.get(username="invanare2").patient
    region = second.charges.first().region
    second_standing = standing(second, region)
    assert (second_standing.paid_sek, second_standing.left_sek) == (1200, 250)
    assert ConferenceSession.objects.filter(held=True, cases__answered_at__isnull=False).exists()
    # The lung conference meets on Tuesdays, as its schedule says ("Tisdagar 14.00").
    assert {timezone.localtime(s.starts_at).weekday() for s in ConferenceSession.objects.all()} == {1}
    # The robot that wrote the demo's messages is offered as nobody's colleague.
    from meetings.forms import BookingForm

    clinic = Booking.objects.filter(patient=resident.patient).first().unit
    offered = [str(user) for user in BookingForm(unit=clinic).fields["staff"].queryset]
    assert offered and not any("Demodata" in name for name in offered)
    assert not Membership.objects.filter(user__first_name="Demodata", active=True).exists()
    # Finance has something to do: last month's basis has liable days for Malmö (the demo's
    # municipal finance officer) and Lund, and a dispute in each state.
    from discharge.invoicing import month_basis, previous_month
    from discharge.models import InvoiceDispute

    region = Booking.objects.filter(patient=resident.patient).first().unit.organisation
    liable = {b.municipality.code for b in month_basis(region, previous_month(timezone.localdate())) if b.final_sek}
    assert {"1280", "1281"} <= liable
    assert set(InvoiceDispute.objects.values_list("status", flat=True)) == {"open", "accepted", "rejected"}
