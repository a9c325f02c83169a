"""The application measured from outside (issue 14): HTTP requests to gunicorn, on durable PostgreSQL.

Loads the discharge benchmark's synthetic year (bench/discharge_bench.py's Loader: regions,
municipalities, patients, cases with parties, the acute ward of the largest hospital party to
BENCH_WARD_OPEN open cases), adds what the pages need (a day of bookings in the ward's calendar, a
finance user of the largest municipality, a resident with visits and fees, an API key), starts the
application under gunicorn with production settings, and measures with BENCH_CLIENTS concurrent
clients over HTTP, page by page:

    api_patient       GET /api/v1/patients/<id>               API key (Bearer), a rotating patient
    worklist          GET /utskrivning/                      the ward's worklist (default tab)
    case              GET /utskrivning/<case>/               a rotating open case of the ward
    calendar          GET /kalender/                         the ward's day (BENCH_BOOKINGS bookings)
    free_slots_*      GET /api/v1/meetings/free-slots?visit_kind=..[&unit_id=..]   API key; the region's
                      BENCH_SLOT_UNITS units and BENCH_SLOT_STAFF staff with three months of times
    invoice_basis     GET /utskrivning/fakturaunderlag/<month>/<code>/   the median municipality's month
    invoice_basis_largest                                    the same for the region's largest municipality
    portal_*          GET /mina-sidor/..., besok/, avgifter/, logg/       a resident's own pages

and, in the same run, raw primary-key reads of the same patient rows from Python (psycopg, one
connection per thread, BENCH_CLIENTS threads and one thread alone), so that each page's throughput
can be quoted as a ratio of it.

The load tool is this file: BENCH_CLIENTS threads, each a closed loop (send, wait for the answer,
send the next) over the standard library's http.client. Why not Locust: on this 2-core machine the
load generator shares the CPU with gunicorn and PostgreSQL, and a small client that does nothing
but send and time requests takes the least of it; http.client needs no new dependency, and a
closed loop at a fixed concurrency is what the targets are stated in ("16 clients").

Production settings: SAMVERKAN_ENV=production (DEBUG off, a real SECRET_KEY, ALLOWED_HOSTS, secure
cookies, HSTS, the SSL redirect, request logging, the connection pool). There is no TLS: the client
sends `X-Forwarded-Proto: https` as the TLS-terminating proxy in front of gunicorn would
(SECURE_PROXY_SSL_HEADER), so the SSL redirect and the CSRF referer checks behave as behind it.
Gunicorn runs BENCH_WORKERS sync workers (default 2 x cores + 1, gunicorn's advice); with
BENCH_THREADS > 1, gthread workers with that many threads each.

Knobs: BENCH_CLIENTS [16], BENCH_SECONDS [15 per page], BENCH_WARMUP_SECONDS [3], BENCH_RUNS [3
measuring rounds over the same data, for min/median/max], BENCH_WORKERS, BENCH_PORT [8130],
BENCH_BOOKINGS [40], BENCH_PAGES [all; a comma-separated subset], BENCH_START_AT [HH:MM UTC: measure
from then], BENCH_RESIDENT_LOG [0: that many reads of the resident's patient by the ward today
added to the log before measuring, the size the HTTP run's ward pages leave by its end (~450 000)],
BENCH_PROFILE [1: no HTTP, each page
in-process with its statements; "full": with a cProfile too], and the discharge loader's
(BENCH_CASES, defaulting here to 770,000 so that the ward is party to ~3,000 open cases, BENCH_EVENTS defaulting here to "ward", BENCH_WARD_OPEN).

    scripts/run_bench.sh http
    BENCH_CASES=60000 BENCH_SECONDS=5 BENCH_RUNS=1 scripts/run_bench.sh http      a quick run
"""

