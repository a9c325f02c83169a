"""The ward's worklist and case page over HTTP against a kept cluster of the HTTP benchmark, served
by the checkout this file is run from: to compare two checkouts on the same data without loading it
twice (issue 14, third round).

    BENCH_KEEP_DB=1 BENCH_PAGES=worklist,case scripts/run_bench.sh http        (prints the URL)
    DATABASE_URL=<that URL> BENCH_SECONDS=10 .venv/bin/python bench/http_kept.py

Gunicorn with production settings and BENCH_CLIENTS closed-loop clients, as `http_bench.py` (its
`start_server`, `login` and `load_test`); the ward user's password is set anew for the run. Prints
requests per second and p50/p95/p99 per page, with the load average at its start.
"""

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_PORT", "8147")

import bench.http_bench as http_bench  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402

from core.models import Membership, User  # noqa: E402
from discharge.models import CaseParty  # noqa: E402


def main():
    user = User.objects.get(username="bench-ward")
    User.objects.filter(pk=user.pk).update(password=make_password(http_bench.PASSWORD))
    unit_id = Membership.objects.get(user=user).unit_id
    cases = [str(c) for c in CaseParty.objects.filter(unit_id=unit_id, case_open=True)
             .order_by("case_id").values_list("case_id", flat=True)[:500]]
    connection.close()
    server = http_bench.start_server(Path(f"/tmp/samverkan-http-kept-{http_bench.PORT}.log"))
    try:
        sessions = [http_bench.login("bench-ward") for _ in range(http_bench.CLIENTS)]
        rng = random.Random(7)
        pages = {"worklist": lambda: "/utskrivning/", "case": lambda: f"/utskrivning/{rng.choice(cases)}/"}
        for name, make_path in pages.items():
            load = os.getloadavg()[0]
            latencies, failures, ended = http_bench.load_test(make_path, lambda n: sessions[n])
            figures = http_bench.summary(latencies)
            print(f"{name}: {ended / http_bench.SECONDS:.1f} requests/s, p50 {figures['p50_ms']:.0f} ms, "
                  f"p95 {figures['p95_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, {len(failures)} failed "
                  f"({http_bench.CLIENTS} clients, load average {load:.1f} at the start)", flush=True)
    finally:
        http_bench.stop_server(server)


if __name__ == "__main__":
    main()
