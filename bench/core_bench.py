"""National-scale benchmark of the two hot reads of core: patient search and the audit extract.

Loads a synthetic data set into an EMPTY PostgreSQL database that `manage.py migrate` has set up
(scripts/run_bench.sh makes a throwaway cluster for it), then measures:

1. `core.queries.search_patients` by personnummer: the real code path, including the access check
   and the audit read row it writes per hit; and a bare `Patient.objects.filter(personal_number=…)`
   lookup beside it, to show what the access check and the audit write add.
2. `core.queries.access_log_extract` for one patient over a one-year range, evaluated to a list.

Sizes come from the environment (defaults in brackets): BENCH_PATIENTS [1,000,000],
BENCH_AUDIT_ROWS [10,000,000], BENCH_MUNICIPALITIES [300], BENCH_CARE_RELATIONS [patients / 2],
BENCH_SEARCHES [500], BENCH_EXTRACTS [200], BENCH_SEED [20260101], BENCH_TARGET_MS [50].

A large log takes long to load, so a run can load once and measure later, on the kept cluster:
BENCH_LOAD_ONLY=1 (with BENCH_KEEP_DB=1 in scripts/run_bench.sh) loads and stops; then
`DATABASE_URL=<the kept cluster's URL> BENCH_REUSE_DB=1 .venv/bin/python bench/core_bench.py` measures
on it (the loader's plan, table bench_audit_plan, stays in a kept cluster for this). Change BENCH_SEED
between such runs to sample other patients (the same ones again would be read from a warm cache).
BENCH_MEASURE=extract measures the patient's year of log (the extract) only; BENCH_EXTRACT_MONTH=YYYY-MM
makes it one calendar month instead (a compacted month against one that is not).

Prints the time of every load step and a table of p50/p95/max, and writes the whole result as JSON
to bench/results/core-<timestamp>.json. Exits 1 if a p95 misses the target.
"""

import os
import random
import threading
import statistics
import sys
import uuid
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402  (sets up Django)
    FIRST_NAMES, LAST_NAMES, STREETS, Steps, copy_lines, drop_plain_indexes, env_int, execute, git_commit, log,
    machine, raw, regions, scalar, summary, table_sizes, timed, wait_until_start, write_result,
)
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.actor import Actor  # noqa: E402
from core import partitions  # noqa: E402
from core.audit import record_read  # noqa: E402
from core.models import AuditEvent, Membership, Organisation, Patient, Profession, Unit, User  # noqa: E402
from core.queries import access_log_extract, search_patients  # noqa: E402
from core.rules.identity import format_personal_number, make_personal_number  # noqa: E402


