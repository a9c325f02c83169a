"""Every write in core. Each action checks permission, runs in one transaction and records its
audit event in that same transaction, then returns the changed object."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import diff, record_write, snapshot
from core import permissions, tasks
from core.errors import ActionError, NotPermitted
from core.models import ApiToken, CareRelation, EmergencyAccess, Membership, Organisation, Patient, Role, Unit, User
from core.rules.identity import InvalidPersonalNumber, parse_personal_number

PATIENT_FIELDS = [
    "personal_number", "is_coordination_number", "birth_date", "first_name", "last_name",
    "street_address", "postal_code", "city", "home_municipality", "protected_identity", "is_demo",
]


def _require_unit(actor):
    if actor.unit_id is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")


def _validation_to_action_error(error):
    if hasattr(error, "error_dict"):
        return ActionError.many({name: [m for e in errs for m in e.messages] for name, errs in error.error_dict.items()})
    return ActionError(" ".join(error.messages))


def _full_clean(instance, **kwargs):
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise _validation_to_action_error(error) from None


def register_patient(actor, *, personal_number, first_name, last_name, street_address="", postal_code="",
                     city="", home_municipality=None, protected_identity=False, is_demo=False,
                     relation_reason="Registrerad av enheten", endpoint=""):
    """Register a patient and give the registering unit a care relation to them.

    The number is validated and stored in its twelve-digit form; the same person cannot be
    registered twice.
    """
    _require_unit(actor)
    if not permissions.may_register_patients(actor):
        raise NotPermitted("Din roll får inte registrera patienter.")
    if home_municipality is not None and home_municipality.kind != Organisation.Kind.MUNICIPALITY:
        raise ActionError("Hemkommunen måste vara en kommun.", field="home_municipality")
    patient = _new_patient(
        personal_number, first_name=first_name, last_name=last_name,
        street_address=(street_address or "").strip(), postal_code=(postal_code or "").replace(" ", ""),
        city=(city or "").strip(), home_municipality=home_municipality, protected_identity=protected_identity,
        is_demo=is_demo,
    )
    with transaction.atomic():
        _insert_patient(patient)
        record_write(actor, "patient.register", patient, patient=patient, endpoint=endpoint,
                     changes=diff({}, snapshot(patient, PATIENT_FIELDS)))
        _create_care_relation(actor, patient, reason=relation_reason)
    return patient


def _new_patient(personal_number, *, first_name, last_name, **fields):
    """A validated, unsaved patient: the number checked and kept in its twelve-digit form."""
    try:
        number = parse_personal_number(personal_number, today=timezone.localdate())
    except InvalidPersonalNumber as error:
        raise ActionError(error.message, field="personal_number") from None
    patient = Patient(personal_number=number.canonical, is_coordination_number=number.is_coordination_number,
                      birth_date=number.birth_date, first_name=(first_name or "").strip(),
                      last_name=(last_name or "").strip(), **fields)
    _full_clean(patient, exclude=["personal_number"])
    return patient


def _insert_patient(patient):
    """Save a new patient inside the caller's transaction; the same person cannot be there twice."""
    try:
        with transaction.atomic():
            patient.save(force_insert=True)
    except IntegrityError:
        raise ActionError("Det finns redan en patient med det personnumret.", field="personal_number") from None


def _create_care_relation(actor, patient, *, reason, valid_until=None):
    relation = CareRelation(patient=patient, unit=actor.unit, reason=reason.strip(), valid_until=valid_until,
                            created_by=actor.user)
    _full_clean(relation, exclude=["patient", "unit", "created_by"])
    if valid_until is not None and valid_until <= relation.valid_from:
        raise ActionError("Slutdatum måste ligga efter startdatum.", field="valid_until")
    relation.save()
    record_write(actor, "care_relation.create", relation, patient=patient,
                 changes=diff({}, snapshot(relation, ["unit", "reason", "valid_from", "valid_until"])))
    return relation


def add_care_relation(actor, patient, *, reason, valid_until=None):
    """Document that the acting unit has a care relation with the patient.

    Only coordinators and unit admins may do this by hand; clinicians without a relation use
    emergency access, which is flagged.
    """
    _require_unit(actor)
    if not permissions.may_record_care_relations(actor):
        raise NotPermitted("Din roll får inte registrera vårdrelationer.")
    if not (reason or "").strip():
        raise ActionError("Ange anledningen till vårdrelationen.", field="reason")
    with transaction.atomic():
        return _create_care_relation(actor, patient, reason=reason, valid_until=valid_until)


