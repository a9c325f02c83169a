"""The contact entry (central kontaktingång): residents' matters, their timeline, chat and pictures,
and the region's settings (targets, opening hours, questions, self-care texts).

Writes go through `contact.actions`; reads that need access rules through `contact.queries`.
"""

import uuid

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, Patient, Profession, Unit, User
from meetings.models import Booking


class Category(models.TextChoices):
    NEW_SYMPTOMS = "new_symptoms", _("Nya besvär")
    ONGOING = "ongoing", _("Pågående besvär")
    PRESCRIPTION = "prescription", _("Förnya recept")
    CERTIFICATE = "certificate", _("Intyg")
    TEST_RESULTS = "test_results", _("Provsvar")
    ADMINISTRATIVE = "administrative", _("Administrativ fråga")


class Priority(models.TextChoices):
    IMMEDIATE = "immediate", _("Omedelbart – hänvisa till akutvård")
    SAME_DAY = "same_day", _("Samma dag")
    THREE_DAYS = "three_days", _("Inom tre dagar")
    PLANNED = "planned", _("Planerat")
    SELF_CARE = "self_care", _("Egenvårdsråd")


class CareLevel(models.TextChoices):
    SELF_CARE = "self_care", _("Egenvård")
    PRIMARY = "primary", _("Primärvård")
    SPECIALIST = "specialist", _("Specialistvård")
    MUNICIPAL = "municipal", _("Kommunal vård")


class Channel(models.TextChoices):
    WEB = "web", _("Mina sidor")
    API = "api", _("Nationell e-tjänst")
    PHONE = "phone", _("Telefon")
    STAFF = "staff", _("Startat av vården")


class ContactEntry(models.Model):
    """A region's contact entry: where matters from unlisted residents arrive and who takes the
    night."""

    region = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="contact_entry",
                                  limit_choices_to={"kind": Organisation.Kind.REGION}, verbose_name=_("region"))
    intake_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("kontaktingång"))
    night_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("nattens team"))
    # The longest free text a resident may write (stated on the form).
    max_text = models.PositiveIntegerField(_("högsta antal tecken i fritext"), default=2000)

    def __str__(self):
        return f"Kontaktingång {self.region.name}"


class PriorityTarget(models.Model):
    """The region's response-time target for a priority (or `unassessed` for the first assessment)."""

    region = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contact_targets")
    priority = models.CharField(max_length=20)
    minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "priority"], name="one_target_per_priority")]


class OpeningHours(models.Model):
    """When a unit takes matters (local time). A unit without rows takes matters around the clock."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField()  # 0 Monday
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["unit", "weekday", "opens"]


class CategoryQuestion(models.Model):
    """A structured question the region asks for a category; changed in the register, no deploy."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Ja/nej")
        TEXT = "text", _("Fritext")

    region = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contact_questions")
    category = models.CharField(max_length=20, choices=Category.choices)
    key = models.SlugField(max_length=40)
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    # A yes to this question raises this red flag (contact/rules/red_flags.py keys), or blank.
    flag = models.CharField(max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Taken off the form without losing what earlier matters answered.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["region", "category", "key"], name="one_question_per_key")]


