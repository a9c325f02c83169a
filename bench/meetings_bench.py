"""Free-time search across a region (issue 5's target: p95 under 100 ms).

Data: one region with 1,000 units and 20,000 staff, each with bookable times on every weekday of
the next three months (8 half-hour times a day, video for a third of the staff): about 10 million
slots. As calendars are (issue 14): nearly full in the first two weeks (95 % booked), freer later
(falling to 40 % booked at three months); every unit has staff of each of four professions, and each
professional offers the two visit kinds of their profession (of the region's 8), nurses being the
most; units differ in size (a Zipf-like spread of staff).

Measured: `meetings.queries.free_slots` (the function behind the booking page) for
- the whole region: a random visit kind, form (any, physical or video) and start day within the
  three months, the first 20 free times;
- one unit: the same for a random unit's own times.

    scripts/run_bench.sh meetings                          (~5 minutes on 2 cores)
    BENCH_STAFF=2000 BENCH_UNITS=100 scripts/run_bench.sh meetings     a quick run
Knobs: BENCH_UNITS (1,000), BENCH_STAFF (20,000), BENCH_DAYS (92), BENCH_SEARCHES (500), BENCH_SEED (1).
"""

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402  (sets up Django)
    Steps, drop_plain_indexes, env_int, execute, git_commit, log, machine, summary, table_sizes, timed, write_result,
)
from django.utils import timezone  # noqa: E402

from core.models import Organisation, Unit, User  # noqa: E402
from meetings.models import Slot, VisitKind  # noqa: E402
from meetings.queries import free_slots  # noqa: E402

UNITS = env_int("BENCH_UNITS", 1_000)
STAFF = env_int("BENCH_STAFF", 20_000)
DAYS = env_int("BENCH_DAYS", 92)
SEARCHES = env_int("BENCH_SEARCHES", 500)
SEED = env_int("BENCH_SEED", 1)
KINDS = 8
TARGET_MS = 100


PROFESSION_SHARES = (0.45, 0.3, 0.15, 0.1)  # nurses, physicians, physiotherapists, others: kinds 2p and 2p+1