def end_care_relation(actor, relation, *, at=None):
    _require_unit(actor)
    if relation.unit_id != actor.unit_id or not permissions.may_record_care_relations(actor):
        raise NotPermitted("Du kan bara avsluta din egen enhets vårdrelationer.")
    at = at or timezone.now()
    with transaction.atomic():
        before = snapshot(relation, ["valid_until"])
        relation.valid_until = at
        relation.save(update_fields=["valid_until"])
        record_write(actor, "care_relation.end", relation, patient=relation.patient,
                     changes=diff(before, snapshot(relation, ["valid_until"])))
    return relation


def start_emergency_access(actor, patient, *, reason):
    """Nödåtkomst: open a record without a care relation, with a stated reason.

    The access lasts EMERGENCY_ACCESS_HOURS, is flagged in the log and listed in the admin's
    report of emergency accesses.
    """
    _require_unit(actor)
    if not permissions.may_use_emergency_access(actor):
        raise NotPermitted("Bara vårdpersonal kan använda nödåtkomst.")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ActionError("Beskriv skälet till nödåtkomsten (minst 10 tecken).", field="reason")
    if len(reason) > 500:
        raise ActionError("Skälet får vara högst 500 tecken.", field="reason")
    now = timezone.now()
    with transaction.atomic():
        access = EmergencyAccess.objects.create(
            patient=patient, user=actor.user, unit=actor.unit, reason=reason, started_at=now,
            expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        record_write(actor, "emergency_access.start", access, patient=patient,
                     changes={"reason": [None, reason]})
        # The admins are mailed by a task once the access is committed (core/tasks.py).
        transaction.on_commit(lambda: tasks.notify_unit_admins_of_emergency_access.enqueue(str(access.pk)))
    return access


# --- Administration ---------------------------------------------------------------------------
# Who may grant which role and govern whom: `core.permissions` (written down in docs/decisions.md).

# Account fields that carry no power in Samverkan but that Django's own tools read.
_SYSTEM_ADMIN_ONLY_USER_FIELDS = ("is_superuser", "is_staff", "patient", "home_unit_id")


def _check_admin_write(actor, instance):
    """Refuse a register write the actor may not make. `instance` carries the new values; the
    stored row (if any) is read again here, so a form or caller cannot hide the change."""
    if not actor.is_admin:
        raise NotPermitted("Du har inte behörighet att ändra det här.")
    if isinstance(instance, (Organisation, Unit)):
        if not permissions.may_manage_registers(actor):
            raise NotPermitted("Bara systemadministratörer ändrar organisationer och enheter.")
        return
    stored = None
    if instance.pk is not None:
        stored = type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    if isinstance(instance, User) and stored is not None:
        _lock_account(stored)
    if isinstance(instance, Membership):
        if not permissions.may_change_membership(actor, stored, instance):
            raise NotPermitted(_membership_refusal(actor, stored, instance))
        return
    if isinstance(instance, User):
        if not permissions.may_govern_user(actor, stored or instance):
            raise NotPermitted("Du kan bara ändra konton som din enhet sköter, med roller som du själv får ge "
                               "– och inte ditt eget konto här.")
        if not actor.is_system_admin:
            if stored is None:
                instance.home_unit_id = actor.unit_id  # a unit admin's new account is their unit's
            elif stored.hsa_id.upper() != (instance.hsa_id or "").upper():
                # e-ID logins find the account by it: moving it would move someone's login.
                raise NotPermitted("Bara systemadministratörer ändrar HSA-id på ett befintligt konto.")
            before = stored or User(home_unit_id=actor.unit_id)
            if any(getattr(before, f) != getattr(instance, f) for f in _SYSTEM_ADMIN_ONLY_USER_FIELDS):
                raise NotPermitted("Bara systemadministratörer ändrar de här kontouppgifterna.")
        return
    raise NotPermitted("Det här kan inte ändras här.")


def _membership_refusal(actor, stored, instance):
    if instance.user_id == actor.user.pk or (stored is not None and stored.user_id == actor.user.pk):
        return "Du kan inte ändra dina egna medlemskap eller roller. Be en annan administratör."
    refused = set(instance.roles or []) - permissions.grantable_roles(actor)
    if refused:
        labels = ", ".join(str(Role(r).label) for r in sorted(refused) if r in Role.values)
        return f"Du får inte ge rollen: {labels or ', '.join(sorted(refused))}."
    return "Du kan bara hantera medlemskap i din egen enhet, med roller som du själv får ge."


def _editable_fields(instance):
    return [f.name for f in instance._meta.concrete_fields if f.name not in {"id", "password", "last_login"}]


def save_admin_object(actor, instance, *, action=None):
    """Create or change an organisation, unit, user or membership from the admin area."""
    if not isinstance(instance, (Organisation, Unit, User, Membership)):
        raise NotPermitted("Det här kan inte ändras här.")
    fields = _editable_fields(instance)
    creating = instance.pk is None
    with transaction.atomic():
        _check_admin_write(actor, instance)
        _full_clean(instance, exclude=["password"] if isinstance(instance, User) else None)
        before = {} if creating else snapshot(type(instance).objects.get(pk=instance.pk), fields)
        instance.save()
        name = action or f"{instance._meta.model_name}.{'create' if creating else 'update'}"
        record_write(actor, name, instance, changes=diff(before, snapshot(instance, fields)))
    return instance


def _lock_account(user):
    """Lock the person's account and memberships for the rest of the transaction, so that a grant
    committed meanwhile cannot slip between a permission check and the write it allows."""
    list(Membership.objects.select_for_update().filter(user_id=user.pk).values_list("pk", flat=True))
    return User.objects.select_for_update().get(pk=user.pk)


def set_user_password(actor, user, raw_password):
    """An administrator sets another person's password: only for a person they govern."""
    from django.contrib.auth.password_validation import validate_password

    with transaction.atomic():
        user = _lock_account(user)
        if not actor.is_admin or not permissions.may_govern_user(actor, user):
            raise NotPermitted("Du kan bara sätta lösenord för konton som din enhet sköter, med roller som du själv "
                               "får ge. Ditt eget lösenord byter du under Byt lösenord.")
        try:
            validate_password(raw_password, user)
        except ValidationError as error:
            raise ActionError(" ".join(error.messages), field="password") from None
        user.set_password(raw_password)
        user.save(update_fields=["password"])
        record_write(actor, "user.set_password", user, changes={"password": ["***", "***"]})
    return user


def change_own_password(user, *, old_password, new_password, actor=None):
    """A user changes their own password: the old one must be right, the new one pass the
    password rules. Staff and residents alike."""
    from django.contrib.auth.password_validation import validate_password

    if not user.check_password(old_password):
        raise ActionError("Det nuvarande lösenordet stämmer inte.", field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), field="new_password1") from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_write(actor, "user.change_own_password", user, changes={"password": ["***", "***"]})
    return user


