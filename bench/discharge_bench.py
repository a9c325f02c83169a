"""National-scale benchmark of discharge: the month's liability basis and the worklists.

Loads a synthetic year of discharge coordination into an EMPTY PostgreSQL database that
`manage.py migrate` has set up (scripts/run_bench.sh makes a throwaway cluster for it): 21 regions,
290 municipalities, about 1 million patients and 1.4 million discharge cases admitted over the last
365 days, with their parties, their timelines (CaseEvent) and the derived timestamps on the case,
and an agreement per region (some in the average model, the others individual). Then it measures:

1. `discharge.invoicing.month_basis(region, month)` for each of the 21 regions: the month's basis
   for every municipality in the country is the sum over the regions. Run BENCH_BASIS_RUNS times;
   total seconds per run, and seconds per region.
2. For an actor acting for the acute admissions unit of the largest hospital, a party to
   BENCH_WARD_OPEN open cases (about 160,000 cases over the year): the first page of each worklist
   (`discharge.queries.worklist_page`), `worklist_counts`, and the two filter lists the worklist
   view builds (`worklist_filter_choices`) (p50/p95 over BENCH_WORKLIST_RUNS calls each).

Sizes come from the environment (defaults in brackets): BENCH_CASES [1,400,000], BENCH_PATIENTS
[cases / 1.4], BENCH_MUNICIPALITIES [290], BENCH_WARD_OPEN [3000], BENCH_EVENTS [all; "ward": only
the measured unit's cases get timelines], BENCH_MONTH [the previous month, YYYY-MM],
BENCH_BASIS_RUNS [3], BENCH_WORKLIST_RUNS [200; a measurement stops early after
BENCH_MEASURE_SECONDS, 60, so a slow one is measured fewer times: see n], BENCH_WARMUP [20],
BENCH_SEED [20260101], BENCH_BASIS_TARGET_S [10], BENCH_TARGET_MS [100], BENCH_MEASURE
[basis,worklists; or one of them], BENCH_START_AT [HH:MM UTC: load now, measure from then].
A quick run: BENCH_CASES=50000 scripts/run_bench.sh discharge

Prints the time of every load step, the basis per region and a table of p50/p95/max, and writes the
whole result as JSON to bench/results/discharge-<timestamp>.json. Exits 1 if a target is missed.
"""

import bisect
import cProfile
import io
import math
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402  (sets up Django)
    FIRST_NAMES, LAST_NAMES, STREETS, Steps, copy_lines, drop_plain_indexes, env_int, execute, git_commit, log,
    machine, raw, regions, scalar, summary, table_sizes, timed, wait_until_start, write_result,
)
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.actor import Actor  # noqa: E402
from core.models import AuditEvent, Membership, Organisation, Patient, Profession, Unit, User  # noqa: E402
from core.rules.identity import make_personal_number  # noqa: E402
from discharge.invoicing import CASE_FIELDS, case_rows, cases_touching, month_basis, previous_month  # noqa: E402
from discharge.models import (  # noqa: E402
    Agreement, AgreementCareTypeRule, AgreementDailyAmount, CaseEvent, CaseParty, DischargeCase, InvoiceDispute,
)
from discharge.queries import WORKLISTS, worklist_counts, worklist_filter_choices, worklist_page  # noqa: E402
from discharge.rules.liability import Month  # noqa: E402

CASES = env_int("BENCH_CASES", 1_400_000)
PATIENTS = env_int("BENCH_PATIENTS", max(1000, round(CASES / 1.4)))
MUNICIPALITIES = env_int("BENCH_MUNICIPALITIES", 290)
WARD_OPEN = env_int("BENCH_WARD_OPEN", 3000)
EVENTS = os.environ.get("BENCH_EVENTS", "all")
BASIS_RUNS = env_int("BENCH_BASIS_RUNS", 3)
WORKLIST_RUNS = env_int("BENCH_WORKLIST_RUNS", 200)
WARMUP = env_int("BENCH_WARMUP", 20)
MEASURE_SECONDS = env_int("BENCH_MEASURE_SECONDS", 60)  # at most this long per worklist measurement
SEED = env_int("BENCH_SEED", 20260101)
BASIS_TARGET_S = float(os.environ.get("BENCH_BASIS_TARGET_S", 10))
TARGET_MS = float(os.environ.get("BENCH_TARGET_MS", 100))
MONTH = os.environ.get("BENCH_MONTH", "")
# What to measure: "basis,worklists" (both), or one of them (the basis alone at two sizes, issue 14).
MEASURE = set(os.environ.get("BENCH_MEASURE", "basis,worklists").split(","))

# Population (thousands, rounded) and number of municipalities per county: regions differ a lot
# in size, and the basis of the largest region is the slowest.
REGION_FACTS = {
    "01": (2450, 26), "03": (400, 8), "04": (300, 9), "05": (470, 13), "06": (370, 13), "07": (205, 8),
    "08": (247, 12), "09": (61, 1), "10": (157, 5), "12": (1420, 33), "13": (340, 6), "14": (1750, 49),
    "17": (283, 16), "18": (307, 12), "19": (280, 10), "20": (288, 15), "21": (287, 10), "22": (245, 7),
    "23": (132, 8), "24": (275, 15), "25": (250, 14),
}
# Regions whose agreement is in the average model (the southern and western ones, in the style of
# Skåne); the others have an individual-model agreement.
AVERAGE_MODEL = {"05", "06", "07", "08", "10", "12", "13", "14"}
DAILY_AMOUNT = {-1: 9900, 0: 10100, 1: 10400}  # year offset from the measured month's -> kronor per day

