"""Load the Skåne demo: organisations, units, staff of every profession, ~200 demo patients.

Idempotent: running it again changes nothing that is already there. Demo people are marked
`is_demo`; their numbers have valid check digits but belong to nobody we know of.
"""

import random
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.audit import record_read
from core.models import (
    AuditEvent,
    CareRelation,
    EmergencyAccess,
    HealthcareRegion,
    Membership,
    Organisation,
    Patient,
    Profession,
    Unit,
    User,
)
from core.registers import load_registers, town_name
from core.rules.identity import make_personal_number

DEMO_PASSWORD = "Samverkan-demo-2026"

HOSPITALS = [
    ("Skånes universitetssjukhus Lund", "SE2321000032-1001", ["Avdelning 1 Geriatrik", "Avdelning 2 Ortopedi", "Avdelning 3 Internmedicin"]),
    ("Skånes universitetssjukhus Malmö", "SE2321000032-1002", ["Avdelning 11 Kardiologi", "Avdelning 12 Infektion"]),
    ("Helsingborgs lasarett", "SE2321000032-1003", ["Avdelning 21 Medicin", "Avdelning 22 Kirurgi"]),
    ("Centralsjukhuset Kristianstad", "SE2321000032-1004", ["Avdelning 31 Geriatrik"]),
    ("Ystads lasarett", "SE2321000032-1005", ["Avdelning 41 Medicin"]),
]
PSYCHIATRY = ("Psykiatri Skåne, Lund", "SE2321000032-1006", ["Psykiatrisk avdelning 51"])
PRIMARY_CARE = [
    ("Vårdcentralen Centrum Lund", "SE2321000032-2001"),
    ("Vårdcentralen Värnhem Malmö", "SE2321000032-2002"),
    ("Vårdcentralen Slottsstaden Malmö", "SE2321000032-2003"),
    ("Vårdcentralen Drottninghög Helsingborg", "SE2321000032-2004"),
    ("Vårdcentralen Näsby Kristianstad", "SE2321000032-2005"),
]
PRIVATE_PROVIDER = ("Hälsokraft Vård AB (demo)", "5560000001", [("Hälsokraft Vårdcentral Eslöv", "SE5560000001-3001")])

FIRST_NAMES = [
    "Anna", "Eva", "Maria", "Karin", "Kerstin", "Ingrid", "Margareta", "Birgitta", "Elisabeth", "Gunilla",
    "Lars", "Karl", "Erik", "Per", "Nils", "Bengt", "Sven", "Göran", "Olof", "Lennart", "Ahmed", "Fatima",
    "Mohammed", "Leila", "Jonas", "Sara", "Emma", "Linnea", "Oskar", "Hugo", "Astrid", "Ebba", "Ali", "Amina",
]
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jönsson", "Jansson", "Hansson", "Bengtsson", "Lindberg", "Lindqvist",
    "Håkansson", "Mårtensson", "Ohlsson", "Hassan", "Yilmaz", "Nguyen", "Holm", "Åberg", "Ek", "Sjöberg",
]
STREETS = ["Storgatan", "Kyrkogatan", "Södra Förstadsgatan", "Lundavägen", "Västra Vallgatan", "Ringvägen", "Ekvägen", "Bokgatan"]

