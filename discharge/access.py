"""A discharge case is a care relation: every unit that takes part in it may open the patient
while the case is open, and for FOLLOW_UP_DAYS after it closed (the care contact's follow-up
and the invoice questions that come after discharge)."""

from datetime import timedelta

from django.db.models import F, Q

from core.access import register_relation_source
from discharge.models import CaseParty

FOLLOW_UP_DAYS = 30


def case_parties(unit_id, now):
    """The unit's case parties that give access now, with the case's `patient_id`."""
    return (
        CaseParty.objects.filter(unit_id=unit_id)
        .filter(Q(case_open=True) | Q(case__closed_at__gt=now - timedelta(days=FOLLOW_UP_DAYS)))
        .annotate(patient_id=F("case__patient_id"))
    )


def register():
    register_relation_source("discharge_case", "Utskrivningsärende", case_parties)
