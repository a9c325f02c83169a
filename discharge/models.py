"""Discharge coordination (samverkan vid utskrivning, Lag 2017:612): cases, parties, the message
timeline, and the agreements that set payment liability.

Writes go through `discharge.actions`; reads that need access rules through `discharge.queries`.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, Patient, Unit, User


class CareType(models.TextChoices):
    SOMATIC = "somatic", _("Somatisk vård")
    PSYCHIATRIC = "psychiatric", _("Psykiatrisk vård")


class DischargeCaseQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """The cases the acting unit takes part in as a party (ward, primary care, municipality)."""
        if actor.unit_id is None:
            return self.none()
        return self.filter(models.Exists(CaseParty.objects.filter(case=models.OuterRef("pk"), unit_id=actor.unit_id)))


class DischargeCase(models.Model):
    """One inpatient episode that may need help from primary care or the municipality after it.

    The timestamps below are derived from the case's events (the timeline is the truth); they are
    kept on the case so that worklists and the liability basis are one indexed query.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Pågående")
        DISCHARGED = "discharged", _("Utskriven")
        CANCELLED = "cancelled", _("Avbruten")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="discharge_cases")
    ward = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="discharge_cases",
                             verbose_name=_("vårdavdelning"))
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="discharge_cases",
                                     limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY}, verbose_name=_("kommun"))
    care_type = models.CharField(_("vårdform"), max_length=12, choices=CareType.choices, default=CareType.SOMATIC)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    admitted_at = models.DateTimeField(_("inskriven"))
    expected_discharge_on = models.DateField(_("preliminärt utskrivningsdatum"), null=True, blank=True)
    patient_objected = models.BooleanField(_("patienten motsätter sig"), default=False)

    # Derived from the timeline (see actions); None = has not happened.
    admission_notice_sent_at = models.DateTimeField(null=True, blank=True)
    ready_notice_sent_at = models.DateTimeField(null=True, blank=True)
    care_contact_appointed_at = models.DateTimeField(null=True, blank=True)
    planning_invitation_sent_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["ward", "status", "admitted_at"], name="case_ward_status"),
            models.Index(fields=["municipality", "status", "admitted_at"], name="case_municipality_status"),
            models.Index(fields=["discharged_at"], name="case_discharged_at"),
            # The month's invoice basis reads the cases closed in or after the month.
            models.Index(fields=["closed_at"], name="case_closed_at"),
            models.Index(fields=["patient", "admitted_at"], name="case_patient"),
        ]
        ordering = ["-admitted_at"]

    objects = DischargeCaseQuerySet.as_manager()

    def __str__(self):
        return f"Utskrivningsärende {self.pk}"


class CaseParty(models.Model):
    """A unit taking part in a case. Every party's unit has a care relation to the patient while
    the case is open and for a while after (see `discharge.access`)."""

    class Role(models.TextChoices):
        WARD = "ward", _("Slutenvård")
        PRIMARY_CARE = "primary_care", _("Primärvård")
        MUNICIPALITY = "municipality", _("Kommun")

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="parties")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="discharge_parties")
    role = models.CharField(max_length=15, choices=Role.choices)
    added_at = models.DateTimeField(default=timezone.now)
    # Copies of what the timeline says, kept by `discharge.actions` with every event, so that a
    # unit's worklists are read from its few open party rows instead of every case it ever took
    # part in and every event in them.
    case_open = models.BooleanField(default=True, editable=False)  # the case's status is open
    has_acted = models.BooleanField(default=False, editable=False)  # the unit has written to the case
    has_committed = models.BooleanField(default=False, editable=False)  # the unit has sent a commitment
    # The case's times the worklists ask about (WORKLIST_TIMES), copied with every event, so that
    # the tab counts and the page's order are read from the unit's party rows alone, without a
    # lookup of each open case (3 000 of them at a large ward).
    admitted_at = models.DateTimeField(null=True, editable=False)
    admission_notice_sent_at = models.DateTimeField(null=True, editable=False)
    planning_invitation_sent_at = models.DateTimeField(null=True, editable=False)
    ready_notice_sent_at = models.DateTimeField(null=True, editable=False)

    WORKLIST_TIMES = ["admitted_at", "admission_notice_sent_at", "planning_invitation_sent_at", "ready_notice_sent_at"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="one_party_per_unit")]
        indexes = [
            models.Index(fields=["unit", "case"], name="party_unit_case"),
            # A unit's open parts in admission order, with all the worklists ask: the tab counts and
            # the default page are an index-only scan. It replaces the partial index on (unit, case),
            # which served the same lookups with a visit of each party row. The flags and times are
            # keys, not INCLUDE columns, so that SQLite builds the same index.
            models.Index(fields=["unit", "admitted_at", "case", "has_acted", "has_committed",
                                 "admission_notice_sent_at", "planning_invitation_sent_at", "ready_notice_sent_at"],
                         condition=models.Q(case_open=True), name="party_unit_open_worklist"),
        ]


