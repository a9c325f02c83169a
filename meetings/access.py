"""A booking is a care relation: the booking unit may open the patient from the booking until
FOLLOW_UP_DAYS after the visit (the outcome, the fee, the questions that come after)."""

from datetime import timedelta

from core.access import register_relation_source
from meetings.models import Booking

FOLLOW_UP_DAYS = 30


def unit_bookings(unit_id, now):
    """The unit's bookings that give access now (each has its `patient_id`)."""
    return (Booking.objects.filter(unit_id=unit_id, ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS))
            .exclude(status=Booking.Status.CANCELLED))


def register():
    register_relation_source("booking", "Bokat besök", unit_bookings)
