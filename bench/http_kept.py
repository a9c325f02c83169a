"""The ward's worklist and case page and the invoice basis (median and largest municipality) over
HTTP against a kept cluster of the HTTP benchmark, served by the checkout this file is run from: to
compare two checkouts on the same data without loading it twice (issue 14, third and seventh rounds).

    BENCH_KEEP_DB=1 BENCH_PAGES=worklist,case scripts/run_bench.sh http        (prints the URL)
    DATABASE_URL=<that URL> BENCH_SECONDS=10 .venv/bin/python bench/http_kept.py
    DATABASE_URL=<that URL> BENCH_PAGES=invoice_basis,invoice_basis_largest BENCH_RUNS=3 .venv/bin/python bench/http_kept.py

Gunicorn with production settings and BENCH_CLIENTS closed-loop clients, as `http_bench.py` (its
`start_server`, `login` and `load_test`); the ward user's password is set anew for the run. Prints
requests per second and p50/p95/p99 per page and round (BENCH_RUNS, default here 1), with the load
average at its start. The users' passwords are set anew for the run.
"""

import functools
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
from discharge.models import BasisMonth, CaseParty  # noqa: E402
from core.rules.month import Month  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "1"))
PAGES = [p for p in os.environ.get("BENCH_PAGES", "worklist,case").split(",") if p]


def basis_path(username):
    """The invoice basis page of the finance user's municipality, for the newest stored month."""
    month = Month.of(BasisMonth.objects.order_by("-month").values_list("month", flat=True).first())
    code = Membership.objects.get(user__username=username).unit.organisation.code
    return f"/utskrivning/fakturaunderlag/{month}/{code}/"


def main():
    users = {"worklist": "bench-ward", "case": "bench-ward", "invoice_basis": "bench-finance-median",
             "invoice_basis_largest": "bench-finance"}
    unknown = set(PAGES) - set(users)
    if unknown:
        sys.exit(f"http_kept: no such page here: {', '.join(sorted(unknown))} (choose from {', '.join(users)})")
    User.objects.filter(username__in=[users[page] for page in PAGES]).update(password=make_password(http_bench.PASSWORD))
    unit_id = Membership.objects.get(user__username="bench-ward").unit_id
    cases = [str(c) for c in CaseParty.objects.filter(unit_id=unit_id, case_open=True)
             .order_by("case_id").values_list("case_id", flat=True)[:500]]
    rng = random.Random(7)
    paths = {"worklist": lambda: "/utskrivning/", "case": lambda: f"/utskrivning/{rng.choice(cases)}/"}
    for page in {"invoice_basis", "invoice_basis_largest"} & set(PAGES):
        path = basis_path(users[page])
        paths[page] = functools.partial(str, path)
    connection.close()
    server = http_bench.start_server(Path(f"/tmp/samverkan-http-kept-{http_bench.PORT}.log"))
    try:
        sessions = {user: [http_bench.login(user) for _ in range(http_bench.CLIENTS)]
                    for user in {users[page] for page in PAGES}}
        for round_ in range(1, RUNS + 1):
            for name in PAGES:
                load = os.getloadavg()[0]
                latencies, failures, ended = http_bench.load_test(paths[name], lambda n, s=sessions[users[name]]: s[n])
                figures = http_bench.summary(latencies)
                print(f"round {round_} {name}: {ended / http_bench.SECONDS:.1f} requests/s, p50 {figures['p50_ms']:.0f} ms, "
                      f"p95 {figures['p95_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, {len(failures)} failed "
                      f"({http_bench.CLIENTS} clients, load average {load:.1f} at the start)", flush=True)
    finally:
        http_bench.stop_server(server)


if __name__ == "__main__":
    main()
