"""Collaboration forums (samverkansforum): members, meetings with agendas, minutes with decisions and
assignments, approval (justering), consultations (remisser), nominations, and goals followed month
by month.

Nothing here is patient data: minutes are about how care is organised, never about a person in
care (the minutes form says so). Writes go through `forums.actions`; reads through `forums.queries`.
"""

import os

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, Unit, User


class AttachmentStorage(FileSystemStorage):
    """Attachments live on disk under FORUM_FILES_ROOT, outside the database and outside any
    directory the web server serves: they reach a browser only through the download view. The
    setting is read on every use, so tests can point it at a temporary directory."""

    @property
    def base_location(self):
        return str(settings.FORUM_FILES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def deconstruct(self):
        return ("forums.models.AttachmentStorage", (), {})


attachment_storage = AttachmentStorage()


class ForumRole(models.TextChoices):
    CHAIR = "chair", _("Ordförande")
    VICE_CHAIR = "vice_chair", _("Vice ordförande")
    SECRETARY = "secretary", _("Sekreterare")
    MEMBER = "member", _("Ledamot")
    SUBSTITUTE = "substitute", _("Ersättare")
    CO_OPTED = "co_opted", _("Adjungerad")


# Members who run the forum: its meetings, agendas and minutes.
MANAGING_ROLES = {ForumRole.CHAIR, ForumRole.VICE_CHAIR, ForumRole.SECRETARY}
# Seats whose organisation answers a consultation: not co-opted guests (adjungerade).
ANSWERING_ROLES = {ForumRole.CHAIR, ForumRole.VICE_CHAIR, ForumRole.SECRETARY, ForumRole.MEMBER, ForumRole.SUBSTITUTE}


class Forum(models.Model):
    name = models.CharField(_("namn"), max_length=160)
    short_name = models.CharField(_("kortnamn i beslut"), max_length=40,
                                  help_text=_("Står först i besluten, t.ex. \"RSL beslutar att …\"."))
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="forums",
                              verbose_name=_("ägande organisation"))
    description = models.TextField(_("beskrivning"), blank=True)
    public = models.BooleanField(_("offentligt"), default=False,
                                 help_text=_("Publicerade protokoll kan läsas av alla, utan inloggning."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MemberQuerySet(models.QuerySet):
    def current(self, day=None):
        day = day or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day))


