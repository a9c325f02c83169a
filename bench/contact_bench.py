"""The contact entry under a burst of new matters (issue 12, item 16), over HTTP on durable PostgreSQL.

Data: the demo's Region Kronoberg contact entry (`seed_demo` + `seed_contact_demo`: an intake unit, a
night team, three primary-care centres with opening hours, the national front end's membership),
BENCH_CONTACT_PATIENTS residents of the region bulk-loaded (half listed at the three centres) and
BENCH_OPEN_MATTERS open matters already in the region's queues, bulk-loaded with COPY: 40 % at the
intake unit (the queue measured), 20 % at the night team, the rest at the centres; received,
assessing, answered and booked; a few flagged.

Each run, for BENCH_BURST_SECONDS (a comma-separated list: one run per entry; default 300,120,120):

  * writers file new matters through `POST /api/v1/contact/matters` with the national front end's
    API key and a fresh `Idempotency-Key` each, at BENCH_RATE matters a minute (default 600; open
    loop: request n is due at n x 60 / rate seconds, sent by the first of BENCH_WRITERS threads that
    is free). An attempt that times out (BENCH_CLIENT_TIMEOUT s), loses its connection or gets a
    5xx is retried with the same key and the same body, up to 10 attempts with back-off. To make
    retries race the first attempt, BENCH_SHORT_TIMEOUT_SHARE of first attempts (default 3 %) give up
    after 30 ms, while the server is still working on them.
  * in the middle of the run one gunicorn worker is killed with `kill -9` (the master starts a new one).
  * BENCH_QUEUE_CLIENTS staff (default 4, each logged in through the form at the intake unit) load
    the queue page `GET /kontakt/` over and over, BENCH_QUEUE_THINK s (1.0) between loads; its
    p50/p95/p99 during the burst is the figure (target p95 < 100 ms).

Afterwards the database is counted: every key that got a 2xx has its matter stored (lost = 0), the
same id on every 2xx of that key, and every key of the run stored at most once (duplicated = 0; the
key is also written into the description, so a duplicate would show even if the idempotency table
were bypassed); every stored matter has its `filed` event, its idempotency record and its two queued
tasks (the notice and the breach check, written in the matter's transaction).

    scripts/run_bench.sh contact
    BENCH_BURST_SECONDS=30 BENCH_OPEN_MATTERS=20000 scripts/run_bench.sh contact     a quick run
    BENCH_START_AT=08:20 ...   load now, measure from then

Uses bench/http_bench.py's gunicorn start (production settings, BENCH_WORKERS sync workers), login
and client. No background worker (`db_worker`) runs: the notifications and breach checks each
matter queues stay in the task table (two rows per matter, written by the request).
"""

import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("BENCH_PORT", "8160")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Steps, copy_lines, env_int, execute, git_commit, log, machine, scalar, summary, write_result,
)
from bench import http_bench  # noqa: E402
from bench.http_bench import BASE_HEADERS, login, staff_membership, start_server, stop_server, wait_until_start  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from contact.models import ContactEntry, Matter, PriorityTarget  # noqa: E402
from core.actions import TOKEN_PREFIX, hash_token  # noqa: E402
from core.models import ApiToken, Membership  # noqa: E402
from core.rules.identity import make_personal_number  # noqa: E402

PATIENTS = env_int("BENCH_CONTACT_PATIENTS", 50_000)
OPEN_MATTERS = env_int("BENCH_OPEN_MATTERS", 100_000)
BURSTS = [float(s) for s in os.environ.get("BENCH_BURST_SECONDS", "300,120,120").split(",") if s]
RATE = float(os.environ.get("BENCH_RATE", 600))  # matters a minute
WRITERS = env_int("BENCH_WRITERS", 16)
CLIENT_TIMEOUT = float(os.environ.get("BENCH_CLIENT_TIMEOUT", 5))
SHORT_TIMEOUT_SHARE = float(os.environ.get("BENCH_SHORT_TIMEOUT_SHARE", 0.03))
SHORT_TIMEOUT = 0.03
MAX_ATTEMPTS = 10
QUEUE_CLIENTS = env_int("BENCH_QUEUE_CLIENTS", 4)
QUEUE_THINK = float(os.environ.get("BENCH_QUEUE_THINK", 1.0))
KILL = os.environ.get("BENCH_KILL", "1") == "1"
SEED = env_int("BENCH_SEED", 20261130)
QUEUE_TARGET_MS = 100
RATE_TARGET = 500
PORT = http_bench.PORT