PATIENTS = env_int("BENCH_PATIENTS", 1_000_000)
AUDIT_ROWS = env_int("BENCH_AUDIT_ROWS", 10_000_000)
MUNICIPALITIES = env_int("BENCH_MUNICIPALITIES", 300)
CARE_RELATIONS = env_int("BENCH_CARE_RELATIONS", PATIENTS // 2)
SEARCHES = env_int("BENCH_SEARCHES", 500)
EXTRACTS = env_int("BENCH_EXTRACTS", 200)
HEAVY_EXTRACTS = env_int("BENCH_HEAVY_EXTRACTS", 50)
WARMUP = env_int("BENCH_WARMUP", 20)
SEED = env_int("BENCH_SEED", 20260101)
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
LOAD_ONLY = os.environ.get("BENCH_LOAD_ONLY") == "1"
REUSE_DB = os.environ.get("BENCH_REUSE_DB") == "1"
EXTRACT_ONLY = os.environ.get("BENCH_MEASURE") == "extract"
# YYYY-MM: the extract of one calendar month instead of a year (to compare a compacted month with one
# that is not: core.partitions, "Closed months rewritten in patient order").
EXTRACT_MONTH = os.environ.get("BENCH_EXTRACT_MONTH")
TARGET_MS = float(os.environ.get("BENCH_TARGET_MS", 50))

# Share of patients with any audit row, share of those who are "heavy" (hundreds of rows), and
# how many years back the audit log reaches.
AUDITED_SHARE = 0.7
HEAVY_SHARE = 0.01
HEAVY_RANGE = (150, 800)
AUDIT_YEARS = 2

ROLE_SETS = [["clinical"], ["clinical"], ["clinical", "coordinator"], ["coordinator"], ["clinical"],
             ["finance"], ["unit_admin", "clinical"]]


# --- Load ----------------------------------------------------------------------------------------

class Loader:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.steps = Steps()

    def load(self):
        if Patient.objects.exists() or AuditEvent.objects.exists():
            sys.exit("core_bench: the database already has patients or audit rows; run it on an empty, "
                     "migrated database (scripts/run_bench.sh makes a throwaway one).")
        log(f"Loading: {PATIENTS:,} patients, {AUDIT_ROWS:,} audit rows, {MUNICIPALITIES} municipalities, "
            f"{CARE_RELATIONS:,} care relations")
        s = self.steps
        s.run("organisations", self.load_organisations)
        s.run("units", self.load_units)
        s.run("users and memberships", self.load_users)
        s.run("patients (COPY)", self.load_patients)
        s.run("patient indexes", self.rebuild_patient_indexes)
        s.run("care relations (INSERT … SELECT)", self.load_care_relations)
        s.run("audit: monthly partitions of the years loaded", self.audit_partitions)
        s.run("audit: per-patient row counts (COPY)", self.plan_audit)
        s.run("audit: drop the plain indexes", self.stage_audit)
        s.run("audit: rows per month (INSERT … SELECT generate_series, 2 connections)", self.insert_audit)
        for name, definition in self.audit_indexes:
            s.run(f"audit index {name}", execute, definition)
        s.run("drop staging tables", self.drop_staging)
        s.run("VACUUM ANALYZE", self.vacuum_analyze)
        s.finish()

    def load_organisations(self):
        self.regions = Organisation.objects.bulk_create([
            Organisation(kind=Organisation.Kind.REGION, name=name, code=code, county_code=code, healthcare_region=hr)
            for code, name, hr in regions()
        ])
        municipalities = []
        for index in range(MUNICIPALITIES):
            region = self.regions[index % len(self.regions)]
            code = f"{region.county_code}{index // len(self.regions) + 1:02d}"
            municipalities.append(Organisation(
                kind=Organisation.Kind.MUNICIPALITY, name=f"Testkommun {code}", code=code,
                county_code=region.county_code, healthcare_region=region.healthcare_region,
            ))
        self.municipalities = Organisation.objects.bulk_create(municipalities)
        self.private = Organisation.objects.bulk_create([
            Organisation(kind=Organisation.Kind.PRIVATE, name=f"Testvård {n} AB", code=f"55699{n:05d}",
                         county_code=self.regions[n % len(self.regions)].county_code)
            for n in range(20)
        ])
        # Municipalities differ a lot in size: weights from a Zipf-like curve, shuffled.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.municipalities))]
        self.rng.shuffle(weights)
        self.municipality_weights = weights

    def load_units(self):
        counter = iter(range(1, 10**7))

        def unit(org, kind, name, parent=None):
            return Unit(organisation=org, kind=kind, name=name, parent=parent,
                        hsa_id=f"SE{2321000000 + int(org.code[-4:]):010d}-B{next(counter)}")

        for region in self.regions:
            hospitals = Unit.objects.bulk_create(
                [unit(region, Unit.Kind.HOSPITAL, f"Sjukhus {h} {region.name}") for h in range(1, 5)])
            wards = []
            for hospital in hospitals:
                wards += [unit(region, Unit.Kind.WARD, f"Avdelning {w} {hospital.name}", hospital) for w in range(1, 13)]
            wards += [unit(region, Unit.Kind.PSYCHIATRY, f"Psykiatrisk avdelning {p} {region.name}") for p in (1, 2)]
            wards += [unit(region, Unit.Kind.PRIMARY_CARE, f"Vårdcentral {v} {region.name}") for v in range(1, 31)]
            wards.append(unit(region, Unit.Kind.ADMINISTRATION, f"Administration {region.name}"))
            Unit.objects.bulk_create(wards)
        Unit.objects.bulk_create(
            [unit(m, kind, f"{label} {m.name}") for m in self.municipalities for kind, label in (
                (Unit.Kind.HOME_CARE, "Hemsjukvård"), (Unit.Kind.NEEDS_ASSESSMENT, "Biståndshandläggning"),
                (Unit.Kind.ADMINISTRATION, "Administration"))]
            + [unit(p, Unit.Kind.PRIMARY_CARE, f"{p.name} vårdcentral {n}") for p in self.private for n in range(1, 6)]
        )
        self.units = list(Unit.objects.select_related("organisation").order_by("pk"))

    def load_users(self):
        rng = self.rng
        users = []
        for n in range(2 * len(self.units)):
            users.append(User(
                username=f"bench{n:05d}", first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                password="!bench", hsa_id=f"SE2321000032-P{n}", email=f"bench{n:05d}@example.invalid",
            ))
        users = User.objects.bulk_create(users, batch_size=2000)
        professions = list(Profession.values)
        memberships = []
        for n, user in enumerate(users):
            units = {self.units[n // 2]}
            if n % 10 == 0:
                units.add(rng.choice(self.units))
            memberships += [Membership(user=user, unit=u, profession=rng.choice(professions),
                                       roles=rng.choice(ROLE_SETS)) for u in units]
        Membership.objects.bulk_create(memberships, batch_size=2000)
        # Everyone who writes audit rows: (user, unit) pairs with their display snapshots.
        execute("""
            CREATE UNLOGGED TABLE bench_actor AS
            SELECT (row_number() OVER (ORDER BY m.id) - 1)::int AS k, u.id AS user_id, u.username,
                   u.first_name || ' ' || u.last_name AS user_display, un.id AS unit_id, un.name AS unit_name,
                   o.name AS organisation_name
            FROM core_membership m JOIN core_user u ON u.id = m.user_id
            JOIN core_unit un ON un.id = m.unit_id JOIN core_organisation o ON o.id = un.organisation_id
        """)
        execute("CREATE UNIQUE INDEX ON bench_actor (k)")
        self.actor_count = scalar("SELECT count(*) FROM bench_actor")

    def load_patients(self):
        rng = self.rng
        self.patient_index_defs = drop_plain_indexes("core_patient")
        first_day = date(1920, 1, 1)
        days = (date(2025, 12, 31) - first_day).days + 1
        # Unique (birth date, serial) pairs give unique numbers; serial 000 is not valid.
        slots = rng.sample(range(days * 999), PATIENTS)
        municipalities = [m.pk for m in self.municipalities]
        cities = {m.pk: m.name.replace("Testkommun", "Ort") for m in self.municipalities}
        created = timezone.now().isoformat()
        self.patient_ids = []
        self.personal_numbers = []

        def lines():
            homes = rng.choices(municipalities, weights=self.municipality_weights, k=PATIENTS)
            for n, slot in enumerate(slots):
                birth = first_day + timedelta(days=slot // 999)
                coordination = n % 100 == 0
                number = make_personal_number(birth, slot % 999 + 1, coordination=coordination)
                pid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                self.patient_ids.append(pid)
                self.personal_numbers.append(number)
                home = homes[n]
                yield (f"{pid}\t{number}\t{'t' if coordination else 'f'}\t{birth.isoformat()}\t"
                       f"{FIRST_NAMES[n % 34]}\t{LAST_NAMES[(n * 7) % 27]}\t{STREETS[n % 8]} {n % 97 + 1}\t"
                       f"{20000 + n % 79999}\t{cities[home]}\t{'t' if n % 1000 == 7 else 'f'}\tf\t{created}\t{home}")

        copy_lines("core_patient", ["id", "personal_number", "is_coordination_number", "birth_date", "first_name",
                                    "last_name", "street_address", "postal_code", "city", "protected_identity",
                                    "is_demo", "created_at", "home_municipality_id"], lines())

    def rebuild_patient_indexes(self):
        for _name, definition in self.patient_index_defs:
            execute(definition)

    def load_care_relations(self):
        if not CARE_RELATIONS:
            return
        # Random patients at random units; some ended, most open.
        execute("SELECT setseed(0.17)")
        execute(
            """
            INSERT INTO core_carerelation (reason, valid_from, valid_until, created_at, created_by_id, patient_id, unit_id)
            SELECT 'Vårdkontakt', f, CASE WHEN random() < 0.3 THEN f + random() * interval '90 days' END, f,
                   a.user_id, p.id, a.unit_id
            FROM (SELECT id, now() - random() * interval '2 years' AS f,
                         floor(random() * %(actors)s)::int AS k
                  FROM core_patient TABLESAMPLE BERNOULLI (%(percent)s) REPEATABLE (17)) p
            JOIN bench_actor a ON a.k = p.k
            LIMIT %(limit)s
            """,
            {"actors": self.actor_count, "percent": min(100.0, 100.0 * CARE_RELATIONS / PATIENTS * 1.05),
             "limit": CARE_RELATIONS},
        )

    def audit_partitions(self):
        """On the partitioned log (migration 0010), the months of the history loaded, as the daily
        `audit_partitions` would have made them over the years."""
        if not partitions.is_partitioned(connection):
            return
        first = partitions.add_months(partitions.month_start(date.today()), -12 * AUDIT_YEARS)
        for n in range(12 * AUDIT_YEARS + 1):
            execute(partitions.create_partition_sql(partitions.add_months(first, n)))

    def plan_audit(self):
        """How many audit rows each patient gets: ~70 % have some, ~1 % of those hundreds."""
        rng = self.rng
        audited = rng.sample(range(PATIENTS), int(PATIENTS * AUDITED_SHARE))
        heavy_count = max(1, int(len(audited) * HEAVY_SHARE))
        counts = {}
        for n in audited[:heavy_count]:
            counts[n] = rng.randint(*HEAVY_RANGE)
        heavy_total = sum(counts.values())
        typical = audited[heavy_count:]
        mean = max(1.0, (AUDIT_ROWS - heavy_total) / max(1, len(typical)))
        for n in typical:
            counts[n] = 1 + int(rng.expovariate(1 / max(mean - 1, 0.01)))
        # Trim or top up typical patients until the total is exact.
        difference = AUDIT_ROWS - sum(counts.values())
        attempts = 100 * abs(difference) + 1000
        while difference and attempts:
            attempts -= 1
            n = typical[rng.randrange(len(typical))]
            if difference > 0:
                counts[n] += 1
                difference -= 1
            elif counts[n] > 1:
                counts[n] -= 1
                difference += 1
        self.audit_counts = counts
        self.heavy = audited[:heavy_count]
        heavy = set(self.heavy)
        execute("CREATE UNLOGGED TABLE bench_audit_plan (patient_id uuid, n int, heavy bool)")
        copy_lines("bench_audit_plan", ["patient_id", "n", "heavy"],
                   (f"{self.patient_ids[n]}\t{c}\t{'t' if n in heavy else 'f'}" for n, c in counts.items()))

    def stage_audit(self):
        self.audit_indexes = drop_plain_indexes("core_auditevent")

    def insert_audit(self):
        """Generates the rows inside PostgreSQL, one month at a time, two months at once (one
        connection per core). Each patient's planned rows are spread over the months in proportion
        to the month's share of the period (rounded at random), so a patient's rows lie scattered over
        the partitions; within a month the rows go in in time order, as a live log appends them.
        Users are skewed: the actor of a row is drawn as floor(actors * u^1.5), so a few users write
        many rows and most a few. The partition is emptied (TRUNCATE) in the month's transaction:
        on a cluster with wal_level=minimal that lets PostgreSQL skip the WAL of the bulk insert and
        fsync the table at commit instead; with the default wal_level it changes nothing."""
        end = timezone.now()
        start = end - timedelta(days=365 * AUDIT_YEARS)
        total = (end - start).total_seconds()
        months = []
        month = partitions.month_start(start.date())
        while month <= end.date():
            lo = max(start, datetime(month.year, month.month, 1, tzinfo=dt_timezone.utc))
            following = partitions.add_months(month, 1)
            hi = min(end, datetime(following.year, following.month, 1, tzinfo=dt_timezone.utc))
            if hi > lo:
                months.append((month, lo, hi, (hi - lo).total_seconds() / total))
            month = following
        queue = list(months)
        lock = threading.Lock()
        errors = []

        def worker(seed):
            with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                conn.execute("SET work_mem = '1GB'")
                conn.execute("SELECT setseed(%s)", [seed])
                conn.commit()
                while True:
                    with lock:
                        if not queue or errors:
                            return
                        month, lo, hi, share = queue.pop(0)
                    try:
                        self.insert_month(conn, month, lo, hi, share)
                    except Exception as error:  # reported after the threads end
                        errors.append(error)
                        return

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in (0.42, -0.42)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def insert_month(self, conn, month, lo, hi, share):
        started = datetime.now()
        name = partitions.partition_name(month)
        with conn.transaction():
            conn.execute(f'TRUNCATE "{name}"')
            conn.execute(
                """
                INSERT INTO core_auditevent (at, kind, action, username, user_display, unit_name,
                    organisation_name, object_type, object_id, changes, basis, reason, endpoint,
                    user_id, patient_id, unit_id)
                SELECT s.at,
                       CASE WHEN s.r < 0.15 THEN 'write' ELSE 'read' END,
                       CASE WHEN s.r < 0.10 THEN 'discharge.case.update'
                            WHEN s.r < 0.15 THEN 'core.carerelation.create'
                            WHEN s.r < 0.35 THEN 'patient.search'
                            ELSE 'patient.read' END,
                       a.username, a.user_display, a.unit_name, a.organisation_name,
                       CASE WHEN s.r < 0.10 THEN 'discharge.dischargecase'
                            WHEN s.r < 0.15 THEN 'core.carerelation' ELSE 'core.patient' END,
                       CASE WHEN s.r < 0.15 THEN (1000000 + floor(s.r * 1e7))::text ELSE s.patient_id::text END,
                       CASE WHEN s.r < 0.10 THEN '{"status": ["open", "ready"]}'::jsonb ELSE '{}'::jsonb END,
                       CASE WHEN s.r < 0.15 THEN '' WHEN s.r < 0.35 THEN 'search'
                            WHEN s.r < 0.355 THEN 'emergency' ELSE 'relation' END,
                       CASE WHEN s.r < 0.35 THEN '' WHEN s.r < 0.355 THEN 'Akut omhändertagande, patienten medvetslös'
                            ELSE 'Vårdrelation' END,
                       CASE WHEN s.r < 0.10 THEN 'discharge:case_detail' WHEN s.r < 0.15 THEN 'core:patient_detail'
                            WHEN s.r < 0.35 THEN 'core:patient_search' ELSE 'core:patient_detail' END,
                       a.user_id, s.patient_id, a.unit_id
                FROM (SELECT p.patient_id, %(lo)s + random() * (%(hi)s - %(lo)s) AS at, random() AS r,
                             floor(%(actors)s * power(random(), 1.5))::int AS k
                      FROM bench_audit_plan p
                      CROSS JOIN LATERAL generate_series(1, floor(p.n * %(share)s + random())::int)
                      ORDER BY 2) s
                JOIN bench_actor a ON a.k = s.k
                ORDER BY s.at
                """,
                {"lo": lo, "hi": hi, "share": share, "actors": self.actor_count},
            )
        log(f"    {name}: {(datetime.now() - started).total_seconds():.1f} s")

    def drop_staging(self):
        # A kept cluster keeps the plan: a later run measures on it (BENCH_REUSE_DB) without a load.
        if not KEEP_DB:
            execute("DROP TABLE bench_audit_plan")

    def reuse(self):
        """The loader's state from a kept cluster (BENCH_REUSE_DB): its units, its patients (in
        personnummer order, so runs with the same seed sample the same ones) and its audit plan."""
        self.units = list(Unit.objects.select_related("organisation").order_by("pk"))
        with raw().cursor() as cursor:
            cursor.execute("SELECT id::text, personal_number FROM core_patient ORDER BY personal_number")
            patients = cursor.fetchall()
            cursor.execute("SELECT patient_id::text, n, heavy FROM bench_audit_plan ORDER BY patient_id")
            plan = cursor.fetchall()
        self.patient_ids = [pid for pid, _number in patients]
        self.personal_numbers = [number for _pid, number in patients]
        position = {pid: n for n, pid in enumerate(self.patient_ids)}
        self.audit_counts = {position[pid]: count for pid, count, _heavy in plan}
        self.heavy = [position[pid] for pid, _count, heavy in plan if heavy]
        log(f"Reusing the kept cluster: {len(patients):,} patients, {len(plan):,} with audit rows planned")

    def vacuum_analyze(self):
        # VACUUM as well as ANALYZE: sets hint bits and the visibility map once, as autovacuum would
        # have long since done on a live system, instead of during the measurements. The log's
        # partitions two at a time (one connection per core), then the parent's statistics.
        for table in ["core_organisation", "core_unit", "core_user", "core_membership", "core_patient",
                      "core_carerelation"]:
            execute(f"VACUUM (ANALYZE) {table}")
        queue = [p.name for p in partitions.partitions(connection)] or ["core_auditevent"]
        lock = threading.Lock()

        def worker():
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                while True:
                    with lock:
                        if not queue:
                            return
                        name = queue.pop(0)
                    conn.execute(f'VACUUM (ANALYZE) "{name}"')

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        execute("ANALYZE core_auditevent")


# --- Measure -------------------------------------------------------------------------------------

def bench_actor(loader):
    ward = next(u for u in loader.units if u.kind == Unit.Kind.WARD)
    # get_or_create: a run on a kept cluster (BENCH_REUSE_DB) finds the one an earlier run made.
    user, _ = User.objects.get_or_create(username="bench-clinician", defaults=dict(
        first_name="Bench", last_name="Sjuksköterska", password="!bench", hsa_id="SE2321000032-BENCH"))
    membership, _ = Membership.objects.get_or_create(user=user, unit=ward, defaults=dict(
        profession=Profession.NURSE, roles=["clinical"]))
    # As core.middleware loads it for a request.
    membership = Membership.objects.select_related("unit", "unit__organisation", "user").get(pk=membership.pk)
    return Actor.for_membership(membership)


def measure(loader):
    """Every measurement, or the extract's alone (BENCH_MEASURE=extract); returns results, plans and
    the search's SQL."""
    rng = random.Random(SEED + 1)
    results, plans = {}, {}
    if EXTRACT_ONLY:
        measure_extracts(loader, rng, results, plans)
        return results, plans, []
    actor = bench_actor(loader)
    search_sql, last_pick = measure_search(loader, rng, actor, results)
    measure_extracts(loader, rng, results, plans)
    measure_user_reads(rng, results, plans)
    measure_audit_write(loader, rng, actor, results)
    # The plan of the search's patient lookup, for the record.
    qs = Patient.objects.select_related("home_municipality").filter(personal_number=last_pick)[:1]
    plans["search_patient_lookup"] = qs.explain(analyze=True, buffers=True)
    return results, plans, search_sql


def measure_search(loader, rng, actor, results):
    # 1. Search by personnummer, as typed (YYYYMMDD-NNNN).
    sample = rng.sample(range(len(loader.patient_ids)), 2 * (SEARCHES + WARMUP))
    picks = [loader.personal_numbers[n] for n in sample[:SEARCHES + WARMUP]]
    bare_picks = [loader.personal_numbers[n] for n in sample[SEARCHES + WARMUP:]]
    texts = [format_personal_number(number) for number in picks]
    audit_before = AuditEvent.objects.filter(action="patient.search", username=actor.user.username).count()
    with CaptureQueriesContext(connection) as captured:
        hits = search_patients(actor, texts[0], endpoint="core:patient_search")
    assert len(hits) == 1 and hits[0].patient.personal_number == picks[0]
    search_sql = [q["sql"] for q in captured.captured_queries]
    for text in texts[1:WARMUP]:
        search_patients(actor, text, endpoint="core:patient_search")
    samples = []
    for text in texts[WARMUP:]:
        ms, hits = timed(lambda t: search_patients(actor, t, endpoint="core:patient_search"), text)
        assert len(hits) == 1
        samples.append(ms)
    written = AuditEvent.objects.filter(action="patient.search", username=actor.user.username).count() - audit_before
    results["search_patients"] = summary(samples) | {"queries_per_call": len(search_sql),
                                                      "audit_rows_written": written}

    samples = []
    for number in bare_picks[:WARMUP]:
        Patient.objects.filter(personal_number=number).first()
    for number in bare_picks[WARMUP:]:
        ms, patient = timed(lambda n: Patient.objects.filter(personal_number=n).first(), number)
        assert patient is not None
        samples.append(ms)
    results["bare_lookup"] = summary(samples)
    return search_sql, picks[-1]


def measure_extracts(loader, rng, results, plans):
    # 2. Audit extract for a one-year range.
    audited = list(loader.audit_counts)
    today = timezone.localdate()

    def extract_runs(indices, label):
        patients = Patient.objects.in_bulk([loader.patient_ids[n] for n in indices])
        runs = []
        for n in indices:
            date_to = today - timedelta(days=rng.randrange(0, 365))
            date_from = date_to - timedelta(days=364)
            if EXTRACT_MONTH:
                date_from = date.fromisoformat(f"{EXTRACT_MONTH}-01")
                date_to = partitions.add_months(date_from, 1) - timedelta(days=1)
            runs.append((patients[uuid.UUID(loader.patient_ids[n])], date_from, date_to))
        for patient, date_from, date_to in runs[:WARMUP]:
            list(access_log_extract(patient, date_from, date_to))
        samples, rows, slowest = [], [], None
        for patient, date_from, date_to in runs[WARMUP:]:
            ms, events = timed(lambda *a: list(access_log_extract(*a)), patient, date_from, date_to)
            samples.append(ms)
            rows.append(len(events))
            if slowest is None or ms > slowest[0]:
                slowest = (ms, patient, date_from, date_to)
        results[label] = summary(samples) | {
            "rows_p50": sorted(rows)[len(rows) // 2], "rows_max": max(rows), "rows_mean": round(statistics.fmean(rows), 1)}
        return slowest

    slowest = extract_runs(rng.sample(audited, EXTRACTS + WARMUP), "access_log_extract")
    heavy = rng.sample(loader.heavy, min(len(loader.heavy), HEAVY_EXTRACTS + WARMUP))
    slowest_heavy = None
    if len(heavy) > WARMUP:
        slowest_heavy = extract_runs(heavy, "access_log_extract_heavy")
    # The plans of the slowest extracts, run again right after (the pages they read now warm).
    for label, slow in (("extract_slowest", slowest), ("extract_heavy_slowest", slowest_heavy)):
        if slow:
            ms, patient, date_from, date_to = slow
            plans[label] = f"-- measured {ms:.1f} ms\n" + access_log_extract(patient, date_from, date_to).explain(
                analyze=True, buffers=True)


def measure_user_reads(rng, results, plans):
    # 3. A user's reads over a month (what a review of one user's reading runs: the (user, at) index),
    # for the 50 users with the most rows in the last month. The whole month as a list grows with the
    # user's rows; a page of 50 (keyset: the rows after a moment, in time order) does not. The page is
    # measured at the month's start and from its middle (a later page, reached by its cursor).
    with raw().cursor() as cursor:
        cursor.execute("SELECT user_id FROM core_auditevent WHERE at >= now() - interval '31 days' "
                       "GROUP BY user_id ORDER BY count(*) DESC LIMIT 50")
        busy_users = [row[0] for row in cursor.fetchall()]

    def user_month_qs(user_id, start):
        return (AuditEvent.objects.filter(user_id=user_id, kind=AuditEvent.Kind.READ, at__gte=start,
                                          at__lt=start + timedelta(days=31))
                .only("at", "action", "patient_id", "unit_name", "basis", "reason", "endpoint").order_by("at", "id"))

    def user_month(user_id, start):
        return list(user_month_qs(user_id, start))

    def user_month_page(user_id, start, after=None):
        qs = user_month_qs(user_id, start)
        if after is not None:
            qs = qs.filter(at__gt=after)
        return list(qs[:50])

    month_starts = [timezone.now() - timedelta(days=rng.randrange(31, 365 * AUDIT_YEARS)) for _ in range(EXTRACTS)]
    for label, call in (
        ("user_reads_month", lambda u, start: user_month(u, start)),
        ("user_reads_page", lambda u, start: user_month_page(u, start)),
        ("user_reads_page_later", lambda u, start: user_month_page(u, start, start + timedelta(days=15))),
    ):
        for n in range(WARMUP):
            call(busy_users[n % len(busy_users)], month_starts[n])
        samples, rows = [], []
        for n, start in enumerate(month_starts[WARMUP:]):
            ms, events = timed(call, busy_users[n % len(busy_users)], start)
            samples.append(ms)
            rows.append(len(events))
        results[label] = summary(samples) | {
            "rows_p50": sorted(rows)[len(rows) // 2], "rows_max": max(rows), "rows_mean": round(statistics.fmean(rows), 1)}
    plans["user_reads_month"] = user_month_qs(busy_users[0], month_starts[0]).explain(analyze=True, buffers=True)
    plans["user_reads_page_later"] = user_month_qs(busy_users[0], month_starts[0]).filter(
        at__gt=month_starts[0] + timedelta(days=15))[:50].explain(analyze=True, buffers=True)


def measure_audit_write(loader, rng, actor, results):
    # 4. The audit row of a request: one record_read, its INSERT committed on its own (durable: it
    # waits for the WAL flush), as a page that reads one patient writes it.
    audited = list(loader.audit_counts)
    patients_ = list(Patient.objects.filter(pk__in=[loader.patient_ids[n] for n in rng.sample(audited, 200)]))
    samples = []
    for n in range(WARMUP + SEARCHES):
        ms, _event = timed(lambda p: record_read(actor, p, endpoint="core:patient_detail", basis="relation"),
                           patients_[n % len(patients_)])
        if n >= WARMUP:
            samples.append(ms)
    results["audit_row_write"] = summary(samples)


def main():
    if connection.vendor != "postgresql":
        sys.exit("core_bench: needs PostgreSQL (set DATABASE_URL); see bench/README.md.")
    started = datetime.now()
    loader = Loader()
    if REUSE_DB:
        loader.reuse()
    else:
        loader.load()
    if LOAD_ONLY:
        log("Loaded (BENCH_LOAD_ONLY): measure on the kept cluster with BENCH_REUSE_DB=1.")
        return 0
    wait_until_start()
    log()
    log("Measuring …")
    results, plans, search_sql = measure(loader)
    sizes = table_sizes(["core_auditevent", "core_carerelation", "core_patient"])

    log()
    log(f"{'measurement':<28} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}  notes")
    for label, r in results.items():
        notes = ""
        if "rows_mean" in r:
            notes = f"rows/extract p50 {r['rows_p50']}, mean {r['rows_mean']}, max {r['rows_max']}"
        if "queries_per_call" in r:
            notes = f"{r['queries_per_call']} queries/call, {r['audit_rows_written']} audit rows written"
        log(f"{label:<28} {r['n']:>5} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['max_ms']:>9.2f}  {notes}")
    # Issue 14's targets: a patient's year of log p95 < 20 ms, a user's month of reads p95 < 50 ms.
    targets = {"search_patients": TARGET_MS, "access_log_extract": 20, "user_reads_month": 50,
               "user_reads_page": 50, "user_reads_page_later": 50}
    verdict = {label: results[label]["p95_ms"] < ms for label, ms in targets.items() if label in results}
    log()
    for label, ok in verdict.items():
        log(f"{label}: p95 {results[label]['p95_ms']:.2f} ms -> {'OK' if ok else 'MISSED'}")
    if "audit_row_write" in results:
        log(f"audit row write (one INSERT, its own durable commit): p50 {results['audit_row_write']['p50_ms']:.2f} ms, "
            f"p95 {results['audit_row_write']['p95_ms']:.2f} ms")
    log(f"partitioned: {partitions.is_partitioned(connection)}")
    for label, plan in plans.items():
        log(f"\n--- EXPLAIN ANALYZE: {label}\n{plan}")

    write_result("core", started, {
        "benchmark": "core", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"patients": PATIENTS, "audit_rows": AUDIT_ROWS, "municipalities": MUNICIPALITIES,
                       "care_relations": CARE_RELATIONS, "searches": SEARCHES, "extracts": EXTRACTS,
                       "heavy_extracts": HEAVY_EXTRACTS, "warmup": WARMUP, "seed": SEED, "target_ms": TARGET_MS,
                       "audited_share": AUDITED_SHARE, "heavy_share": HEAVY_SHARE, "heavy_range": HEAVY_RANGE,
                       "audit_years": AUDIT_YEARS, "reused_db": REUSE_DB, "extract_only": EXTRACT_ONLY,
                       "extract_month": EXTRACT_MONTH},
        "machine": machine(), "load_seconds": loader.steps.timings, "tables": sizes,
        "results": results, "within_target": verdict, "search_sql": search_sql, "plans": plans,
    })
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