class ForumMember(models.Model):
    """A person's seat in a forum for a period, for an organisation."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="forum_seats", verbose_name=_("person"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("företräder"))
    role = models.CharField(_("roll"), max_length=20, choices=ForumRole.choices, default=ForumRole.MEMBER)
    title = models.CharField(_("titel"), max_length=120, blank=True)
    valid_from = models.DateField(_("från och med"), default=timezone.localdate)
    valid_until = models.DateField(_("till och med"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["forum", "role", "user__last_name"]

    def __str__(self):
        return f"{self.user.display_name()} ({self.get_role_display()})"


class Meeting(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    place = models.CharField(_("plats"), max_length=200, blank=True)
    # A video room from the meetings module's provider (joined through our own page) or a link.
    video_room = models.CharField(max_length=80, blank=True)
    digital_link = models.URLField(_("länk till digitalt möte"), blank=True)
    # Raised with every change mailed, so calendar programs update the event they have.
    sequence = models.PositiveIntegerField(default=0)
    agenda_sent_at = models.DateTimeField(null=True, blank=True)
    held = models.BooleanField(_("hållet"), default=False)
    # Minutes: approval (justering) and publication.
    locked_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The goal figures shown at the meeting, kept as they were (the goal's values may change later).
    goal_snapshot = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.forum.name} {timezone.localtime(self.starts_at):%Y-%m-%d}"

    @property
    def locked(self):
        return self.locked_at is not None


class StandingItem(models.Model):
    """An item on every new meeting's agenda until removed (e.g. "Data analys")."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        DISCUSSION = "discussion", _("Diskussion")
        DECISION = "decision", _("Beslut")
        NOMINATION = "nomination", _("Nominering")
        CONSULTATION = "consultation", _("Remiss")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="standing_items")
    title = models.CharField(_("rubrik"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices, default=Kind.INFORMATION)
    presenter = models.CharField(_("föredragande"), max_length=120, blank=True)
    goal = models.ForeignKey("Goal", on_delete=models.CASCADE, null=True, blank=True, related_name="standing_items")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


ItemKind = StandingItem.Kind


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField(_("nummer"))
    title = models.CharField(_("rubrik"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=ItemKind.choices, default=ItemKind.INFORMATION)
    presenter = models.CharField(_("föredragande"), max_length=120, blank=True)
    description = models.TextField(_("underlag"), blank=True)
    standing = models.ForeignKey(StandingItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Carried from an item of an earlier meeting ("tas upp vid nästa möte"): linked both ways.
    carried_from = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="carried_to")
    notes = models.TextField(_("anteckningar"), blank=True)
    # A consultation (remiss): the date members' answers are due.
    answer_by = models.DateField(_("svar senast"), null=True, blank=True)
    # Full-text search (forums/search.py): filled by a PostgreSQL trigger from title and notes (migration 0005),
    # never by Django; empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="forums_item_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Attachment(models.Model):
    """A bilaga: checked by its content and size when uploaded, stored on disk, downloaded only."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=attachment_storage, upload_to="bilagor/%Y/%m/", max_length=200)
    name = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Närvarande")
        ABSENT = "absent", _("Frånvarande")
        SUBSTITUTE = "substitute", _("Ersättare tjänstgör")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(ForumMember, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    substitute_name = models.CharField(_("ersätts av"), max_length=120, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="forums_attendance_unique")]


class Approver(models.Model):
    """A named justerare of a meeting's minutes; `approved_at` set when they approve with their own login."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="forums_approver_unique")]
        ordering = ["pk"]


class DecisionCounter(models.Model):
    """The last decision number given per forum and year; locked while a number is taken."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["forum", "year"], name="forums_counter_unique")]


class Decision(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    text = models.TextField(_("beslut"))
    created_at = models.DateTimeField(default=timezone.now)
    # Full-text search (forums/search.py): filled by a PostgreSQL trigger from text (migration 0005),
    # never by Django; empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["forum", "year", "number"], name="forums_decision_number_unique")]

    @property
    def label(self):
        return f"§ {self.number}/{self.year}"


class Assignment(models.Model):
    """An uppdrag: who (a person or an organisation), what, by when, and how it is going."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ej påbörjat")
        ONGOING = "ongoing", _("Pågår")
        DONE = "done", _("Klart")
        CANCELLED = "cancelled", _("Avbrutet")

    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="assignments")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="assignments")
    assignee_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="forum_assignments",
                                      verbose_name=_("person"))
    assignee_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="forum_assignments", verbose_name=_("organisation"))
    what = models.TextField(_("uppdrag"))
    due = models.DateField(_("klart senast"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # Full-text search (forums/search.py): filled by a PostgreSQL trigger from what (migration 0005),
    # never by Django; empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["due", "pk"]

    @property
    def assignee(self):
        return self.assignee_user.display_name() if self.assignee_user else str(self.assignee_organisation or "")

    def overdue(self, today=None):
        open_ = self.status in (self.Status.OPEN, self.Status.ONGOING)
        return open_ and self.due is not None and self.due < (today or timezone.localdate())


class Addendum(models.Model):
    """A dated correction to approved (locked) minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("tillägg"))
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at"]


class ConsultationAnswer(models.Model):
    """A member organisation's answer to a consultation (remiss) on an agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("svar"))
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "organisation"], name="forums_answer_unique")]


