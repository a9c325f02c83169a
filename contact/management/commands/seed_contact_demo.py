"""Region Kronoberg's contact entry (seed 002) for the demo: an intake unit, a night team and three
primary-care centres with opening hours, questions and self-care texts; about 50 matters in every
state; the resident `invanare` listed at Teleborg with an answered matter and a booked visit; the
contact-entry nurse `kontakt` and the national front end `etjanst-1177` with an API key."""

import random
from datetime import time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contact import actions
from contact.models import CategoryQuestion, ContactEntry, Matter, OpeningHours, PriorityTarget, SelfCareText
from core.actions import create_api_token
from core.actor import Actor
from core.management.commands.seed_demo import DEMO_PASSWORD
from core.models import ApiToken, Membership, Organisation, Patient, Profession, Unit, User
from meetings import actions as meetings_actions
from meetings.models import Slot, VisitKind

NURSE = ("kontakt", "Klara", "Strand")
FRONT_END = "etjanst-1177"
UNITS = [
    ("SE2321000065-KI01", "Kontaktingång Region Kronoberg"),
    ("SE2321000065-KN01", "Nattens team, 1177 direkt Kronoberg"),
    ("SE2321000065-VC01", "Vårdcentralen Teleborg"),
    ("SE2321000065-VC02", "Vårdcentralen Ljungby"),
    ("SE2321000065-VC03", "Vårdcentralen Alvesta"),
]
QUESTIONS = [
    ("new_symptoms", "chest", "Har du ont eller tryck i bröstet?", "yes_no", "chest_pain"),
    ("new_symptoms", "breathing", "Har du svårt att andas?", "yes_no", "breathing"),
    ("new_symptoms", "fever", "Har du feber?", "yes_no", ""),
    ("new_symptoms", "since", "Sedan när har du haft besvären?", "text", ""),
    ("ongoing", "worse", "Har det blivit sämre den senaste veckan?", "yes_no", ""),
    ("prescription", "medicine", "Vilket läkemedel gäller det?", "text", ""),
    ("certificate", "kind", "Vilket intyg behöver du?", "text", ""),
]
TARGETS = {"unassessed": 240, "immediate": 15, "same_day": 480, "three_days": 4320, "planned": 20160, "self_care": 1440}
ADVICE = [
    ("Förkylning", "Vila, drick mycket och använd nässpray högst tio dagar. Hör av dig igen om du får svårt att "
                   "andas eller har feber mer än fem dagar."),
    ("Magsjuka", "Drick lite och ofta, gärna vätskeersättning. Hör av dig om du inte kan behålla vätska."),
    ("Ryggont", "Fortsätt röra dig som vanligt. Värktabletter receptfritt vid behov. Hör av dig om du får "
                "svårt att kissa eller domningar i benen."),
]
TEXTS = [
    ("new_symptoms", "Hosta och feber sedan tre dagar, 38,5 i morse."),
    ("new_symptoms", "Utslag på armarna som kliar sedan i helgen."),
    ("new_symptoms", "Ont i halsen och svårt att svälja."),
    ("new_symptoms", "Det trycker över bröstet när jag går i trappor."),
    ("new_symptoms", "Min pappa sluddrar och mungipan hänger sedan en timme."),
    ("ongoing", "Ryggont sedan två veckor, inte bättre av värktabletter."),
    ("ongoing", "Sover dåligt och orkar inte leva längre, känns hopplöst."),
    ("prescription", "Behöver förnya receptet på mitt blodtrycksläkemedel."),
    ("certificate", "Behöver läkarintyg för sjukskrivning från dag 8."),
    ("test_results", "Har jag fått svar på blodprovet från förra veckan?"),
    ("administrative", "Hur avbokar jag min tid på fredag?"),
    ("new_symptoms", "Jag har svårt att andas sedan i natt."),
]


