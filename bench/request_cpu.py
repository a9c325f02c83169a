"""CPU per request of the API pages, the figure a shared machine's load changes least (issue 14, third
round): on a cluster kept by the HTTP benchmark, with production settings.

    BENCH_KEEP_DB=1 BENCH_PROFILE=1 BENCH_CASES=60000 BENCH_PAGES=api_patient scripts/run_bench.sh http
    DATABASE_URL=<its url> PGDIR=<its directory> .venv/bin/python bench/request_cpu.py [inprocess|http] [N]

inprocess (default): each page N times through Django's WSGI handler in this process (no gunicorn, no
HTTP): its statements, this process's CPU ms per request (min/median/max of five rounds), the CPU of
the cluster's backends per request, and the Python function calls per request (cProfile; they do not
depend on the load at all). http: gunicorn with 5 sync workers on port 8138 and 16 closed-loop clients
for N requests per page; the CPU of gunicorn's processes, of the cluster's processes and of this
client, per request: 2 cores / that total is the page's rate on an otherwise idle 2-core machine.
Run it from the checkout to measure (another branch: `git archive <commit> | tar -x -C <dir>`).
"""

import cProfile
import http.client
import io
import os
import pstats
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

MODE = sys.argv[1] if len(sys.argv) > 1 else "inprocess"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
PORT = 8138
PRODUCTION = {"SAMVERKAN_ENV": "production", "DEBUG": "0", "SECRET_KEY": "bench-" + "k" * 60,
              "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "LOG_REQUESTS": "1", "DATABASE_POOL": "1"}
os.environ.update(PRODUCTION | {"DJANGO_SETTINGS_MODULE": "samverkan.settings"})
sys.path.insert(0, str(Path.cwd()))

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

from core.actions import TOKEN_PREFIX, hash_token  # noqa: E402
from core.models import ApiToken, Membership  # noqa: E402
from discharge.models import CaseParty  # noqa: E402
from meetings.models import Slot, VisitKind  # noqa: E402

member = Membership.objects.get(user__username="bench-ward")
KEY = TOKEN_PREFIX + secrets.token_urlsafe(32)
ApiToken.objects.create(name="request_cpu", membership=member, prefix=KEY[:len(TOKEN_PREFIX) + 6], digest=hash_token(KEY),
                        created_by=member.user, roles=member.roles)
patients = [str(p) for p in CaseParty.objects.filter(unit=member.unit, case_open=True)
            .values_list("case__patient_id", flat=True).order_by("case_id")[:500]]
kinds = list(VisitKind.objects.exclude(key="bench").values_list("key", flat=True))
units = list(Slot.objects.values_list("unit_id", flat=True).distinct()[:200])
connection.close()
rng, rng_lock = random.Random(3), threading.Lock()
PAGES = {
    "api_patient": lambda: f"/api/v1/patients/{rng.choice(patients)}",
    "free_slots_region": lambda: f"/api/v1/meetings/free-slots?visit_kind={rng.choice(kinds)}",
    "free_slots_unit": lambda: f"/api/v1/meetings/free-slots?visit_kind={rng.choice(kinds)}&unit_id={rng.choice(units)}",
}


def path_of(page):
    with rng_lock:
        return PAGES[page]()


def ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(parent):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(parent):
                found.append(pid)
        except OSError:
            pass
    return found


def cluster_processes():
    return children(Path(os.environ["PGDIR"], "data", "postmaster.pid").read_text().split()[0])


def in_process():
    app = get_wsgi_application()

    def call(path):
        path, _, query = path.partition("?")
        status = []
        response = app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                        "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b""),
                        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "HTTP_HOST": f"127.0.0.1:{PORT}",
                        "HTTP_X_FORWARDED_PROTO": "https", "HTTP_ACCEPT": "application/json",
                        "HTTP_AUTHORIZATION": f"Bearer {KEY}"}, lambda s, h, *a: status.append(s))
        b"".join(response)
        response.close()
        assert status[0].startswith("200"), (path, status)

    for page in PAGES:
        for _ in range(30):  # compiled and prepared statements, caches
            call(path_of(page))
        statements = []
        with connection.execute_wrapper(lambda execute, sql, *rest, seen=statements: seen.append(sql) or execute(sql, *rest)):
            call(path_of(page))
        cpu, backends = [], cluster_processes()
        began = ticks(backends)
        for _round in range(5):
            started = time.process_time()
            for _ in range(N // 5):
                call(path_of(page))
            cpu.append((time.process_time() - started) * 1000 / (N // 5))
        database = (ticks(backends) - began) * 1000 / (N // 5 * 5)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(100):
            call(path_of(page))
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 100
        print(f"{page:<18} {len(statements)} statements; Django CPU ms/request {min(cpu):.2f} / "
              f"{statistics.median(cpu):.2f} / {max(cpu):.2f}; PostgreSQL {database:.2f} ms/request; "
              f"{calls:,.0f} Python calls/request", flush=True)


def over_http():
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "samverkan.wsgi:application", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{PORT}", "--workers", "5", "--worker-class", "sync"],
        env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    headers = {"Host": f"127.0.0.1:{PORT}", "X-Forwarded-Proto": "https", "Authorization": f"Bearer {KEY}",
               "Accept": "application/json"}

    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def run(page, count):
        left, failed = [count], []

        def client():
            while True:
                with rng_lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                if get(path_of(page)) != 200:
                    failed.append(page)
        threads = [threading.Thread(target=client) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return len(failed)

    try:
        for _ in range(100):
            try:
                get(PAGES["api_patient"]())
                break
            except OSError:
                time.sleep(0.3)
        for page in PAGES:
            run(page, 400)  # every worker's compiled and prepared statements
            app, backends = [str(server.pid), *children(server.pid)], cluster_processes()
            began = (ticks(app), ticks(backends), time.process_time(), time.perf_counter())
            failed = run(page, N)
            ended = (ticks(app), ticks(backends), time.process_time(), time.perf_counter())
            gunicorn, database, client = ((ended[i] - began[i]) * 1000 / N for i in range(3))
            print(f"{page:<18} CPU ms/request: gunicorn {gunicorn:.2f}, PostgreSQL {database:.2f}, client {client:.2f}, "
                  f"total {gunicorn + database + client:.2f} ({N / (ended[3] - began[3]):.0f}/s, {failed} failed, "
                  f"load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


try:
    in_process() if MODE == "inprocess" else over_http()
finally:
    ApiToken.objects.filter(name="request_cpu").delete()