TOKEN_PREFIX = "smv_"


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(actor, membership, *, name):
    """Create a system's API key acting as `membership`. Returns (token, raw key); only the
    digest is stored, so the raw key is shown once."""
    name = (name or "").strip()
    if not name:
        raise ActionError("Ge nyckeln ett namn, till exempel systemets namn.", field="name")
    if len(name) > 100:
        raise ActionError("Namnet får vara högst 100 tecken.", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "unit").get(pk=membership.pk)
        if not actor.is_admin or not permissions.may_make_api_key(actor, membership):
            raise NotPermitted("Bara systemadministratörer skapar API-nycklar, och bara för aktiva medlemskap.")
        token = ApiToken.objects.create(
            name=name, membership=membership, prefix=raw[: len(TOKEN_PREFIX) + 6], digest=hash_token(raw),
            created_by=actor.user, roles=list(membership.roles or []),
        )
        # Whose membership the key acts as stays in the log: its requests are logged under that
        # person's name with the key's name beside it (core.audit.actor_columns).
        acts_as = f"{membership.user.username} vid {membership.unit.name}"
        record_write(actor, "api_token.create", token, changes={
            "name": [None, name], "membership": [None, membership.pk], "acts_as": [None, acts_as],
            "roles": [None, token.roles]})
    return token, raw


def revoke_api_token(actor, token):
    # Revoking takes power away, so any administrator of the key's unit may do it.
    if not actor.is_admin or not permissions.may_manage_unit(actor, token.membership.unit_id):
        raise NotPermitted("Du har inte behörighet att återkalla den nyckeln.")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_write(actor, "api_token.revoke", token, changes={"revoked_at": [None, token.revoked_at.isoformat()]})
    return token


# --- Bootstrap ----------------------------------------------------------------------------------

class BootstrapRefused(ActionError):
    """A system administrator exists already and the caller did not say they want another."""


