"""`manage.py fees` end to end (issue 14): read the visits CSV, validate every row, calculate, write
the charges CSV, in a process of its own as a region runs it, at two or more sizes to show how it
grows (target: 5 million visits in under 60 s, and linear growth).

The files are made first (bench/fees_bench.py's synthetic year: a Pareto spread of visits over
people with Sweden's age spread), then for each size the command runs BENCH_RUNS times with
`--timings`, which prints its steps: read (the file into memory), parse and validate (CSV rows into
checked Visit values: personnummer, date, kind, form, outcome, unique visit ids), calculate, write.
The wall time includes the interpreter and Django starting.

    .venv/bin/python bench/fees_command_bench.py                 1.25 M and 5 M visits
    BENCH_FEES_SIZES=200000,800000 .venv/bin/python bench/fees_command_bench.py      a quick run
Knobs: BENCH_FEES_SIZES (1250000,5000000), BENCH_RUNS (3), BENCH_SEED (1); people are visits / 3.6;
BENCH_FEES_DIR: keep the visits files there (visits-<size>.csv, made when missing), so that a later
run in a quiet slot does not spend minutes making them.
No database is used.
"""

import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.fees_bench as generator  # noqa: E402  (sets up Django)
from bench.common import BASE_DIR, env_int, git_commit, log, write_result  # noqa: E402
from core.rules.identity import make_personal_number  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_FEES_SIZES", "1250000,5000000").split(",")]
RUNS = env_int("BENCH_RUNS", 3)
SEED = env_int("BENCH_SEED", 1)
TARGET_SECONDS = 60


def schedule_toml(schedule):
    lines = [f'region = "{schedule.region}"', f"child_free_until_age = {schedule.child_free_until_age}",
             f"free_from_age = {schedule.free_from_age}", f"no_show_fee = {schedule.no_show_fee}",
             f"ceiling_share = {schedule.ceiling_share}", "", "[prisbasbelopp]"]
    lines += [f'"{year}" = {amount}' for year, amount in schedule.prisbasbelopp.items()]
    for kind, forms in schedule.fees.items():
        lines += ["", f"[fees.{kind}]"] + [f"{form} = {fee}" for form, fee in forms.items()]
    return "\n".join(lines) + "\n"


def people(rng, count):
    """As bench/fees_bench.py's people, with only valid numbers (serials 001-999) for a file."""
    result = []
    for n in range(count):
        age = rng.choices([rng.randint(0, 19), rng.randint(20, 84), rng.randint(85, 100)], [22, 75, 3])[0]
        born = date(generator.YEAR - age, 1, 1) + timedelta(days=rng.randint(0, 364))
        result.append((make_personal_number(born, n % 999 + 1, coordination=n % 97 == 0), born))
    return result


def write_visits(path, visits):
    generator.VISITS = visits
    rng = random.Random(SEED)
    rows = generator.visit_rows(rng, people(rng, max(1000, round(visits / 3.6))))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("visit_id,personnummer,date,visit_kind,form,outcome\n")
        # A child born during the year is visited after birth.
        handle.writelines(f"{v},{p},{max(d, b).isoformat()},{k},{f},{o}\n" for v, p, b, d, k, f, o in rows)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(visits_path, schedule_path, out_path):
    """(wall seconds, CPU seconds of the command and its worker processes, steps, what it said)."""
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "fees", "--visits", str(visits_path), "--schedule", str(schedule_path),
         "--charges", str(out_path), "--timings"],
        cwd=BASE_DIR, capture_output=True, text=True, env=os.environ | {"DATABASE_URL": "sqlite:///:memory:"})
    wall = time.perf_counter() - started
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"fees_command_bench: the command failed:\n{done.stderr[-3000:]}")
    steps = {name: float(seconds) for name, seconds in re.findall(r"([a-z ]+?) ([\d.]+) s", done.stderr)}
    return wall, cpu, {name.strip(): s for name, s in steps.items()}, done.stdout.strip()


def main():
    started = datetime.now()
    results = {}
    log(f"load average before: {os.getloadavg()}")
    kept = os.environ.get("BENCH_FEES_DIR")
    with tempfile.TemporaryDirectory(prefix="samverkan-fees-") as directory:
        schedule_path = Path(directory) / "schedule.toml"
        schedule_path.write_text(schedule_toml(generator.SCHEDULE), encoding="utf-8")
        for size in SIZES:
            visits_path = Path(kept or directory) / f"visits-{size}.csv"
            out_path = Path(directory) / f"charges-{size}.csv"
            t = time.perf_counter()
            if not (kept and visits_path.exists()):
                write_visits(visits_path, size)
            log(f"{size:,} visits: file of {visits_path.stat().st_size / 1e6:.0f} MB ready in {time.perf_counter() - t:.0f} s")
            runs = []
            for n in range(RUNS):
                wall, cpu, steps, said = run_command(visits_path, schedule_path, out_path)
                runs.append({"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "steps": steps,
                             "load_average": os.getloadavg()})
                log(f"  run {n + 1}: {wall:6.1f} s wall, {cpu:6.1f} s CPU; " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
                    + f"  ({said})")
            walls = [r["wall_seconds"] for r in runs]
            results[size] = {"runs": runs, "wall_min": min(walls), "wall_median": statistics.median(walls),
                             "wall_max": max(walls),
                             "seconds_per_million_median": round(statistics.median(walls) / size * 1e6, 2)}
            out_path.unlink()
            if not kept:
                visits_path.unlink()
    log()
    log(f"load average after: {os.getloadavg()}")
    log(f"{'visits':>10} {'wall s min/med/max':>22} {'s per million':>14}")
    for size, r in results.items():
        log(f"{size:>10,} {r['wall_min']:>6.1f}/{r['wall_median']:>6.1f}/{r['wall_max']:>6.1f} "
            f"{r['seconds_per_million_median']:>14.2f}")
    largest = max(results)
    smallest = min(results)
    growth = results[largest]["wall_median"] / results[smallest]["wall_median"]
    log(f"growth: {largest / smallest:.1f}x the visits took {growth:.2f}x the time")
    verdict = None
    if largest >= 5_000_000:
        verdict = results[largest]["wall_max"] < TARGET_SECONDS
        log(f"{largest:,} visits end to end: slowest {results[largest]['wall_max']:.1f} s < {TARGET_SECONDS} s -> "
            f"{'OK' if verdict else 'MISSED'}")
    write_result("fees-command", started, {
        "benchmark": "fees-command", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"sizes": SIZES, "runs": RUNS, "seed": SEED}, "cpus": os.cpu_count(), "load_average_after": os.getloadavg(),
        "results": results, "growth": round(growth, 3), "within_target": verdict,
    })
    return 0 if verdict in (None, True) else 1


if __name__ == "__main__":
    sys.exit(main())