class CaseEvent(models.Model):
    """One entry in the case's timeline: a legal message, a form, a dialog message.

    Sent events are never edited: a correction is a new event pointing at the one it corrects,
    with a reason.
    """

    class Kind(models.TextChoices):
        ADMISSION_NOTICE = "admission_notice", _("Inskrivningsmeddelande")
        NEEDS_ASSESSMENT = "needs_assessment", _("Kartläggning")
        COMMITMENT = "commitment", _("Ställningstagande")
        CARE_CONTACT = "care_contact", _("Fast vårdkontakt utsedd")
        PLANNING_INVITATION = "planning_invitation", _("Kallelse till SIP/planering")
        READY_NOTICE = "ready_notice", _("Meddelande om utskrivningsklar")
        READY_WITHDRAWN = "ready_withdrawn", _("Utskrivningsklar återkallad")
        DISCHARGE_NOTICE = "discharge_notice", _("Utskrivningsmeddelande")
        CANCELLATION = "cancellation", _("Avbrott")
        CONSENT = "consent", _("Samtycke/invändning")
        DIALOG = "dialog", _("Meddelande")
        CORRECTION = "correction", _("Rättelse")

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(DischargeCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # When it happened in the care process (e.g. the ready judgement), and when it was recorded.
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="event_case_time")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A sent message is never edited; send a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A sent message is never deleted; send a correction.")


class ReadReceipt(models.Model):
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "unit"], name="one_receipt_per_unit")]


class Agreement(models.Model):
    """A region's agreement (överenskommelse) with its municipalities on payment liability.

    Changes go through `discharge.actions` and are audited with before/after values; the audit log
    is the agreement's history.
    """

    class Model(models.TextChoices):
        INDIVIDUAL = "individual", _("Individmodell")
        AVERAGE = "average", _("Genomsnittsmodell")

    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="discharge_agreements",
                               limit_choices_to={"kind": Organisation.Kind.REGION}, verbose_name=_("region"))
    # Empty: every municipality in the region's county.
    municipalities = models.ManyToManyField(Organisation, blank=True, related_name="+",
                                            limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY},
                                            verbose_name=_("kommuner"))
    name = models.CharField(_("namn"), max_length=200)
    is_example = models.BooleanField(_("exempel"), default=False,
                                     help_text=_("Ett exempel att utgå från, inte ett gällande avtal."))
    model = models.CharField(_("modell"), max_length=12, choices=Model.choices)
    day_break = models.TimeField(_("dygnsbryt"))
    count_discharge_day = models.BooleanField(_("räkna utskrivningsdagen"), default=False)
    admission_notice_max_hours = models.PositiveIntegerField(_("inskrivningsmeddelande senast (timmar)"), null=True, blank=True)
    planning_invitation_days = models.PositiveIntegerField(
        _("kallelse till planering senast (dagar efter inskrivningsmeddelandet)"), null=True, blank=True)
    valid_from = models.DateField(_("gäller från"))
    valid_until = models.DateField(_("gäller till"), null=True, blank=True)

    class Meta:
        ordering = ["region__name", "-valid_from"]


class AgreementCareTypeRule(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="care_type_rules")
    care_type = models.CharField(max_length=12, choices=CareType.choices)
    free_days = models.PositiveIntegerField(_("fria dagar"))
    average_limit_days = models.DecimalField(_("gräns i genomsnitt (dagar)"), max_digits=5, decimal_places=2,
                                             null=True, blank=True)
    long_stay_days = models.PositiveIntegerField(_("långliggare efter (dagar)"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "care_type"], name="one_rule_per_care_type")]


