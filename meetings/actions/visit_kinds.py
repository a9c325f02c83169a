"""Writes of a region's visit kinds: what the unit calendars offer, and the key the region's fee
schedules price each kind by (`fees.models.FeeScheduleRow.visit_kind_key`)."""

import re

from django.db import transaction

from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from meetings.models import VisitKind
from meetings.permissions import may_manage_visit_kinds

VISIT_KIND_FIELDS = ["key", "name", "minutes", "is_sip", "suits_video"]


@transaction.atomic
def save_visit_kind(actor, region, kind=None, *, key, name, minutes, is_sip=False, suits_video=False):
    """Create or change one of the region's visit kinds. The key is what the fee schedules price
    by, so it is set once: a changed key would leave every schedule without the kind's fees."""
    if not may_manage_visit_kinds(actor, region):
        raise NotPermitted("Besökstyper ändras av regionens ekonomiansvariga.")
    creating = kind is None
    if creating:
        kind = VisitKind(region=region, key=key)
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key or ""):
            raise ActionError("Nyckeln skrivs med små bokstäver utan å, ä, ö, siffror och bindestreck.", field="key")
        if VisitKind.objects.filter(region=region, key=key).exists():
            raise ActionError("Regionen har redan en besökstyp med den nyckeln.", field="key")
    elif kind.region_id != region.pk:
        raise NotPermitted("Besökstypen hör till en annan region.")
    before = {} if creating else snapshot(kind, VISIT_KIND_FIELDS)
    kind.name, kind.minutes, kind.is_sip, kind.suits_video = name.strip(), minutes, is_sip, suits_video
    if not kind.name:
        raise ActionError("Ge besökstypen ett namn.", field="name")
    if not 5 <= minutes <= 480:
        raise ActionError("Ange en längd på 5–480 minuter.", field="minutes")
    kind.save()
    record_write(actor, "meetings.visit_kind.create" if creating else "meetings.visit_kind.update", kind,
                 changes=diff(before, snapshot(kind, VISIT_KIND_FIELDS)))
    return kind