# The shape of a stay (seconds). Shares are of all cases.
H, D = 3600, 86400
PSYCHIATRIC_SHARE = 0.10
CANCELLED_SHARE = 0.02
OBJECTED_SHARE = 0.03
OTHER_REGION_SHARE = 0.03  # treated in another region than the patient's home county
PRIMARY_CARE_KNOWN = 0.90
CARE_CONTACT_SHARE = 0.93  # of cases with a primary-care party
PLANNING_SHARE = 0.75
ASSESSMENT_SHARE = 0.85
MUNICIPAL_COMMITMENT_SHARE = 0.75
PRIMARY_CARE_COMMITMENT_SHARE = 0.50
DIALOG_SHARE = 0.40
# The measured unit sends the admission notice for its cases; about half of them stay on it, the
# others are moved to another ward of the same hospital, which sends the ready and discharge notices.
MEASURED_KEEPS_SHARE = 0.5


def region_municipality_counts(codes):
    """Municipalities per county: the real counts scaled to BENCH_MUNICIPALITIES (at least one each)."""
    real = {code: REGION_FACTS.get(code, (300, 10))[1] for code in codes}
    total = sum(real.values())
    exact = {code: max(1.0, n * MUNICIPALITIES / total) for code, n in real.items()}
    counts = {code: int(x) for code, x in exact.items()}
    for code in sorted(exact, key=lambda c: exact[c] - counts[c], reverse=True)[:max(0, MUNICIPALITIES - sum(counts.values()))]:
        counts[code] += 1
    return counts


