"""Writes of a region's fee rules (its avgiftshandbok): fee schedules and the prisbasbelopp the
ceiling is computed from. The charges themselves are set when a visit's outcome is registered
(`meetings.actions.bookings.register_outcome`, through `meetings.charging` to `fees.charges.charge_booking`).
The visit kinds a schedule prices are the calendar's, written by `meetings.actions.visit_kinds`."""

from decimal import Decimal

from django.db import transaction

from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from fees.models import FeeSchedule, FeeScheduleRow, Prisbasbelopp
from fees.permissions import may_enter_prisbasbelopp, may_manage_fees
from meetings.models import VisitForm, VisitKind


FEE_SCHEDULE_FIELDS = ["year", "child_free_until_age", "free_from_age", "no_show_fee_sek", "ceiling_share"]


def _fee_schedule_snapshot(schedule):
    values = snapshot(schedule, FEE_SCHEDULE_FIELDS)
    values["fees"] = {f"{row.visit_kind_key}/{row.form}": row.fee_sek
                      for row in schedule.rows.order_by("visit_kind_key", "form")}
    return values


def _check_fee_schedule(region, values, fees):
    errors = {}
    if not 2000 <= values["year"] <= 2100:
        errors["year"] = ["Ange ett år mellan 2000 och 2100."]
    if values["child_free_until_age"] > values["free_from_age"]:
        errors["free_from_age"] = ["Åldern för fria besök för äldre kan inte vara lägre än gränsen för barn och unga."]
    if not Decimal("0") < values["ceiling_share"] < Decimal("1"):
        errors["ceiling_share"] = ["Ange andelen som ett decimaltal, t.ex. 0,025 för 2,5 procent."]
    # Every visit kind must be priced in every form, or the engine refuses the visits of that kind.
    for kind in VisitKind.objects.filter(region=region, is_sip=False):
        for form in VisitForm.values:
            fee = fees.get(kind.key, {}).get(form)
            if fee is None or fee < 0:
                errors.setdefault(f"fee_{kind.key}_{form}", []).append("Ange en avgift i hela kronor (0 för avgiftsfritt).")
    if errors:
        raise ActionError.many(errors)


@transaction.atomic
def save_fee_schedule(actor, region, schedule=None, *, values, fees):
    """Create or change the region's fee schedule for one year: the age limits, the no-show fee, the
    ceiling's share of the prisbasbelopp, and a fee per visit kind and form. Charges already
    registered keep the fee they were given; the audit log keeps each version of the schedule."""
    if not may_manage_fees(actor, region):
        raise NotPermitted("Avgiftstabellen ändras av regionens ekonomiansvariga.")
    _check_fee_schedule(region, values, fees)
    creating = schedule is None
    if creating:
        if FeeSchedule.objects.filter(region=region, year=values["year"]).exists():
            raise ActionError(f"Regionen har redan en avgiftstabell för {values['year']}.", field="year")
        schedule, before = FeeSchedule(region=region), {}
    else:
        schedule = FeeSchedule.objects.select_for_update().get(pk=schedule.pk, region=region)
        before = _fee_schedule_snapshot(schedule)
        values = {**values, "year": schedule.year}  # the year is what the schedule is; it does not move
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.save()
    schedule.rows.all().delete()
    FeeScheduleRow.objects.bulk_create([
        FeeScheduleRow(schedule=schedule, visit_kind_key=key, form=form, fee_sek=fee)
        for key, by_form in sorted(fees.items()) for form, fee in sorted(by_form.items()) if fee is not None])
    record_write(actor, "fees.fee_schedule.create" if creating else "fees.fee_schedule.update", schedule,
                 changes=diff(before, _fee_schedule_snapshot(schedule)))
    return schedule


@transaction.atomic
def save_prisbasbelopp(actor, *, year, amount_sek, source=""):
    """The national prisbasbelopp for a year, set by the government each autumn: one figure for
    every region, so only a system administrator enters it."""
    if not may_enter_prisbasbelopp(actor):
        raise NotPermitted("Prisbasbeloppet läggs in av en systemadministratör.")
    if not 2000 <= year <= 2100:
        raise ActionError("Ange ett år mellan 2000 och 2100.", field="year")
    if not 10_000 <= amount_sek <= 500_000:
        raise ActionError("Ange beloppet i hela kronor, t.ex. 59200.", field="amount_sek")
    amount = Prisbasbelopp.objects.select_for_update().filter(year=year).first() or Prisbasbelopp(year=year)
    before = snapshot(amount, ["amount_sek", "source"]) if amount.amount_sek else {}
    amount.amount_sek, amount.source = amount_sek, source.strip()
    amount.save()
    record_write(actor, "fees.prisbasbelopp.save", amount, changes=diff(before, snapshot(amount, ["amount_sek", "source"])))
    return amount
