"""Organisations, units, people, patients, care relations and the audit log.

Writes go through `core.actions`; reads that need access rules through `core.queries`.
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules.identity import HSA_ID_PATTERN


class HealthcareRegion(models.TextChoices):
    SODRA = "Södra", "Södra sjukvårdsregionen"
    SYDOSTRA = "Sydöstra", "Sydöstra sjukvårdsregionen"
    VASTRA = "Västra", "Västra sjukvårdsregionen"
    STOCKHOLM = "Stockholm", "Sjukvårdsregion Stockholm-Gotland"
    MELLANSVERIGE = "Mellansverige", "Sjukvårdsregion Mellansverige"
    NORRA = "Norra", "Norra sjukvårdsregionen"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Kommun")
        PRIVATE = "private", _("Privat vårdgivare")

    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("namn"), max_length=120)
    # County code for regions (two digits), municipality code (four digits), or the private
    # provider's organisation number.
    code = models.CharField(_("kod"), max_length=20, unique=True)
    county_code = models.CharField(_("länskod"), max_length=2)
    healthcare_region = models.CharField(
        _("sjukvårdsregion"), max_length=20, choices=HealthcareRegion.choices, blank=True
    )
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self):
        return self.name


def validate_hsa_id(value):
    if not HSA_ID_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _("HSA-id ska se ut som SE2321000032-1234: SE, tio siffror, bindestreck och en lokal del."),
            code="hsa_id",
        )


class Unit(models.Model):
    """A care unit (vårdenhet): a ward, a primary-care centre, a home-care group."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Sjukhus")
        WARD = "ward", _("Vårdavdelning")
        PSYCHIATRY = "psychiatry", _("Psykiatrisk avdelning")
        PRIMARY_CARE = "primary_care", _("Vårdcentral")
        HOME_CARE = "home_care", _("Hemtjänst/hemsjukvård")
        NEEDS_ASSESSMENT = "needs_assessment", _("Biståndshandläggning")
        ADMINISTRATION = "administration", _("Administration")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units",
                                     verbose_name=_("organisation"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("överordnad enhet"),
    )
    kind = models.CharField(_("typ"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("namn"), max_length=160)
    hsa_id = models.CharField(_("HSA-id"), max_length=40, unique=True, validators=[validate_hsa_id])
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("vårdenhet")
        verbose_name_plural = _("vårdenheter")

    def __str__(self):
        return f"{self.name} ({self.organisation.name})"

    def clean(self):
        if self.parent_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError({"parent": _("Den överordnade enheten måste höra till samma organisation.")})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("En enhet kan inte ligga under sig själv.")})
            ancestor = ancestor.parent


class Profession(models.TextChoices):
    PHYSICIAN = "lakare", _("Läkare")
    NURSE = "sjukskoterska", _("Sjuksköterska")
    DISTRICT_NURSE = "distriktsskoterska", _("Distriktssköterska")
    ASSISTANT_NURSE = "underskoterska", _("Undersköterska")
    OCCUPATIONAL_THERAPIST = "arbetsterapeut", _("Arbetsterapeut")
    PHYSIOTHERAPIST = "fysioterapeut", _("Fysioterapeut")
    NEEDS_ASSESSOR = "bistandshandlaggare", _("Biståndshandläggare")
    SOCIAL_WORKER = "kurator", _("Kurator")
    PSYCHOLOGIST = "psykolog", _("Psykolog")
    SECRETARY = "sekreterare", _("Sekreterare")
    COORDINATOR = "koordinator", _("Koordinator")
    ANALYST = "analytiker", _("Analytiker")


class Role(models.TextChoices):
    CLINICAL = "clinical", _("Vård")
    COORDINATOR = "coordinator", _("Samordnare")
    FINANCE = "finance", _("Ekonomi")
    FORUM_SECRETARY = "forum_secretary", _("Forumsekreterare")
    UNIT_ADMIN = "unit_admin", _("Enhetsadministratör")
    SYSTEM_ADMIN = "system_admin", _("Systemadministratör")
    # Sees name and address of patients with protected identity (skyddad identitet).
    PROTECTED_IDENTITY = "protected_identity", _("Behörig skyddad identitet")