class Picker:
    """Weighted choice by bisecting cumulative weights: much faster than random.choices per call."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


# --- Load ----------------------------------------------------------------------------------------

class Loader:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.steps = Steps()
        self.now = timezone.now().replace(microsecond=0)
        self.end = int(self.now.timestamp())
        self.month = Month.parse(MONTH) if MONTH else previous_month(timezone.localdate(self.now))

    def load(self):
        if Patient.objects.exists() or DischargeCase.objects.exists():
            sys.exit("discharge_bench: the database already has patients or cases; run it on an empty, "
                     "migrated database (scripts/run_bench.sh makes a throwaway one).")
        log(f"Loading: {CASES:,} discharge cases over the 365 days to {self.now:%Y-%m-%d %H:%M} UTC, {PATIENTS:,} "
            f"patients, {MUNICIPALITIES} municipalities; the measured unit is party to {WARD_OPEN:,} open cases; "
            f"events for {EVENTS} cases; basis month {self.month}")
        s = self.steps
        s.run("organisations and agreements", self.load_organisations)
        s.run("units, users and memberships", self.load_units)
        s.run("patients (COPY)", self.load_patients)
        s.run("patient indexes", self.rebuild, self.patient_indexes)
        s.run("cases: timelines (Python)", self.plan_cases)
        s.run("cases: staging (COPY)", self.stage_cases)
        self.case_indexes = drop_plain_indexes("discharge_dischargecase")
        self.party_indexes = drop_plain_indexes("discharge_caseparty")
        self.event_indexes = drop_plain_indexes("discharge_caseevent")
        # The foreign-key triggers would check every row one by one (most of the insert time); the rows
        # are made consistent, and `check_references` proves it after the load.
        execute("SET session_replication_role = replica")
        s.run("cases (INSERT … SELECT)", self.insert_cases)
        s.run("case events (INSERT … SELECT, by time)", self.insert_events)
        s.run("case parties (INSERT … SELECT)", self.insert_parties)
        s.run("invoice disputes", self.insert_disputes)
        execute("RESET session_replication_role")
        for name, definition in self.case_indexes + self.party_indexes + self.event_indexes:
            s.run(f"index {name}", execute, definition)
        s.run("check references (no orphans)", self.check_references)
        s.run("drop staging table", execute, "DROP TABLE bench_case")
        s.run("VACUUM ANALYZE", self.vacuum_analyze)
        s.finish()

    # Organisations, agreements, units, users.

    def load_organisations(self):
        rows = regions()
        self.regions = Organisation.objects.bulk_create([
            Organisation(kind=Organisation.Kind.REGION, name=name, code=code, county_code=code, healthcare_region=hr)
            for code, name, hr in rows
        ])
        counts = region_municipality_counts([r.code for r in self.regions])
        municipalities, weights = [], []
        for region in self.regions:
            population = REGION_FACTS.get(region.code, (300, 10))[0]
            count = counts[region.code]
            # Within a county, the largest town is much larger than the rest (Zipf-like, shuffled).
            shares = [1 / (rank + 1) for rank in range(count)]
            self.rng.shuffle(shares)
            for n in range(count):
                code = f"{region.county_code}{n + 1:02d}"
                municipalities.append(Organisation(
                    kind=Organisation.Kind.MUNICIPALITY, name=f"Testkommun {code}", code=code,
                    county_code=region.county_code, healthcare_region=region.healthcare_region))
                weights.append(population * shares[n] / sum(shares))
        self.municipalities = Organisation.objects.bulk_create(municipalities)
        self.municipality_weights = weights
        region_index = {r.county_code: i for i, r in enumerate(self.regions)}
        self.municipality_region = [region_index[m.county_code] for m in self.municipalities]
        self.region_picker = Picker(range(len(self.regions)),
                                    [REGION_FACTS.get(r.code, (300, 10))[0] for r in self.regions])
        self.load_agreements()

    def load_agreements(self):
        """One region-wide agreement per region, in force the whole measured year; and in one region
        a second agreement that names two of its municipalities (the engine's 'named' path)."""
        year = self.month.year
        valid_from = date(year - 2, 1, 1)
        self.agreement_models = {}
        for region in self.regions:
            average = region.code in AVERAGE_MODEL
            self.agreement_models[region.code] = "average" if average else "individual"
            agreement = Agreement.objects.create(
                region=region, name=f"Överenskommelse {region.name}", model="average" if average else "individual",
                day_break=clock(12, 0) if average else clock(0, 0), count_discharge_day=False,
                admission_notice_max_hours=24 if average or int(region.code) % 2 == 0 else None,
                planning_invitation_days=3, valid_from=valid_from)
            AgreementCareTypeRule.objects.bulk_create([
                AgreementCareTypeRule(agreement=agreement, care_type="somatic", free_days=3,
                                      average_limit_days=Decimal("2.8") if average else None,
                                      long_stay_days=30 if average else None),
                AgreementCareTypeRule(agreement=agreement, care_type="psychiatric", free_days=30,
                                      average_limit_days=Decimal("5") if average else None),
            ])
            AgreementDailyAmount.objects.bulk_create([
                AgreementDailyAmount(agreement=agreement, year=year + offset, amount_sek=amount)
                for offset, amount in DAILY_AMOUNT.items()])
        region = next((r for r in self.regions if r.code not in AVERAGE_MODEL and r.code != "01"), None)
        named = [m for m in self.municipalities if region and m.county_code == region.county_code][:2]
        if named:
            agreement = Agreement.objects.create(
                region=region, name=f"Särskild överenskommelse {region.name}", model="individual",
                day_break=clock(0, 0), valid_from=date(year - 1, 1, 1))
            agreement.municipalities.set(named)
            AgreementCareTypeRule.objects.bulk_create([
                AgreementCareTypeRule(agreement=agreement, care_type="somatic", free_days=2),
                AgreementCareTypeRule(agreement=agreement, care_type="psychiatric", free_days=30)])
            AgreementDailyAmount.objects.bulk_create([
                AgreementDailyAmount(agreement=agreement, year=year + offset, amount_sek=amount - 500)
                for offset, amount in DAILY_AMOUNT.items()])

    def load_units(self):
        counter = iter(range(1, 10**7))
        largest = max(self.regions, key=lambda r: REGION_FACTS.get(r.code, (300, 10))[0])

        def unit(org, kind, name, parent=None):
            return Unit(organisation=org, kind=kind, name=name, parent=parent,
                        hsa_id=f"SE{2321000000 + int(org.code[-4:]):010d}-B{next(counter)}")

        self.region_wards, self.region_psychiatry, self.region_primary_care = [], [], []
        for region in self.regions:
            population = REGION_FACTS.get(region.code, (300, 10))[0]
            hospitals = Unit.objects.bulk_create([
                unit(region, Unit.Kind.HOSPITAL, f"Sjukhus {h} {region.name}")
                for h in range(1, min(7, max(1, round(population / 300))) + 1)])
            units = []
            for number, hospital in enumerate(hospitals):
                big = region.pk == largest.pk and number == 0
                if big:
                    units.append(unit(region, Unit.Kind.WARD, f"Akutvårdsavdelning {hospital.name}", hospital))
                units += [unit(region, Unit.Kind.WARD, f"Avdelning {w} {hospital.name}", hospital)
                          for w in range(1, (40 if big else 15) + 1)]
            units += [unit(region, Unit.Kind.PSYCHIATRY, f"Psykiatrisk avdelning {p} {region.name}")
                      for p in range(1, min(16, max(1, round(population / 150))) + 1)]
            units += [unit(region, Unit.Kind.PRIMARY_CARE, f"Vårdcentral {v} {region.name}")
                      for v in range(1, min(250, max(4, round(population / 10))) + 1)]
            units.append(unit(region, Unit.Kind.ADMINISTRATION, f"Administration {region.name}"))
            units = Unit.objects.bulk_create(units)
            self.region_wards.append([u.pk for u in units if u.kind == Unit.Kind.WARD])
            self.region_psychiatry.append([u.pk for u in units if u.kind == Unit.Kind.PSYCHIATRY])
            self.region_primary_care.append([u.pk for u in units if u.kind == Unit.Kind.PRIMARY_CARE])
            if region.pk == largest.pk:
                # Only the cases chosen for it (choose_measured) have the measured unit as a party.
                self.measured_ward = units[0]
                self.large_hospital_wards = [u.pk for u in units if u.parent_id == hospitals[0].pk]
                self.largest_region = self.regions.index(region)
                self.region_wards[-1].remove(self.measured_ward.pk)
        municipal = Unit.objects.bulk_create(
            [unit(m, kind, f"{label} {m.name}") for m in self.municipalities for kind, label in (
                (Unit.Kind.HOME_CARE, "Hemsjukvård"), (Unit.Kind.NEEDS_ASSESSMENT, "Biståndshandläggning"),
                (Unit.Kind.ADMINISTRATION, "Administration"))])
        needs = {u.organisation_id: u.pk for u in municipal if u.kind == Unit.Kind.NEEDS_ASSESSMENT}
        self.municipality_unit = [needs[m.pk] for m in self.municipalities]

        # One coordinator per unit writes its unit's messages.
        units = list(Unit.objects.order_by("pk"))
        users = User.objects.bulk_create([
            User(username=f"bench{u.pk:05d}", first_name=FIRST_NAMES[u.pk % 34], last_name=LAST_NAMES[u.pk % 27],
                 password="!bench", hsa_id=f"SE2321000032-P{u.pk}", email=f"bench{u.pk:05d}@example.invalid")
            for u in units], batch_size=2000)
        Membership.objects.bulk_create([
            Membership(user=user, unit=u, profession=Profession.COORDINATOR, roles=["clinical", "coordinator"])
            for user, u in zip(users, units, strict=True)], batch_size=2000)
        self.user_of = {u.pk: user.pk for user, u in zip(users, units, strict=True)}
        self.unit_count = len(units)

    # Patients.

    def load_patients(self):
        rng = self.rng
        self.patient_indexes = drop_plain_indexes("core_patient")
        # Mostly old people: three in four born 1920-1959. Unique (birth date, serial) pairs give
        # unique numbers; serial 000 is not valid.
        old_first, young_first = date(1920, 1, 1), date(1960, 1, 1)
        old_days = (young_first - old_first).days
        young_days = (date(2006, 12, 31) - young_first).days + 1
        old_count = PATIENTS * 3 // 4
        slots = ([(old_first, s) for s in rng.sample(range(old_days * 999), old_count)]
                 + [(young_first, s) for s in rng.sample(range(young_days * 999), PATIENTS - old_count)])
        rng.shuffle(slots)
        cities = [m.name.replace("Testkommun", "Ort") for m in self.municipalities]
        municipality_ids = [m.pk for m in self.municipalities]
        created = self.now.isoformat()
        self.patient_ids = []
        self.patient_home = rng.choices(range(len(self.municipalities)), weights=self.municipality_weights, k=PATIENTS)

        def lines():
            for n, (first, slot) in enumerate(slots):
                birth = first + timedelta(days=slot // 999)
                coordination = n % 100 == 0
                number = make_personal_number(birth, slot % 999 + 1, coordination=coordination)
                pid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                self.patient_ids.append(pid)
                home = self.patient_home[n]
                yield (f"{pid}\t{number}\t{'t' if coordination else 'f'}\t{birth.isoformat()}\t"
                       f"{FIRST_NAMES[n % 34]}\t{LAST_NAMES[(n * 7) % 27]}\t{STREETS[n % 8]} {n % 97 + 1}\t"
                       f"{20000 + n % 79999}\t{cities[home]}\t{'t' if n % 1000 == 7 else 'f'}\tf\t{created}\t"
                       f"{municipality_ids[home]}")

        copy_lines("core_patient", ["id", "personal_number", "is_coordination_number", "birth_date", "first_name",
                                    "last_name", "street_address", "postal_code", "city", "protected_identity",
                                    "is_demo", "created_at", "home_municipality_id"], lines())

    def rebuild(self, indexes):
        for _name, definition in indexes:
            execute(definition)

    # Cases.

    def plan_cases(self):
        """Each case's timeline as epoch seconds, cut at now: what has not happened yet is None, and
        a case not discharged or cancelled by now is open. Admissions in time order."""
        rng = self.rng
        end = self.end
        first_midnight = (end - 365 * D) // D * D
        admissions = []
        while len(admissions) < CASES:
            # Seven in ten admissions in the daytime (08-20 Swedish time), the rest any time.
            t = first_midnight + rng.randrange(366) * D + (
                int(rng.uniform(7, 19) * H) if rng.random() < 0.7 else rng.randrange(D))
            if end - 365 * D <= t < end:
                admissions.append(t)
        admissions.sort()
        expo, uniform, lognormal, rand = rng.expovariate, rng.uniform, rng.lognormvariate, rng.random
        region_pick = self.region_picker.pick
        patient_home, municipality_region = self.patient_home, self.municipality_region
        wards, psychiatry, primary_care = self.region_wards, self.region_psychiatry, self.region_primary_care
        ready_mu = {False: math.log(3.5 * D), True: math.log(12 * D)}
        ready_sigma = {False: 0.75, True: 0.8}
        cases = []
        for admitted in admissions:
            patient = int(PATIENTS * rand())
            home = patient_home[patient]
            region = municipality_region[home] if rand() >= OTHER_REGION_SHARE else region_pick(rng)
            psychiatric = rand() < PSYCHIATRIC_SHARE
            ward_list = psychiatry[region] if psychiatric else wards[region]
            ward = ward_list[int(len(ward_list) * rand())]
            pc_list = primary_care[municipality_region[home]]
            pc = pc_list[patient % len(pc_list)] if rand() < PRIMARY_CARE_KNOWN else None
            # Admission notice: mostly within hours, some late, a few never.
            u = rand()
            notice = (None if u < 0.04 else admitted + int(min(expo(1 / (3 * H)), 23.5 * H)) if u < 0.94
                      else admitted + int(uniform(24 * H, 96 * H)))
            ready = admitted + int(lognormal(ready_mu[psychiatric], ready_sigma[psychiatric]))
            ready = max(ready, admitted + 4 * H, notice + H if notice is not None else 0)
            ready -= ready % 60  # the ready notice is stamped to the minute
            cancelled = discharged = None
            if rand() < CANCELLED_SHARE:
                cancelled = admitted + int((ready - admitted) * uniform(0.3, 1.0))
                ready = None
                stop = cancelled
            else:
                u = rand()
                wait = (uniform(2 * H, 20 * H) if u < 0.55 else uniform(D, 2 * D) if u < 0.80
                        else uniform(2 * D, 5 * D) if u < 0.95 else uniform(5 * D, 25 * D) if u < 0.99
                        else uniform(31 * D, 90 * D))
                discharged = ready + int(wait)
                stop = discharged
            base = notice if notice is not None else admitted + 2 * H
            contact = (min(base + int(expo(1 / D)), stop - 60)
                       if pc is not None and rand() < CARE_CONTACT_SHARE else None)
            invitation = min(base + int(expo(1 / (1.5 * D))), stop - 60) if rand() < PLANNING_SHARE else None
            assessment = base + int(uniform(2 * H, 2 * D)) if rand() < ASSESSMENT_SHARE else None
            municipal_commitment = (assessment + int(uniform(2 * H, 3 * D))
                                    if assessment is not None and rand() < MUNICIPAL_COMMITMENT_SHARE else None)
            pc_commitment = (base + int(uniform(4 * H, 3 * D))
                             if pc is not None and rand() < PRIMARY_CARE_COMMITMENT_SHARE else None)
            dialog = admitted + int((stop - admitted) * rand()) if rand() < DIALOG_SHARE else None
            objected = rand() < OBJECTED_SHARE
            consent = base if objected else None
            expected_days = int(lognormal(1.5, 0.6)) if rand() < 0.5 else None
            # Cut at now, and nothing happens after the case closed.
            limit = min(stop, end)
            if stop > end:
                cancelled = discharged = None
            notice, ready, contact, invitation, assessment, municipal_commitment, pc_commitment, dialog, consent = (
                t if t is not None and t <= limit else None
                for t in (notice, ready, contact, invitation, assessment, municipal_commitment, pc_commitment,
                          dialog, consent))
            status = "discharged" if discharged is not None else "cancelled" if cancelled is not None else "open"
            cases.append([patient, home, region, psychiatric, ward, pc, status, objected and consent is not None,
                          expected_days, admitted, notice, ready, contact, invitation, discharged, cancelled,
                          assessment, municipal_commitment, pc_commitment, dialog, consent, None])
        self.cases = cases
        self.choose_measured()

    def choose_measured(self):
        """The measured unit takes part in exactly WARD_OPEN of the open somatic cases of the largest
        region (or all of them in a small run), and in the same share of its closed ones."""
        rng = self.rng
        candidates = [n for n, c in enumerate(self.cases) if c[2] == self.largest_region and not c[3]]
        open_ = [n for n in candidates if self.cases[n][6] == "open"]
        closed = [n for n in candidates if self.cases[n][6] != "open"]
        self.measured_open = min(WARD_OPEN, len(open_))
        share = self.measured_open / len(open_) if open_ else 0
        chosen = rng.sample(open_, self.measured_open) + rng.sample(closed, round(share * len(closed)))
        measured = self.measured_ward.pk
        for n in chosen:
            case = self.cases[n]
            case[-1] = measured  # the measured unit's party row and its admission notice
            case[4] = measured if rng.random() < MEASURED_KEEPS_SHARE else rng.choice(self.large_hospital_wards)
        self.measured_cases = len(chosen)
        self.open_cases = sum(1 for c in self.cases if c[6] == "open")

    def stage_cases(self):
        rng = self.rng
        user_of, patient_ids = self.user_of, self.patient_ids
        municipality_ids = [m.pk for m in self.municipalities]
        municipality_unit = self.municipality_unit
        execute("""
            CREATE UNLOGGED TABLE bench_case (
                n int, id uuid, patient_id uuid, municipality_id int, care_type text, status text, objected bool,
                expected_days int, measured bool,
                ward_id int, ward_user int, notice_unit int, notice_user int, extra_ward int,
                mun_unit int, mun_user int, pc_unit int, pc_user int, dialog_unit int, dialog_user int,
                admitted bigint, notice bigint, ready bigint, contact bigint, invitation bigint, discharged bigint,
                cancelled bigint, assessment bigint, mun_commitment bigint, pc_commitment bigint, dialog bigint,
                consent bigint)
        """)
        def value(v):
            return "\\N" if v is None else str(v)

        def lines():
            for n, c in enumerate(self.cases):
                (patient, home, _region, psychiatric, ward, pc, status, objected, expected_days, admitted, notice,
                 ready, contact, invitation, discharged, cancelled, assessment, mun_commitment, pc_commitment,
                 dialog, consent, measured) = c
                notice_unit = measured or ward
                mun_unit = municipality_unit[home]
                dialog_unit = rng.choice([u for u in (ward, pc, mun_unit) if u]) if dialog else None
                yield "\t".join(value(v) for v in (
                    n, uuid.UUID(int=rng.getrandbits(128), version=4), patient_ids[patient], municipality_ids[home],
                    "psychiatric" if psychiatric else "somatic", status, "t" if objected else "f", expected_days,
                    "t" if measured else "f",
                    ward, user_of[ward], notice_unit, user_of[notice_unit], measured if measured != ward else None,
                    mun_unit, user_of[mun_unit], pc, user_of[pc] if pc else None, dialog_unit,
                    user_of[dialog_unit] if dialog_unit else None,
                    admitted, notice, ready, contact, invitation, discharged, cancelled, assessment, mun_commitment,
                    pc_commitment, dialog, consent))

        copy_lines("bench_case", [
            "n", "id", "patient_id", "municipality_id", "care_type", "status", "objected", "expected_days", "measured",
            "ward_id", "ward_user", "notice_unit", "notice_user", "extra_ward", "mun_unit", "mun_user", "pc_unit",
            "pc_user", "dialog_unit", "dialog_user", "admitted", "notice", "ready", "contact", "invitation",
            "discharged", "cancelled", "assessment", "mun_commitment", "pc_commitment", "dialog", "consent"], lines())
        self.cases = None  # free the memory
        self.patient_home = None

    def insert_cases(self):
        # The real table is appended as cases are opened: insert in admission order.
        execute("""
            INSERT INTO discharge_dischargecase (id, patient_id, ward_id, municipality_id, care_type, status,
                admitted_at, expected_discharge_on, patient_objected, admission_notice_sent_at, ready_notice_sent_at,
                care_contact_appointed_at, planning_invitation_sent_at, discharged_at, closed_at, created_by_id,
                created_at)
            SELECT id, patient_id, ward_id, municipality_id, care_type, status, to_timestamp(admitted),
                   (to_timestamp(admitted) AT TIME ZONE 'Europe/Stockholm')::date + expected_days, objected,
                   to_timestamp(notice), to_timestamp(ready), to_timestamp(contact), to_timestamp(invitation),
                   to_timestamp(discharged), to_timestamp(coalesce(discharged, cancelled)), ward_user,
                   to_timestamp(admitted + 300)
            FROM bench_case ORDER BY n
        """)

    def insert_parties(self):
        """The parties, with the flags `discharge.actions` keeps on them derived from the events (as
        the migration that added them does): so the events go in first; and the case's times the
        worklists read (`CaseParty.WORKLIST_TIMES`)."""
        execute("SET work_mem = '1GB'")
        execute("""
            INSERT INTO discharge_caseparty (case_id, unit_id, role, added_at, case_open, has_acted, has_committed,
                admitted_at, admission_notice_sent_at, planning_invitation_sent_at, ready_notice_sent_at)
            SELECT s.id, p.unit_id, p.role, to_timestamp(s.admitted + 300), s.status = 'open',
                   e.case_id IS NOT NULL, coalesce(e.committed, false),
                   to_timestamp(s.admitted), to_timestamp(s.notice), to_timestamp(s.invitation), to_timestamp(s.ready)
            FROM bench_case s CROSS JOIN LATERAL (VALUES
                (s.ward_id, 'ward'), (s.extra_ward, 'ward'), (s.pc_unit, 'primary_care'), (s.mun_unit, 'municipality')
            ) p(unit_id, role)
            LEFT JOIN (SELECT case_id, author_unit_id, bool_or(kind = 'commitment') AS committed
                       FROM discharge_caseevent GROUP BY case_id, author_unit_id) e
                ON e.case_id = s.id AND e.author_unit_id = p.unit_id
            WHERE p.unit_id IS NOT NULL
            ORDER BY s.n
        """)
        execute("RESET work_mem")

    def insert_events(self):
        """The timeline behind the case's timestamps: who sent what, when. The real table is appended
        as things happen, so one case's events lie scattered: insert in time order."""
        where = "WHERE e.at IS NOT NULL" + ("" if EVENTS == "all" else " AND s.measured")
        with raw().cursor() as cursor:
            cursor.execute("SET work_mem = '1GB'")
            cursor.execute(f"""
                INSERT INTO discharge_caseevent (case_id, kind, occurred_at, recorded_at, author_id, author_unit_id,
                    data, corrects_id, reason)
                SELECT s.id, e.kind, to_timestamp(e.at), to_timestamp(e.at + 20), e.author, e.unit, e.data, NULL, ''
                FROM bench_case s CROSS JOIN LATERAL (VALUES
                    ('admission_notice', s.notice, s.notice_unit, s.notice_user,
                     '{{"known_needs": "Hemtjänst sedan tidigare", "preliminary_discharge_on": null}}'::jsonb),
                    ('consent', s.consent, s.notice_unit, s.notice_user, '{{"objected": true, "note": ""}}'),
                    ('needs_assessment', s.assessment, s.mun_unit, s.mun_user,
                     '{{"housing": "Ordinärt boende", "adl": "Behöver hjälp vid dusch och påklädning"}}'),
                    ('commitment', s.mun_commitment, s.mun_unit, s.mun_user,
                     '{{"provides": true, "description": "Hemtjänst morgon och kväll"}}'),
                    ('commitment', s.pc_commitment, s.pc_unit, s.pc_user,
                     '{{"provides": true, "description": "Hembesök av distriktssköterska"}}'),
                    ('care_contact', s.contact, s.pc_unit, s.pc_user,
                     '{{"name": "Distriktssköterska Bench", "phone": "010-123 45 67"}}'),
                    ('planning_invitation', s.invitation, coalesce(s.pc_unit, s.ward_id), coalesce(s.pc_user, s.ward_user),
                     jsonb_build_object('meeting_at', to_timestamp(s.invitation + 2 * 86400), 'form', 'digital',
                                        'note', '')),
                    ('ready_notice', s.ready, s.ward_id, s.ward_user, '{{"judged_by": "Dr Bench"}}'),
                    ('dialog', s.dialog, s.dialog_unit, s.dialog_user, '{{"text": "Hur ser det ut med hemgången?"}}'),
                    ('discharge_notice', s.discharged, s.ward_id, s.ward_user,
                     '{{"medication_list": "", "summary": "", "transport": "Taxi"}}'),
                    ('cancellation', s.cancelled, s.ward_id, s.ward_user, '{{"reason": "no_needs", "note": ""}}')
                ) e(kind, at, unit, author, data)
                {where}
                ORDER BY e.at
            """)
            cursor.execute("RESET work_mem")

    def insert_disputes(self):
        """A few municipalities dispute some lines of the measured month (the basis reads them)."""
        start = int(datetime.combine(self.month.first_day, clock(0, 0), tzinfo=timezone.get_default_timezone()).timestamp())
        stop = int(datetime.combine(self.month.next().first_day, clock(0, 0),
                                    tzinfo=timezone.get_default_timezone()).timestamp())
        execute("SELECT setseed(0.23)")
        execute(
            """
            INSERT INTO discharge_invoicedispute (case_id, month, municipality_id, disputed_sek, reason, raised_by_id,
                raised_at, status, answer, answered_by_id, answered_at, credited_sek)
            SELECT id, %(month)s, municipality_id, 10100 * (1 + floor(random() * 4)::int),
                   'Kallelse till planering kom för sent', mun_user, to_timestamp(%(stop)s) + interval '5 days',
                   CASE WHEN random() < 0.5 THEN 'open' WHEN random() < 0.5 THEN 'accepted' ELSE 'rejected' END,
                   '', NULL, NULL, 0
            FROM bench_case
            WHERE status = 'discharged' AND ready IS NOT NULL AND discharged >= %(start)s AND discharged < %(stop)s
                  AND discharged - ready > 4 * 86400 AND random() < 0.05
            LIMIT 500
            """,
            {"month": self.month.first_day, "start": start, "stop": stop},
        )
        execute("UPDATE discharge_invoicedispute SET credited_sek = disputed_sek WHERE status = 'accepted'")

    def check_references(self):
        """What the foreign keys would have checked during the insert, in one pass per table."""
        checks = {
            "discharge_dischargecase": {"patient_id": "core_patient", "ward_id": "core_unit",
                                        "municipality_id": "core_organisation", "created_by_id": "core_user"},
            "discharge_caseparty": {"case_id": "discharge_dischargecase", "unit_id": "core_unit"},
            "discharge_caseevent": {"case_id": "discharge_dischargecase", "author_id": "core_user",
                                    "author_unit_id": "core_unit"},
            "discharge_invoicedispute": {"case_id": "discharge_dischargecase", "municipality_id": "core_organisation",
                                         "raised_by_id": "core_user"},
        }
        for table, columns in checks.items():
            orphans = " + ".join(
                f"(SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {target} x WHERE x.id = t.{column}))"
                for column, target in columns.items())
            count = scalar(f"SELECT {orphans}")
            if count:
                sys.exit(f"discharge_bench: {count} rows of {table} point at nothing; the load is broken.")

    def vacuum_analyze(self):
        for table in ["core_organisation", "core_unit", "core_user", "core_membership", "core_patient",
                      "discharge_agreement", "discharge_agreementcaretyperule", "discharge_agreementdailyamount",
                      "discharge_agreement_municipalities", "discharge_dischargecase", "discharge_caseparty",
                      "discharge_caseevent", "discharge_invoicedispute"]:
            execute(f"VACUUM (ANALYZE) {table}")


# --- Measure -------------------------------------------------------------------------------------

def data_facts(loader):
    with raw().cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM discharge_dischargecase GROUP BY status ORDER BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute("""SELECT count(*) FILTER (WHERE c.status = 'open'), count(*) FROM discharge_caseparty p
                          JOIN discharge_dischargecase c ON c.id = p.case_id WHERE p.unit_id = %s""",
                       [loader.measured_ward.pk])
        measured_open, measured_all = cursor.fetchone()
    return {
        "cases": sum(statuses.values()), "by_status": statuses,
        "psychiatric": DischargeCase.objects.filter(care_type="psychiatric").count(),
        "objected": DischargeCase.objects.filter(patient_objected=True).count(),
        "patients": scalar("SELECT count(*) FROM core_patient"),
        "patients_with_cases": scalar("SELECT count(DISTINCT patient_id) FROM discharge_dischargecase"),
        "parties": CaseParty.objects.count(), "events": CaseEvent.objects.count(),
        "regions": len(loader.regions), "municipalities": len(loader.municipalities), "units": loader.unit_count,
        "measured_unit": loader.measured_ward.name, "measured_unit_open_cases": measured_open,
        "measured_unit_cases": measured_all, "disputes": InvoiceDispute.objects.count(),
        "agreements": {code: model for code, model in loader.agreement_models.items()},
    }


def measure_basis(loader):
    month = loader.month
    regions_ = list(Organisation.objects.filter(kind=Organisation.Kind.REGION).order_by("code"))
    runs = []
    for _ in range(BASIS_RUNS):
        per_region = {}
        for region in regions_:
            ms, bases = timed(month_basis, region, month)
            per_region[region.code] = {
                "seconds": round(ms / 1000, 3), "municipalities": len(bases),
                "lines": sum(len(b.result.cases) for b in bases if b.result),
                "liable_days": sum(b.liable_days for b in bases), "invoiced_sek": sum(b.invoiced_sek for b in bases),
                "disputes": sum(len(b.disputes) for b in bases), "errors": [b.error for b in bases if b.error],
            }
        runs.append(per_region)
        log(f"  basis run {len(runs)}: {sum(r['seconds'] for r in per_region.values()):.2f} s")

    # Where the time goes (not part of the runs above): the query and fetch alone, per region.
    breakdown = {}
    for region in regions_:
        ms, rows = timed(lambda r: case_rows(cases_touching(month, region=r)), region)
        breakdown[region.code] = {"query_seconds": round(ms / 1000, 3), "rows": len(rows)}
    largest = max(regions_, key=lambda r: breakdown[r.code]["rows"])
    plan = cases_touching(month, region=largest).values(*CASE_FIELDS).explain(analyze=True, buffers=True)
    profiler = cProfile.Profile()
    profiler.enable()
    month_basis(largest, month)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    totals = [sum(r["seconds"] for r in run.values()) for run in runs]
    return {
        "month": str(month), "runs_total_seconds": [round(t, 3) for t in totals],
        "total_seconds_p50": round(statistics.median(totals), 3), "total_seconds_max": round(max(totals), 3),
        "per_region": {code: runs[-1][code] | {
            "name": next(r.name for r in regions_ if r.code == code), "model": loader.agreement_models[code],
            "seconds_runs": [run[code]["seconds"] for run in runs],
            "seconds_max": max(run[code]["seconds"] for run in runs), **breakdown[code]} for code in runs[-1]},
        "largest_region": largest.code, "plan_largest_region": plan, "profile_largest_region": text.getvalue(),
    }


def bench_actor(loader):
    user = User.objects.create(username="bench-coordinator", first_name="Bench", last_name="Samordnare",
                               password="!bench", hsa_id="SE2321000032-BENCH")
    membership = Membership.objects.create(user=user, unit=loader.measured_ward, profession=Profession.NURSE,
                                           roles=["clinical", "coordinator"])
    # As core.middleware loads it for a request.
    membership = Membership.objects.select_related("unit", "unit__organisation", "user").get(pk=membership.pk)
    return Actor.for_membership(membership)


def filter_choices(actor):
    wards, municipalities = worklist_filter_choices(actor)
    return list(wards), list(municipalities)


def measure_worklists(loader):
    actor = bench_actor(loader)
    filters = {"ward": None, "municipality": None, "care_type": None}  # as the view passes them unfiltered
    results, sql, plans = {}, {}, {}
    audit_before = AuditEvent.objects.filter(username=actor.user.username).count()

    def run(label, function, check=None):
        with CaptureQueriesContext(connection) as captured:
            value = function()
        sql[label] = [q["sql"] for q in captured.captured_queries]
        for _ in range(WARMUP):
            function()
        samples = []
        deadline = time.perf_counter() + MEASURE_SECONDS
        for _ in range(WORKLIST_RUNS):
            ms, value = timed(function)
            samples.append(ms)
            if time.perf_counter() > deadline:
                break
        log(f"  {label:<26} {len(samples):>4} runs, p95 {summary(samples)['p95_ms']:.1f} ms")
        results[label] = summary(samples) | {"queries_per_call": len(sql[label])} | (check(value) if check else {})

    for worklist in WORKLISTS:
        def page(key=worklist.key):
            return worklist_page(actor, key, filters=filters, sort="admitted", page=1, endpoint="discharge:worklists")
        run(f"page:{worklist.key}", page, lambda v: {"total": v[0], "rows": len(v[1])})
    run("worklist_counts", lambda: worklist_counts(actor), lambda v: {"counts": v})
    run("view filter lists", lambda: filter_choices(actor), lambda v: {"wards": len(v[0]), "municipalities": len(v[1])})

    def request():
        # What one worklist request asks the database in discharge.views.worklists (default tab).
        worklist_page(actor, "act_on", filters=filters, sort="admitted", page=1, endpoint="discharge:worklists")
        worklist_counts(actor)
        filter_choices(actor)
    run("view request (act_on)", request)
    results["page:act_on"]["audit_rows_written"] = (
        AuditEvent.objects.filter(username=actor.user.username).count() - audit_before)

    # Plans of the slowest page's count and page queries, and of the counters.
    slowest = max((label for label in results if label.startswith("page:")), key=lambda k: results[k]["p95_ms"])
    with raw().cursor() as cursor:
        for label in (slowest, "worklist_counts", "view filter lists"):
            for n, statement in enumerate(sql[label]):
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
                plans[f"{label} #{n + 1}"] = statement + "\n" + "\n".join(row[0] for row in cursor.fetchall())
    return results, sql, plans


def main():
    if connection.vendor != "postgresql":
        sys.exit("discharge_bench: needs PostgreSQL (set DATABASE_URL); see bench/README.md.")
    started = datetime.now()
    loader = Loader()
    loader.load()
    facts = data_facts(loader)
    log(f"  cases by status {facts['by_status']}, {facts['parties']:,} parties, {facts['events']:,} events; "
        f"the measured unit is party to {facts['measured_unit_open_cases']:,} open cases "
        f"({facts['measured_unit_cases']:,} in all)")
    wait_until_start()
    log()
    load_before = os.getloadavg()
    log(f"Measuring the basis for {loader.month} ({BASIS_RUNS} runs over {len(loader.regions)} regions) …")
    basis = measure_basis(loader)
    results, sql, plans = {}, {}, {}
    if "worklists" in MEASURE:
        log(f"Measuring the worklists of {loader.measured_ward.name} ({WORKLIST_RUNS} runs each) …")
        results, sql, plans = measure_worklists(loader)
    sizes = table_sizes(["core_patient", "discharge_dischargecase", "discharge_caseparty", "discharge_caseevent"])

    log()
    log(f"Month's basis {basis['month']}, all municipalities: runs {', '.join(f'{t:.2f}' for t in basis['runs_total_seconds'])} s "
        f"(p50 {basis['total_seconds_p50']:.2f} s, slowest {basis['total_seconds_max']:.2f} s)")
    log(f"{'region':<6} {'model':<10} {'s (max)':>8} {'query s':>8} {'cases':>8} {'lines':>7} {'munic.':>6} "
        f"{'liable d':>9} {'invoiced SEK':>14}")
    for code, r in basis["per_region"].items():
        log(f"{code:<6} {r['model']:<10} {r['seconds_max']:>8.3f} {r['query_seconds']:>8.3f} {r['rows']:>8,} "
            f"{r['lines']:>7,} {r['municipalities']:>6} {r['liable_days']:>9,} {r['invoiced_sek']:>14,}"
            + (f"  {len(r['errors'])} without a basis: {'; '.join(sorted(set(r['errors'])))}" if r["errors"] else ""))
    per_region_max = max(basis["per_region"].items(), key=lambda item: item[1]["seconds_max"])
    log(f"slowest region: {per_region_max[0]} {per_region_max[1]['name']} {per_region_max[1]['seconds_max']:.3f} s")

    log()
    log(f"{'measurement':<26} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}  notes")
    for label, r in results.items():
        notes = f"{r['queries_per_call']} queries/call"
        if "total" in r:
            notes += f", {r['total']:,} cases, {r['rows']} rows"
        if "audit_rows_written" in r:
            notes += f", {r['audit_rows_written']:,} audit rows written"
        if "counts" in r:
            notes += ", " + " ".join(f"{k}={v}" for k, v in r["counts"].items())
        if "wards" in r:
            notes += f", {r['wards']} wards, {r['municipalities']} municipalities"
        log(f"{label:<26} {r['n']:>5} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['max_ms']:>9.2f}  {notes}")

    facts_machine = machine() | {"load_average_before": load_before, "load_average_after": os.getloadavg()}
    log()
    log("machine: " + ", ".join(f"{k} {v}" for k, v in facts_machine.items()))
    verdict = {"basis_total": basis["total_seconds_max"] < BASIS_TARGET_S}
    verdict |= {label: r["p95_ms"] < TARGET_MS for label, r in results.items()
                if label.startswith("page:") or label == "worklist_counts"}
    log()
    log(f"basis (slowest run): {basis['total_seconds_max']:.2f} s {'<' if verdict['basis_total'] else '>='} target "
        f"{BASIS_TARGET_S:g} s -> {'OK' if verdict['basis_total'] else 'MISSED'}")
    for label, ok in verdict.items():
        if label != "basis_total":
            log(f"{label}: p95 {results[label]['p95_ms']:.2f} ms {'<' if ok else '>='} target {TARGET_MS:g} ms"
                f" -> {'OK' if ok else 'MISSED'}")
    log(f"\n--- EXPLAIN ANALYZE: the basis query of region {basis['largest_region']}\n{basis['plan_largest_region']}")
    log(f"\n--- Profile: month_basis of region {basis['largest_region']} (cumulative)\n{basis['profile_largest_region']}")
    for label, plan in plans.items():
        log(f"\n--- EXPLAIN ANALYZE: {label}\n{plan}")

    write_result("discharge", started, {
        "benchmark": "discharge", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"cases": CASES, "patients": PATIENTS, "municipalities": MUNICIPALITIES, "ward_open": WARD_OPEN,
                       "events": EVENTS, "month": str(loader.month), "basis_runs": BASIS_RUNS,
                       "worklist_runs": WORKLIST_RUNS, "warmup": WARMUP, "seed": SEED,
                       "basis_target_s": BASIS_TARGET_S, "measure": sorted(MEASURE), "target_ms": TARGET_MS, "now": loader.now.isoformat()},
        "machine": facts_machine,
        "load_seconds": loader.steps.timings, "tables": sizes, "data": facts,
        "basis": basis, "worklists": results, "within_target": verdict, "worklist_sql": sql, "plans": plans,
    })
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
