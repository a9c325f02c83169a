"""Demo fee schedules for Region Skåne (county 12): run by `seed_meetings_demo` once the region's
visit kinds are there, and on its own after them."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import Organisation
from fees.models import FeeSchedule, FeeScheduleRow
from meetings.models import VisitForm, VisitKind


class Command(BaseCommand):
    help = "Load demo fee schedules for the demo region's visit kinds (idempotent)."

    def handle(self, *args, **options):
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code="12").first()
        kinds = list(VisitKind.objects.filter(region=region)) if region else []
        if not kinds:
            self.stderr.write("Run `manage.py seed_demo` and `seed_meetings_demo` first.")
            return
        self.load_fee_schedules(region, kinds)

    def load_fee_schedules(self, region, kinds):
        """Seed 001's unit fee, 300 kr for an agreed visit whatever the form, for last, this and next
        year; SIP meetings free. An example for the demo, not Region Skåne's handbook."""
        this_year = timezone.localdate().year
        for year in (this_year - 1, this_year, this_year + 1):
            schedule, created = FeeSchedule.objects.get_or_create(region=region, year=year)
            if not created:
                continue
            FeeScheduleRow.objects.bulk_create([
                FeeScheduleRow(schedule=schedule, visit_kind_key=kind.key, form=form, fee_sek=0 if kind.is_sip else 300)
                for kind in kinds for form in VisitForm.values])
