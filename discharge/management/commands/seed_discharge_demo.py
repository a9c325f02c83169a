"""Load a year of synthetic discharge cases for the Skåne demo, through the real actions.

Varied timings: most admission notices within hours, some late or missing; ready days mostly 0–3,
some long-stayers; withdrawn ready notices, objections, cancellations, psychiatric cases; and a
set of cases still open today. Idempotent: does nothing when demo cases exist.
"""

import random
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.models import CareRelation, Membership, Organisation, Patient, Unit, User
from discharge import actions
from discharge.invoicing import PRESETS, month_basis, previous_month
from discharge.models import Agreement, AgreementCareTypeRule, AgreementDailyAmount, DischargeCase

DEMO_ROBOT = "demo-utskrivning"


class Command(BaseCommand):
    help = "Load a year of demo discharge cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=400)
        parser.add_argument("--open", type=int, default=30)

    def handle(self, *args, cases, open, **options):
        self.load_example_agreement()
        if DischargeCase.objects.exists():
            self.stdout.write("Demo discharge cases already loaded.")
            return
        self.rng = random.Random(2017612)
        wards = list(Unit.objects.filter(kind__in=[Unit.Kind.WARD, Unit.Kind.PSYCHIATRY], hsa_id__startswith="SE2321000032"))
        primary = list(Unit.objects.filter(kind=Unit.Kind.PRIMARY_CARE))
        if not wards or not primary:
            self.stderr.write("Run `manage.py seed_demo` first.")
            return
        self.actors = self.robot_actors()
        patients = list(Patient.objects.filter(is_demo=True, home_municipality__isnull=False).select_related("home_municipality"))
        now = timezone.now()
        for index in range(cases):
            admitted = now - timedelta(days=self.rng.uniform(12, 365), minutes=self.rng.randint(0, 1440))
            self.one_case(patients[index % len(patients)], wards, primary, admitted, finish=True)
        for index in range(open):
            admitted = now - timedelta(hours=self.rng.uniform(2, 24 * 40))
            self.one_case(patients[(cases + index) % len(patients)], wards, primary, admitted, finish=False)
        self.load_disputes(wards, primary)
        # The robot wrote the demo's messages; it is no person to book or choose: its memberships
        # end here, so no staff choice offers it.
        Membership.objects.filter(user__username=DEMO_ROBOT).update(active=False)
        self.stdout.write(self.style.SUCCESS(f"Demo discharge cases: {DischargeCase.objects.count()}."))

    def load_example_agreement(self):
        """The Skåne-style averaging example, labelled as an example, covering the demo years."""
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code="12").first()
        preset = PRESETS["skane_example"]
        if region is None or Agreement.objects.filter(region=region, name=preset["values"]["name"]).exists():
            return
        this_year = timezone.localdate().year
        amounts = {**preset["amounts"], **{year: 9300 for year in range(this_year - 1, this_year + 1)}}
        agreement = Agreement.objects.create(region=region, valid_from=date(this_year - 1, 1, 1), **preset["values"])
        for care_type, rule in preset["care_types"].items():
            AgreementCareTypeRule.objects.create(agreement=agreement, care_type=care_type, **rule)
        for year, amount in amounts.items():
            AgreementDailyAmount.objects.create(agreement=agreement, year=year, amount_sek=amount)

    def long_stay(self, patient, ward, primary, municipality, month, *, ready_day, ready_days):
        """A somatic case in `month` whose patient waited `ready_days` days after being ready:
        liable days for the municipality, whatever the random cases gave."""
        ward_actor = self.actors[ward.pk]
        CareRelation.objects.get_or_create(patient=patient, unit=ward, valid_until=None,
                                           defaults={"reason": "Inskriven på avdelningen", "created_by": ward_actor.user})
        first = timezone.make_aware(datetime.combine(month.first_day, time(8, 0)))
        ready_at = first + timedelta(days=ready_day - 1, hours=2)
        case = actions.open_case(ward_actor, patient, municipality=municipality, admitted_at=first - timedelta(days=4),
                                 care_type="somatic", primary_care=primary)
        parties = {p.role: self.actors[p.unit_id] for p in case.parties.all()}
        actions.send_admission_notice(ward_actor, case, at=first - timedelta(days=4) + timedelta(hours=3),
                                      known_needs="Hemtjänst sedan tidigare")
        actions.appoint_care_contact(parties["primary_care"], case, name="Distriktssköterska (demo)",
                                     at=first - timedelta(days=3))
        actions.record_commitment(parties["municipality"], case, provides=True, description="Korttidsplats",
                                  at=first - timedelta(days=2))
        actions.send_ready_notice(ward_actor, case, judged_by="Ansvarig läkare (demo)", at=ready_at)
        actions.send_discharge_notice(ward_actor, case, at=ready_at + timedelta(days=ready_days),
                                      medication_list="Enligt läkemedelslista", transport="Sjukresa")
        return case

    def load_disputes(self, wards, primary):
        """Last month's invoice basis with something to dispute: long waits in Malmö (the demo's
        municipal finance officer, `kommunekonom`) and Lund, and a dispute in each state: open
        (Malmö), accepted with a credit and rejected with a reason (Lund)."""
        region = Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code="12").first()
        municipalities = {m.code: m for m in Organisation.objects.filter(kind="municipality", code__in=["1280", "1281"])}
        somatic = [w for w in wards if w.kind == Unit.Kind.WARD]
        patients = list(Patient.objects.filter(is_demo=True, protected_identity=False)
                        .exclude(discharge_cases__status=DischargeCase.Status.OPEN).order_by("personal_number")[:8])
        if region is None or len(municipalities) < 2 or not somatic or len(patients) < 4:
            return
        month = previous_month(timezone.localdate())
        cases = {}
        for index, (code, ready_day, waited) in enumerate([("1280", 3, 12), ("1280", 8, 9), ("1281", 4, 14),
                                                          ("1281", 10, 11)]):
            cases.setdefault(code, []).append(self.long_stay(
                patients[index], somatic[index % len(somatic)], primary[index % len(primary)], municipalities[code],
                month, ready_day=ready_day, ready_days=waited))
        bases = {b.municipality.code: b for b in month_basis(region, month)}
        region_finance = Membership.objects.filter(user__username="analytiker", unit__organisation=region).first()
        if region_finance is None:
            return
        region_actor = Actor.for_membership(region_finance)

        def municipal_finance(code):
            unit = Unit.objects.filter(organisation=municipalities[code], kind=Unit.Kind.NEEDS_ASSESSMENT).first()
            membership = next((m for m in Membership.objects.filter(unit=unit, active=True) if "finance" in m.roles), None)
            if membership is None:  # no finance officer of Lund in the demo: the robot disputes for it
                membership, _ = Membership.objects.update_or_create(
                    user=User.objects.get(username=DEMO_ROBOT), unit=unit,
                    defaults={"profession": "koordinator", "roles": ["clinical", "coordinator", "finance"]})
            return Actor.for_membership(membership)

        def dispute(code, case, reason):
            return actions.dispute_line(municipal_finance(code), case, month=month, reason=reason,
                                        line_amount=bases[code].line_amount(str(case.pk)))

        dispute("1280", cases["1280"][0], "Vårdkontakten utsågs sent enligt vår journal; vi vill se underlaget.")
        accepted = dispute("1281", cases["1281"][0], "Patienten hade plats på korttidsboende från dag 3.")
        actions.answer_dispute(region_actor, accepted, accept=True, answer="Stämmer, raden krediteras.")
        rejected = dispute("1281", cases["1281"][1], "Vi fick aldrig meddelandet om utskrivningsklar.")
        actions.answer_dispute(region_actor, rejected, accept=False,
                               answer="Meddelandet skickades i tid och är kvitterat av er enhet.")

    def robot_actors(self):
        """A demo account with a membership in every unit that takes part, to send the messages."""
        robot, created = User.objects.get_or_create(username=DEMO_ROBOT, defaults={"first_name": "Demodata", "last_name": "(Samverkan)"})
        if created:
            robot.set_unusable_password()
            robot.save(update_fields=["password"])
        actors = {}
        for unit in Unit.objects.filter(kind__in=[Unit.Kind.WARD, Unit.Kind.PSYCHIATRY, Unit.Kind.PRIMARY_CARE, Unit.Kind.NEEDS_ASSESSMENT]):
            membership, _ = Membership.objects.get_or_create(
                user=robot, unit=unit, defaults={"profession": "koordinator", "roles": ["clinical", "coordinator"]})
            actors[unit.pk] = Actor.for_membership(membership)
        return actors

    @transaction.atomic
    def one_case(self, patient, wards, primary_units, admitted, *, finish):
        rng, now = self.rng, timezone.now()
        ward = rng.choice(wards)
        ward_actor = self.actors[ward.pk]
        if DischargeCase.objects.filter(patient=patient, ward=ward, status=DischargeCase.Status.OPEN).exists():
            return
        municipality = patient.home_municipality or rng.choice(list(Organisation.objects.filter(kind="municipality")))
        care_type = "psychiatric" if ward.kind == Unit.Kind.PSYCHIATRY else "somatic"
        primary = rng.choice(primary_units)
        # Admitted to the ward: the ward's care relation, as the ward's own record would give it.
        CareRelation.objects.get_or_create(patient=patient, unit=ward, valid_until=None,
                                           defaults={"reason": "Inskriven på avdelningen", "created_by": ward_actor.user})
        case = actions.open_case(ward_actor, patient, municipality=municipality, admitted_at=admitted,
                                 care_type=care_type, primary_care=primary)
        parties = {p.role: self.actors[p.unit_id] for p in case.parties.all()}

        def past(at):
            return at if at < now else None

        notice_roll = rng.random()
        notice_at = None
        if notice_roll > 0.03:
            delay = rng.uniform(25, 60) if notice_roll > 0.90 else rng.uniform(0.5, 20)
            notice_at = past(admitted + timedelta(hours=delay))
            if notice_at:
                actions.send_admission_notice(ward_actor, case, at=notice_at, known_needs=rng.choice(
                    ["Hemtjänst sedan tidigare", "Trygghetslarm", "Inga kända insatser", "Hemsjukvård, insulin"]))
        if rng.random() < 0.03:
            actions.record_consent(ward_actor, case, objected=True, at=admitted + timedelta(hours=1),
                                   note="Vill inte att uppgifter delas")
        base = notice_at or admitted
        if rng.random() < 0.9 and past(base + timedelta(days=1)):
            actions.appoint_care_contact(parties["primary_care"], case, name="Distriktssköterska (demo)",
                                         at=past(base + timedelta(hours=rng.uniform(4, 48))) or now)
        municipal = parties["municipality"]
        if past(base + timedelta(days=1)):
            actions.record_needs_assessment(municipal, case, at=past(base + timedelta(hours=rng.uniform(6, 40))) or now,
                                            answers={"housing": rng.choice(["Lägenhet med hiss", "Villa", "Särskilt boende"]),
                                                     "adl": rng.choice(["Klarar sig själv", "Behöver hjälp med hygien"])})
            actions.record_commitment(municipal, case, provides=rng.random() < 0.8, description="Hemtjänst och hemsjukvård",
                                      at=past(base + timedelta(hours=rng.uniform(12, 60))) or now)
        ready_after = rng.uniform(10, 40) if care_type == "psychiatric" else rng.uniform(2, 12)
        ready_at = past(admitted + timedelta(days=ready_after))
        if not ready_at:
            return
        ready_at = ready_at.replace(hour=rng.choice([8, 9, 10, 11, 11, 12, 13, 14, 15]), minute=rng.choice([0, 15, 30, 59]))
        if ready_at < admitted or ready_at > now:
            return
        actions.send_ready_notice(ward_actor, case, judged_by="Ansvarig läkare (demo)", at=ready_at)
        if rng.random() < 0.05 and past(ready_at + timedelta(hours=20)):
            actions.withdraw_ready_notice(ward_actor, case, reason="Försämrad, ny infektion", at=ready_at + timedelta(hours=18))
            ready_at = past(ready_at + timedelta(days=rng.uniform(1, 3)))
            if not ready_at:
                return
            actions.send_ready_notice(ward_actor, case, judged_by="Ansvarig läkare (demo)", at=ready_at)
        if not finish:
            return
        if rng.random() < 0.04:
            actions.cancel_case(ward_actor, case, reason=rng.choice(["died", "moved"]), at=past(ready_at + timedelta(hours=6)) or now)
            return
        roll = rng.random()
        ready_days = 0 if roll < 0.3 else rng.randint(1, 3) if roll < 0.8 else rng.randint(4, 10) if roll < 0.97 else rng.randint(31, 45)
        discharged = past(ready_at + timedelta(days=ready_days, hours=rng.uniform(0, 6)))
        if discharged:
            actions.send_discharge_notice(ward_actor, case, at=discharged, medication_list="Enligt läkemedelslista",
                                          transport=rng.choice(["Sjukresa", "Anhörig hämtar", "Taxi"]))
