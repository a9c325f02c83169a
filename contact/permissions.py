"""Who may do what in the contact entry: used by the actions and the templates alike."""

from django.db.models import Q
from django.utils import timezone

from core.models import Role


def may_work_queue(actor):
    """Staff in a unit with the clinical role handle matters (nurses, physicians, the teams)."""
    return actor.unit_id is not None and not actor.is_resident and actor.has_role(Role.CLINICAL)


def may_handle(actor, matter):
    """Handle a matter: its holding unit's clinical staff."""
    return may_work_queue(actor) and matter.unit_id == actor.unit_id


def may_act_on(actor, matter):
    """Answer, chat, triage, book, close: the one who has taken it."""
    return may_handle(actor, matter) and matter.taken_by_id == actor.user.pk and matter.is_open


def may_file_for_residents(actor):
    """A national front end files matters through the API: a key of a contact entry's intake unit."""
    from contact.models import ContactEntry

    return actor.unit_id is not None and ContactEntry.objects.filter(intake_unit_id=actor.unit_id).exists()


def adult(birth_date, today):
    return (today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))) >= 18


def representation_of(user, patient, *, today=None):
    """The kind of representation by which the resident `user` acts for `patient` today ("" for
    themselves), or None. A guardianship ends at 18; a power of attorney has its own period."""
    from contact.models import Representation

    if user.patient_id is None:
        return None
    if patient.pk == user.patient_id:
        return ""
    today = today or timezone.localdate()
    found = (Representation.objects.filter(representative_id=user.patient_id, principal=patient, valid_from__lte=today)
             .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)))
    for representation in found:
        if representation.kind == "guardian" and adult(patient.birth_date, today):
            continue
        return representation.kind
    return None


def persons_for(user, *, today=None):
    """The people a resident may start a matter for: themselves first, then children and principals."""
    from contact.models import Representation

    if user.patient_id is None:
        return []
    today = today or timezone.localdate()
    people = [(user.patient, "")]
    found = (Representation.objects.filter(representative_id=user.patient_id, valid_from__lte=today)
             .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).select_related("principal"))
    for representation in found:
        if representation.kind == "guardian" and adult(representation.principal.birth_date, today):
            continue
        if all(p.pk != representation.principal_id for p, _k in people):
            people.append((representation.principal, representation.kind))
    return people


def may_configure(actor, region):
    """The region's contact-entry settings (targets, questions, self-care texts): a system
    administrator, or a unit administrator of the region's intake unit."""
    from contact.models import ContactEntry

    if actor.is_resident or actor.unit_id is None:
        return False
    if actor.is_system_admin:
        return True
    return actor.has_role(Role.UNIT_ADMIN) and ContactEntry.objects.filter(
        region=region, intake_unit_id=actor.unit_id).exists()
