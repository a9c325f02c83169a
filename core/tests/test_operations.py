"""Operations: liveness and readiness checks, and logs as JSON lines without patient data."""

import io
import json
import logging.config
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler
from django.urls import reverse

from core.tests.factories import make_actor, make_patient
from core.views.health import readiness
from samverkan.logs import logging_config


def test_liveness_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any database query here an error.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_ok_when_the_database_answers_and_every_migration_is_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_readiness_refuses_traffic_while_a_migration_is_unapplied(client):
    # The database forgets that the newest core migration ran, as if the code were newer than the
    # schema (an upgrade that switched traffic before migrating). The test transaction undoes it.
    recorder = MigrationRecorder(connection)
    newest = max(name for app, name in recorder.applied_migrations() if app == "core")
    recorder.record_unapplied("core", newest)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending" and response.json()["unapplied_migrations"] == 1


def test_readiness_reports_a_database_that_does_not_answer(tmp_path):
    unreachable = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                                 "NAME": str(tmp_path / "missing-dir" / "db.sqlite3")}})["default"]
    try:
        ready, report = readiness(unreachable)
    finally:
        unreachable.close()
    assert not ready and report["database"] == "unavailable"


@pytest.fixture
def json_logs(settings):
    """The LOG_FORMAT=json configuration, its one handler writing into a buffer; request lines on."""
    settings.LOG_REQUESTS = True
    logging.config.dictConfig(logging_config("json", "INFO"))
    buffer = io.StringIO()
    (handler,) = logging.getLogger().handlers
    handler.setStream(buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_request_logs_are_json_lines_without_personnummer_or_patient_ids(client, json_logs):
    actor = make_actor()
    patient = make_patient()
    number = patient.personal_number  # 12 digits
    short = f"{number[2:8]}-{number[8:]}"  # the 10-digit written form
    client.force_login(actor.user)
    client.get(reverse("core:patient_search") + f"?q={number}&patient={patient.pk}")
    client.get(reverse("core:patient_detail", args=[patient.pk]) + f"?pnr={short}")
    client.get(f"/patienter/{number}/")  # no such page: Django itself logs "Not Found: <path>"
    client.get(f"/patienter/{short}/")
    logging.getLogger("core.imports").warning("Rad 3: %s finns inte", number)
    lines = json_logs()

    requests = [line for line in lines if line["logger"] == "samverkan.request"]
    assert len(requests) == 4
    assert {"time", "level", "logger", "message", "method", "route", "view", "status", "duration_ms"} <= set(requests[0])
    assert requests[0]["method"] == "GET" and requests[0]["route"] == "/patienter/"
    assert requests[1]["route"] == "/patienter/<uuid:patient_id>/" and requests[1]["view"] == "core:patient_detail"
    assert requests[2]["route"] is None and requests[2]["status"] == 404
    not_found = [line["message"] for line in lines if line["logger"] == "django.request"]
    assert not_found == ["Not Found: /patienter/<uuid:patient_id>/", "Not Found: [sökväg]", "Not Found: [sökväg]"]
    assert lines[-1]["message"] == "Rad 3: [nummer] finns inte"
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in (number, short, number[2:], str(patient.pk), patient.last_name):
        assert secret not in text


@pytest.mark.django_db
def test_probes_are_answered_over_plain_http_while_pages_are_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    redirected = client.get("/logga-in/")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")


@pytest.mark.django_db
def test_a_traceback_in_the_log_has_its_personnummer_masked(json_logs):
    number = make_patient().personal_number
    try:
        raise ValueError(f'Key (personal_number)=({number}) already exists.')
    except ValueError:
        logging.getLogger("core.actions").exception("Registreringen misslyckades")
    text = "\n".join(json.dumps(line) for line in json_logs())
    assert "Registreringen misslyckades" in text and "already exists" in text
    assert number not in text and "[nummer]" in text


def test_a_record_whose_request_is_no_request_is_logged_as_it_is():
    """runserver logs its lines with the socket as `request`."""
    from samverkan.logs import MaskPersonalNumbers

    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"GET / HTTP/1.1" 200', None, None)
    record.request = object()
    assert MaskPersonalNumbers().filter(record) and record.getMessage() == '"GET / HTTP/1.1" 200'


def test_gunicorn_builds_no_access_log_line_the_application_logs_requests_itself(monkeypatch, capsys):
    from gunicorn.config import Config

    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", "-")  # even with an access log asked for
    logger = conf["logger_class"](config)
    monkeypatch.setattr(logger, "atoms", lambda *args: pytest.fail("gunicorn built an access-log line"))
    logger.access(None, None, {}, timedelta(milliseconds=3))
    assert capsys.readouterr().out == ""