class SelfCareText(models.Model):
    """The region's self-care advice (egenvårdsråd) staff close a matter with."""

    region = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="self_care_texts")
    title = models.CharField(max_length=120)
    body = models.TextField()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Representation(models.Model):
    """Someone may act for another: a guardian for a child under 18, or an ombud with a power of
    attorney (fullmakt) that staff registered, for its period."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("Vårdnadshavare")
        OMBUD = "ombud", _("Ombud (fullmakt)")

    representative = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="represents")
    principal = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="represented_by")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["representative", "principal", "kind", "valid_from"],
                                               name="one_representation_per_start")]


class MatterQuerySet(models.QuerySet):
    def visible_to(self, actor):
        from contact.queries import visible_matters

        return visible_matters(actor, self)


class Matter(models.Model):
    """A resident's matter (ärende) in the contact entry. Its timeline is `events`; status, holder
    and triage are kept on the row for the queues."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Mottaget")
        ASSESSING = "assessing", _("Bedöms")
        ANSWERED = "answered", _("Besvarat")
        BOOKED = "booked", _("Bokat")
        CLOSED = "closed", _("Avslutat")

    OPEN = ("received", "assessing", "answered", "booked")

    class Closing(models.TextChoices):
        SELF_CARE = "self_care", _("Egenvårdsråd")
        EMERGENCY = "emergency", _("Hänvisad till akutvård")
        RESOLVED = "resolved", _("Besvarat och klart")
        VISIT = "visit", _("Besök bokat")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contact_matters")
    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Who sent it: the resident (for self, a child or a principal), a staff member, or a system's key.
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filed_by_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    on_behalf = models.CharField(max_length=10, blank=True)  # "", guardian, ombud
    channel = models.CharField(max_length=10, choices=Channel.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.TextField()
    answers = models.JSONField(default=dict, blank=True)
    red_flags = models.JSONField(default=list, blank=True)
    # The queue it is in: the holding unit, and the profession it waits for (blank: anyone).
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="contact_matters")
    profession = models.CharField(max_length=30, choices=Profession.choices, blank=True)
    routed_to_fixed_contact = models.BooleanField(default=False)
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    taken_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    priority = models.CharField(max_length=12, choices=Priority.choices, blank=True)
    care_level = models.CharField(max_length=12, choices=CareLevel.choices, blank=True)
    triage_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing = models.CharField(max_length=10, choices=Closing.choices, blank=True)
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A video call staff started from the matter: the meetings module's rooms (random name, never
    # patient data), open VIDEO_OPEN_HOURS from the start while the matter is open.
    video_room = models.CharField(max_length=64, blank=True)
    video_started_at = models.DateTimeField(null=True, blank=True)
    # Where the matter stands in its queue: flagged and waiting for a first response (0), waiting
    # (1), responded to (2); the queue reads in (queue_rank, due_at) order from an index. Computed by
    # the database from the row, so no action can forget it.
    queue_rank = models.GeneratedField(
        expression=Case(When(first_response_at__isnull=False, then=Value(2)),
                        When(red_flags=[], then=Value(1)), default=Value(0)),
        output_field=models.PositiveSmallIntegerField(), db_persist=True)

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The queue page: a unit's open matters, due first.
            models.Index(fields=["unit", "status", "due_at"], name="contact_queue"),
            # The queue page reads a page of a unit's open matters in queue order (flagged and waiting
            # first, then by due time): in this index's order, so it stops after the page instead of
            # sorting every open matter of the unit (tens of thousands at an intake unit:
            # bench/contact_bench.py).
            models.Index(fields=["unit", "queue_rank", "due_at"],
                         condition=Q(status__in=("received", "assessing", "answered", "booked")),
                         name="contact_queue_ranked"),
            models.Index(fields=["patient", "created_at"], name="contact_patient"),
            models.Index(fields=["filed_by", "created_at"], name="contact_filed_by"),
        ]

    def __str__(self):
        return f"Kontaktärende {self.pk}"

    @property
    def is_open(self):
        return self.status in self.OPEN

    def flag_labels(self):
        from contact.rules.red_flags import labels

        return labels(self.red_flags)


class MatterEvent(models.Model):
    """One step on a matter's timeline. Never changed or deleted."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Ärendet skickades in")
        ROUTED = "routed", _("Hamnade i kö")
        TAKEN = "taken", _("Togs")
        RELEASED = "released", _("Släpptes tillbaka till kön")
        TRANSFERRED = "transferred", _("Flyttades")
        TRIAGED = "triaged", _("Bedömdes")
        ANSWERED = "answered", _("Besvarades")
        MESSAGE = "message", _("Meddelande i chatten")
        VIDEO = "video", _("Videosamtal startades")
        BOOKED = "booked", _("Besök bokades")
        CLOSED = "closed", _("Avslutades")
        BREACHED = "breached", _("Svarstiden överskreds")
        REMINDED = "reminded", _("Invånaren påmindes om ett obesvarat meddelande")

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A matter's timeline is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A matter's timeline is append-only.")


class Message(models.Model):
    """A message in the matter's conversation: the staff's answer or a chat line from either side."""

    id = models.BigAutoField(primary_key=True)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField()
    is_answer = models.BooleanField(default=False)
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


class Picture(models.Model):
    """A picture the resident attached, re-encoded so no metadata (GPS, camera, time) survives.
    Kept with no matter while the resident is still writing, so a refused picture or the red-flag
    step loses nothing already uploaded."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, null=True, blank=True, related_name="pictures")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    content_type = models.CharField(max_length=20)
    data = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


class NoticeSettings(models.Model):
    """How a resident wants to hear that something happened in a matter, besides e-mail: a Swedish
    mobile number for SMS (stored as E.164, +467…), blank for none. Set by the resident on Mina sidor."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contact_notices")
    mobile_number = models.CharField(_("mobilnummer"), max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Aviseringar för {self.user_id}"


class IdempotencyRecord(models.Model):
    """An API request's Idempotency-Key, per calling membership: the key's and the body's SHA-256,
    and the matter the first request made. The unique constraint makes concurrent retries meet."""

    caller = models.ForeignKey("core.Membership", on_delete=models.PROTECT, related_name="+")
    key_hash = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key_hash"], name="one_matter_per_idempotency_key")]


OPEN_Q = Q(status__in=Matter.OPEN)
