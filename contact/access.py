"""A contact matter is a care relation for the unit that holds it, while it is open and for
FOLLOW_UP_DAYS after it closed (the questions that come after an answer)."""

from datetime import timedelta

from django.db.models import Q

from contact.models import Matter
from core.access import register_relation_source

FOLLOW_UP_DAYS = 30


def held_matters(unit_id, now):
    return Matter.objects.filter(unit_id=unit_id).filter(
        Q(status__in=Matter.OPEN) | Q(closed_at__gt=now - timedelta(days=FOLLOW_UP_DAYS)))


def register():
    register_relation_source("contact_matter", "Kontaktärende", held_matters)