def bootstrap_system_admin(*, organisation, unit_name, unit_hsa_id, username, password, email="", first_name="",
                           last_name="", hsa_id="", allow_another=False):
    """A fresh install's first administration unit and system administrator.

    Nobody can act before this: the registers need an administrator. So this one write has no
    acting person; the audit rows say so by their action name. It refuses to run when an active
    system administrator exists, unless `allow_another` (a second one, or one after all were lost).
    Everything after it is done in the app, under the role-grant rules (core.permissions)."""
    from django.contrib.auth.password_validation import validate_password

    active = Membership.objects.filter(active=True, user__is_active=True).only("roles")
    if not allow_another and any(Role.SYSTEM_ADMIN in (m.roles or []) for m in active.iterator()):
        raise BootstrapRefused("Det finns redan en systemadministratör. Skapa fler i appen, eller ange "
                               "--another om du verkligen behöver en till härifrån.")
    user = User(username=(username or "").strip(), email=(email or "").strip(), first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip(), hsa_id=(hsa_id or "").strip().upper())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), field="password") from None
    with transaction.atomic():
        unit = Unit.objects.filter(hsa_id=unit_hsa_id).first()
        if unit is None:
            unit = Unit(organisation=organisation, name=(unit_name or "").strip(), hsa_id=unit_hsa_id,
                        kind=Unit.Kind.ADMINISTRATION)
            _full_clean(unit)
            unit.save()
            record_write(None, "unit.bootstrap", unit, changes=diff({}, snapshot(unit, ["organisation", "name", "hsa_id"])))
        elif unit.organisation_id != organisation.pk:
            raise ActionError("Det HSA-id:t hör redan till en enhet i en annan organisation.", field="unit_hsa_id")
        user.home_unit = unit
        _full_clean(user, exclude=["password"])
        user.set_password(password)
        user.save()
        record_write(None, "user.bootstrap", user, changes=diff({}, snapshot(user, ["username", "email", "hsa_id"])))
        membership = Membership(user=user, unit=unit, profession="koordinator",
                                roles=[Role.SYSTEM_ADMIN, Role.UNIT_ADMIN])
        membership.save()
        record_write(None, "membership.bootstrap", membership,
                     changes=diff({}, snapshot(membership, ["user", "unit", "roles"])))
    return membership


# --- Login with e-ID (issue 15) -----------------------------------------------------------------
# The e-ID broker has verified the person: these actions act as that resident themselves. They are
# called by core.eid only, after the ID token's signature, issuer, audience and nonce were checked.

RESIDENT_ACCOUNT_FIELDS = ["username", "first_name", "last_name", "patient"]


def _new_resident_account(patient):
    """An account for the resident `patient`: no password (they log in with e-ID), a username that
    is not their personal number (usernames end up in the audit log's actor columns)."""
    user = User(username=f"invanare-{secrets.token_hex(6)}", first_name=patient.first_name,
                last_name=patient.last_name, patient=patient)
    user.set_unusable_password()
    user.save(force_insert=True)
    return user


def register_resident_from_eid(*, personal_number, given_name, family_name, issuer):
    """A resident logged in with e-ID and has no patient record: create the record from the verified
    number and names, and their resident account. Returns the account. The audit events say that
    the e-ID broker at `issuer` verified the number; they are the resident's own."""
    from core.actor import Actor

    patient = _new_patient(personal_number, first_name=given_name, last_name=family_name)
    with transaction.atomic():
        _insert_patient(patient)
        user = _new_resident_account(patient)
        actor = Actor.resident(user)
        verified = {"verified_by": [None, f"e-legitimation via {issuer}"]}
        record_write(actor, "patient.register_from_eid", patient, patient=patient,
                     changes={**diff({}, snapshot(patient, PATIENT_FIELDS)), **verified})
        record_write(actor, "user.create_resident", user, patient=patient,
                     changes={**diff({}, snapshot(user, RESIDENT_ACCOUNT_FIELDS)), **verified})
    return user


def open_resident_account_from_eid(patient, *, issuer):
    """A patient with a record but no resident account logged in with e-ID: make their account.
    Returns the account (the existing one, if another login made it first)."""
    from core.actor import Actor

    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        existing = User.objects.filter(patient=patient).first()
        if existing is not None:
            return existing
        user = _new_resident_account(patient)
        record_write(Actor.resident(user), "user.create_resident", user, patient=patient,
                     changes={**diff({}, snapshot(user, RESIDENT_ACCOUNT_FIELDS)),
                              "verified_by": [None, f"e-legitimation via {issuer}"]})
    return user


def record_eid_login(actor, *, method, issuer):
    """Audit a login with e-ID: who, how and through which provider; no patient data."""
    with transaction.atomic():
        return record_write(actor, "login.eid", actor.user,
                            changes={"method": [None, method], "issuer": [None, issuer]})
