"""Reads of contact matters with their access rules (filled in with the actions)."""

from django.db.models import Q


def visible_matters(actor, queryset):
    if actor.is_resident:
        return queryset.filter(Q(patient_id=actor.user.patient_id) | Q(filed_by=actor.user))
    if actor.unit_id is None:
        return queryset.none()
    return queryset.filter(Q(unit_id=actor.unit_id) | Q(filed_by_unit_id=actor.unit_id))