import http.client
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("BENCH_CASES", "770000")
os.environ.setdefault("BENCH_EVENTS", "ward")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BASE_DIR, env_int, git_commit, log, machine, scalar, summary, wait_until_start, write_result,
)
from bench.discharge_bench import Loader  # noqa: E402
from bench.meetings_bench import Loader as SlotLoader  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.actions import TOKEN_PREFIX, hash_token  # noqa: E402
from core.models import ApiToken, Membership, Organisation, Profession, Unit, User  # noqa: E402
from discharge.actions import store_basis  # noqa: E402
from discharge.models import CaseParty, DischargeCase  # noqa: E402
from meetings.models import Booking, VisitKind  # noqa: E402

CLIENTS = env_int("BENCH_CLIENTS", 16)
SECONDS = float(os.environ.get("BENCH_SECONDS", 15))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", 3))
RUNS = env_int("BENCH_RUNS", 3)
WORKERS = env_int("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1)
THREADS = env_int("BENCH_THREADS", 1)  # > 1: gunicorn's gthread workers with this many threads each
PORT = env_int("BENCH_PORT", 8130)
BOOKINGS = env_int("BENCH_BOOKINGS", 40)
RESIDENT_LOG = env_int("BENCH_RESIDENT_LOG", 0)
SLOT_UNITS = env_int("BENCH_SLOT_UNITS", 200)
SLOT_STAFF = env_int("BENCH_SLOT_STAFF", 2000)
FREE_SLOTS_TARGET_MS = 50
PAGES = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
TARGET_MS = 100
API_RATIO_TARGET = 0.05
PASSWORD = "bench-" + secrets.token_urlsafe(12)
HOST = f"127.0.0.1:{PORT}"


# --- What the pages need, on top of the discharge data --------------------------------------------

def staff_membership(username, unit, roles):
    user = User.objects.create(username=username, first_name="Bench", last_name=username,
                               password=make_password(PASSWORD), hsa_id=f"SE2321000032-{username.upper()}")
    return Membership.objects.create(user=user, unit=unit, profession=Profession.NURSE, roles=roles)


def prepare(loader):
    """Users, an API key, a day of bookings and a resident; returns what the clients request."""
    ward = loader.measured_ward
    ward_member = staff_membership("bench-ward", ward, ["clinical", "coordinator"])
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(name="Benchmark", membership=ward_member, prefix=raw_key[:len(TOKEN_PREFIX) + 6],
                            digest=hash_token(raw_key), created_by=ward_member.user, roles=ward_member.roles)
    open_cases = list(CaseParty.objects.filter(unit=ward, case_open=True)
                      .values_list("case_id", "case__patient_id").order_by("case_id")[:500])
    case_ids = [str(c) for c, _p in open_cases]
    patient_ids = [str(p) for _c, p in open_cases]

    # The ward's calendar today: BOOKINGS visits from 08:00 local, a quarter of an hour apart.
    region = ward.organisation
    kind = VisitKind.objects.create(region=region, key="bench", name="Återbesök", minutes=15, suits_video=True)
    today = timezone.localdate()
    first = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=8)
    Booking.objects.bulk_create([
        Booking(patient_id=patient_ids[n % len(patient_ids)], unit=ward, staff=ward_member.user, visit_kind=kind,
                form="physical", starts_at=first + timedelta(minutes=15 * n),
                ends_at=first + timedelta(minutes=15 * n + 15), created_by=ward_member.user)
        for n in range(BOOKINGS)])

    # Finance of two of the largest region's own municipalities: the one with the most cases in the
    # basis month (the region's capital) and the median one.
    month = loader.month
    by_size = list(DischargeCase.objects.filter(ward__organisation=region, discharged_at__year=month.year,
                                                discharged_at__month=month.month,
                                                municipality__county_code=region.county_code)
                   .values("municipality_id").annotate(n=Count("pk")).order_by("-n"))
    top, median = by_size[0], by_size[len(by_size) // 2]
    municipality = Organisation.objects.get(pk=top["municipality_id"])
    median_municipality = Organisation.objects.get(pk=median["municipality_id"])
    # The month's basis stored as the nightly `invoice_basis` command stores it (the pages read it).
    began = time.perf_counter()
    store_basis(None, region, month)
    log(f"  invoice basis of {region.name} for {month} stored in {time.perf_counter() - began:.1f} s")
    for who, organisation in (("finance", municipality), ("finance-median", median_municipality)):
        staff_membership(f"bench-{who}", Unit.objects.filter(organisation=organisation,
                                                               kind=Unit.Kind.ADMINISTRATION).first(), ["finance"])

    # A resident: one of the ward's patients, with past and coming visits.
    resident_patient = patient_ids[0]
    User.objects.create(username="bench-resident", first_name="Bench", last_name="Invånare",
                        password=make_password(PASSWORD), patient_id=resident_patient)
    Booking.objects.bulk_create([
        Booking(patient_id=resident_patient, unit=ward, staff=ward_member.user, visit_kind=kind, form="physical",
                starts_at=first + timedelta(days=d, hours=5), ends_at=first + timedelta(days=d, hours=5, minutes=15),
                status=Booking.Status.ATTENDED if d < 0 else Booking.Status.BOOKED, created_by=ward_member.user)
        for d in range(-20, 10, 3)])
    if RESIDENT_LOG:
        # The resident's patient as the ward pages leave it by the end of an HTTP run: read all day.
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO core_auditevent (at, kind, action, username, user_display, unit_name, organisation_name,
                    object_type, object_id, changes, basis, reason, endpoint, user_id, patient_id, unit_id)
                SELECT now() - n * interval '50 milliseconds', 'read', 'discharge.read', u.username,
                       u.first_name || ' ' || u.last_name, %s, %s, 'core.patient', %s, '{}', 'relation',
                       'Utskrivningsärende', 'discharge:case', u.id, %s, %s
                FROM generate_series(1, %s) n JOIN core_user u ON u.id = %s""",
                [ward.name, region.name, resident_patient, resident_patient, ward.pk, RESIDENT_LOG,
                 ward_member.user_id])
        log(f"  {RESIDENT_LOG:,} reads of the resident's patient added to the log")
    # Bookable times in the ward's region for the free-time search (bench/meetings_bench.py's calendars:
    # full for two weeks, freer later, every unit offering its professions' kinds).
    slots = SlotLoader(region=region, units=SLOT_UNITS, staff=SLOT_STAFF)
    slots.load()
    return {
        "kinds": [k.key for k in slots.kinds], "slot_units": [u.pk for u in slots.units],
        "api_key": raw_key, "case_ids": case_ids, "patient_ids": patient_ids,
        "basis_path": f"/utskrivning/fakturaunderlag/{month}/{municipality.code}/",
        "municipality": municipality.name, "basis_cases": top["n"],
        "basis_median_path": f"/utskrivning/fakturaunderlag/{month}/{median_municipality.code}/",
        "median_municipality": median_municipality.name, "basis_median_cases": median["n"],
    }


# --- Gunicorn ---------------------------------------------------------------------------------

def start_server(log_path):
    environment = os.environ | {
        "SAMVERKAN_ENV": "production", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": os.environ["DATABASE_URL"],
        "LOG_LEVEL": "WARNING", "LOG_REQUESTS": os.environ.get("BENCH_LOG_REQUESTS", "1"),
        "DATABASE_POOL": os.environ.get("BENCH_POOL", "1"),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR,
                   env=environment, check=True)
    handle = open(log_path, "w")  # noqa: SIM115 (kept open for the server's life)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "samverkan.wsgi:application", "-c", "gunicorn.conf.py",
         "--bind", HOST, "--workers", str(WORKERS), "--backlog", "2048"]
        + (["--worker-class", "gthread", "--threads", str(THREADS)] if THREADS > 1 else ["--worker-class", "sync"]),
        cwd=BASE_DIR, env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _body, _headers = request("GET", "/healthz", {})
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    sys.exit(f"http_bench: gunicorn did not answer; see {log_path}")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- The client ----------------------------------------------------------------------------------

BASE_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "User-Agent": "samverkan-http-bench"}


def request(method, path, headers, body=None, connection_=None):
    conn = connection_ or http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        conn.request(method, path, body=body, headers=BASE_HEADERS | headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, data, response.headers
    finally:
        if connection_ is None:
            conn.close()


def cookies_from(headers, jar):
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def cookie_header(jar):
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def login(username):
    """A browser's login: the form (CSRF cookie), then the password. Returns the cookie headers."""
    jar = {}
    status, _body, headers = request("GET", "/logga-in/", {})
    cookies_from(headers, jar)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrfmiddlewaretoken": jar.get("csrftoken", "")})
    status, _body, headers = request("POST", "/logga-in/", cookie_header(jar) | {
        "Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}/logga-in/"}, body)
    cookies_from(headers, jar)
    if status != 302 or "sessionid" not in jar:
        sys.exit(f"http_bench: login of {username} failed ({status})")
    return cookie_header(jar)


def pages(data):
    """name -> (whose session: 'ward' | 'finance' | 'resident' | 'api', path maker)."""
    rng_lock = threading.Lock()
    rng = random.Random(7)

    def pick(items):
        with rng_lock:
            return rng.choice(items)

    return {
        "api_patient": ("api", lambda: f"/api/v1/patients/{pick(data['patient_ids'])}"),
        "worklist": ("ward", lambda: "/utskrivning/"),
        "case": ("ward", lambda: f"/utskrivning/{pick(data['case_ids'])}/"),
        "calendar": ("ward", lambda: "/kalender/"),
        "invoice_basis": ("finance-median", lambda: data["basis_median_path"]),
        "invoice_basis_largest": ("finance", lambda: data["basis_path"]),
        "free_slots_region": ("api", lambda: f"/api/v1/meetings/free-slots?visit_kind={pick(data['kinds'])}"),
        "free_slots_unit": ("api", lambda: f"/api/v1/meetings/free-slots?visit_kind={pick(data['kinds'])}"
                                           f"&unit_id={pick(data['slot_units'])}"),
        "portal_home": ("resident", lambda: "/mina-sidor/"),
        "portal_visits": ("resident", lambda: "/mina-sidor/besok/"),
        "portal_fees": ("resident", lambda: "/mina-sidor/avgifter/"),
        "portal_log": ("resident", lambda: "/mina-sidor/logg/"),
    }


def load_test(make_path, headers_of_client):
    """CLIENTS closed-loop clients for WARMUP_SECONDS (not counted), then SECONDS: no request starts
    after that, those under way finish. Returns the latencies (ms) of the requests that ended after
    the warm-up, the statuses that were not 200, and how many requests ended within the SECONDS."""
    start_counting = time.perf_counter() + WARMUP_SECONDS
    stop = start_counting + SECONDS
    latencies, failures = [[] for _ in range(CLIENTS)], [[] for _ in range(CLIENTS)]
    in_window = [0] * CLIENTS  # requests that ended within the SECONDS: the throughput

    def client(n):
        headers = headers_of_client(n)
        while True:
            path = make_path()
            began = time.perf_counter()
            if began >= stop:
                return
            try:
                status, _body, _h = request("GET", path, headers)
            except OSError as error:
                status = repr(error)
            ended = time.perf_counter()
            # Counted when it ends in the window (a page slower than the warm-up still gets measured).
            if ended >= start_counting:
                latencies[n].append((ended - began) * 1000)
                in_window[n] += ended <= stop
                if status != 200:
                    failures[n].append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [x for xs in latencies for x in xs], [x for xs in failures for x in xs], sum(in_window)


def raw_reads(patient_ids, threads, seconds):
    """Primary-key reads of the patient rows from Python: `threads` psycopg connections, each a
    closed loop for `seconds`. Returns reads per second."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def reader(n):
        rng = random.Random(n)
        ids = [uuid.UUID(p) for p in patient_ids]
        with psycopg.connect(url, autocommit=True) as conn:
            while time.perf_counter() < stop:
                conn.execute("SELECT * FROM core_patient WHERE id = %s", [rng.choice(ids)], prepare=True).fetchone()
                counts[n] += 1

    workers = [threading.Thread(target=reader, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / seconds


def measure_round(data, sessions, chosen):
    results = {}
    for name, (who, make_path) in chosen.items():
        if who == "api":
            def headers_of(_n):
                return {"Authorization": f"Bearer {data['api_key']}", "Accept": "application/json"}
        else:
            def headers_of(n, who=who):
                return sessions[who][n % len(sessions[who])]
        latencies, failures, completed = load_test(make_path, headers_of)
        r = summary(latencies) | {"per_second": round(completed / SECONDS, 1), "failures": len(failures),
                                  "failure_examples": sorted({str(f) for f in failures})[:3]}
        results[name] = r
        log(f"  {name:<15} {r['per_second']:>8.1f}/s  p50 {r['p50_ms']:>8.1f}  p95 {r['p95_ms']:>8.1f}  "
            f"p99 {r['p99_ms']:>8.1f} ms  n {r['n']:>6}" + (f"  FAILED {len(failures)} {r['failure_examples']}"
                                                              if failures else ""))
    raw_n = raw_reads(data["patient_ids"], CLIENTS, min(SECONDS, 10))
    raw_1 = raw_reads(data["patient_ids"], 1, min(SECONDS, 10))
    log(f"  raw primary-key reads of the same patients: {raw_n:,.0f}/s with {CLIENTS} connections, "
        f"{raw_1:,.0f}/s with one")
    for r in results.values():
        r["ratio_to_raw"] = round(r["per_second"] / raw_n, 5)
    return {"pages": results, "raw_pk_reads_per_second": round(raw_n), "raw_pk_reads_per_second_1": round(raw_1)}


def profile_pages(data, chosen):
    """BENCH_PROFILE=1: each page in this process through Django's test client (no gunicorn, no HTTP):
    the statements it runs, its time over a few requests and a cProfile of one, to see where a
    request's fixed cost goes."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    clients = {}
    for who in ("ward", "finance", "finance-median", "resident"):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(username=f"bench-{who}"))
    clients["api"] = Client(headers={"Authorization": f"Bearer {data['api_key']}"})
    for name, (who, make_path) in chosen.items():
        client = clients[who]
        path = make_path()
        assert client.get(path).status_code == 200, (name, path)
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append({"sql": sql, "time": f"{(time.perf_counter() - began) * 1000:.2f} ms"})

        with connection.execute_wrapper(capture):
            client.get(path)
        samples, cpu = [], []
        for _ in range(10):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(make_path())
            samples.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(make_path())
        profiler.disable()
        text = io.StringIO()
        # Twenty requests; by own time, to see where a request's fixed cost goes.
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(40)
        writes = sum(1 for q in captured if not q["sql"].lstrip().upper().startswith("SELECT"))
        log(f"\n=== {name} {path}: {len(captured)} statements ({writes} not SELECT), "
            f"median {statistics.median(samples):.1f} ms in-process, of it {statistics.median(cpu):.1f} ms "
            f"this process's CPU (the figure the machine's load does not change)")
        for q in captured:
            log(f"  [{q['time']}] {q['sql'][:300]}")
        if os.environ.get("BENCH_PROFILE") == "full":
            log(text.getvalue())


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    if connection.vendor != "postgresql":
        sys.exit("http_bench: needs PostgreSQL (set DATABASE_URL); see bench/README.md.")
    started = datetime.now()
    loader = Loader()
    loader.load()
    data = prepare(loader)
    log(f"  the ward is party to {loader.measured_open:,} open cases; invoice basis of {data['median_municipality']} "
        f"({data['basis_median_cases']} cases discharged in {loader.month}) and of the largest, "
        f"{data['municipality']} ({data['basis_cases']}); {BOOKINGS} bookings today")
    if os.environ.get("BENCH_PROFILE"):
        profile_pages(data, {k: v for k, v in pages(data).items() if not PAGES or k in PAGES})
        return 0
    log_path = Path(f"/tmp/samverkan-http-bench-{PORT}.log")
    connection.close()
    server = start_server(log_path)
    try:
        sessions = {who: [login(f"bench-{who}") for _ in range(CLIENTS)]
                    for who in ("ward", "finance", "finance-median", "resident")}
        chosen = {k: v for k, v in pages(data).items() if not PAGES or k in PAGES}
        wait_until_start()
        rounds = []
        for n in range(RUNS):
            log(f"Round {n + 1}/{RUNS}: {CLIENTS} clients, {SECONDS:g} s per page after {WARMUP_SECONDS:g} s warm-up, "
                f"{WORKERS} gunicorn workers, load average {os.getloadavg()[0]:.1f}")
            rounds.append(measure_round(data, sessions, chosen))
    finally:
        stop_server(server)
    audit_rows = scalar("SELECT count(*) FROM core_auditevent")

    log()
    log(f"{'page':<15} {'req/s min/med/max':>24} {'p50 ms (med)':>13} {'p95 ms min/med/max':>24} {'p99 (med)':>10} "
        f"{'ratio to raw (med)':>19}")
    table = {}
    for name in chosen:
        per = spread([r["pages"][name]["per_second"] for r in rounds])
        p95 = spread([r["pages"][name]["p95_ms"] for r in rounds])
        p50 = statistics.median(r["pages"][name]["p50_ms"] for r in rounds)
        p99 = statistics.median(r["pages"][name]["p99_ms"] for r in rounds)
        ratio = statistics.median(r["pages"][name]["ratio_to_raw"] for r in rounds)
        table[name] = {"per_second": per, "p95_ms": p95, "p50_ms_median": p50, "p99_ms_median": p99,
                       "ratio_to_raw_median": ratio}
        log(f"{name:<15} {per['min']:>7.1f}/{per['median']:>7.1f}/{per['max']:>7.1f} {p50:>13.1f} "
            f"{p95['min']:>7.1f}/{p95['median']:>7.1f}/{p95['max']:>7.1f} {p99:>10.1f} {ratio:>19.4f}")
    raw = spread([r["raw_pk_reads_per_second"] for r in rounds])
    log(f"raw primary-key reads/s ({CLIENTS} connections): {raw['min']:,}/{raw['median']:,}/{raw['max']:,}")
    verdict = {}
    if "api_patient" in table:
        verdict["api_patient ratio >= 0.05"] = table["api_patient"]["ratio_to_raw_median"] >= API_RATIO_TARGET
    for name in table:
        if name.startswith("free_slots"):
            verdict[f"{name} p95 < {FREE_SLOTS_TARGET_MS} ms"] = table[name]["p95_ms"]["median"] < FREE_SLOTS_TARGET_MS
        elif name != "api_patient":
            verdict[f"{name} p95 < {TARGET_MS} ms"] = table[name]["p95_ms"]["median"] < TARGET_MS
    for label, ok in verdict.items():
        log(f"{label}: {'OK' if ok else 'MISSED'}")
    write_result("http", started, {
        "benchmark": "http", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"clients": CLIENTS, "seconds": SECONDS, "warmup_seconds": WARMUP_SECONDS, "runs": RUNS,
                       "workers": WORKERS, "cases": os.environ["BENCH_CASES"], "events": os.environ["BENCH_EVENTS"],
                       "ward_open_cases": loader.measured_open, "bookings_today": BOOKINGS,
                       "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool") is not None
                       or os.environ.get("BENCH_POOL", "1") == "1"},
        "machine": machine() | {"load_average_after": os.getloadavg()}, "load_seconds": loader.steps.timings,
        "data": {k: v for k, v in data.items() if k not in ("api_key", "case_ids", "patient_ids", "slot_units")}
        | {"audit_rows_after": audit_rows},
        "rounds": rounds, "summary": table, "within_target": verdict,
    })
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
