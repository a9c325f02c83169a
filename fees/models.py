"""Patient fees (patientavgifter): the national prisbasbelopp, a region's fee schedule per year, and
the charge set for each held, missed or late-cancelled visit.

The tables were created by the meetings app and keep their names (`meetings_feeschedule`, …): the
models moved here in state only (fees/migrations/0001_moved_from_meetings.py). A visit kind stays in
meetings, where the calendar offers it; a schedule prices it by its key, not by a foreign key.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, Patient
from meetings.models import Booking, VisitForm


class Prisbasbelopp(models.Model):
    """The national prisbasbelopp per year (socialförsäkringsbalken 2 kap.), which sets the
    high-cost ceiling. Set by the government each autumn for the next year."""

    year = models.PositiveSmallIntegerField(_("år"), primary_key=True)
    amount_sek = models.PositiveIntegerField(_("belopp (kr)"))
    source = models.CharField(_("källa"), max_length=100, blank=True)

    class Meta:
        db_table = "meetings_prisbasbelopp"
        ordering = ["-year"]

    def __str__(self):
        return f"Prisbasbelopp {self.year}: {self.amount_sek} kr"


class FeeSchedule(models.Model):
    """A region's patient fees for one year (its avgiftshandbok): the age limits, the no-show fee,
    the share of the prisbasbelopp that is the ceiling, and a fee per visit kind and form."""

    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="fee_schedules",
                               limit_choices_to={"kind": Organisation.Kind.REGION})
    year = models.PositiveSmallIntegerField(_("år"))
    child_free_until_age = models.PositiveSmallIntegerField(_("avgiftsfritt för den som är yngre än"), default=20)
    free_from_age = models.PositiveSmallIntegerField(_("avgiftsfritt från och med ålder"), default=85)
    no_show_fee_sek = models.PositiveIntegerField(_("avgift för uteblivet besök (kr)"), default=400)
    ceiling_share = models.DecimalField(_("högkostnadsskydd, andel av prisbasbeloppet"), max_digits=5,
                                        decimal_places=4, default="0.0250")

    class Meta:
        db_table = "meetings_feeschedule"
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_fee_schedule_per_region_year")]
        ordering = ["-year"]

    def __str__(self):
        return f"Avgifter {self.region} {self.year}"


class FeeScheduleRow(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rows")
    visit_kind_key = models.SlugField(_("besökstyp (nyckel)"), max_length=40)
    form = models.CharField(_("besöksform"), max_length=10, choices=VisitForm.choices)
    fee_sek = models.PositiveIntegerField(_("avgift (kr)"))

    class Meta:
        db_table = "meetings_feeschedulerow"
        constraints = [models.UniqueConstraint(fields=["schedule", "visit_kind_key", "form"],
                                               name="one_fee_per_kind_and_form")]


class PatientChargeQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """A resident's own charges; for staff, the charges of the patients the unit may open."""
        if actor.is_resident:
            return self.filter(patient_id=actor.user.patient_id)
        if actor.unit_id is None:
            return self.none()
        return self.filter(patient__in=Patient.objects.visible_to(actor))


class PatientCharge(models.Model):
    """The fee for a visit, as the engine set it when the outcome was registered, with its reason."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="charge")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="charges")
    region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("besöksdag"))
    fee_sek = models.PositiveIntegerField(_("avgift (kr)"))
    counts_to_ceiling = models.BooleanField(_("räknas mot högkostnadsskyddet"))
    paid_in_period_sek = models.PositiveIntegerField(null=True, blank=True)
    free_card_until = models.DateField(null=True, blank=True)
    reason = models.CharField(_("skäl"), max_length=20)
    explanation = models.TextField(_("förklaring"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PatientChargeQuerySet.as_manager()

    class Meta:
        db_table = "meetings_patientcharge"
        indexes = [models.Index(fields=["patient", "region", "date"], name="charge_patient_region_date")]
        ordering = ["date"]