TEXTS = [
    ("new_symptoms", "Hosta och feber sedan tre dagar, 38,5 i morse."),
    ("new_symptoms", "Utslag på armarna som kliar sedan i helgen."),
    ("new_symptoms", "Ont i halsen och svårt att svälja."),
    ("ongoing", "Ryggont sedan två veckor, inte bättre av värktabletter."),
    ("prescription", "Behöver förnya receptet på mitt blodtrycksläkemedel."),
    ("certificate", "Behöver läkarintyg för sjukskrivning från dag 8."),
    ("test_results", "Har jag fått svar på blodprovet från förra veckan?"),
    ("administrative", "Hur avbokar jag min tid på fredag?"),
    ("new_symptoms", "Det trycker över bröstet när jag går i trappor."),
]


# --- Data ------------------------------------------------------------------------------------------

class Loader:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.steps = Steps()

    def load(self):
        log(f"Loading: the demo's contact entry, {PATIENTS:,} residents, {OPEN_MATTERS:,} open matters")
        self.steps.run("seed_demo + seed_contact_demo", self.seed)
        self.steps.run("patients (COPY)", self.load_patients)
        self.steps.run("open matters (COPY)", self.load_matters)
        # As autovacuum leaves a table that grew over weeks: statistics, and the visibility map set,
        # so the queue's count of open matters reads the index alone.
        self.steps.run("vacuum analyze", lambda: execute("VACUUM ANALYZE"))
        self.steps.finish()

    def seed(self):
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
            call_command("seed_contact_demo", stdout=quiet)
        self.entry = ContactEntry.objects.select_related("region", "intake_unit", "night_unit").get()
        self.region = self.entry.region
        self.intake, self.night = self.entry.intake_unit, self.entry.night_unit
        self.centres = list(self.region.units.filter(hsa_id__startswith="SE2321000065-VC").order_by("hsa_id"))
        self.targets = dict(PriorityTarget.objects.filter(region=self.region).values_list("priority", "minutes"))
        self.front = Membership.objects.select_related("user").get(user__username="etjanst-1177")

    def load_patients(self):
        rng = self.rng
        first = date(1935, 1, 1)
        days = (date(2005, 12, 31) - first).days
        slots = rng.sample(range(days * 999), PATIENTS)
        self.patients = []  # (id, personal number)
        created = timezone.now().isoformat()
        centre_ids = [c.pk for c in self.centres]

        def lines():
            for n, slot in enumerate(slots):
                birth = first + timedelta(days=slot // 999)
                number = make_personal_number(birth, slot % 999 + 1)
                pid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                self.patients.append((pid, number))
                listed = str(centre_ids[n % 3]) if n % 2 else "\\N"
                yield (f"{pid}\t{number}\tf\t{birth.isoformat()}\tBench\tInvånare\tGatan {n % 97 + 1}\t"
                       f"{35000 + n % 999}\tVäxjö\tf\tf\t{created}\t{listed}")

        copy_lines("core_patient", ["id", "personal_number", "is_coordination_number", "birth_date", "first_name",
                                    "last_name", "street_address", "postal_code", "city", "protected_identity",
                                    "is_demo", "created_at", "listed_unit_id"], lines())

    def load_matters(self):
        rng = self.rng
        now = timezone.now()
        # 8 : 4 : 3 : 3 : 3 -- the intake unit holds 38 %, the night team 19 %, each centre 14 %.
        units = [self.intake.pk] * 8 + [self.night.pk] * 4 + [c.pk for c in self.centres] * 3
        nurse = self.nurse_id()
        statuses = ["received"] * 4 + ["assessing"] * 3 + ["answered"] * 2 + ["booked"]
        priorities = ["same_day", "three_days", "planned", "self_care"]

        def lines():
            for n in range(OPEN_MATTERS):
                pid, _number = self.patients[n % len(self.patients)]
                unit = units[n % len(units)] if n % 7 else rng.choice(units)
                status = rng.choice(statuses)
                created = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
                flagged = n % 50 == 0
                priority = "" if status == "received" else rng.choice(priorities)
                key = "immediate" if flagged else (priority or "unassessed")
                due = created + timedelta(minutes=self.targets.get(key, 240))
                category, text = TEXTS[n % len(TEXTS)]
                taken = status in ("assessing", "answered", "booked")
                responded = status in ("answered", "booked")
                yield "\t".join([
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)), "", "api", category, text, "{}",
                    '["chest_pain"]' if flagged else "[]", "", "f",
                    created.isoformat() if taken else "\\N", status, priority, "primary" if priority else "",
                    "Bedömd" if priority else "", created.isoformat(), due.isoformat(),
                    (created + timedelta(minutes=30)).isoformat() if responded else "\\N", "\\N", "\\N", "", "\\N",
                    str(self.front.user_id), str(self.intake.pk), pid, str(self.region.pk),
                    str(nurse) if taken else "\\N", str(unit), "", "\\N"])

        copy_lines("contact_matter", [
            "id", "on_behalf", "channel", "category", "description", "answers", "red_flags", "profession",
            "routed_to_fixed_contact", "taken_at", "status", "priority", "care_level", "triage_reason", "created_at",
            "due_at", "first_response_at", "breached_at", "closed_at", "closing", "booking_id", "filed_by_id",
            "filed_by_unit_id", "patient_id", "region_id", "taken_by_id", "unit_id", "video_room",
            "video_started_at"], lines())

    def nurse_id(self):
        if not hasattr(self, "nurse"):
            self.nurse = staff_membership("bench-kontakt", self.intake, ["clinical", "coordinator"])
        return self.nurse.user_id

    def api_key(self):
        raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        ApiToken.objects.create(name="Benchmark", membership=self.front, prefix=raw_key[:len(TOKEN_PREFIX) + 6],
                                digest=hash_token(raw_key), created_by=self.front.user, roles=self.front.roles)
        return raw_key


