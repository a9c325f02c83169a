"""Demo data for digital care meetings in the Skåne demo: Region Skåne's visit kinds, the booking
rules of Vårdcentralen Centrum Lund, three months of held visits (about one in twelve by video, a
few no-shows and late cancellations) and the coming two weeks booked, including a video visit for
the demo resident (`invanare`) that opens shortly after the demo starts. Idempotent."""

import random
from datetime import time, timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.access import access_basis
from core.management.commands.seed_demo import DEMO_PASSWORD
from core.actor import Actor
from core.models import CareRelation, Membership, Organisation, Patient, Unit, User
from discharge.management.commands.seed_discharge_demo import DEMO_ROBOT
from meetings import actions, charging
from meetings.models import (
    Booking, ConferenceSeries, ConferenceSession, UnitCalendar, VisitKind,
)
from meetings.video import provider


CLINIC = "SE2321000032-2001"
SECOND_RESIDENT = "invanare2"
VISIT_KINDS = [
    # key, name, minutes, SIP, suits video
    ("lakarbesok", "Läkarbesök", 30, False, True),
    ("sjukskoterskebesok", "Sjuksköterskebesök", 20, False, True),
    ("psykosocial", "Psykosocial bedömning", 45, False, True),
    ("sarkontroll", "Sår- och hudkontroll", 20, False, True),
    ("provtagning", "Provtagning", 15, False, False),
    ("sip", "SIP-möte", 60, True, True),
]


