"""Patient fees from the bookings in the database, with the engine in `fees.rules`: the
region's schedules as the engine's ScheduleBook, the person's chargeable visits in the region, and
the charge stored when a visit's outcome (or a late cancellation) is registered.

Visits are charged in the region where they happen and the ceiling is per person and region, so
everything here is for one patient in one region.
"""

from datetime import date, datetime

from django.db.models import Case, Q, UUIDField, When
from django.db.models.functions import TruncDate
from django.utils import formats, timezone

from core.batch import collector_paused
from core.db import fetch_rows
from core.errors import ActionError
from core.models import Unit
from fees.models import FeeSchedule, PatientCharge, Prisbasbelopp
from meetings.models import Booking, VisitKind
from fees import rules as engine

CHARGED_STATUSES = [Booking.Status.ATTENDED, Booking.Status.NO_SHOW, Booking.Status.LATE_CANCEL]
OUTCOMES = {Booking.Status.ATTENDED: engine.ATTENDED, Booking.Status.NO_SHOW: engine.NO_SHOW,
            Booking.Status.LATE_CANCEL: engine.LATE_CANCEL}


def schedule_book(region):
    """The region's fee schedules year by year. SIP meetings are free whatever a schedule says."""
    sip_kinds = set(VisitKind.objects.filter(region=region, is_sip=True).values_list("key", flat=True))
    schedules = {}
    for schedule in FeeSchedule.objects.filter(region=region).prefetch_related("rows"):
        fees = {}
        for row in schedule.rows.all():
            fees.setdefault(row.visit_kind_key, {})[row.form] = row.fee_sek
        for key in sip_kinds:
            fees[key] = {form: 0 for form in engine.FORMS}
        schedules[schedule.year] = engine.Schedule(
            region=region.name, child_free_until_age=schedule.child_free_until_age,
            free_from_age=schedule.free_from_age, no_show_fee=schedule.no_show_fee_sek,
            ceiling_share=schedule.ceiling_share, prisbasbelopp={}, fees=fees)
    return engine.ScheduleBook(schedules=schedules,
                               prisbasbelopp=dict(Prisbasbelopp.objects.values_list("year", "amount_sek")))


def visit_value(booking):
    outcome = OUTCOMES[booking.status]
    patient = booking.patient
    return engine.Visit(visit_id=str(booking.pk), personnummer=patient.personal_number, birth_date=patient.birth_date,
                        date=timezone.localdate(booking.starts_at), visit_kind=booking.visit_kind.key,
                        form=booking.form, outcome=outcome)


def regional_visits(patient, region):
    """The patient's charged visits at the region's units (and the municipal units of its county)."""
    return (Booking.objects.filter(patient=patient, status__in=CHARGED_STATUSES,
                                   unit__organisation__county_code=region.county_code)
            .select_related("patient", "visit_kind").order_by("starts_at"))


def person_charges(patient, region):
    """Every charged visit of the patient in the region, through the engine, in date order."""
    visits = [visit_value(b) for b in regional_visits(patient, region)]
    return engine.calculate_person(visits, schedule_book(region))


def long_date(day):
    """A date as the resident reads it: "28 februari 2027" (Django's Swedish locale)."""
    return formats.date_format(day, "j F Y")


def charge_booking(booking, region):
    """Store the charge of a visit whose outcome was just registered, in the caller's transaction.
    A missing schedule or prisbasbelopp refuses the registration with a message."""
    try:
        charges, _ledger = person_charges(booking.patient, region)
    except engine.FeeError as error:
        raise ActionError(f"Avgiften kan inte beräknas: {error} Regionens avgiftsansvariga lägger in den.") from None
    charge = next(c for c in charges if c.visit_id == str(booking.pk))
    return PatientCharge.objects.create(
        booking=booking, patient=booking.patient, region=region, date=charge.visit.date, fee_sek=charge.fee_sek,
        counts_to_ceiling=charge.counts_to_ceiling, paid_in_period_sek=charge.paid_in_period_sek,
        free_card_until=charge.free_card_until, reason=charge.reason,
        explanation=engine.explain(charge, kind_name=booking.visit_kind.name, region_name=region.name,
                                   format_date=long_date),
    )


def standing(patient, region, day=None):
    """Where the patient stands on the ceiling today: paid, left to the free card, the free card."""
    day = day or timezone.localdate()
    visits = [visit_value(b) for b in regional_visits(patient, region)]
    return engine.ceiling_status(visits, schedule_book(region), day)


def region_year(region, year):
    """Every charge of the region's visits in `year`, recalculated from the bookings (person after
    person): what a region checks its registered charges and its reports against. Held visits from
    the year before are read too, as a ceiling period that started then runs into this year."""
    start = timezone.make_aware(datetime(year - 1, 1, 1))
    year_start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    # The units first: a list of ids gives the planner true row counts (a hash join to the patients,
    # not millions of index look-ups); no ORDER BY, as the engine orders each person's visits itself.
    units = list(Unit.objects.filter(organisation__county_code=region.county_code).values_list("pk", flat=True))
    kinds = dict(VisitKind.objects.filter(region=region).values_list("pk", "key"))
    # The Swedish date comes from the database, ready for the engine. Visits of the year before
    # matter only if they were held (no-shows never count towards the ceiling), and need no id: they
    # only set up the ledger, whose state after a day does not depend on the order of its visits.
    bookings = (Booking.objects.filter(unit_id__in=units, starts_at__lt=end)
                .filter(Q(starts_at__gte=year_start, status__in=CHARGED_STATUSES)
                        | Q(starts_at__gte=start, status=Booking.Status.ATTENDED))
                .order_by().annotate(day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()),
                                     visit_id=Case(When(starts_at__gte=year_start, then="pk"), default=None,
                                                   output_field=UUIDField())))
    fields = ["visit_id", "patient__personal_number", "patient__birth_date", "day", "visit_kind_id", "form", "status"]
    with collector_paused():
        # The booking's UUID itself is the visit id here (it orders and compares like its text).
        visits = [engine.Visit(pk, number, born, day, kinds[kind], form, OUTCOMES[status])
                  for pk, number, born, day, kind, form, status in fetch_rows(bookings, fields)]
    return engine.charges_by_person(visits, schedule_book(region), since=date(year, 1, 1))
