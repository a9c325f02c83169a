"""Digital care meetings: unit calendars with bookable slots, and the bookings made in them
(physical, phone or video visits), with the video room of a video visit.

Writes go through `meetings.actions`. A booking is a care relation: the booking unit may open the
patient while the visit is ahead and for a while after (see `meetings.access`).
"""

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, Patient, Unit, User


class VisitForm(models.TextChoices):
    PHYSICAL = "physical", _("Besök på mottagningen")
    PHONE = "phone", _("Telefon")
    VIDEO = "video", _("Video")


# The forms' values once: `VisitForm.values` builds its list anew on every use, and the free-time
# search asks it three times for each time it lists (issue 14).
VISIT_FORMS = tuple(VisitForm.values)


class VisitKind(models.Model):
    """What a visit is for, with the key the region's fee schedule prices it by."""

    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="visit_kinds",
                               limit_choices_to={"kind": Organisation.Kind.REGION})
    key = models.SlugField(_("nyckel i avgiftstabellen"), max_length=40)
    name = models.CharField(_("namn"), max_length=80)
    minutes = models.PositiveSmallIntegerField(_("längd i minuter"), default=30)
    is_sip = models.BooleanField(_("SIP-möte (alltid avgiftsfritt)"), default=False)
    suits_video = models.BooleanField(_("passar för video"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="one_visit_kind_key_per_region")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class UnitCalendar(models.Model):
    """A unit's booking rules."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="calendar")
    late_cancel_hours = models.PositiveSmallIntegerField(
        _("sen avbokning: kortare tid före besöket än (timmar)"), default=24)
    join_opens_minutes = models.PositiveSmallIntegerField(
        _("videorummet öppnar (minuter före start)"), default=15)

    def __str__(self):
        return f"Tidbok {self.unit}"


class Slot(models.Model):
    """A bookable time in a staff member's schedule, for one visit kind, open for the forms ticked.
    `booked` is kept by `meetings.actions` so that the search for free times reads one small index."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="slots")
    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="slots")
    visit_kind = models.ForeignKey(VisitKind, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    physical = models.BooleanField(_("besök på mottagningen"), default=True)
    phone = models.BooleanField(_("telefon"), default=True)
    video = models.BooleanField(_("video"), default=False)
    booked = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="slot_unit_start"),
            models.Index(fields=["staff", "starts_at"], name="slot_staff_start"),
            # Free times of a visit kind in time order; a visit kind belongs to one region.
            models.Index(fields=["visit_kind", "starts_at"], condition=Q(booked=False), name="slot_free_by_kind"),
            # The same within one unit (the API's search by unit_id): without it the unit's times were read
            # in time order and the booked ones and other kinds' filtered out, ~1 400 rows for 20 (issue 14).
            models.Index(fields=["unit", "visit_kind", "starts_at"], condition=Q(booked=False),
                         name="slot_free_by_unit_kind"),
        ]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start")]
        ordering = ["starts_at"]

    def offers(self, form):
        return getattr(self, form, False) if form in VISIT_FORMS else False


def _own_or(actor, queryset, staff_filter):
    """A resident sees their own rows; staff what `staff_filter` (a Q on the acting unit) allows."""
    if actor.is_resident:
        return queryset.filter(patient_id=actor.user.patient_id)
    if actor.unit_id is None:
        return queryset.none()
    return queryset.filter(staff_filter)


class BookingQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """A resident's own bookings; the acting unit's bookings for staff."""
        return _own_or(actor, self, Q(unit_id=actor.unit_id))