class Command(BaseCommand):
    help = "Load demo visit kinds, calendar rules and bookings (idempotent)."

    def handle(self, *args, **options):
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code="12").first()
        clinic = Unit.objects.filter(hsa_id=CLINIC).first()
        if region is None or clinic is None:
            self.stderr.write("Run `manage.py seed_demo` first.")
            return
        kinds = {key: VisitKind.objects.update_or_create(region=region, key=key, defaults={
            "name": name, "minutes": minutes, "is_sip": sip, "suits_video": video})[0]
            for key, name, minutes, sip, video in VISIT_KINDS}
        UnitCalendar.objects.get_or_create(unit=clinic, defaults={"late_cancel_hours": 24, "join_opens_minutes": 15})
        # The region's fee schedules are the fees app's (it sits above meetings): by name, not import.
        call_command("seed_fees_demo")
        if Booking.objects.filter(unit=clinic).exists():
            self.stdout.write("Demo bookings already loaded.")
            return
        self.load(clinic, kinds)
        self.load_conference()
        self.stdout.write(self.style.SUCCESS(f"Demo bookings: {Booking.objects.filter(unit=clinic).count()}."))

    @transaction.atomic
    def load(self, clinic, kinds):
        rng = random.Random(2020)
        nurse = Actor.for_membership(Membership.objects.get(user__username="distriktsskoterska", unit=clinic))
        staff = [User.objects.get(username="vc-lakare"), User.objects.get(username="distriktsskoterska")]
        patients = list(Patient.objects.filter(is_demo=True).order_by("personal_number")[:120])
        self.list_at(clinic, nurse, patients)
        resident = User.objects.filter(username="invanare").select_related("patient").first()
        now = timezone.localtime()
        today = now.replace(hour=8, minute=0, second=0, microsecond=0)
        # The held visits of the last three months are history: loaded as they ended, not booked now.
        for day in range(90, 0, -1):
            start = today - timedelta(days=day)
            if start.weekday() >= 5:
                continue
            for person in staff:
                for slot in range(rng.randint(4, 8)):
                    self.history(clinic, person, kinds, rng.choice(patients), start + timedelta(minutes=45 * slot), rng)
        # The coming two weeks, booked through the real action (which refuses a patient two visits
        # at once, so each time's patients are drawn apart).
        booked = set()
        for day in range(1, 15):
            start = today + timedelta(days=day)
            if start.weekday() >= 5:
                continue
            for person in staff:
                for slot in range(rng.randint(2, 5)):
                    kind = kinds[rng.choice(["lakarbesok", "sjukskoterskebesok", "sarkontroll", "provtagning"])]
                    form = "video" if kind.suits_video and rng.random() < 0.25 else rng.choice(["physical", "physical", "phone"])
                    when = start + timedelta(minutes=45 * slot)
                    patient = rng.choice([p for p in patients if (p.pk, when) not in booked])
                    booked.add((patient.pk, when))
                    actions.book_visit(nurse, patient, staff=person, visit_kind=kind, form=form, starts_at=when,
                                       notify=False)
        # Free afternoon times for the physician's visits, to book into.
        for day in range(1, 15):
            start = today + timedelta(days=day)
            if start.weekday() < 5:
                actions.create_slots(nurse, staff=staff[0], visit_kind=kinds["lakarbesok"], day=start.date(),
                                     start=time(13, 0), end=time(16, 0), minutes=30,
                                     forms=["physical", "phone", "video"])
        if resident and resident.patient:
            soon = (now + timedelta(minutes=20)).replace(second=0, microsecond=0)
            actions.book_visit(nurse, resident.patient, staff=staff[0], visit_kind=kinds["lakarbesok"], form="video",
                               starts_at=soon, note="Ha gärna din läkemedelslista nära till hands.", notify=False)
            actions.book_visit(nurse, resident.patient, staff=staff[1], visit_kind=kinds["sarkontroll"], form="physical",
                               starts_at=today + timedelta(days=7, hours=7), notify=False)
            self.demo_sip(nurse, resident.patient, staff, today)
            self.demo_charges(clinic, resident.patient, staff, kinds, today)  # 15:00, after the day's other visits
        # The demo resident is 98 and pays nothing; a second one, of working age, is near the free card.
        younger = (Patient.objects.filter(is_demo=True, protected_identity=False, birth_date__year__range=(1960, 1990))
                   .exclude(pk__in=[p.pk for p in patients]).order_by("personal_number").first())
        if younger:
            self.demo_resident_near_free_card(clinic, younger, staff, kinds, today)

    def list_at(self, clinic, nurse, patients):
        """The clinic's listed patients (a care relation): a unit books only patients it may open."""
        listed = set(CareRelation.objects.filter(unit=clinic, patient__in=patients).values_list("patient_id", flat=True))
        CareRelation.objects.bulk_create([
            CareRelation(patient=p, unit=clinic, reason="Listad på vårdcentralen", created_by=nurse.user)
            for p in patients if p.pk not in listed])

    def demo_sip(self, nurse, patient, staff, today):
        """A SIP for the demo resident with Lund's home care (invited, and accepted by its occupational
        therapist) and a relative, fixed once, and a digital follow-up meeting booked."""
        if access_basis(nurse, patient) is None:
            return
        home_care = Unit.objects.filter(hsa_id="SE2120001281-0001").first()
        plan = actions.create_sip(nurse, patient, consent_given=True, consent_note="Muntligt samtycke vid besök",
                                  person_goals="Bo kvar hemma och klara morgonrutinen själv. Komma ut på promenad.",
                                  follow_up_on=today.date() + timedelta(days=90))
        therapist = Membership.objects.filter(user__username="arbetsterapeut", unit=home_care).first()
        if home_care and therapist:
            # The municipality is invited with the person's consent to Lunds kommun, and its
            # occupational therapist accepts for the unit: only then does home care open the plan.
            invitation = actions.add_sip_participant(
                nurse, plan, name="Jonas Olsson", role="Arbetsterapeut", unit=home_care, consent_given=True,
                consent_note="Muntligt samtycke vid besök, även till kommunens hemsjukvård")
            actions.answer_sip_invitation(Actor.for_membership(therapist), invitation, accept=True)
            actions.add_sip_effort(nurse, plan, unit=home_care, description="Hjälpmedel i badrummet och träning i hemmet",
                                   goal="Duscha själv")
        actions.add_sip_participant(nurse, plan, name="Anna Karlsson", role="Dotter", is_relative=True)
        actions.add_sip_effort(nurse, plan, unit=nurse.unit, description="Läkemedelsgenomgång och uppföljning av blodtryck",
                               goal="Färre yrselattacker")
        actions.publish_sip_version(nurse, plan, reason="Första planen")
        actions.book_sip_meeting(nurse, plan, staff=staff[1], form="video", starts_at=today + timedelta(days=10, hours=5),
                                 notify=False)

    def demo_charges(self, clinic, patient, staff, kinds, today):
        """Three held visits for the demo resident this autumn, charged as registering them would."""
        for weeks, kind, form in ((10, "lakarbesok", "physical"), (6, "sjukskoterskebesok", "phone"),
                                  (3, "lakarbesok", "video")):
            start = today - timedelta(weeks=weeks, hours=-2)
            booking = Booking.objects.create(
                patient=patient, unit=clinic, staff=staff[0], visit_kind=kinds[kind], form=form, starts_at=start,
                ends_at=start + timedelta(minutes=kinds[kind].minutes), status=Booking.Status.ATTENDED,
                created_by=staff[0], closed_at=start + timedelta(minutes=kinds[kind].minutes),
                room=provider().new_room() if form == "video" else None)
            charging.charge_booking(booking, clinic.organisation)

    def demo_resident_near_free_card(self, clinic, patient, staff, kinds, today):
        """`invanare2`: four held visits of 300 kr since the summer, 250 kr from the free card."""
        user, created = User.objects.get_or_create(username=SECOND_RESIDENT, defaults={
            "first_name": patient.first_name, "last_name": patient.last_name, "patient": patient})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for weeks, kind, form in ((20, "lakarbesok", "physical"), (14, "sarkontroll", "physical"),
                                  (8, "lakarbesok", "video"), (2, "sjukskoterskebesok", "phone")):
            start = today - timedelta(weeks=weeks, hours=-3)
            booking = Booking.objects.create(
                patient=patient, unit=clinic, staff=staff[weeks % 2], visit_kind=kinds[kind], form=form,
                starts_at=start, ends_at=start + timedelta(minutes=kinds[kind].minutes), status=Booking.Status.ATTENDED,
                created_by=staff[1], closed_at=start + timedelta(minutes=kinds[kind].minutes),
                room=provider().new_room() if form == "video" else None)
            charging.charge_booking(booking, clinic.organisation)

    @transaction.atomic
    def load_conference(self):
        """A lung-cancer conference for Södra sjukvårdsregionen: owned by Skåne, with lung clinics
        in Blekinge, Halland and Kronoberg; one session held (cases answered) and one ahead. The
        demo physician `lakare` chairs it from an extra membership at the owning unit."""
        regions = {r.county_code: r for r in Organisation.objects.filter(kind=Organisation.Kind.REGION,
                                                                          county_code__in=["12", "10", "13", "07"])}
        if len(regions) < 4:
            return
        units = {code: Unit.objects.get_or_create(hsa_id=hsa, defaults={
            "organisation": regions[code], "name": name, "kind": Unit.Kind.HOSPITAL})[0]
            for code, hsa, name in (("12", "SE2321000032-3101", "Lungmedicin, Skånes universitetssjukhus Lund"),
                                    ("10", "SE2321000081-3101", "Lungmottagningen, Blekingesjukhuset Karlskrona"),
                                    ("13", "SE2321000115-3101", "Lungmottagningen, Hallands sjukhus Halmstad"),
                                    ("07", "SE2321000065-3101", "Lungmottagningen, Centrallasarettet Växjö"))}
        chair_user = User.objects.get(username="lakare")
        chair_membership, _ = Membership.objects.get_or_create(
            user=chair_user, unit=units["12"], defaults={"profession": "lakare", "roles": ["clinical", "coordinator"]})
        chair = Actor.for_membership(chair_membership)
        series = ConferenceSeries.objects.create(
            name="Lungcancerkonferens Södra sjukvårdsregionen", specialty="Lungcancer", owner_unit=units["12"],
            chair=chair_user, schedule="Tisdagar 14.00–15.30, varje vecka",
            required_professions=["lakare", "sjukskoterska"], registration_deadline_hours=48)
        series.participating_units.add(*units.values())
        robot = User.objects.get(username=DEMO_ROBOT)
        referrers = {}
        for code in ("10", "13", "07"):
            membership, _ = Membership.objects.get_or_create(
                user=robot, unit=units[code], defaults={"profession": "lakare", "roles": ["clinical"]})
            referrers[code] = Actor.for_membership(membership)
        patients = list(Patient.objects.filter(is_demo=True, protected_identity=False, birth_date__year__range=(1940, 1965))
                        .order_by("personal_number")[:5])
        now = timezone.localtime()
        # Both sessions on a Tuesday, as the series' schedule says: the next one at least six days
        # ahead (registration still open), the held one the last Tuesday before today (scheduled
        # ahead first, as sessions are, then moved back into the past below).
        tuesday_ahead = (1 - now.weekday()) % 7
        tuesday_ahead += 7 if tuesday_ahead < 6 else 0
        upcoming = actions.schedule_session(chair, series, starts_at=(now + timedelta(days=tuesday_ahead)).replace(
            hour=14, minute=0, second=0, microsecond=0))
        last_tuesday = (now.weekday() - 1) % 7 or 7
        held_back = timedelta(days=7 * ((tuesday_ahead + last_tuesday) // 7 + 1))
        held = actions.schedule_session(chair, series, starts_at=(now - timedelta(days=last_tuesday) + held_back).replace(
            hour=14, minute=0, second=0, microsecond=0))
        questions = ["Operabel tumör i höger överlob? Kompletterande utredning?", "Stadieindelning och behandlingsval.",
                     "Strålbehandling eller kirurgi vid nedsatt lungfunktion?"]
        for index, (code, patient) in enumerate(zip(("10", "13", "07", "10"), patients, strict=False)):
            referrer = referrers[code]
            CareRelation.objects.get_or_create(patient=patient, unit=referrer.unit,
                                               defaults={"reason": "Utredning", "created_by": robot})
            actions.register_case(referrer, held if index < 3 else upcoming, patient,
                                  question=questions[index % 3], legal_basis="consent",
                                  history="Rökare, 40 paketår. Hosta sedan tre månader.",
                                  image_links="https://pacs.example.invalid/studie/demo")
        # The first session is history now: it was held, with attendance and answers.
        ConferenceSession.objects.filter(pk=held.pk).update(starts_at=held.starts_at - held_back,
                                                            ends_at=held.ends_at - held_back)
        held.refresh_from_db()
        actions.record_attendance(chair, held, [chair_membership])
        for case in held.cases.all()[:2]:
            actions.record_recommendation(chair, case, recommendation="PET-DT och bronkoskopi, därefter ställningstagande "
                                          "till lobektomi.", informs_patient="Remitterande läkare",
                                          inform_by=timezone.localdate() + timedelta(days=5))
        # The robot referred the demo cases; it is no person to choose (its memberships end here).
        Membership.objects.filter(user=robot).update(active=False)

    def history(self, clinic, person, kinds, patient, start, rng):
        # SIP meetings belong to plans (see demo_sip), not to the calendar's everyday history.
        kind = kinds[rng.choices(["lakarbesok", "sjukskoterskebesok", "psykosocial", "sarkontroll", "provtagning"],
                                 [40, 30, 6, 10, 12])[0]]
        form = "video" if kind.suits_video and rng.random() < 0.08 else rng.choices(["physical", "phone"], [85, 15])[0]
        status = rng.choices(["attended", "no_show", "late_cancel", "cancelled"], [90, 3, 2, 5])[0]
        end = start + timedelta(minutes=kind.minutes)
        Booking.objects.create(
            patient=patient, unit=clinic, staff=person, visit_kind=kind, form=form, starts_at=start, ends_at=end,
            status=status, created_by=person, created_at=start - timedelta(days=rng.randint(1, 30)),
            closed_at=end if status in ("attended", "no_show") else start - timedelta(hours=rng.randint(2, 72)),
            room=provider().new_room() if form == "video" else None,
            cancel_reason="Patienten förhindrad" if status in ("late_cancel", "cancelled") else "",
        )
