"""Reads from a real PostgreSQL streaming replica (core/db_router.py): a primary and a hot standby
streaming from it are started (scripts/pg_cluster.sh), the schema migrated on the primary, and a
process configured with DATABASE_REPLICA_URL opens the invoice basis: its reads are answered by the
replica, while a write made under the same routing, and anything in a transaction, stay on the
primary. Runs in the PostgreSQL run of the suite (scripts/run_tests.sh postgres) only."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "scripts" / "pg_cluster.sh"

CHECK = r'''
import os, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "samverkan.settings"
django.setup()
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from core.db_router import replica_reads
from core.models import Membership, Organisation, Unit, User

region = Organisation.objects.create(kind="region", name="Region Replik", code="77", county_code="77")
unit = Unit.objects.create(organisation=region, kind="administration", name="Regionkansliet", hsa_id="SE2321000077-R1")
user = User.objects.create(username="ekonom", first_name="Eva", last_name="Ekonom")
Membership.objects.create(user=user, unit=unit, profession="annan", roles=["finance"])
for _ in range(200):  # the standby replays the primary's WAL within moments
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_membership WHERE user_id = %s", [user.pk])
        if cursor.fetchone()[0]:
            break
    time.sleep(0.05)
else:
    raise SystemExit("the replica never caught up")
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    assert cursor.fetchone()[0] is True, "replica is not a standby"

client = Client()
client.force_login(user)
with CaptureQueriesContext(connections["replica"]) as on_replica, \
        CaptureQueriesContext(connections["default"]) as on_primary:
    response = client.get("/utskrivning/fakturaunderlag/?manad=2026-10")
assert response.status_code == 200, response.status_code
assert "Region Replik" in response.content.decode()
replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
assert "discharge_agreement" in replica_sql, replica_sql
assert "discharge_agreement" not in primary_sql, primary_sql

with replica_reads():
    assert Organisation.objects.all().db == "replica"
    with transaction.atomic():
        assert Organisation.objects.all().db == "default"
    made = Organisation.objects.create(kind="municipality", name="Replikkommun", code="7701", county_code="77")
assert Organisation.objects.using("default").filter(pk=made.pk).exists()
assert Organisation.objects.all().db == "default"
print("replica ok")
'''


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's binaries (the PostgreSQL run)")
def test_report_reads_go_to_a_streaming_replica_and_writes_stay_on_the_primary():
    with tempfile.TemporaryDirectory(prefix="samverkan-replica-") as base:
        os.chmod(base, 0o755)  # the clusters run as an unprivileged user when the suite runs as root
        primary_dir, replica_dir = Path(base) / "primary", Path(base) / "replica"
        env = os.environ | {"PG_MODE": "fast"}
        primary = subprocess.run([str(CLUSTER), "start", str(primary_dir)], capture_output=True, text=True,
                                 check=True, env=env).stdout.strip()
        try:
            replica = subprocess.run([str(CLUSTER), "replica", str(replica_dir), primary], capture_output=True,
                                     text=True, check=True, env=env).stdout.strip()
            try:
                django_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
                django_env |= {"DATABASE_URL": primary, "DATABASE_REPLICA_URL": replica}
                subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                               env=django_env, check=True, capture_output=True, text=True)
                done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=django_env, capture_output=True,
                                      text=True)
                assert done.returncode == 0, done.stderr[-4000:]
                assert "replica ok" in done.stdout
            finally:
                subprocess.run([str(CLUSTER), "stop", str(replica_dir)], check=False)
        finally:
            subprocess.run([str(CLUSTER), "stop", str(primary_dir)], check=False)