class Booking(models.Model):
    """A visit booked for a patient with a staff member of a unit."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Bokad")
        ATTENDED = "attended", _("Genomförd")
        NO_SHOW = "no_show", _("Uteblev")
        LATE_CANCEL = "late_cancel", _("Sent avbokad")
        CANCELLED = "cancelled", _("Avbokad")

    ACTIVE = [Status.BOOKED, Status.ATTENDED, Status.NO_SHOW]  # hold their time in the calendar

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="bookings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings")
    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings")
    visit_kind = models.ForeignKey(VisitKind, on_delete=models.PROTECT, related_name="bookings")
    form = models.CharField(_("besöksform"), max_length=10, choices=VisitForm.choices)
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    note = models.CharField(_("anteckning till patienten"), max_length=500, blank=True)
    # The video room: a random name, never the patient's (None for physical and phone visits).
    room = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # iCalendar SEQUENCE: raised with every change sent to the participants.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled or outcome registered
    cancel_reason = models.CharField(_("orsak"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["staff", "starts_at"], name="booking_staff_start"),
                   models.Index(fields=["patient", "starts_at"], name="booking_patient_start"),
                   models.Index(fields=["unit", "starts_at"], name="booking_unit_start")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="booking_ends_after_start")]
        ordering = ["starts_at"]

    def __str__(self):
        return f"Besök {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.status == self.Status.BOOKED


# --- SIP, samordnad individuell plan (HSL 16 kap. 4 §, SoL 2 kap. 7 §) --------------------------------

class SipPlanQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """A resident's own plans; for staff, the plans the acting unit takes part in (accepted,
        and named in the person's consent: `SipParticipant.objects.units_taking_part`)."""
        return _own_or(actor, self, Q(pk__in=SipParticipant.objects.units_taking_part()
                                      .filter(unit_id=actor.unit_id).values("plan_id")))


class SipPlan(models.Model):
    """One joint plan for a person who needs efforts from both health care and social services.
    The editable plan is the working copy; every published version is kept (`SipPlanVersion`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Gällande")
        CLOSED = "closed", _("Avslutad")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sip_plans")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    consent_at = models.DateTimeField(_("samtycke lämnat"))
    consent_note = models.CharField(_("om samtycket"), max_length=500, blank=True)
    person_goals = models.TextField(_("personens egna mål"), blank=True)
    overall_responsible = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+",
                                            verbose_name=_("huvudansvar"))
    follow_up_on = models.DateField(_("uppföljning senast"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SipPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"SIP {self.created_at:%Y-%m-%d}"


class SipConsent(models.Model):
    """An organisation the person has consented to share the plan with. A unit of an organisation
    the consent does not name never opens the person through the plan, whatever it accepted."""

    plan = models.ForeignKey(SipPlan, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    note = models.CharField(_("om samtycket"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_by_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "organisation"], name="one_sip_consent_per_organisation")]
        ordering = ["recorded_at", "pk"]


class SipParticipantQuerySet(models.QuerySet):
    def units_taking_part(self):
        """Unit participants that give their unit a relation: the unit accepted, and the person's
        consent names the unit's organisation."""
        return self.filter(status=SipParticipant.Status.ACCEPTED, unit__isnull=False,
                           plan__consents__organisation_id=F("unit__organisation_id"))


