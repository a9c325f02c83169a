"""Care relations from meetings: a booking gives the booking unit access to the patient from the
booking until FOLLOW_UP_DAYS after the visit (the outcome, the fee, the questions that come after);
taking part in an active SIP gives the unit access while the plan is active (the person consented
to the plan and its participants)."""

from datetime import timedelta

from django.db.models import F, Q

from core.access import register_relation_source
from meetings.models import Booking, ConferenceCase, SipParticipant, SipPlan

FOLLOW_UP_DAYS = 30


def unit_bookings(unit_id, now):
    """The unit's bookings that give access now (each has its `patient_id`)."""
    return (Booking.objects.filter(unit_id=unit_id, ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS))
            .exclude(status=Booking.Status.CANCELLED))


def sip_participations(unit_id, now):
    return (SipParticipant.objects.filter(unit_id=unit_id, plan__status=SipPlan.Status.ACTIVE)
            .annotate(patient_id=F("plan__patient_id")))


def conference_cases(unit_id, now):
    """The units of a conference see the cases registered to it, from registration until
    FOLLOW_UP_DAYS after the session (the legal basis is recorded on the case)."""
    return ConferenceCase.objects.filter(
        Q(session__series__participating_units__id=unit_id) | Q(session__series__owner_unit_id=unit_id),
        session__ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS))


def register():
    register_relation_source("booking", "Bokat besök", unit_bookings)
    register_relation_source("sip", "Samordnad individuell plan (SIP)", sip_participations)
    register_relation_source("conference", "Klinisk distanskonferens", conference_cases)
