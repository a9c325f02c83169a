"""The fee calculation over the API (POST /api/v1/meetings/fees/calculate) with a large visits file:
wall time to the last byte and the size of the answer. Run it under /usr/bin/time -v for the peak
memory of the process. Uses its own SQLite database in a temporary folder.

    .venv/bin/python bench/fee_upload_bench.py [rows] [json|csv]      (default 300000 rows, json)
"""

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from core.rules.identity import make_personal_number  # noqa: E402
from core.tests.factories import make_actor, make_api_token  # noqa: E402
from fees.tests.test_fees_command import SCHEDULE  # noqa: E402


def visits_file(rows, seed=1):
    rng = random.Random(seed)
    people = [make_personal_number(date(1940, 1, 1) + timedelta(days=rng.randrange(25000)), n % 998 + 1)
              for n in range(max(1, rows // 4))]
    lines = ["visit_id,personnummer,date,visit_kind,form,outcome"]
    for n in range(rows):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        lines.append(f"V{n:09d},{rng.choice(people)},{day},{rng.choice(['lakarbesok', 'sip'])},"
                     f"{rng.choice(['physical', 'phone', 'video'])},{rng.choice(['attended'] * 30 + ['no_show'])}")
    return ("\n".join(lines) + "\n").encode()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    kind = sys.argv[2] if len(sys.argv) > 2 else "json"
    call_command("migrate", verbosity=0)
    finance = make_actor(roles=("finance",))
    headers = {"Authorization": f"Bearer {make_api_token(finance.membership)[1]}"}
    body = visits_file(rows)
    print(f"visits file: {rows} rows, {len(body) / 1e6:.1f} MB")
    started = time.perf_counter()
    response = Client().post(
        "/api/v1/meetings/fees/calculate" + ("?format=csv" if kind == "csv" else ""),
        {"visits": SimpleUploadedFile("v.csv", body), "schedule": SimpleUploadedFile("s.toml", SCHEDULE.encode())},
        headers=headers)
    size = 0
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        size += len(chunk)
    if response.status_code != 200:
        print(response.content[:300].decode())
    print(f"status {response.status_code}, {'streamed' if response.streaming else 'one piece'}, "
          f"{size / 1e6:.1f} MB answer, {time.perf_counter() - started:.1f} s to the last byte")


if __name__ == "__main__":
    main()