class AgreementDailyAmount(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="daily_amounts")
    year = models.PositiveIntegerField(_("år"))
    amount_sek = models.PositiveIntegerField(_("belopp per dygn (kr)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "year"], name="one_amount_per_year")]
        ordering = ["year"]


class InvoiceDispute(models.Model):
    """A municipality's objection to one case's line in a month's invoice basis, and the region's
    answer. Accepting credits the amount the line adds to the month's invoice."""

    class Status(models.TextChoices):
        OPEN = "open", _("Bestriden, väntar på svar")
        ACCEPTED = "accepted", _("Godtagen – krediteras")
        REJECTED = "rejected", _("Avslagen")

    case = models.ForeignKey(DischargeCase, on_delete=models.PROTECT, related_name="disputes")
    month = models.DateField(_("månad"), help_text=_("Första dagen i fakturamånaden."))
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    disputed_sek = models.PositiveIntegerField(_("bestritt belopp (kr)"))
    reason = models.TextField(_("skäl"), max_length=2000)
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("svar"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    credited_sek = models.PositiveIntegerField(_("krediterat (kr)"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "month"], name="one_dispute_per_case_month")]
        ordering = ["-raised_at"]


# --- The stored invoice basis -------------------------------------------------------------------
# `discharge.invoicing.month_basis` computes a month from the cases; the pages and exports read the
# result stored here instead (computing a large municipality's month per request took seconds).
# Written only by `discharge.actions.store_basis`, recomputed when a case of the month changes
# (`discharge.tasks`) and by `manage.py invoice_basis` (cron, backfill).

class BasisMonth(models.Model):
    """A region's month whose basis is stored: its municipalities' bases are read from here, and a
    changed case recomputes its municipality's basis only in months that have one."""

    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text=_("Första dagen i månaden."))
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="one_basis_month")]


class StoredBasis(models.Model):
    """One municipality's basis in a stored month: the engine's summaries and the agreement used."""

    basis_month = models.ForeignKey(BasisMonth, on_delete=models.CASCADE, related_name="bases")
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField()
    error = models.CharField(max_length=500, blank=True)  # the agreement cannot price the month
    cases = models.PositiveIntegerField(default=0)
    summaries = models.JSONField(default=list)  # `Summary` fields per care type (see invoicing.summary_values)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["basis_month", "municipality"], name="one_stored_basis")]


class StoredBasisLine(models.Model):
    """One case's line in a stored basis: the facts the engine read (so that the line's
    explanation can be computed again from exactly them) and what it found."""

    # No index of its own: the unique (basis, position) below serves every lookup by basis. With one,
    # PostgreSQL's plan for a prepared page read (any basis, any page) took it and filtered every line
    # of the basis by position: 5 000 index entries for the 50 lines of a page (issue 14).
    basis = models.ForeignKey(StoredBasis, on_delete=models.CASCADE, related_name="lines", db_index=False)
    position = models.PositiveIntegerField()  # the engine's order (by case id)
    case = models.ForeignKey(DischargeCase, on_delete=models.PROTECT, related_name="+")
    # The facts (CaseFacts).
    care_type = models.CharField(max_length=12, choices=CareType.choices)
    admitted_at = models.DateTimeField(null=True)
    admission_notice_sent_at = models.DateTimeField(null=True)
    ready_notice_sent_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)  # discharged, or cancelled
    care_contact_appointed = models.BooleanField()
    patient_objected = models.BooleanField()
    # The result (CaseResult).
    day0 = models.DateField(null=True)
    discharge_day = models.DateField(null=True)
    ready_days = models.IntegerField(null=True)
    eligible = models.BooleanField()
    reason = models.CharField(max_length=40, blank=True)
    rule = models.CharField(max_length=12)
    free_days = models.IntegerField()
    first_liable_day = models.DateField(null=True)
    long_stay = models.BooleanField()
    liable_days = models.IntegerField()
    amount_sek = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["basis", "position"], name="one_line_per_position")]