class User(AbstractUser):
    """A person who logs in: staff (with memberships) or a resident (linked to a patient).

    Passwords are optional so that a region's e-ID / SAML / OIDC login can create users later
    without one; such users simply have an unusable password.
    """

    # The person's HSA-id: staff log in with e-ID by it, so it names one account only.
    hsa_id = models.CharField(_("HSA-id (person)"), max_length=40, blank=True, validators=[validate_hsa_id])
    # The unit whose administrator looks after this account (name, e-mail, password). Set when the
    # account is made; only a system administrator moves it. A membership elsewhere does not.
    home_unit = models.ForeignKey(
        "Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("hemenhet (kontot sköts av)"),
    )
    patient = models.OneToOneField(
        "Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="resident_account",
        verbose_name=_("invånare (patient)"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(Upper("hsa_id"), condition=~models.Q(hsa_id=""),
                                               name="one_account_per_hsa_id",
                                               violation_error_message=_("Ett annat konto har redan det HSA-id:t."))]
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    @property
    def is_resident(self):
        return self.patient_id is not None

    def display_name(self):
        return self.name_from(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(first_name, last_name, username):
        """`display_name` from the columns, for lists that do not build users (issue 14: the free-time
        search built 20 users per call for their names). The full name as Django's get_full_name."""
        return f"{first_name} {last_name}".strip() or username


class Membership(models.Model):
    """A user's place in a unit: their profession there and the roles they hold."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("användare"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("enhet"))
    profession = models.CharField(_("yrke"), max_length=30, choices=Profession.choices)
    roles = models.JSONField(_("roller"), default=list, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="one_membership_per_unit")]
        ordering = ["unit__name"]
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")

    def __str__(self):
        return f"{self.user.display_name()} – {self.unit.name}"

    def clean(self):
        unknown = set(self.roles or []) - set(Role.values)
        if unknown:
            raise ValidationError({"roles": _("Okänd roll: %(roles)s") % {"roles": ", ".join(sorted(unknown))}})

    def role_labels(self):
        return [Role(code).label for code in self.roles if code in Role.values]


class Session(AbstractBaseSession):
    """A browser's session (SESSION_ENGINE core.sessions): Django's database session, with two hints
    beside its data, the ids of its logged-in user and acting membership as the data held them when it
    was last saved. Every request reads its session, user and acting membership in one statement
    through them (core/sessions.py; issue 14: three round trips before). Hints only: the data decides
    who is logged in and for which unit, a hint that differs from it is not used, and nothing else
    refers to them (no constraint, no index, not kept up when a user or membership goes)."""

    user = models.ForeignKey(User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    acting_membership = models.ForeignKey(Membership, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                          db_index=False, related_name="+")

    class Meta(AbstractBaseSession.Meta):
        db_table = "core_session"

    @classmethod
    def get_session_store_class(cls):
        from core.sessions import SessionStore

        return SessionStore


class PatientQuerySet(models.QuerySet):
    def visible_to(self, actor):
        from core.access import visible_patients

        return visible_patients(actor, self)


class Patient(models.Model):
    # Opaque id: patient URLs never carry the personnummer.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Canonical 12 digits, no separator (YYYYMMDDNNNN).
    personal_number = models.CharField(_("personnummer"), max_length=12, unique=True)
    is_coordination_number = models.BooleanField(_("samordningsnummer"), default=False)
    birth_date = models.DateField(_("födelsedatum"))
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=6, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    home_municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="residents",
        limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY}, verbose_name=_("hemkommun"),
    )
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)
    # Listning: the primary-care centre the resident has chosen, and their fixed care contact
    # (fast vårdkontakt) there. The contact entry routes the resident's matters by these.
    listed_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="listed_patients",
        limit_choices_to={"kind": Unit.Kind.PRIMARY_CARE}, verbose_name=_("listad vid"),
    )
    fixed_care_contact = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("fast vårdkontakt"),
    )
    is_demo = models.BooleanField(_("demoperson"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")

    def __str__(self):
        # Never the name: str() ends up in logs and admin messages.
        return f"Patient {self.pk}"

    @property
    def formatted_personal_number(self):
        from core.rules.identity import format_personal_number

        return format_personal_number(self.personal_number)


class CareRelation(models.Model):
    """A unit's documented care relation to a patient (vårdrelation), for a period.

    Later modules (discharge cases, bookings, plans, contact matters) are relations too; they
    register with `core.access` instead of writing rows here.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_relations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="care_relations")
    reason = models.CharField(_("anledning"), max_length=200)
    valid_from = models.DateTimeField(_("gäller från"), default=timezone.now)
    valid_until = models.DateTimeField(_("gäller till"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["unit", "patient"])]
        verbose_name = _("vårdrelation")
        verbose_name_plural = _("vårdrelationer")


class EmergencyAccess(models.Model):
    """Nödåtkomst: a record opened without a care relation, with a stated reason, for a while."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_accesses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.CharField(_("skäl"), max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "expires_at"]), models.Index(fields=["started_at"])]
        ordering = ["-started_at"]


class ApiToken(models.Model):
    """A system's API key. Only a SHA-256 digest is stored; the key is shown once, at creation."""

    name = models.CharField(_("namn"), max_length=100)
    # The token acts as this membership: its unit and roles decide what it may see and do.
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="api_tokens")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The roles the key was given when it was made: it acts with these, and only while the
    # membership still holds them, so a later grant to the membership does not reach the key.
    roles = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def role_labels(self):
        return [Role(code).label for code in self.roles if code in Role.values]


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One line of the audit log: a write (with before/after) or a read of patient data.

    Append-only. The application never updates or deletes a row, and the database refuses
    UPDATE and DELETE as well: a trigger on PostgreSQL (migration 0002), two on SQLite (0005).
    """

    class Kind(models.TextChoices):
        WRITE = "write", _("Ändring")
        READ = "read", _("Läsning")

    class Basis(models.TextChoices):
        RELATION = "relation", _("Vårdrelation")
        EMERGENCY = "emergency", _("Nödåtkomst")
        OWN = "own", _("Egen uppgift")
        SEARCH = "search", _("Sökning")
        ADMIN = "admin", _("Administration")
        INVOICE = "invoice", _("Fakturering")
        # The patient consented to sharing (a case at a clinical conference), without a care relation.
        CONSENT = "consent", _("Patientens samtycke")
        NONE = "", _("–")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    action = models.CharField(max_length=80)
    # No index of its own on user or patient: the (user, at) and (patient, at) indexes below serve
    # every lookup by them (issue 14: each index is one more write on every audited request; none on
    # `basis` either, as nothing looks rows up by it).
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False,
                             db_index=False)
    # Snapshots, so the log reads the same after a rename.
    username = models.CharField(max_length=150, blank=True)
    user_display = models.CharField(max_length=200, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False)
    unit_name = models.CharField(max_length=160, blank=True)
    organisation_name = models.CharField(max_length=120, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False, db_index=False
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # The page or endpoint name (never a URL with parameters).
    endpoint = models.CharField(max_length=120, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["patient", "at"], name="audit_patient_at"),
            models.Index(fields=["user", "at"], name="audit_user_at"),
            # An object's history of changes (an agreement's page); writes only, so reads, most of
            # the log, are not written to it (migration 0014).
            models.Index(fields=["object_type", "object_id", "at"], condition=Q(kind="write"),
                         name="audit_object_writes"),
        ]
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
