"""The closed months of a kept core_bench cluster (the 100 M-row log) compacted in patient order, by the
code the daily `audit_partitions` runs (core.partitions.compact_month), timed per month.

    DATABASE_URL=<the kept cluster's URL> .venv/bin/python bench/audit_compact_bench.py

BENCH_COMPACT_JOBS [2] months at once (one connection each; the schedule does one at a time, which is
one month a month once it has caught up; two here to catch up on the loaded history in less time).
Prints per month: rows, seconds, how long the swap waited for the log's exclusive lock and held it,
and the VACUUM (FREEZE) after. Meanwhile a probe reads a patient's year of log and writes an audit row
(the current month) every 100 ms, and reports its slowest: readers and writers go on during the
rewrite, and stop only for the swap. Writes bench/results/audit-compact-<timestamp>.json.
"""

from dataclasses import asdict
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import env_int, git_commit, log, machine, raw, write_result  # noqa: E402  (sets up Django)
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from core import partitions  # noqa: E402
from core.audit import record_read  # noqa: E402
from core.models import AuditEvent, Patient  # noqa: E402
from core.queries import access_log_extract  # noqa: E402

JOBS = env_int("BENCH_COMPACT_JOBS", 2)


def compact_all(queue, lock, done):
    try:
        while True:
            with lock:
                if not queue:
                    return
                partition = queue.pop(0)
            log(f"  {partition.name}: compacting …")
            try:
                result = partitions.compact_month(connection, partition)
            except Exception as error:  # counted as not done; the others go on
                log(f"  {partition.name}: not compacted: {error!r}")
                continue
            log(f"  {result.name}: {result.rows:,} rows in {result.seconds:.1f} s, swap waited "
                f"{1000 * result.lock_wait_seconds:.1f} ms, held the log {1000 * result.lock_seconds:.1f} ms; "
                f"VACUUM (FREEZE) {result.vacuum_seconds:.1f} s")
            done.append(result)
    finally:
        connection.close()


def probe(stop, reads, writes):
    """An extract and an audit row every 100 ms while the months are rewritten."""
    with raw().cursor() as cursor:
        cursor.execute("SELECT patient_id FROM bench_audit_plan ORDER BY random() LIMIT 2000")
        patients = [Patient(pk=row[0]) for row in cursor.fetchall()]
    writer = Patient.objects.get(pk=patients[0].pk)
    today = timezone.localdate()
    try:
        while not stop.is_set():
            patient = random.choice(patients)
            started = time.perf_counter()
            list(access_log_extract(patient, today - timedelta(days=364), today))
            reads.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            record_read(None, writer, endpoint="bench:probe", basis=AuditEvent.Basis.ADMIN)
            writes.append(1000 * (time.perf_counter() - started))
            stop.wait(0.1)
    finally:
        connection.close()


def main():
    started = datetime.now()
    due = partitions.months_to_compact(connection, timezone.now())
    log(f"{len(due)} closed months to compact, {JOBS} at once: {', '.join(p.name for p in due)}")
    queue, lock, done = list(due), threading.Lock(), []
    stop, reads, writes = threading.Event(), [], []
    prober = threading.Thread(target=probe, args=(stop, reads, writes))
    prober.start()
    began = time.monotonic()
    workers = [threading.Thread(target=compact_all, args=(queue, lock, done)) for _ in range(JOBS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.monotonic() - began
    stop.set()
    prober.join()
    rows = sum(c.rows for c in done)
    log(f"\n{len(done)} months, {rows:,} rows in {wall:.0f} s ({JOBS} at once)")
    for label, values in (("seconds per month", [c.seconds for c in done]),
                          ("rows per second per month", [c.rows / c.seconds for c in done]),
                          ("swap: log held ms", [1000 * c.lock_seconds for c in done]),
                          ("swap: waited ms", [1000 * c.lock_wait_seconds for c in done]),
                          ("VACUUM (FREEZE) s", [c.vacuum_seconds for c in done])):
        if values:
            log(f"  {label}: min {min(values):.1f} / median {statistics.median(values):.1f} / max {max(values):.1f}")
    for label, values in (("probe extract ms", reads), ("probe audit row ms", writes)):
        if values:
            ordered = sorted(values)
            log(f"  {label}: n {len(values)}, p50 {ordered[len(values) // 2]:.1f}, "
                f"p99 {ordered[int(len(values) * 0.99)]:.1f}, max {ordered[-1]:.1f}")
    write_result("audit-compact", started, {
        "benchmark": "audit-compact", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "jobs": JOBS, "wall_seconds": wall, "machine": machine(),
        "months": [asdict(c) for c in done], "probe_reads_ms": reads, "probe_writes_ms": writes,
    })
    return 0 if len(done) == len(due) else 1


if __name__ == "__main__":
    sys.exit(main())