class Command(BaseCommand):
    help = "Load Region Kronoberg's contact entry demo (after seed_demo and seed_meetings_demo)."

    def handle(self, *args, **options):
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, code="07").first()
        admin = Membership.objects.filter(user__username="admin").select_related("user", "unit").first()
        resident = User.objects.filter(username="invanare").select_related("patient").first()
        if region is None or admin is None or resident is None:
            self.stderr.write("Run `manage.py seed_demo` first.")
            return
        if ContactEntry.objects.filter(region=region).exists():
            self.stdout.write("Contact entry demo already loaded.")
            return
        self.load(region, Actor.for_membership(admin), resident)
        self.stdout.write(self.style.SUCCESS(f"Contact entry demo: {Matter.objects.count()} matters."))

    @transaction.atomic
    def load(self, region, admin, resident):
        units = [Unit.objects.get_or_create(hsa_id=hsa, defaults={
            "organisation": region, "name": name, "kind": Unit.Kind.PRIMARY_CARE})[0] for hsa, name in UNITS]
        intake, night, *centres = units
        ContactEntry.objects.create(region=region, intake_unit=intake, night_unit=night)
        for unit in [intake, *centres]:
            for weekday in range(5):
                OpeningHours.objects.create(unit=unit, weekday=weekday, opens=time(8, 0), closes=time(17, 0))
        for key, minutes in TARGETS.items():
            PriorityTarget.objects.create(region=region, priority=key, minutes=minutes)
        for order, (category, key, text, kind, flag) in enumerate(QUESTIONS):
            CategoryQuestion.objects.create(region=region, category=category, key=key, text=text, kind=kind,
                                            flag=flag, order=order)
        for title, body in ADVICE:
            SelfCareText.objects.create(region=region, title=title, body=body)

        nurse_user = User.objects.create(username=NURSE[0], first_name=NURSE[1], last_name=NURSE[2],
                                         email="kontakt@example.se", home_unit=intake)
        nurse_user.set_password(DEMO_PASSWORD)
        nurse_user.save()
        # At the intake unit she also administers the region's contact-entry settings.
        memberships = {unit.pk: Membership.objects.create(
            user=nurse_user, unit=unit, profession=Profession.NURSE,
            roles=["clinical", "coordinator"] + (["unit_admin"] if unit == intake else [])) for unit in units}
        physician = User.objects.create(username="kontakt-lakare", first_name="Omar", last_name="Berg",
                                        home_unit=centres[0])
        physician.set_password(DEMO_PASSWORD)
        physician.save()
        Membership.objects.create(user=physician, unit=centres[0], profession=Profession.PHYSICIAN, roles=["clinical"])
        teleborg = Actor.for_membership(memberships[centres[0].pk])

        front = User.objects.create(username=FRONT_END, first_name="1177", last_name="e-tjänst", home_unit=intake)
        front.set_unusable_password()
        front.save()
        front_membership = Membership.objects.create(user=front, unit=intake, profession=Profession.COORDINATOR,
                                                     roles=["clinical"])
        if not ApiToken.objects.filter(membership=front_membership).exists():
            create_api_token(admin, front_membership, name="1177 e-tjänst (demo)")
        api_actor = Actor.for_api_token(ApiToken.objects.get(membership=front_membership))

        # Listing: the demo's residents spread over the three centres; invanare at Teleborg.
        patients = list(Patient.objects.filter(is_demo=True).exclude(pk=resident.patient_id).order_by("pk")[:45])
        for i, patient in enumerate(patients):
            patient.listed_unit = centres[i % 3]
            patient.save(update_fields=["listed_unit"])
        me = resident.patient
        me.listed_unit, me.fixed_care_contact = centres[0], nurse_user
        me.save(update_fields=["listed_unit", "fixed_care_contact"])

        kind = VisitKind.objects.update_or_create(region=region, key="lakarbesok", defaults={
            "name": "Läkarbesök", "minutes": 30, "suits_video": True})[0]
        today = timezone.localdate()
        for offset in range(1, 8):
            day = today + timedelta(days=offset)
            if day.weekday() < 5:
                meetings_actions.create_slots(teleborg, staff=physician, visit_kind=kind, day=day, start=time(9, 0),
                                              end=time(11, 0), minutes=30, forms=["physical", "video"])

        rng = random.Random(2)
        now = timezone.now()
        for i, patient in enumerate(patients):
            category, text = TEXTS[i % len(TEXTS)]
            stage = i % 6
            # Waiting ones arrived lately, handled ones over the last six days: routed by the
            # hour they came in (a centre by day, the night team by night).
            ago = rng.randint(5, 180) if stage < 2 else rng.randint(180, 60 * 24 * 6)
            matter, _created = actions.file_matter_once(
                api_actor, key=f"demo-{i}", body={"n": i}, patient=patient, category=category, description=text,
                answers={}, now=now - timedelta(minutes=ago))
            self.advance(matter, stage, Actor.for_membership(memberships[matter.unit_id]), region)

        # invanare: an answered matter and one that led to a booked visit.
        own = Actor.resident(resident)
        answered = actions.file_matter(own, me, category="prescription", region=region,
                                       description="Behöver förnya receptet på astmasprayen.")
        answered = self.to_centre(answered, memberships, centres[0])
        actions.take(teleborg, answered)
        actions.triage(teleborg, answered, priority="planned", care_level="primary", reason="Receptförnyelse")
        actions.answer(teleborg, answered, text="Receptet är förnyat och finns på apoteket i morgon.")
        booked = actions.file_matter(own, me, category="ongoing", region=region,
                                     description="Ont i knät sedan en månad, svullnar efter promenader.")
        booked = self.to_centre(booked, memberships, centres[0])
        actions.take(teleborg, booked)
        actions.triage(teleborg, booked, priority="planned", care_level="primary", reason="Behöver undersökas")
        actions.send_message(teleborg, booked, text="Har du kunnat gå som vanligt?")
        actions.send_message(own, booked, text="Ja, men det gör ont i trappor.")
        slot = Slot.objects.filter(unit=centres[0], booked=False).order_by("starts_at").first()
        actions.book(teleborg, booked, slot=slot, form="physical")
        # A question after the booking: Mina sidor shows "Vården väntar på ditt svar", and a day later
        # `manage.py contact_reminders` would remind her.
        actions.send_message(teleborg, booked, text="Har du tagit något mot smärtan? Skriv gärna vad och hur mycket.")

    def to_centre(self, matter, memberships, centre):
        """Outside the centre's hours the night team has it: it hands it over to the centre."""
        if matter.unit_id != centre.pk:
            night = Actor.for_membership(memberships[matter.unit_id])
            matter = actions.transfer(night, matter, unit=centre, note="Till vårdcentralen i dagtid.")
        return matter

    def advance(self, matter, stage, nurse, region):
        """Stage 0: waiting; 1: taken; 2: triaged; 3: answered; 4: closed with advice; 5: referred."""
        if stage == 0:
            return
        actions.take(nurse, matter)
        if stage >= 2:
            priority = "immediate" if matter.red_flags else "same_day"
            actions.triage(nurse, matter, priority=priority, care_level="primary", reason="Bedömt i kontaktingången")
        if stage >= 3:
            actions.answer(nurse, matter, text="Tack för ditt ärende. Vi ringer dig i eftermiddag.")
        if stage == 4:
            actions.close(nurse, matter, closing="self_care",
                          self_care_text=SelfCareText.objects.filter(region=region).first())
        if stage == 5:
            actions.close(nurse, matter, closing="emergency", note="Åk till akuten i Växjö.")