# --- The burst -------------------------------------------------------------------------------------

def post(path, headers, body, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=BASE_HEADERS | headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get(path, headers, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request("GET", path, headers=BASE_HEADERS | headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def workers_of(server):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def burst(run, seconds, api_key, patients, queue_sessions, server):
    """One run: the writers, the queue readers and the kill. Returns what the clients saw."""
    rng = random.Random(SEED + run)
    total = int(RATE * seconds / 60)
    plan = []
    for n in range(total):
        category, text = TEXTS[n % len(TEXTS)]
        key = f"bench-{run}-{n}-{uuid.uuid4()}"
        body = json.dumps({"personnummer": rng.choice(patients)[1], "category": category,
                           "description": f"{text} (bench-key {key})", "channel": "web"})
        plan.append((key, body, rng.random() < SHORT_TIMEOUT_SHARE))
    outcomes = [None] * total
    next_index = [0]
    lock = threading.Lock()
    started = time.perf_counter() + 1
    stop_queue = threading.Event()
    queue_latencies, queue_failures = [], []
    killed = {}

    def writer():
        while True:
            with lock:
                n = next_index[0]
                next_index[0] += 1
            if n >= total:
                return
            due = started + n * 60 / RATE
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            key, body, short = plan[n]
            headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key,
                       "Content-Type": "application/json", "Accept": "application/json"}
            record = {"attempts": [], "ids": set(), "status": None, "began": time.perf_counter() - started}
            first_sent = time.perf_counter()
            for attempt in range(MAX_ATTEMPTS):
                timeout = SHORT_TIMEOUT if (short and attempt == 0) else CLIENT_TIMEOUT
                began = time.perf_counter()
                try:
                    status, data = post("/api/v1/contact/matters", headers, body, timeout)
                except (OSError, http.client.HTTPException) as error:
                    status, data = type(error).__name__, b""
                took = (time.perf_counter() - began) * 1000
                record["attempts"].append((status, round(took, 1)))
                if isinstance(status, int) and 200 <= status < 300:
                    record["ids"].add(json.loads(data)["id"])
                    record["status"] = status
                    record["latency_ms"] = took
                    record["end_to_end_ms"] = (time.perf_counter() - first_sent) * 1000
                    break
                if isinstance(status, int) and 400 <= status < 500:
                    record["status"] = status
                    record["error"] = data[:200].decode(errors="replace")
                    break
                time.sleep(min(2.0, 0.1 * 2 ** attempt))
            outcomes[n] = record

    def queue_reader(headers):
        while not stop_queue.is_set():
            began = time.perf_counter()
            try:
                status = get("/kontakt/", headers)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            took = (time.perf_counter() - began) * 1000
            with lock:
                queue_latencies.append(took)
                if status != 200:
                    queue_failures.append(str(status))
            stop_queue.wait(QUEUE_THINK)

    def killer():
        time.sleep(max(0.0, started + seconds / 2 - time.perf_counter()))
        pids = workers_of(server)
        if pids:
            victim = random.Random(run).choice(pids)
            os.kill(victim, signal.SIGKILL)
            killed.update(pid=victim, at_s=round(time.perf_counter() - started, 1), workers_before=len(pids))
            log(f"    kill -9 {victim} (one of {len(pids)} gunicorn workers) at {killed['at_s']} s")

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    readers = [threading.Thread(target=queue_reader, args=(queue_sessions[n % len(queue_sessions)],))
               for n in range(QUEUE_CLIENTS)]
    extra = [threading.Thread(target=killer)] if KILL else []
    run_started_at = timezone.now()
    for thread in threads + readers + extra:
        thread.start()
    for thread in threads + extra:
        thread.join()
    writers_done = time.perf_counter() - started
    stop_queue.set()
    for thread in readers:
        thread.join()
    return {"plan": plan, "outcomes": outcomes, "seconds_taken": writers_done, "queue_latencies": queue_latencies,
            "queue_failures": queue_failures, "killed": killed, "started_at": run_started_at}


KEY_IN_TEXT = re.compile(r"\(bench-key (bench-\d+-\d+-[0-9a-f-]+)\)")


def count(run, result, seconds):
    """The database afterwards: lost, duplicated, orphaned, and the figures of the run."""
    outcomes, plan = result["outcomes"], result["plan"]
    ok = [o for o in outcomes if o["status"] is not None and 200 <= o["status"] < 300]
    failed = [(plan[n][0], o) for n, o in enumerate(outcomes) if o["status"] is None or o["status"] >= 300]
    inconsistent = sum(1 for o in ok if len(o["ids"]) != 1)
    returned_ids = [next(iter(o["ids"])) for o in ok]
    stored_ids = set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text FROM contact_matter WHERE id = ANY(%s::uuid[])", [returned_ids])
        stored_ids = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT description, id::text FROM contact_matter WHERE created_at >= %s AND channel = 'api' "
                       "AND description LIKE %s", [result["started_at"], f"%(bench-key bench-{run}-%"])
        by_key = {}
        for description, matter_id in cursor.fetchall():
            match = KEY_IN_TEXT.search(description)
            by_key.setdefault(match.group(1), []).append(matter_id)
        run_ids = [i for ids in by_key.values() for i in ids]
        cursor.execute("SELECT count(*) FROM contact_idempotencyrecord WHERE matter_id = ANY(%s::uuid[])", [run_ids])
        with_record = cursor.fetchone()[0]
        cursor.execute("SELECT count(DISTINCT matter_id) FROM contact_matterevent WHERE kind = 'filed' "
                       "AND matter_id = ANY(%s::uuid[])", [run_ids])
        with_event = cursor.fetchone()[0]
        # The notice and the breach check are queued in the matter's own transaction: each stored
        # matter has both task rows, a killed worker's included.
        cursor.execute("SELECT count(*) FROM (SELECT args_kwargs->'args'->>0 AS matter FROM django_tasks_database_dbtaskresult "
                       "WHERE task_path IN ('contact.tasks.notify_resident', 'contact.tasks.check_breach') "
                       "AND args_kwargs->'args'->>0 = ANY(%s) GROUP BY 1 HAVING count(DISTINCT task_path) = 2) AS q",
                       [run_ids])
        with_tasks = cursor.fetchone()[0]
    lost = sum(1 for i in returned_ids if i not in stored_ids)
    duplicated = sum(len(ids) - 1 for ids in by_key.values() if len(ids) > 1)
    keys_with_2xx = {plan[n][0] for n, o in enumerate(outcomes) if o in ok}
    orphaned = sum(1 for k in by_key if k not in keys_with_2xx)  # stored, but the client gave up
    retried = sum(1 for o in outcomes if len(o["attempts"]) > 1)
    statuses = {}
    for o in outcomes:
        for status, _ms in o["attempts"]:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    post = summary([o["latency_ms"] for o in ok]) if ok else {}
    end_to_end = summary([o["end_to_end_ms"] for o in ok]) if ok else {}
    queue = summary(result["queue_latencies"]) if result["queue_latencies"] else {}
    per_minute = len(ok) / result["seconds_taken"] * 60
    return {
        "burst_seconds": seconds, "planned": len(plan), "stored_2xx": len(ok), "failed": len(failed),
        "failure_examples": [(k, o["attempts"][-3:], o.get("error", "")) for k, o in failed[:3]],
        "lost": lost, "duplicated": duplicated, "inconsistent_ids": inconsistent, "orphaned": orphaned,
        "matters_stored_in_run": len(run_ids), "with_idempotency_record": with_record, "with_filed_event": with_event,
        "with_both_tasks": with_tasks,
        "retried_keys": retried, "attempt_statuses": statuses, "short_timeouts_planned": sum(1 for p in plan if p[2]),
        "seconds_taken": round(result["seconds_taken"], 1), "matters_per_minute": round(per_minute, 1),
        "post": post, "post_end_to_end": end_to_end, "queue": queue,
        "queue_loads": len(result["queue_latencies"]), "queue_failures": len(result["queue_failures"]),
        "queue_failure_examples": sorted(set(result["queue_failures"]))[:3], "killed": result["killed"],
    }


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    if connection.vendor != "postgresql":
        sys.exit("contact_bench: needs PostgreSQL (set DATABASE_URL); see bench/README.md.")
    started = datetime.now()
    loader = Loader()
    loader.load()
    loader.nurse_id()
    api_key = loader.api_key()
    intake_open = Matter.objects.filter(unit=loader.intake, status__in=Matter.OPEN).count()
    region_open = Matter.objects.filter(region=loader.region, status__in=Matter.OPEN).count()
    log(f"  {region_open:,} open matters in {loader.region.name}, {intake_open:,} of them at {loader.intake.name}")
    connection.close()
    server = start_server(Path(f"/tmp/samverkan-contact-bench-{PORT}.log"))
    runs = []
    try:
        queue_sessions = [login("bench-kontakt") for _ in range(QUEUE_CLIENTS)]
        assert get("/kontakt/", queue_sessions[0]) == 200
        wait_until_start()
        for run, seconds in enumerate(BURSTS, start=1):
            log(f"Run {run}/{len(BURSTS)}: {RATE:g} matters a minute for {seconds:g} s, {WRITERS} writers, "
                f"{QUEUE_CLIENTS} queue readers, {http_bench.WORKERS} gunicorn workers, "
                f"load average {os.getloadavg()[0]:.1f}")
            result = burst(run, seconds, api_key, loader.patients, queue_sessions, server)
            figures = count(run, result, seconds)
            runs.append(figures)
            p, q = figures["post"], figures["queue"]
            log(f"  stored {figures['stored_2xx']}/{figures['planned']} in {figures['seconds_taken']} s "
                f"({figures['matters_per_minute']}/min); lost {figures['lost']}, duplicated {figures['duplicated']}, "
                f"inconsistent {figures['inconsistent_ids']}, failed {figures['failed']}, "
                f"orphaned {figures['orphaned']}; retried keys {figures['retried_keys']}; "
                f"attempts {figures['attempt_statuses']}")
            log(f"  of {figures['matters_stored_in_run']} stored: idempotency record {figures['with_idempotency_record']}, "
                f"filed event {figures['with_filed_event']}, both tasks queued {figures['with_both_tasks']}")
            if p:
                log(f"  POST p50 {p['p50_ms']:.1f}  p95 {p['p95_ms']:.1f}  p99 {p['p99_ms']:.1f} ms")
            if q:
                log(f"  queue /kontakt/ p50 {q['p50_ms']:.1f}  p95 {q['p95_ms']:.1f}  p99 {q['p99_ms']:.1f} ms  "
                    f"n {q['n']}  failures {figures['queue_failures']} {figures['queue_failure_examples']}")
    finally:
        stop_server(server)

    table = {
        "matters_per_minute": spread([r["matters_per_minute"] for r in runs]),
        "post_p95_ms": spread([r["post"].get("p95_ms", 0) for r in runs]),
        "queue_p50_ms": spread([r["queue"].get("p50_ms", 0) for r in runs]),
        "queue_p95_ms": spread([r["queue"].get("p95_ms", 0) for r in runs]),
        "queue_p99_ms": spread([r["queue"].get("p99_ms", 0) for r in runs]),
    }
    log()
    for name, s in table.items():
        log(f"{name:<22} min {s['min']:>9.1f}  median {s['median']:>9.1f}  max {s['max']:>9.1f}")
    verdict = {
        "0 lost": all(r["lost"] == 0 for r in runs),
        "0 duplicated": all(r["duplicated"] == 0 and r["inconsistent_ids"] == 0 for r in runs),
        "every planned matter stored": all(r["failed"] == 0 for r in runs),
        f">= {RATE_TARGET} matters a minute": all(r["matters_per_minute"] >= RATE_TARGET for r in runs),
        f"queue p95 < {QUEUE_TARGET_MS} ms": table["queue_p95_ms"]["median"] < QUEUE_TARGET_MS,
    }
    for label, ok in verdict.items():
        log(f"{label}: {'OK' if ok else 'MISSED'}")
    write_result("contact", started, {
        "benchmark": "contact", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"bursts": BURSTS, "rate_per_minute": RATE, "writers": WRITERS, "client_timeout": CLIENT_TIMEOUT,
                       "short_timeout_share": SHORT_TIMEOUT_SHARE, "queue_clients": QUEUE_CLIENTS,
                       "queue_think_s": QUEUE_THINK, "workers": http_bench.WORKERS, "kill": KILL,
                       "patients": PATIENTS, "open_matters": OPEN_MATTERS},
        "data": {"region_open": region_open, "intake_open": intake_open,
                 "matters_after": scalar("SELECT count(*) FROM contact_matter")},
        "machine": machine() | {"load_average_after": os.getloadavg()}, "load_seconds": loader.steps.timings,
        "runs": runs, "summary": table, "within_target": verdict,
    })
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
