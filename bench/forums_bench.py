"""Forum search and the chair's goal page over HTTP on durable PostgreSQL (issue 13, item 14).

Data (bulk-loaded): one region owning BENCH_FORUMS forums (200) with held meetings over three years,
BENCH_ITEMS agenda items with minutes notes (50,000), BENCH_DECISIONS decisions (100,000) and
BENCH_ASSIGNMENTS assignments (100,000), written from a vocabulary of the seeds' subjects with
Zipf-like frequencies, the region's municipalities by name and a diary number per decision; and 10
goals of the region with 36 monthly values for the whole and each of the 290 municipalities
(105,000 values). The measuring user works in the region's administration and chairs five of the
forums: they see every forum (the owner organisation's staff do), so a search runs over all
200,000 decisions and assignments and the 50,000 minutes items.

Pages (each measured alone; 3 s warm-up then BENCH_SECONDS; BENCH_RUNS rounds for min/median/max), at
each concurrency of BENCH_FORUM_CLIENTS (default "1,4": one user alone, then four closed-loop
clients at once; "1,16" for the HTTP harness's 16):

    search   GET /forum/sok/?q=<a rotating query>   targets p95 < 50 ms
    goals    GET /forum/mal/                        10 goals x 36 months x 290 municipalities, p95 < 200 ms

The rotating queries mix words of every frequency (from one in ten rows to a handful), two-word
queries, a municipality and a diary number. Before the HTTP rounds each query is timed in-process
(`forums.queries.search_all`) with its number of hits, so a slow class of query shows by name.

    scripts/run_bench.sh forums
    BENCH_DECISIONS=20000 BENCH_ASSIGNMENTS=20000 BENCH_ITEMS=10000 BENCH_SECONDS=5 BENCH_RUNS=1 scripts/run_bench.sh forums

Uses bench/http_bench.py's gunicorn start, login and closed-loop load test.
"""

import csv
import os
import random
import statistics
import sys
import time
import urllib.parse
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("BENCH_PORT", "8161")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    SHARED, Steps, copy_lines, drop_plain_indexes, env_int, execute, git_commit, log, machine, summary, write_result,
)
from bench import http_bench  # noqa: E402
from bench.http_bench import load_test, login, staff_membership, start_server, stop_server, wait_until_start  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.actor import Actor  # noqa: E402
from core.models import Organisation, Unit  # noqa: E402
from forums import queries, search  # noqa: E402
from forums.models import Forum, ForumMember, Goal, Meeting  # noqa: E402

FORUMS = env_int("BENCH_FORUMS", 200)
ITEMS = env_int("BENCH_ITEMS", 50_000)
DECISIONS = env_int("BENCH_DECISIONS", 100_000)
ASSIGNMENTS = env_int("BENCH_ASSIGNMENTS", 100_000)
GOALS = env_int("BENCH_GOALS", 10)
MONTHS = env_int("BENCH_GOAL_MONTHS", 36)
MUNICIPALITIES = env_int("BENCH_MUNICIPALITIES", 290)
CONCURRENCIES = [int(c) for c in os.environ.get("BENCH_FORUM_CLIENTS", "1,4").split(",") if c]
RUNS = http_bench.RUNS
SECONDS = http_bench.SECONDS
SEED = env_int("BENCH_SEED", 20261130)
SEARCH_TARGET_MS = 50
GOALS_TARGET_MS = 200
PORT = http_bench.PORT

# Subjects of the seeds' forums, most talked-about first (chosen with weight 1/rank).
SUBJECTS = [
    "utskrivning från slutenvård", "nära vård", "samordnad individuell plan", "trygg hemgång", "digitala vårdmöten",
    "hemsjukvård", "psykisk hälsa hos barn och unga", "kompetensförsörjning", "läkemedelsgenomgångar",
    "mobila team", "taligenkänning vid diktering", "palliativ vård", "demensvård", "hjälpmedel",
    "missbruk och beroende", "vårdcentralernas tillgänglighet", "ambulanssjukvård", "rehabilitering",
    "äldres hälsa", "suicidprevention", "nutrition", "fallprevention", "tandvård för äldre", "förlossningsvård",
    "cancerrehabilitering", "habilitering", "asyl och migration", "hälsofrämjande arbete", "informationssäkerhet",
    "journalsystem", "egenvård", "vaccinationer", "smittskydd", "våld i nära relationer", "elevhälsa",
    "personlig assistans", "korttidsboende", "anhörigstöd", "tolktjänst", "sjukresor",
]
VERBS = ["godkänna", "fastställa", "anta", "uppdra åt arbetsgruppen att utreda", "återremittera", "bordlägga",
         "tillstyrka", "notera informationen om", "ge förvaltningen i uppdrag att följa upp", "avsluta uppdraget om"]