class SipParticipant(models.Model):
    """Someone taking part in the plan: staff of a unit, or a relative or other person named by
    the person. A unit is invited by another unit of the plan and takes part once it has accepted
    (and the person's consent names its organisation: see `units_taking_part`)."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Inbjuden")
        ACCEPTED = "accepted", _("Deltar")
        DECLINED = "declined", _("Avböjde")

    plan = models.ForeignKey(SipPlan, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="sip_participations")
    name = models.CharField(_("namn"), max_length=120)
    role = models.CharField(_("roll"), max_length=120, help_text=_("t.ex. distriktssköterska, dotter, god man"))
    is_relative = models.BooleanField(_("närstående"), default=False)
    added_at = models.DateTimeField(default=timezone.now, editable=False)
    # Relatives and others are named by the person and take part at once; a unit answers.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    invited_by_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = SipParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "pk"]
        indexes = [models.Index(fields=["unit", "status"], name="sip_participant_unit_status")]

    @property
    def reference(self):
        """What the invited unit is told of the plan before it has accepted: no patient data."""
        return f"SIP-{str(self.plan_id)[:8].upper()}"


class SipEffort(models.Model):
    """What one organisation does in the plan (an insats)."""

    plan = models.ForeignKey(SipPlan, on_delete=models.CASCADE, related_name="efforts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("utförs av"))
    description = models.CharField(_("insats"), max_length=500)
    goal = models.CharField(_("mål för insatsen"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]


class SipPlanVersion(models.Model):
    """A published version of the plan, kept as it was: what the person and the participants agreed."""

    plan = models.ForeignKey(SipPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    reason = models.CharField(_("anledning"), max_length=300)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_sip_version_number")]
        ordering = ["-number"]


class SipMeeting(models.Model):
    """A SIP meeting, booked through the unit calendar (always free of charge), with its minutes."""

    plan = models.ForeignKey(SipPlan, on_delete=models.CASCADE, related_name="meetings")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="sip_meeting")
    minutes = models.TextField(_("minnesanteckningar"), blank=True)
    person_took_part = models.BooleanField(_("personen deltog"), default=False)

    class Meta:
        ordering = ["booking__starts_at"]


# --- Clinical remote case conferences (MDK, klinisk distanskonferens) -----------------------------

class ConferenceSeries(models.Model):
    """A recurring multiprofessional conference, owned by one unit, with units from several
    regions taking part (e.g. a lung-cancer conference for Södra sjukvårdsregionen)."""

    name = models.CharField(_("namn"), max_length=150)
    specialty = models.CharField(_("specialitet"), max_length=100)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="owned_conferences",
                                   verbose_name=_("ägande enhet"))
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordförande"))
    schedule = models.CharField(_("schema"), max_length=200, help_text=_("t.ex. tisdagar 14.00, varannan vecka"))
    required_professions = models.JSONField(_("yrken som ska delta"), default=list)  # Profession values
    participating_units = models.ManyToManyField(Unit, related_name="conferences", verbose_name=_("deltagande enheter"))
    registration_deadline_hours = models.PositiveSmallIntegerField(_("anmälan senast (timmar före)"), default=48)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ConferenceSession(models.Model):
    series = models.ForeignKey(ConferenceSeries, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    room = models.CharField(max_length=64, unique=True, editable=False)  # the video room, random
    held = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]

    @property
    def registration_closes_at(self):
        return self.starts_at - timedelta(hours=self.series.registration_deadline_hours)


class ConferenceAttendance(models.Model):
    session = models.ForeignKey(ConferenceSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    profession = models.CharField(max_length=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_attendance_per_person")]


class ConferenceCaseQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """For staff, the cases of the conferences the acting unit takes part in or leads; a
        resident reads no conference cases here."""
        if actor.is_resident or actor.unit_id is None:
            return self.none()
        series = ConferenceSeries.objects.filter(Q(participating_units=actor.unit_id) | Q(owner_unit=actor.unit_id))
        return self.filter(session__series__in=series.values("pk"))


class ConferenceCase(models.Model):
    """A patient case registered to a session by a participating unit, and the conference's
    recommendation, which goes back to the referring unit as a structured answer."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Patientens samtycke")
        CONSULTATION = "consultation", _("Konsultation inom vården av patienten (utan att identitet röjs i onödan)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ConferenceSession, on_delete=models.PROTECT, related_name="cases")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conference_cases")
    referring_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now, editable=False)
    question = models.TextField(_("frågeställning"))
    history = models.TextField(_("relevant sjukhistoria"), blank=True)
    image_links = models.TextField(_("länkar till bilder"), blank=True)
    pathology_links = models.TextField(_("länkar till PAD/patologi"), blank=True)
    legal_basis = models.CharField(_("rättslig grund för att dela"), max_length=20, choices=LegalBasis.choices)
    position = models.PositiveSmallIntegerField(default=0)
    recommendation = models.TextField(_("rekommendation"), blank=True)
    informs_patient = models.CharField(_("informerar patienten"), max_length=150, blank=True)
    inform_by = models.DateField(_("senast"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ConferenceCaseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "registered_at"]
