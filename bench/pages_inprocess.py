"""The ward's worklist and case page in-process against a kept cluster of the HTTP benchmark, for
before/after comparisons of one change on a shared machine (issue 14, third round).

    BENCH_PROFILE=1 BENCH_KEEP_DB=1 BENCH_PAGES=worklist,case scripts/run_bench.sh http   (prints the URL)
    DATABASE_URL=<that URL> .venv/bin/python bench/pages_inprocess.py

Each page through Django's test client as the benchmark's ward user (`bench-ward`), BENCH_REQUESTS
times [40] after three warm-up requests; the case page a rotating open case of the ward (BENCH_SEED
[7]). Prints the median number of statements, of SQL time (as the client sees it: the time inside
each execute) and of this process's CPU time per request. Run it from two checkouts against the same
cluster, alternated, to compare code: the CPU time is what the machine's load changes least.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from core.models import Membership, User  # noqa: E402
from discharge.models import CaseParty  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))


def main():
    user = User.objects.get(username="bench-ward")
    unit_id = Membership.objects.get(user=user).unit_id
    cases = [str(c) for c in CaseParty.objects.filter(unit_id=unit_id, case_open=True)
             .order_by("case_id").values_list("case_id", flat=True)[:500]]
    rng = random.Random(int(os.environ.get("BENCH_SEED", "7")))
    client = Client()
    client.force_login(user)
    pages = {"worklist": lambda: "/utskrivning/", "case": lambda: f"/utskrivning/{rng.choice(cases)}/"}
    for name, make_path in pages.items():
        for _ in range(3):
            assert client.get(make_path()).status_code == 200
        statements, sql_ms, cpu_ms = [], [], []
        for _ in range(REQUESTS):
            times = []

            def timed(execute, sql, params, many, context, times=times):
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    times.append((time.perf_counter() - began) * 1000)

            path = make_path()
            began_cpu = time.process_time()
            with connection.execute_wrapper(timed):
                assert client.get(path).status_code == 200
            cpu_ms.append((time.process_time() - began_cpu) * 1000)
            statements.append(len(times))
            sql_ms.append(sum(times))
        print(f"{name}: {statistics.median(statements):.0f} statements (max {max(statements)}), "
              f"SQL {statistics.median(sql_ms):.1f} ms, CPU {statistics.median(cpu_ms):.1f} ms "
              f"(medians of {REQUESTS}; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
