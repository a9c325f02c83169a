"""CPU per request of the API and staff pages, the figure a shared machine's load changes least (issue
14, third and fourth rounds): on a cluster kept by the HTTP benchmark, with production settings.

    BENCH_KEEP_DB=1 BENCH_PROFILE=1 BENCH_CASES=60000 BENCH_PAGES=api_patient scripts/run_bench.sh http
    DATABASE_URL=<its url> PGDIR=<its directory> .venv/bin/python bench/request_cpu.py [inprocess|http] [N] [PAGES]

PAGES: a comma-separated subset of api_patient, free_slots_region, free_slots_unit, worklist, case,
calendar, invoice_basis, invoice_basis_largest, portal_home, portal_log (default: all). The staff pages are requested with a
session of the HTTP benchmark's users (bench-ward, bench-finance-median, bench-finance, bench-resident)
made here.

inprocess (default): each page N times through Django's WSGI handler in this process (no gunicorn, no
HTTP): its statements, this process's CPU ms per request (min/median/max of five rounds), the CPU of
the cluster's backends per request, and the Python function calls per request (cProfile; they do not
depend on the load at all). http: gunicorn with 5 sync workers on port 8138 and 16 closed-loop clients
for N requests per page (REQUEST_CPU_PORT, default 8138); the CPU of gunicorn's processes, of the cluster's processes and of this
client, per request (PostgreSQL split into the backends serving the requests and its background
processes: the WAL writer, the checkpointer, the background writer); 2 cores / that total is the page's
rate on an otherwise idle 2-core machine. REQUEST_CPU_PROFILE=<lines> prints, in-process, each page's
cProfile by own time and by cumulative time; REQUEST_CPU_PHASES=1 the CPU ms per request, in-process and
without a profiler, spent rendering the template and logging the reads (the audit rows built and their INSERT),
and with REQUEST_CPU_TIMED=<module>:<function>,... (which implies PHASES) in those functions too (each replaced wherever it is
imported by name; a function reached through a decorator's closure, such as a view, is not).
Run it from the checkout to measure (another branch: `git archive <commit> | tar -x -C <dir>`).
"""

