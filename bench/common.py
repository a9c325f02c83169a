"""What the benchmarks in bench/ share: Django set up for a script, raw SQL and COPY helpers, the
load-step timer, percentiles, the machine's facts and the JSON record.

Import it first in a benchmark script (it sets up Django):

    from bench.common import log, Steps, ...
"""

import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

# Query logging (DEBUG=True in development) would keep every SQL string and skew the timings.
settings.DEBUG = False

SHARED = Path(os.environ.get("SAMVERKAN_SHARED", BASE_DIR.parent / "shared")) / "data"
REGIONS_FALLBACK = [
    ("01", "Region Stockholm", "Stockholm"), ("03", "Region Uppsala", "Mellansverige"),
    ("04", "Region Sörmland", "Mellansverige"), ("05", "Region Östergötland", "Sydöstra"),
    ("06", "Region Jönköpings län", "Sydöstra"), ("07", "Region Kronoberg", "Södra"),
    ("08", "Region Kalmar län", "Sydöstra"), ("09", "Region Gotland", "Stockholm"),
    ("10", "Region Blekinge", "Södra"), ("12", "Region Skåne", "Södra"),
    ("13", "Region Halland", "Västra"), ("14", "Västra Götalandsregionen", "Västra"),
    ("17", "Region Värmland", "Mellansverige"), ("18", "Region Örebro län", "Mellansverige"),
    ("19", "Region Västmanland", "Mellansverige"), ("20", "Region Dalarna", "Mellansverige"),
    ("21", "Region Gävleborg", "Mellansverige"), ("22", "Region Västernorrland", "Norra"),
    ("23", "Region Jämtland Härjedalen", "Norra"), ("24", "Region Västerbotten", "Norra"),
    ("25", "Region Norrbotten", "Norra"),
]
# The demo data's name lists; the benchmarks index them by position (34 first names, 27 last names).
from core.management.commands.seed_demo import FIRST_NAMES, LAST_NAMES, STREETS  # noqa: E402,F401


def env_int(name, default):
    return int(os.environ.get(name, default))


def log(message=""):
    print(message, flush=True)


def regions():
    """(county code, name, healthcare region) of the 21 regions: the shared file, else the list above."""
    path = SHARED / "regions.csv"
    if path.exists():
        with open(path, encoding="utf-8") as handle:
            return [(r["county_code"], r["region"], r["healthcare_region"]) for r in csv.DictReader(handle)]
    return REGIONS_FALLBACK


class Steps:
    """Times each load step and prints it as it finishes."""

    def __init__(self):
        self.timings = {}

    def run(self, name, function, *args):
        started = time.perf_counter()
        result = function(*args)
        seconds = time.perf_counter() - started
        self.timings[name] = round(seconds, 2)
        log(f"  {name:<42} {seconds:8.1f} s")
        return result

    def finish(self):
        """Adds and prints the total of the steps so far."""
        self.timings["total"] = round(sum(self.timings.values()), 2)
        log(f"  {'total':<42} {self.timings['total']:8.1f} s")


# --- SQL --------------------------------------------------------------------------------------------

def raw():
    connection.ensure_connection()
    return connection.connection


def execute(sql, params=None):
    with raw().cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql, params=None):
    with raw().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def copy_lines(table, columns, lines, batch=20_000):
    """Stream tab-separated text lines into a table with COPY."""
    with raw().cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = []
            for line in lines:
                buffer.append(line)
                if len(buffer) >= batch:
                    copy.write("\n".join(buffer) + "\n")
                    buffer.clear()
            if buffer:
                copy.write("\n".join(buffer) + "\n")


def plain_indexes(table):
    """(name, definition) of the table's indexes that back no constraint: safe to drop and rebuild."""
    with raw().cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = %s
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname
            """,
            [table],
        )
        # A partitioned table's index reads "ON ONLY <table>", which would build it on no partition:
        # rebuilt, it is built on the whole table (every partition).
        return [(name, definition.replace(" ON ONLY ", " ON ")) for name, definition in cursor.fetchall()]


def drop_plain_indexes(table):
    """Drops the table's plain indexes before a bulk load; returns them for `rebuild`."""
    indexes = plain_indexes(table)
    for name, _definition in indexes:
        execute(f'DROP INDEX "{name}"')
    return indexes


def table_sizes(tables):
    with raw().cursor() as cursor:
        cursor.execute("""
            SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), c.reltuples::bigint
            FROM pg_class c WHERE c.relname = ANY(%s)
            ORDER BY c.relname""", [list(tables)])
        return {name: {"total_size": size, "rows_estimate": rows} for name, size, rows in cursor.fetchall()}


# --- Measuring and reporting ------------------------------------------------------------------------

def summary(samples_ms):
    ordered = sorted(samples_ms)

    def pct(p):
        # Nearest-rank percentile.
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "n": len(ordered), "p50_ms": round(pct(50), 3), "p95_ms": round(pct(95), 3),
        "p99_ms": round(pct(99), 3), "max_ms": round(ordered[-1], 3), "mean_ms": round(statistics.fmean(ordered), 3),
    }


def timed(function, *args):
    started = time.perf_counter_ns()
    result = function(*args)
    return (time.perf_counter_ns() - started) / 1e6, result


def machine():
    facts = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
             "django": django.get_version(), "postgresql": scalar("SHOW server_version")}
    try:
        with open("/proc/meminfo") as handle:
            facts["memory_gb"] = round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/cpuinfo") as handle:
            facts["cpu_model"] = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    for setting in ("shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size", "fsync", "synchronous_commit"):
        facts[f"pg_{setting}"] = scalar(f"SHOW {setting}")
    return facts


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True,
                              text=True, check=False).stdout.strip()
    except OSError:
        return ""


def write_result(name, started, record):
    """Writes bench/results/<name>-<timestamp>.json and prints its path."""
    out_dir = BASE_DIR / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    log(f"\nWrote {path.relative_to(BASE_DIR)}")
    return path


def wait_until_start():
    """BENCH_START_AT=HH:MM (UTC): load the data now, measure from then (the benchmark's quiet slot)."""
    start_at = os.environ.get("BENCH_START_AT")
    if not start_at:
        return
    from datetime import UTC, datetime

    now = datetime.now(tz=UTC)
    hour, minute = (int(x) for x in start_at.split(":"))
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if start > now:
        log(f"Waiting until {start:%H:%M} UTC to measure …")
        time.sleep((start - now).total_seconds())