class Loader:
    def __init__(self, *, region=None, units=UNITS, staff=STAFF, days=DAYS):
        self.steps = Steps()
        self.given_region, self.unit_count, self.staff_count, self.days = region, units, staff, days

    def load(self):
        s = self.steps
        s.run("region, units, visit kinds", self.load_region)
        s.run("staff (bulk insert)", self.load_staff)
        self.indexes = drop_plain_indexes("meetings_slot")
        s.run("slots (INSERT … SELECT)", self.load_slots)
        for name, definition in self.indexes:
            s.run(f"index {name}", execute, definition)
        s.run("VACUUM ANALYZE", execute, "VACUUM ANALYZE meetings_slot")
        s.finish()

    def load_region(self):
        self.region = self.given_region or Organisation.objects.create(
            kind=Organisation.Kind.REGION, name="Region Benchmark", code="99", county_code="99")
        code = self.region.county_code
        self.units = Unit.objects.bulk_create([
            Unit(organisation=self.region, kind=Unit.Kind.PRIMARY_CARE, name=f"Mottagning {n}",
                 hsa_id=f"SE23210000{code}-M{n}") for n in range(self.unit_count)])
        self.kinds = VisitKind.objects.bulk_create([
            VisitKind(region=self.region, key=f"besok{n}", name=f"Besökstyp {n}", minutes=30, suits_video=True)
            for n in range(KINDS)])

    def load_staff(self):
        """Staff numbered 0..n-1: their unit by a Zipf-like draw (a few large units, many small), each
        unit's first four of each profession kept so that every unit offers every profession's kinds."""
        rng = random.Random(SEED)
        weights = [1 / (rank + 1) ** 0.8 for rank in range(self.unit_count)]
        units = [n % self.unit_count for n in range(min(self.staff_count, 4 * self.unit_count))]
        units += rng.choices(range(self.unit_count), weights, k=self.staff_count - len(units))
        professions = [(n // self.unit_count) % 4 if n < 4 * self.unit_count
                       else rng.choices(range(4), PROFESSION_SHARES)[0] for n in range(self.staff_count)]
        self.staff_units, self.staff_professions = units, professions
        User.objects.bulk_create([User(username=f"bench-staff-{n}", first_name="Bench", last_name=f"Personal {n}",
                                       password="!bench") for n in range(self.staff_count)], batch_size=5000)

    def load_slots(self):
        # Eight half-hour times a working day per person from 08:00 local (07:00 UTC, near enough for a
        # benchmark): the morning's in one kind of their profession, the afternoon's in the other.
        # Booked: 95 % in the first two weeks, then less and less, 40 % at the end.
        start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        execute("""
            WITH ids AS (SELECT %(units)s::int[] AS units, %(kinds)s::int[] AS kinds,
                                %(staff_units)s::int[] AS staff_units, %(professions)s::int[] AS professions)
            INSERT INTO meetings_slot (unit_id, staff_id, visit_kind_id, starts_at, ends_at, physical, phone, video,
                                       booked, created_by_id, created_at)
            SELECT ids.units[ids.staff_units[s.n] + 1], s.id,
                   ids.kinds[2 * ids.professions[s.n] + (part.slot >= 4)::int + 1],
                   d + interval '7 hours' + part.slot * interval '30 minutes',
                   d + interval '7 hours 30 minutes' + part.slot * interval '30 minutes',
                   true, true, s.n %% 3 = 0,
                   random() < CASE WHEN d < %(start)s::timestamptz + interval '14 days' THEN 0.95
                                   ELSE 0.95 - 0.55 * extract(epoch FROM d - %(start)s::timestamptz - interval '14 days')
                                                      / extract(epoch FROM %(days)s * interval '1 day' - interval '14 days')
                              END,
                   s.id, now()
            FROM ids
            CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM core_user
                        WHERE username LIKE 'bench-staff-%%') s
            CROSS JOIN generate_series(%(start)s::timestamptz, %(start)s::timestamptz + %(days)s * interval '1 day',
                                       interval '1 day') d
            CROSS JOIN generate_series(0, 7) part(slot)
            WHERE extract(isodow FROM d) < 6
            ORDER BY d, part.slot
        """, {"units": [u.pk for u in self.units], "kinds": [k.pk for k in self.kinds], "start": start,
              "days": self.days - 1, "staff_units": self.staff_units, "professions": self.staff_professions})
        self.start = start


def measure(loader):
    rng = random.Random(SEED)
    kinds, units = loader.kinds, loader.units
    results = {}

    def run(label, make_args):
        calls = [make_args() for _ in range(SEARCHES)]
        for kind, kwargs in calls[:20]:  # warm-up
            free_slots(kind, **kwargs)
        samples, found = [], []
        for kind, kwargs in calls:
            ms, slots = timed(lambda: free_slots(kind, **kwargs))  # noqa: B023 (called at once)
            samples.append(ms)
            found.append(len(slots))
        results[label] = summary(samples) | {"mean_found": round(sum(found) / len(found), 1),
                                             "empty": sum(1 for f in found if f == 0)}
        log(f"  {label:<34} p50 {results[label]['p50_ms']:.2f} ms, p95 {results[label]['p95_ms']:.2f} ms, "
            f"max {results[label]['max_ms']:.2f} ms")

    def when():
        # From now, as a booking clerk searches: the first free times, mostly past the full two weeks.
        return loader.start + timedelta(days=rng.uniform(0, 7), hours=rng.uniform(0, 12))

    run("region: kind, any form", lambda: (rng.choice(kinds), {"since": when()}))
    run("region: kind, video", lambda: (rng.choice(kinds), {"since": when(), "form": "video"}))
    run("one unit: kind, any form", lambda: (rng.choice(kinds), {"since": when(), "unit_id": rng.choice(units).pk}))
    run("one unit: kind, video", lambda: (rng.choice(kinds), {"since": when(), "unit_id": rng.choice(units).pk,
                                                              "form": "video"}))
    return results


def main():
    started = datetime.now()
    log(f"Free times: {UNITS:,} units, {STAFF:,} staff, {DAYS} days ahead, {KINDS} visit kinds, seed {SEED}")
    loader = Loader()
    loader.load()
    slots = Slot.objects.count()
    free = Slot.objects.filter(booked=False).count()
    log(f"  {slots:,} slots, {free:,} free")
    log(f"Measuring {SEARCHES} searches of each kind …")
    results = measure(loader)
    verdicts = {label: r["p95_ms"] < TARGET_MS for label, r in results.items()}
    for label, ok in verdicts.items():
        log(f"{label}: p95 {results[label]['p95_ms']:.2f} ms < target {TARGET_MS} ms -> {'OK' if ok else 'MISSED'}")
    write_result("meetings", started, {
        "benchmark": "meetings", "started": started.isoformat(), "commit": git_commit(),
        "parameters": {"units": UNITS, "staff": STAFF, "days": DAYS, "kinds": KINDS, "searches": SEARCHES,
                       "seed": SEED},
        "machine": machine(), "load_seconds": loader.steps.timings,
        "tables": table_sizes(["meetings_slot"]), "data": {"slots": slots, "free": free},
        "results": results, "within_target": all(verdicts.values()),
    })
    if not all(verdicts.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
