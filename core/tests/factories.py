"""Small builders for test data. Valid numbers come from the same rule code the app uses."""

import itertools
from datetime import date

from core.actor import Actor
from core.models import Membership, Organisation, Patient, Unit, User
from core.rules.identity import make_personal_number

_seq = itertools.count(1)
PASSWORD = "Korrekt-hast-batteri-42"


def make_region(code="12", name="Region Skåne"):
    return Organisation.objects.get_or_create(
        code=code, defaults={"kind": Organisation.Kind.REGION, "name": name, "county_code": code, "healthcare_region": "Södra"}
    )[0]


def make_municipality(code="1281", name="Lunds kommun"):
    return Organisation.objects.get_or_create(
        code=code, defaults={"kind": Organisation.Kind.MUNICIPALITY, "name": name, "county_code": code[:2]}
    )[0]


def make_unit(organisation=None, name=None, kind=Unit.Kind.WARD, parent=None):
    n = next(_seq)
    organisation = organisation or make_region()
    return Unit.objects.create(organisation=organisation, name=name or f"Enhet {n}", kind=kind, parent=parent,
                               hsa_id=f"SE2321000032-T{n:04d}")


def make_user(username=None, password=PASSWORD, **extra):
    user = User.objects.create(username=username or f"user{next(_seq)}", **extra)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def make_staff(user=None, unit=None, roles=("clinical",), profession="sjukskoterska"):
    """A membership; `Actor.for_membership(make_staff(...))` gives an actor."""
    return Membership.objects.create(user=user or make_user(), unit=unit or make_unit(), profession=profession,
                                     roles=list(roles))


def make_actor(unit=None, roles=("clinical",), **kwargs):
    return Actor.for_membership(make_staff(unit=unit, roles=roles, **kwargs))


def make_patient(birth=date(1940, 5, 17), protected=False, coordination=False, **extra):
    number = make_personal_number(birth, next(_seq) % 1000, coordination=coordination)
    defaults = {"first_name": "Greta", "last_name": "Testsson", "street_address": "Storgatan 1", "postal_code": "22221",
                "city": "Lund"}
    defaults.update(extra)
    return Patient.objects.create(personal_number=number, is_coordination_number=coordination, birth_date=birth,
                                  protected_identity=protected, **defaults)


def make_resident(patient=None, username=None):
    return make_user(username=username, patient=patient or make_patient())


def make_api_token(membership, name="Journalsystemet"):
    """An API key acting as `membership`, created the real way (by a system admin). Returns
    (token, raw key)."""
    from core.actions import create_api_token

    admin = make_actor(unit=membership.unit, roles=("system_admin",))
    return create_api_token(admin, membership, name=name)


def make_care_relation(actor, patient, reason="Inskriven"):
    from core.models import CareRelation

    return CareRelation.objects.create(patient=patient, unit=actor.unit, reason=reason, created_by=actor.user)


def login(client, actor_or_user):
    """Log the test client in; an actor also sets the unit it acts for (as choosing it would)."""
    user = getattr(actor_or_user, "user", actor_or_user)
    client.force_login(user)
    if hasattr(actor_or_user, "membership"):
        session = client.session
        session["acting_membership_id"] = actor_or_user.membership.pk
        session.save()