THINGS = ["handlingsplanen för", "överenskommelsen om", "riktlinjen för", "rutinen för", "uppföljningen av",
          "budgeten för", "strategin för", "lägesrapporten om", "avtalet om", "förslaget om"]
TASKS = ["Ta fram förslag på", "Sammanställa en lägesbild av", "Återkomma med en analys av", "Utreda kostnaderna för",
         "Bjuda in kommunerna till dialog om", "Följa upp utfallet av", "Skriva remissvar om"]


def municipality_names():
    path = SHARED / "municipalities.csv"
    names = []
    if path.exists():
        with open(path, encoding="utf-8") as handle:
            names = [row["municipality"] for row in csv.DictReader(handle)]
    names += [f"Kommun {n}" for n in range(len(names), MUNICIPALITIES)]
    return names[:MUNICIPALITIES]


class Loader:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.steps = Steps()
        self.weights = [1 / (n + 1) for n in range(len(SUBJECTS))]
        self.places = municipality_names()

    def load(self):
        log(f"Loading: {FORUMS} forums, {ITEMS:,} minutes items, {DECISIONS:,} decisions, {ASSIGNMENTS:,} assignments, "
            f"{GOALS} goals x {MONTHS} months x {MUNICIPALITIES} municipalities")
        self.steps.run("region, forums, meetings", self.load_forums)
        indexes = []
        for table in ("forums_agendaitem", "forums_decision", "forums_assignment", "forums_goalvalue"):
            indexes += drop_plain_indexes(table)
        self.steps.run("agenda items (COPY)", self.load_items)
        self.steps.run("decisions (COPY)", self.load_decisions)
        self.steps.run("assignments (COPY)", self.load_assignments)
        self.steps.run("goal values (COPY)", self.load_goals)
        self.steps.run("indexes (full-text GIN included)", lambda: [execute(d) for _n, d in indexes])
        self.steps.run("analyze", lambda: execute("ANALYZE"))
        self.steps.finish()

    def subject(self):
        return self.rng.choices(SUBJECTS, weights=self.weights)[0]

    def load_forums(self):
        self.region = Organisation.objects.create(kind=Organisation.Kind.REGION, name="Region Bänk", code="99",
                                                  county_code="99")
        unit = Unit.objects.create(organisation=self.region, kind=Unit.Kind.ADMINISTRATION, name="Regionkansliet",
                                   hsa_id="SE2321000099-BENCH1")
        self.chair = staff_membership("bench-chair", unit, ["coordinator"])
        now = timezone.now()
        self.forums = Forum.objects.bulk_create([
            Forum(name=f"Samverkansforum {n + 1:03d} {self.places[n % len(self.places)]}", short_name=f"SF{n + 1}",
                  owner=self.region, created_at=now) for n in range(FORUMS)])
        ForumMember.objects.bulk_create([
            ForumMember(forum=forum, user=self.chair.user, organisation=self.region, role="chair",
                        valid_from=date(2020, 1, 1)) for forum in self.forums[:5]])
        per_forum = max(1, ITEMS // 10 // FORUMS)
        meetings = []
        for forum in self.forums:
            for m in range(per_forum):
                starts = now - timedelta(days=3 * 365 * (m + 1) // (per_forum + 1))
                meetings.append(Meeting(forum=forum, starts_at=starts, ends_at=starts + timedelta(hours=2),
                                        place="Regionhuset", held=True, locked_at=starts + timedelta(days=7),
                                        published_at=starts + timedelta(days=8)))
        self.meetings = Meeting.objects.bulk_create(meetings, batch_size=2000)

    def load_items(self):
        rng = self.rng
        meetings = self.meetings
        self.item_meta = []  # (forum id, meeting year)

        def lines():
            for n in range(ITEMS):
                meeting = meetings[n // 10 % len(meetings)]
                self.item_meta.append((meeting.forum_id, meeting.starts_at.year))
                subject = self.subject()
                notes = (f"Diskussion om {subject} i {rng.choice(self.places)}. {rng.choice(THINGS).capitalize()} "
                         f"{self.subject()} presenterades och ledamöterna ställde frågor.")
                yield (f"{meeting.pk}\t{n % 10 + 1 + (n // (10 * len(meetings))) * 10}\t{subject.capitalize()}\t"
                       f"{'decision' if n % 3 == 0 else 'information'}\tSekreteraren\t\t{notes}")

        copy_lines("forums_agendaitem", ["meeting_id", "number", "title", "kind", "presenter", "description", "notes"],
                   lines())
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM forums_agendaitem ORDER BY id")
            self.item_ids = [row[0] for row in cursor.fetchall()]

    def load_decisions(self):
        rng = self.rng
        counters = {}
        created = timezone.now().isoformat()

        def lines():
            for n in range(DECISIONS):
                index = n % len(self.item_ids)
                forum_id, year = self.item_meta[index]
                number = counters[(forum_id, year)] = counters.get((forum_id, year), 0) + 1
                text = (f"beslutar att {rng.choice(VERBS)} {rng.choice(THINGS)} {self.subject()}"
                        + (f" i {rng.choice(self.places)}" if n % 4 == 0 else "")
                        + f". Dnr RS{year}-{number:05d}-{forum_id}.")
                yield f"{forum_id}\t{self.item_ids[index]}\t{year}\t{number}\t{text}\t{created}"

        copy_lines("forums_decision", ["forum_id", "item_id", "year", "number", "text", "created_at"], lines())

    def load_assignments(self):
        rng = self.rng
        created = timezone.now().isoformat()
        today = timezone.localdate()
        statuses = ["open", "ongoing", "done", "done", "cancelled"]

        def lines():
            for n in range(ASSIGNMENTS):
                index = (n * 7) % len(self.item_ids)
                forum_id, _year = self.item_meta[index]
                due = today + timedelta(days=rng.randint(-400, 200))
                what = (f"{rng.choice(TASKS)} {self.subject()}"
                        + (f" tillsammans med {rng.choice(self.places)}" if n % 3 == 0 else "") + ".")
                yield (f"{forum_id}\t{self.item_ids[index]}\t\\N\t{self.region.pk}\t{what}\t{due.isoformat()}\t"
                       f"{rng.choice(statuses)}\t{created}")

        copy_lines("forums_assignment", ["forum_id", "item_id", "assignee_user_id", "assignee_organisation_id", "what",
                                         "due", "status", "created_at"], lines())

    def load_goals(self):
        rng = self.rng
        today = timezone.localdate()
        first = today.replace(day=1)
        months = []
        for back in range(MONTHS - 1, -1, -1):
            year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
            months.append(date(year, month + 1, 1))
        names = [("Andel besök via video", "percent", "higher", 10), ("Medel utskrivningsklara dagar", "days", "lower", 2.8),
                 ("Andel diktat med taligenkänning", "percent", "higher", 80), ("Andel utskrivna dag 0", "percent", "higher", 40),
                 ("Antal SIP-möten", "count", "higher", 500), ("Andel digitala SIP-möten", "percent", "higher", 50)]
        goals = []
        for n in range(GOALS):
            name, unit, direction, target = names[n % len(names)]
            goals.append(Goal(name=f"{name} ({n + 1})", owner=self.region, unit=unit, direction=direction,
                              target=Decimal(str(target)), period_start=months[0], period_end=months[-1] + timedelta(days=365),
                              forum=self.forums[n] if n < 2 else None))
        goals = Goal.objects.bulk_create(goals)
        entered = timezone.now().isoformat()

        def lines():
            for goal in goals:
                base = float(goal.target) * 0.6
                for m, month in enumerate(months):
                    for area in [""] + self.places:
                        value = max(0.0, base * (1 + m * 0.01) * rng.uniform(0.7, 1.3))
                        yield (f"{goal.pk}\t{month.isoformat()}\t{area}\t{value:.2f}\t{rng.randint(20, 2000)}\t"
                               f"Inmatat (bänk)\t{entered}")

        copy_lines("forums_goalvalue", ["goal_id", "month", "area", "value", "weight", "source", "entered_at"], lines())


def search_queries(places):
    """(class, words): words of every frequency, two words, a place and a diary number."""
    year = timezone.localdate().year
    return ([("common", w) for w in ("utskrivning", "vård", "handlingsplan")]
            + [("medium", w) for w in ("hemsjukvård", "kompetensförsörjning", "taligenkänning", "rehabilitering")]
            + [("rare", w) for w in ("sjukresor", "tolktjänst", "elevhälsa")]
            + [("two words", w) for w in ("trygg hemgång", "palliativ vård", "mobila team uppföljning")]
            + [("place", p) for p in places[:3]]
            + [("diary number", f"RS{year - 1}-00012")])


def profile_search(actor, search_list):
    """Each query in-process: hits per list and the median time of five calls."""
    rows = []
    for kind, words in search_list:
        found = queries.search_all(actor, words)
        times = []
        for _ in range(5):
            began = time.perf_counter()
            queries.search_all(actor, words)
            times.append((time.perf_counter() - began) * 1000)
        hits = {}
        for name, model in (("decisions", "decision"), ("assignments", "assignment"), ("items", "agendaitem")):
            source = {"decision": queries.visible_decisions, "assignment": queries.visible_assignments,
                      "agendaitem": queries.minutes_items}[model](actor)
            hits[name] = search.matching(source, model, words).count()
        rows.append({"class": kind, "q": words, "median_ms": round(statistics.median(times), 1), "hits": hits,
                     "shown": {k: len(v.rows) for k, v in found.items()}, "counted": {k: v.count for k, v in found.items()}})
        log(f"  {kind:<13} {words!r:<28} {rows[-1]['median_ms']:>7.1f} ms in-process  hits {hits}")
    return rows


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    if connection.vendor != "postgresql":
        sys.exit("forums_bench: needs PostgreSQL (set DATABASE_URL); see bench/README.md.")
    started = datetime.now()
    loader = Loader()
    loader.load()
    actor = Actor.for_membership(loader.chair)
    search_list = search_queries(loader.places)
    log(f"Search in-process (forums.queries.search_all: three lists of 10, each ranked among at most "
        f"{search.CANDIDATES} candidates):")
    profiled = profile_search(actor, search_list)
    connection.close()
    server = start_server(Path(f"/tmp/samverkan-forums-bench-{PORT}.log"))
    rng = random.Random(SEED)
    paths = {
        "search": lambda: "/forum/sok/?" + urllib.parse.urlencode({"q": rng.choice(search_list)[1]}),
        "goals": lambda: "/forum/mal/",
    }
    rounds = []
    try:
        sessions = [login("bench-chair") for _ in range(max(CONCURRENCIES))]
        wait_until_start()
        for n in range(RUNS):
            log(f"Round {n + 1}/{RUNS}: {SECONDS:g} s per page and concurrency after {http_bench.WARMUP_SECONDS:g} s "
                f"warm-up, {http_bench.WORKERS} gunicorn workers, load average {os.getloadavg()[0]:.1f}")
            results = {}
            for clients in CONCURRENCIES:
                http_bench.CLIENTS = clients
                for name, make_path in paths.items():
                    latencies, failures, completed = load_test(make_path, lambda c: sessions[c % len(sessions)])
                    r = summary(latencies) | {"per_second": round(completed / SECONDS, 1), "failures": len(failures),
                                              "failure_examples": sorted({str(f) for f in failures})[:3]}
                    results[f"{name}@{clients}"] = r
                    log(f"  {name:<7} {clients:>2} clients {r['per_second']:>7.1f}/s  p50 {r['p50_ms']:>7.1f}  "
                        f"p95 {r['p95_ms']:>7.1f}  p99 {r['p99_ms']:>7.1f} ms  n {r['n']:>6}"
                        + (f"  FAILED {len(failures)} {r['failure_examples']}" if failures else ""))
            rounds.append(results)
    finally:
        stop_server(server)

    log()
    log(f"{'page':<12} {'req/s min/med/max':>24} {'p50 (med)':>10} {'p95 ms min/med/max':>24} {'p99 (med)':>10}")
    table = {}
    for name in rounds[0]:
        per = spread([r[name]["per_second"] for r in rounds])
        p95 = spread([r[name]["p95_ms"] for r in rounds])
        p50 = statistics.median(r[name]["p50_ms"] for r in rounds)
        p99 = statistics.median(r[name]["p99_ms"] for r in rounds)
        table[name] = {"per_second": per, "p95_ms": p95, "p50_ms_median": p50, "p99_ms_median": p99}
        log(f"{name:<12} {per['min']:>7.1f}/{per['median']:>7.1f}/{per['max']:>7.1f} {p50:>10.1f} "
            f"{p95['min']:>7.1f}/{p95['median']:>7.1f}/{p95['max']:>7.1f} {p99:>10.1f}")
    verdict = {}
    for name, row in table.items():
        page = name.split("@")[0]
        target = SEARCH_TARGET_MS if page == "search" else GOALS_TARGET_MS
        verdict[f"{name} p95 < {target} ms"] = row["p95_ms"]["median"] < target
    for label, ok in verdict.items():
        log(f"{label}: {'OK' if ok else 'MISSED'}")
    write_result("forums", started, {
        "benchmark": "forums", "started": started.isoformat(timespec="seconds"), "commit": git_commit(),
        "parameters": {"forums": FORUMS, "items": ITEMS, "decisions": DECISIONS, "assignments": ASSIGNMENTS,
                       "goals": GOALS, "months": MONTHS, "municipalities": MUNICIPALITIES,
                       "concurrencies": CONCURRENCIES, "seconds": SECONDS, "runs": RUNS,
                       "workers": http_bench.WORKERS},
        "machine": machine() | {"load_average_after": os.getloadavg()}, "load_seconds": loader.steps.timings,
        "search_in_process": profiled, "rounds": rounds, "summary": table, "within_target": verdict,
    })
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