class Nomination(models.Model):
    """A person nominated to a regional or national body, with the decision on it."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="nominations")
    nominee = models.CharField(_("nominerad"), max_length=160)
    body = models.CharField(_("till"), max_length=200)
    decision = models.ForeignKey(Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")


# --- Goals ------------------------------------------------------------------------------------------

class Goal(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher", _("Högre är bättre")
        LOWER = "lower", _("Lägre är bättre")

    class Unit(models.TextChoices):
        PERCENT = "percent", _("%")
        DAYS = "days", _("dagar")
        COUNT = "count", _("antal")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Inmatat för hand")
        VIDEO_SHARE = "video_share", _("Andel besök via video (vårdmöten)")
        READY_DAYS = "ready_days", _("Medel utskrivningsklara dagar (utskrivning)")
        DAY0_SHARE = "day0_share", _("Andel utskrivna dag 0 (utskrivning)")
        SIP_MEETINGS = "sip_meetings", _("Antal SIP-möten (vårdmöten)")
        SIP_DIGITAL_SHARE = "sip_digital_share", _("Andel digitala SIP-möten (vårdmöten)")
        CONTACT_FIRST_RESPONSE = "contact_response", _("Mediantid till första svar, minuter (kontaktingång)")
        CONTACT_BREACHED_SHARE = "contact_breached", _("Andel kontaktärenden över svarstiden (kontaktingång)")

    name = models.CharField(_("mål"), max_length=200)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="goals",
                              verbose_name=_("ägande organisation"))
    owner_name = models.CharField(_("ansvarig"), max_length=120, blank=True)
    forum = models.ForeignKey(Forum, on_delete=models.SET_NULL, null=True, blank=True, related_name="goals")
    target = models.DecimalField(_("målvärde"), max_digits=10, decimal_places=2)
    direction = models.CharField(_("riktning"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    unit = models.CharField(_("enhet"), max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    period_start = models.DateField(_("period från"))
    period_end = models.DateField(_("period till"))
    source = models.CharField(_("källa"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    # When the platform's values were last fetched (by a person or the nightly `manage.py goal_values`).
    refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class GoalValue(models.Model):
    """A month's value of a goal, for the whole (no area) or for one area: a unit or an organisation
    (municipality) of the platform, by id, or an area named by hand ("VO Medicin"). `area` is the
    name shown; for a unit or organisation it is its name when the value was fetched, and two units
    of one name stay two areas."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="values")
    month = models.DateField()  # the month's first day
    area = models.CharField(max_length=160, blank=True)
    area_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    value = models.DecimalField(max_digits=10, decimal_places=2)
    # How many the value stands for (held visits, discharged cases) where the platform knows: the
    # weight of the area in the whole, so "what changed where" can say which area moved the whole.
    weight = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(_("källa"), max_length=200, blank=True)
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["goal", "month", "area"]
        constraints = [
            models.CheckConstraint(condition=models.Q(area_unit__isnull=True) | models.Q(area_organisation__isnull=True),
                                   name="forums_goal_value_one_area"),
            # The whole ("") and areas named by hand, by name; a unit or an organisation by its id.
            models.UniqueConstraint(fields=["goal", "month", "area"], name="forums_goal_value_named_unique",
                                    condition=models.Q(area_unit__isnull=True, area_organisation__isnull=True)),
            models.UniqueConstraint(fields=["goal", "month", "area_unit"], name="forums_goal_value_unit_unique",
                                    condition=models.Q(area_unit__isnull=False)),
            models.UniqueConstraint(fields=["goal", "month", "area_organisation"],
                                    name="forums_goal_value_organisation_unique",
                                    condition=models.Q(area_organisation__isnull=False)),
        ]
        indexes = [models.Index(fields=["goal", "month"], name="forums_goalvalue_month")]

    @property
    def area_key(self):
        return area_key(self.area_unit_id, self.area_organisation_id, self.area)


def area_key(unit_id, organisation_id, name):
    """What tells one area of a goal from another: a unit's or organisation's id, else its name
    (an area named by hand; the whole is ("name", ""))."""
    if unit_id is not None:
        return ("unit", unit_id)
    if organisation_id is not None:
        return ("organisation", organisation_id)
    return ("name", name)
