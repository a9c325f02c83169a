"""Care relations from meetings (the decisions are in docs/meetings.md, "Who a relation is given to"):

- a booking gives the booking unit access to the patient from the booking until FOLLOW_UP_DAYS
  after the visit (the outcome, the fee, the questions that come after); a unit books only in its
  own calendar, so no unit is given a relation by another's act;
- taking part in an active SIP gives the unit access while the plan is active, once the unit has
  accepted its invitation and the person's consent names the unit's organisation;
- a case registered to a clinical conference with the patient's consent gives the conference's
  owner unit (which answers it) access; the participating units read the case as shared on the
  session page, and get no relation to the patient by another unit's registration."""

from datetime import timedelta

from django.db.models import F

from core.access import register_relation_source
from meetings.models import Booking, ConferenceCase, SipParticipant, SipPlan

FOLLOW_UP_DAYS = 30


def unit_bookings(unit_id, now):
    """The unit's bookings that give access now (each has its `patient_id`)."""
    return (Booking.objects.filter(unit_id=unit_id, ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS))
            .exclude(status=Booking.Status.CANCELLED))


def sip_participations(unit_id, now):
    return (SipParticipant.objects.units_taking_part().filter(unit_id=unit_id, plan__status=SipPlan.Status.ACTIVE)
            .annotate(patient_id=F("plan__patient_id")))


def conference_cases(unit_id, now):
    """The owner unit of a conference opens the patients of the cases registered to it with the
    patient's consent, from registration until FOLLOW_UP_DAYS after the session."""
    return ConferenceCase.objects.filter(
        session__series__owner_unit_id=unit_id, legal_basis=ConferenceCase.LegalBasis.CONSENT,
        session__ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS))


def register():
    register_relation_source("booking", "Bokat besök", unit_bookings)
    register_relation_source("sip", "Samordnad individuell plan (SIP)", sip_participations)
    register_relation_source("conference", "Klinisk distanskonferens", conference_cases)