import cProfile
import http.client
import importlib
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
CHOSEN = [p for p in (sys.argv[3] if len(sys.argv) > 3 else "").split(",") if p]
PROFILE_LINES = int(os.environ.get("REQUEST_CPU_PROFILE", "0"))
PHASES = os.environ.get("REQUEST_CPU_PHASES") == "1" or bool(os.environ.get("REQUEST_CPU_TIMED"))
PORT = int(os.environ.get("REQUEST_CPU_PORT", "8138"))
PRODUCTION = {"SAMVERKAN_ENV": "production", "DEBUG": "0", "SECRET_KEY": "bench-" + "k" * 60,
              "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "LOG_REQUESTS": "1", "DATABASE_POOL": "1"}
os.environ.update(PRODUCTION | {"DJANGO_SETTINGS_MODULE": "samverkan.settings"})
sys.path.insert(0, str(Path.cwd()))

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from core.actions import TOKEN_PREFIX, hash_token  # noqa: E402
from core.models import ApiToken, Membership, User  # noqa: E402
from core.rules.month import Month  # noqa: E402
from discharge.models import BasisMonth, CaseParty  # noqa: E402
from meetings.models import Slot, VisitKind  # noqa: E402

member = Membership.objects.get(user__username="bench-ward")
KEY = TOKEN_PREFIX + secrets.token_urlsafe(32)
ApiToken.objects.create(name="request_cpu", membership=member, prefix=KEY[:len(TOKEN_PREFIX) + 6], digest=hash_token(KEY),
                        created_by=member.user, roles=member.roles)
patients = [str(p) for p in CaseParty.objects.filter(unit=member.unit, case_open=True)
            .values_list("case__patient_id", flat=True).order_by("case_id")[:500]]
kinds = list(VisitKind.objects.exclude(key="bench").values_list("key", flat=True))
units = list(Slot.objects.values_list("unit_id", flat=True).distinct()[:200])
cases = [str(c) for c in CaseParty.objects.filter(unit=member.unit, case_open=True)
         .values_list("case_id", flat=True).order_by("case_id")[:500]]
basis_month = Month.of(BasisMonth.objects.order_by("-month").values_list("month", flat=True).first())


def session_of(username):
    """The headers of a browser logged in as `username` (a session stored as a login stores it)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    return {"HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}", "HTTP_ACCEPT": "text/html"}


def basis_path(username):
    code = Membership.objects.get(user__username=username).unit.organisation.code
    return f"/utskrivning/fakturaunderlag/{basis_month}/{code}/"


MEDIAN_BASIS, LARGEST_BASIS = basis_path("bench-finance-median"), basis_path("bench-finance")
API = {"HTTP_AUTHORIZATION": f"Bearer {KEY}", "HTTP_ACCEPT": "application/json"}
WARD = session_of("bench-ward")
rng, rng_lock = random.Random(3), threading.Lock()
# name -> (the request's headers as WSGI keys, its path)
PAGES = {
    "api_patient": (API, lambda: f"/api/v1/patients/{rng.choice(patients)}"),
    "free_slots_region": (API, lambda: f"/api/v1/meetings/free-slots?visit_kind={rng.choice(kinds)}"),
    "free_slots_unit": (API, lambda: f"/api/v1/meetings/free-slots?visit_kind={rng.choice(kinds)}"
                             f"&unit_id={rng.choice(units)}"),
    "worklist": (WARD, lambda: "/utskrivning/"),
    "case": (WARD, lambda: f"/utskrivning/{rng.choice(cases)}/"),
    "calendar": (WARD, lambda: "/kalender/"),
    "invoice_basis": (session_of("bench-finance-median"), lambda: MEDIAN_BASIS),
    "invoice_basis_largest": (session_of("bench-finance"), lambda: LARGEST_BASIS),
    "portal_home": (session_of("bench-resident"), lambda: "/mina-sidor/"),
    "portal_log": (session_of("bench-resident"), lambda: "/mina-sidor/logg/"),
}
PAGES = {name: PAGES[name] for name in CHOSEN or PAGES}
connection.close()


def path_of(page):
    with rng_lock:
        return PAGES[page][1]()


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


def is_backend(pid):
    """A backend serving a client ("postgres: <user> <db> <host>(<port>) <state>"), not the WAL
    writer, checkpointer, background writer or a launcher."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return "(" in title


class Phases:
    """CPU time spent inside a few functions, by wrapping them (no profiler: its overhead weighs on
    call-heavy code such as template rendering far more than on the rest)."""

    def __init__(self):
        import django.template.backends.django as backend

        from core import audit

        self.spent = {"template": 0.0, "audit rows": 0.0}
        self._depth = {name: 0 for name in self.spent}
        backend.Template.render = self.timed("template", backend.Template.render)
        for name in ("record_read", "record_reads", "_insert_reads"):
            self.wrap(audit, name, "audit rows")
        for target in filter(None, os.environ.get("REQUEST_CPU_TIMED", "").split(",")):
            module_name, _, name = target.partition(":")
            self.spent[target] = 0.0
            self._depth[target] = 0
            self.wrap(importlib.import_module(module_name), name, target)

    def wrap(self, module, name, phase):
        original = getattr(module, name)
        wrapped = self.timed(phase, original)
        for holder in list(sys.modules.values()):  # `from core.audit import record_reads` too
            if getattr(holder, name, None) is original:
                setattr(holder, name, wrapped)

    def timed(self, phase, function):
        def wrapper(*args, **kwargs):
            self._depth[phase] += 1
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth[phase] -= 1
                if not self._depth[phase]:
                    self.spent[phase] += time.process_time() - began
        return wrapper


def in_process():
    app = get_wsgi_application()
    phases = Phases() if PHASES else None

    def call(page):
        path, _, query = path_of(page).partition("?")
        status = []
        response = app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                        "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b""),
                        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "HTTP_HOST": f"127.0.0.1:{PORT}",
                        "HTTP_X_FORWARDED_PROTO": "https"} | PAGES[page][0], lambda s, h, *a: status.append(s))
        b"".join(response)
        response.close()
        assert status[0].startswith("200"), (path, status)

    for page in PAGES:
        for _ in range(30):  # compiled and prepared statements, caches
            call(page)
        statements = []
        with connection.execute_wrapper(lambda execute, sql, *rest, seen=statements: seen.append(sql) or execute(sql, *rest)):
            call(page)
        if os.environ.get("REQUEST_CPU_SQL") == "1":  # each statement's start, to see what a page runs
            print("\n".join(f"  {sql[:160]}" for sql in statements), flush=True)
        cpu, backends = [], cluster_processes()
        began = ticks(backends)
        if phases:
            phases.spent = dict.fromkeys(phases.spent, 0.0)
        for _round in range(5):
            started = time.process_time()
            for _ in range(N // 5):
                call(page)
            cpu.append((time.process_time() - started) * 1000 / (N // 5))
        database = (ticks(backends) - began) * 1000 / (N // 5 * 5)
        spent = "".join(f"; {name} {seconds * 1000 / (N // 5 * 5):.2f}" for name, seconds in (phases.spent if phases else {}).items())
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(100):
            call(page)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 100
        print(f"{page:<18} {len(statements)} statements; Django CPU ms/request {min(cpu):.2f} / "
              f"{statistics.median(cpu):.2f} / {max(cpu):.2f}; PostgreSQL {database:.2f} ms/request; "
              f"{calls:,.0f} Python calls/request{spent}", flush=True)
        if PROFILE_LINES:
            for order in ("tottime", "cumulative"):
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(PROFILE_LINES)
                print(f"--- {page}: 100 requests by {order}\n{text.getvalue()}", flush=True)


def over_http():
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "samverkan.wsgi:application", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{PORT}", "--workers", "5", "--worker-class", "sync"],
        env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    headers = {page: {"Host": f"127.0.0.1:{PORT}", "X-Forwarded-Proto": "https"}
               | {key[5:].replace("_", "-").title(): value for key, value in wsgi.items()}
               for page, (wsgi, _path) in PAGES.items()}

    def get(page):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        try:
            conn.request("GET", path_of(page), headers=headers[page])
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
                if get(page) != 200:
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
                get(next(iter(PAGES)))
                break
            except OSError:
                time.sleep(0.3)
        for page in PAGES:
            run(page, 400)  # every worker's compiled and prepared statements
            app, postgres = [str(server.pid), *children(server.pid)], cluster_processes()
            backends = [pid for pid in postgres if is_backend(pid)]
            background = [pid for pid in postgres if pid not in backends]
            began = (ticks(app), ticks(backends), ticks(background), time.process_time(), time.perf_counter())
            failed = run(page, N)
            ended = (ticks(app), ticks(backends), ticks(background), time.process_time(), time.perf_counter())
            gunicorn, database, wal, client = ((ended[i] - began[i]) * 1000 / N for i in range(4))
            print(f"{page:<22} CPU ms/request: gunicorn {gunicorn:.2f}, PostgreSQL backends {database:.2f}, "
                  f"background {wal:.2f}, client {client:.2f}, total {gunicorn + database + wal + client:.2f} "
                  f"({N / (ended[4] - began[4]):.0f}/s, {failed} failed, load average {os.getloadavg()[0]:.1f})",
                  flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


try:
    in_process() if MODE == "inprocess" else over_http()
finally:
    ApiToken.objects.filter(name="request_cpu").delete()