# username, first, last, profession, roles, unit hsa-ids (first is where they act by default)
STAFF = [
    ("sjukskoterska", "Sara", "Lind", Profession.NURSE, ["clinical", "coordinator"], ["SE2321000032-1101", "SE2321000032-1102"]),
    ("lakare", "Per", "Holm", Profession.PHYSICIAN, ["clinical"], ["SE2321000032-1101"]),
    ("underskoterska", "Emma", "Ek", Profession.ASSISTANT_NURSE, ["clinical"], ["SE2321000032-1101"]),
    ("distriktsskoterska", "Karin", "Åberg", Profession.DISTRICT_NURSE, ["clinical", "coordinator"], ["SE2321000032-2001"]),
    ("vc-lakare", "Ali", "Hassan", Profession.PHYSICIAN, ["clinical"], ["SE2321000032-2001"]),
    ("bistand", "Maria", "Sjöberg", Profession.NEEDS_ASSESSOR, ["coordinator"], ["SE2120001280-0002"]),
    ("hemsjukvard", "Lena", "Mårtensson", Profession.NURSE, ["clinical"], ["SE2120001280-0001"]),
    ("arbetsterapeut", "Jonas", "Olsson", Profession.OCCUPATIONAL_THERAPIST, ["clinical"], ["SE2120001281-0001"]),
    ("fysioterapeut", "Linnea", "Bengtsson", Profession.PHYSIOTHERAPIST, ["clinical"], ["SE2120001281-0001"]),
    ("kurator", "Amina", "Yilmaz", Profession.SOCIAL_WORKER, ["clinical"], ["SE2321000032-1601"]),
    ("psykolog", "Oskar", "Nilsson", Profession.PSYCHOLOGIST, ["clinical"], ["SE2321000032-1601"]),
    ("sekreterare", "Ebba", "Lindqvist", Profession.SECRETARY, ["forum_secretary"], ["SE2321000032-9001"]),
    ("koordinator", "Hugo", "Persson", Profession.COORDINATOR, ["coordinator"], ["SE2321000032-1101"]),
    ("analytiker", "Astrid", "Gustafsson", Profession.ANALYST, ["finance"], ["SE2321000032-9001"]),
    ("kommunekonom", "Eva", "Karlsson", Profession.COORDINATOR, ["finance"], ["SE2120001280-0002"]),
    ("enhetschef", "Göran", "Hansson", Profession.NURSE, ["clinical", "unit_admin"], ["SE2321000032-1101"]),
    ("admin", "Nils", "Larsson", Profession.COORDINATOR, ["system_admin", "protected_identity"], ["SE2321000032-9001"]),
    ("skyddad", "Birgitta", "Jansson", Profession.NURSE, ["clinical", "protected_identity"], ["SE2321000032-1101"]),
]


