"""A region's year of patient fees: 5 million visits through the fee engine (issue 5's target: under
60 s).

What is measured: `meetings.rules.fees.calculate_charges` over a synthetic year for one region,
built in memory (about 1.4 million people, the size of Region Skåne, each with a realistic spread of
visits: most a few, some many; a share of children and people over 85; 3 % no-shows and late
cancellations; a fifth of the visits by phone or video; free SIP meetings). The visits start as
plain rows; turning them into the engine's `Visit` values (as the `fees` command does after reading
its file) is timed separately from the calculation.

Not yet measured: reading the visits from the database, as there is no visit table before the
booking model lands; the calculation itself is what this times.

    scripts/run_bench.sh fees             (or: .venv/bin/python bench/fees_bench.py)
    BENCH_VISITS=200000 scripts/run_bench.sh fees      a quick run
Knobs: BENCH_VISITS (5,000,000), BENCH_PEOPLE (1,400,000), BENCH_SEED (1), BENCH_RUNS (3).
"""

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import env_int, git_commit, log, write_result  # noqa: E402  (sets up Django)
from core.rules.identity import make_personal_number  # noqa: E402
from meetings.rules.fees import Schedule, Visit, calculate_charges  # noqa: E402

VISITS = env_int("BENCH_VISITS", 5_000_000)
PEOPLE = env_int("BENCH_PEOPLE", 1_400_000)
SEED = env_int("BENCH_SEED", 1)
RUNS = env_int("BENCH_RUNS", 3)
YEAR = 2025
TARGET_SECONDS = 60

SCHEDULE = Schedule(
    region="Region Benchmark", child_free_until_age=20, free_from_age=85, no_show_fee=400,
    ceiling_share=Decimal("0.025"), prisbasbelopp={2024: 57300, 2025: 58800},
    fees={"lakarbesok": {"physical": 300, "phone": 300, "video": 200},
          "sjukskoterska": {"physical": 200, "phone": 100, "video": 100},
          "fysioterapi": {"physical": 200, "phone": 200, "video": 200},
          "sip": {"physical": 0, "phone": 0, "video": 0}},
)


def people(rng):
    """(personnummer, birth date) with an age spread like Sweden's: ~22 % under 20, ~3 % 85+."""
    result = []
    for n in range(PEOPLE):
        age = rng.choices([rng.randint(0, 19), rng.randint(20, 84), rng.randint(85, 100)], [22, 75, 3])[0]
        born = date(YEAR - age, 1, 1) + timedelta(days=rng.randint(0, 364))
        result.append((make_personal_number(born, n % 1000, coordination=n % 97 == 0), born))
    return result


def visit_rows(rng, persons):
    """Plain rows, as a file or a query would give them. Visits lean towards a minority of people
    (a Pareto spread), which is what makes ceilings and free cards common."""
    weights = [rng.paretovariate(1.3) for _ in persons]
    kinds = ["lakarbesok", "sjukskoterska", "fysioterapi", "sip"]
    start = date(YEAR, 1, 1)
    rows = []
    for n, (number, born) in enumerate(rng.choices(persons, weights, k=VISITS)):
        outcome = "attended" if rng.random() > 0.03 else rng.choice(["no_show", "late_cancel"])
        form = rng.choices(["physical", "phone", "video"], [80, 12, 8])[0]
        rows.append((f"B{n:08d}", number, born, start + timedelta(days=rng.randint(0, 364)),
                     rng.choices(kinds, [45, 35, 18, 2])[0], form, outcome))
    return rows


def main():
    started = datetime.now()
    rng = random.Random(SEED)
    log(f"Fees: {VISITS:,} visits for {PEOPLE:,} people in {YEAR}, seed {SEED}")
    t = time.perf_counter()
    rows = visit_rows(rng, people(rng))
    generated = time.perf_counter() - t
    log(f"  generated rows                  {generated:6.1f} s")
    t = time.perf_counter()
    visits = [Visit(visit_id=v, personnummer=p, birth_date=b, date=d, visit_kind=k, form=f, outcome=o)
              for v, p, b, d, k, f, o in rows]
    to_values = time.perf_counter() - t
    log(f"  rows to Visit values            {to_values:6.1f} s")
    del rows
    runs = []
    for run in range(RUNS):
        t = time.perf_counter()
        charges = calculate_charges(visits, SCHEDULE)
        runs.append(time.perf_counter() - t)
        log(f"  calculate_charges run {run + 1}         {runs[-1]:6.1f} s")
    reasons = {}
    for charge in charges:
        reasons[charge.reason] = reasons.get(charge.reason, 0) + 1
    facts = {"charges": len(charges), "fees_sek": sum(c.fee_sek for c in charges), "by_reason": reasons,
             "free_cards": len({c.visit.personnummer for c in charges if c.free_card_until})}
    log(f"  {facts['charges']:,} charges, {facts['fees_sek']:,} kr, {facts['free_cards']:,} people reached the free card;"
        f" reasons {reasons}")
    slowest = max(runs)
    verdict = "OK" if slowest + to_values < TARGET_SECONDS else "MISSED"
    log(f"\nA region's year of fees: calculation {statistics.median(runs):.1f} s (p50 of {RUNS}), slowest "
        f"{slowest:.1f} s; with turning rows into values {slowest + to_values:.1f} s < target {TARGET_SECONDS} s "
        f"-> {verdict}")
    write_result("fees", started, {
        "benchmark": "fees", "started": started.isoformat(), "commit": git_commit(),
        "parameters": {"visits": VISITS, "people": PEOPLE, "seed": SEED, "runs": RUNS, "year": YEAR},
        "seconds": {"generate": round(generated, 2), "to_values": round(to_values, 2),
                    "calculate_runs": [round(r, 2) for r in runs]},
        "facts": facts, "within_target": verdict == "OK",
    })


if __name__ == "__main__":
    main()
