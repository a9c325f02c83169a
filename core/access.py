"""Access by care relation (Patientdatalagen 4 kap.).

Staff see a patient only when their acting unit has a care relation with the patient, or when
they have stated an emergency access that has not expired. A resident sees only themselves.

Modules add their own kinds of relation (a discharge case, a booking, a plan, a contact matter)
with `register_relation_source`: a function `(unit_id, now) -> QuerySet` of rows with a
`patient_id` column that gives the patients the unit takes part in through that module.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from core.models import CareRelation, EmergencyAccess

_relation_sources = {}


def register_relation_source(name, label, source):
    _relation_sources[name] = (label, source)


def _care_relations(unit_id, now):
    return CareRelation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now), unit_id=unit_id, valid_from__lte=now
    )


register_relation_source("care_relation", "Vårdrelation", _care_relations)


def _active_emergency(actor, now):
    return EmergencyAccess.objects.filter(user=actor.user, unit_id=actor.unit_id, expires_at__gt=now)


def visible_patients(actor, queryset, *, now=None):
    """Only the patients this actor may open."""
    now = now or timezone.now()
    if actor.is_resident:
        return queryset.filter(pk=actor.user.patient_id)
    if actor.unit_id is None:
        return queryset.none()
    condition = Q(pk__in=_active_emergency(actor, now).values("patient_id"))
    for _label, source in _relation_sources.values():
        condition |= Q(pk__in=source(actor.unit_id, now).values("patient_id"))
    return queryset.filter(condition)


@dataclass(frozen=True)
class AccessBasis:
    """Why an actor may open a patient's data, as the audit log records it."""

    basis: str  # AuditEvent.Basis value
    reason: str


def access_basis(actor, patient, *, now=None):
    """The relation or emergency access that lets the actor open this patient, or None."""
    now = now or timezone.now()
    if actor.is_resident:
        return AccessBasis("own", "Egen uppgift") if actor.user.patient_id == patient.pk else None
    if actor.unit_id is None:
        return None
    for label, source in _relation_sources.values():
        if source(actor.unit_id, now).filter(patient_id=patient.pk).exists():
            return AccessBasis("relation", label)
    emergency = _active_emergency(actor, now).filter(patient=patient).order_by("-started_at").first()
    if emergency:
        return AccessBasis("emergency", emergency.reason)
    return None


def require_access(actor, patient, *, message="Din enhet har ingen vårdrelation till patienten."):
    """For actions that give others a way to the patient (a booking, a plan, a case, a conference
    case): the acting unit must itself be able to open the patient. The action checks this itself,
    so a view, an import or the API that forgot to open the patient cannot hand out access."""
    from core.errors import NotPermitted

    basis = access_basis(actor, patient)
    if basis is None:
        raise NotPermitted(message)
    return basis


def related_patients(actor, queryset, *, now=None):
    """The patients the actor's unit has a care relation to (of any registered kind): the unit's
    patient list. Emergency accesses are left out: they open one patient, they make no list."""
    now = now or timezone.now()
    if actor.is_resident or actor.unit_id is None:
        return queryset.none()
    condition = Q(pk__in=[])
    for _label, source in _relation_sources.values():
        condition |= Q(pk__in=source(actor.unit_id, now).values("patient_id"))
    return queryset.filter(condition)