class Command(BaseCommand):
    help = "Load the Skåne demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=200)

    @transaction.atomic
    def handle(self, *args, patients, **options):
        self.rng = random.Random(2017612)
        regions = self.load_regions()
        skane = regions["12"]
        municipalities = self.load_skane_municipalities()
        units = self.load_units(skane, municipalities)
        users = self.load_staff(units)
        created = self.load_patients(patients, municipalities)
        self.load_relations_and_history(units, users)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {Organisation.objects.count()} organisations, {Unit.objects.count()} units, "
            f"{User.objects.count()} users, {Patient.objects.filter(is_demo=True).count()} demo patients "
            f"({created} new)."
        ))

    # --- organisations and units -------------------------------------------------------------

    def load_regions(self):
        # The same national registers a real deployment loads (manage.py load_registers).
        load_registers()
        return {o.code: o for o in Organisation.objects.filter(kind=Organisation.Kind.REGION)}

    def load_skane_municipalities(self):
        """The 33 municipalities of Skåne, the demo's county."""
        return {o.code: o for o in Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY, county_code="12")}

    def unit(self, organisation, hsa_id, name, kind, parent=None):
        unit, _ = Unit.objects.get_or_create(
            hsa_id=hsa_id, defaults={"organisation": organisation, "name": name, "kind": kind, "parent": parent}
        )
        return unit

    def load_units(self, skane, municipalities):
        units = {}
        for index, (name, hsa_id, wards) in enumerate(HOSPITALS + [PSYCHIATRY]):
            is_psychiatry = name.startswith("Psykiatri")
            hospital = self.unit(skane, hsa_id, name, Unit.Kind.HOSPITAL)
            for ward_index, ward in enumerate(wards):
                ward_hsa = f"SE2321000032-1{index + 1}{ward_index + 1:02d}"
                kind = Unit.Kind.PSYCHIATRY if is_psychiatry else Unit.Kind.WARD
                units[ward_hsa] = self.unit(skane, ward_hsa, ward, kind, parent=hospital)
        for name, hsa_id in PRIMARY_CARE:
            units[hsa_id] = self.unit(skane, hsa_id, name, Unit.Kind.PRIMARY_CARE)
        units["SE2321000032-9001"] = self.unit(skane, "SE2321000032-9001", "Regionkansliet, Samverkan", Unit.Kind.ADMINISTRATION)
        provider_name, provider_code, provider_units = PRIVATE_PROVIDER
        provider, _ = Organisation.objects.get_or_create(
            code=provider_code,
            defaults={"kind": Organisation.Kind.PRIVATE, "name": provider_name, "county_code": "12",
                      "healthcare_region": HealthcareRegion.SODRA},
        )
        for name, hsa_id in provider_units:
            units[hsa_id] = self.unit(provider, hsa_id, name, Unit.Kind.PRIMARY_CARE)
        for code, municipality in municipalities.items():
            town = town_name(municipality.name)
            home = self.unit(municipality, f"SE212000{code}-0001", f"Hemsjukvård och hemtjänst {town}", Unit.Kind.HOME_CARE)
            needs = self.unit(municipality, f"SE212000{code}-0002", f"Biståndshandläggning {town}", Unit.Kind.NEEDS_ASSESSMENT)
            units[home.hsa_id], units[needs.hsa_id] = home, needs
        return units

    # --- people -----------------------------------------------------------------------------

    def load_staff(self, units):
        users = {}
        for username, first, last, profession, roles, unit_ids in STAFF:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "home_unit": units[unit_ids[0]],
                                             "email": f"{username}@demo.samverkan.invalid"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            for hsa_id in unit_ids:
                Membership.objects.get_or_create(
                    user=user, unit=units[hsa_id], defaults={"profession": profession, "roles": roles}
                )
            users[username] = user
        return users

    def load_patients(self, count, municipalities):
        existing = Patient.objects.filter(is_demo=True).count()
        municipality_list = list(municipalities.values())
        created = 0
        for index in range(existing, count):
            rng = random.Random(index)
            # Mostly elderly: the people discharge coordination is for.
            age = rng.choice([rng.randint(65, 98)] * 3 + [rng.randint(18, 64), rng.randint(0, 17)])
            birth = date(2026 - age, 1, 1) + timedelta(days=rng.randint(0, 364))
            coordination = index % 25 == 7
            number = make_personal_number(birth, 100 + index % 900, coordination=coordination)
            if Patient.objects.filter(personal_number=number).exists():
                continue
            municipality = rng.choice(municipality_list)
            Patient.objects.create(
                personal_number=number,
                is_coordination_number=coordination,
                birth_date=birth,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                street_address=f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
                postal_code=f"2{rng.randint(1000, 9999)}",
                city=town_name(municipality.name),
                home_municipality=municipality,
                protected_identity=index % 20 == 3,
                is_demo=True,
            )
            created += 1
        return created

    def load_relations_and_history(self, units, users):
        if CareRelation.objects.exists():
            return
        patients = list(Patient.objects.filter(is_demo=True).order_by("personal_number"))
        ward = units["SE2321000032-1101"]
        primary = units["SE2321000032-2001"]
        home_malmo = units["SE2120001280-0001"]
        now = timezone.now()
        for index, patient in enumerate(patients[:60]):
            for unit, reason in [(ward, "Inskriven på avdelningen"), (primary, "Listad på vårdcentralen")]:
                if unit is primary and index % 2:
                    continue
                CareRelation.objects.create(patient=patient, unit=unit, reason=reason,
                                            valid_from=now - timedelta(days=index % 30 + 1), created_by=users["koordinator"])
        for patient in patients[60:75]:
            CareRelation.objects.create(patient=patient, unit=home_malmo, reason="Insatser från hemsjukvården",
                                        valid_from=now - timedelta(days=40), created_by=users["hemsjukvard"])
        # The demo resident: a patient with a history of who read their record.
        resident_patient = patients[0]
        resident, created = User.objects.get_or_create(
            username="invanare", defaults={"first_name": resident_patient.first_name, "last_name": resident_patient.last_name,
                                           "patient": resident_patient},
        )
        if created:
            resident.set_password(DEMO_PASSWORD)
            resident.save(update_fields=["password"])
        nurse = Actor.for_membership(Membership.objects.get(user=users["sjukskoterska"], unit=ward))
        doctor = Actor.for_membership(Membership.objects.get(user=users["lakare"], unit=ward))
        district = Actor.for_membership(Membership.objects.get(user=users["distriktsskoterska"], unit=primary))
        for days_ago, actor in [(20, nurse), (19, doctor), (12, district), (3, nurse)]:
            record_read(actor, resident_patient, endpoint="core:patient_detail", basis=AuditEvent.Basis.RELATION,
                        reason="Vårdrelation", at=now - timedelta(days=days_ago))
        emergency_actor = Actor.for_membership(Membership.objects.get(user=users["vc-lakare"], unit=primary))
        access = EmergencyAccess.objects.create(
            patient=patients[100], user=users["vc-lakare"], unit=primary,
            reason="Medvetslös patient på mottagningen, behöver läkemedelslistan", started_at=now - timedelta(days=2),
            expires_at=now - timedelta(days=2) + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        record_read(emergency_actor, patients[100], endpoint="core:patient_detail", basis=AuditEvent.Basis.EMERGENCY,
                    reason=access.reason, at=access.started_at)
