"""The reads a request logs are written in one INSERT at its end (`core.audit.collected_reads`), each
row as it was recorded, whichever of its columns the rows share."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import collected_reads, record_read
from core.models import AuditEvent
from core.tests.factories import make_actor, make_patient

pytestmark = pytest.mark.django_db
COLUMNS = [field.attname for field in AuditEvent._meta.concrete_fields if not field.primary_key]


def test_a_requests_reads_are_written_in_one_statement_each_as_it_was_recorded():
    nurse, patients = make_actor(), [make_patient() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries, collected_reads():
        recorded = [
            record_read(nurse, patients[0], endpoint="meetings:calendar", basis="relation", reason="Bokat besök"),
            record_read(nurse, patients[1], endpoint="meetings:calendar", basis="relation", reason="Bokat besök"),
            # Another basis and reason in the same request, and a read by the system (no user).
            record_read(nurse, patients[2], endpoint="core:patient", basis="emergency", reason="Medvetslös"),
            record_read(None, patients[2], endpoint="", basis="admin", action="patient.export"),
        ]
        assert not AuditEvent.objects.exists()  # nothing before the request ends
    assert len([q for q in queries.captured_queries if "core_auditevent" in q["sql"]]) == 2  # the check above
    written = list(AuditEvent.objects.order_by("id").values(*COLUMNS))
    assert written == [{name: getattr(event, name) for name in COLUMNS} for event in recorded]


def test_reads_that_share_every_column_are_all_written():
    nurse, patient = make_actor(), make_patient()
    with collected_reads():
        first = record_read(nurse, patient, endpoint="core:patient", basis="relation")
        second = record_read(nurse, patient, endpoint="core:patient", basis="relation", at=first.at)
    assert second.at == first.at
    assert AuditEvent.objects.filter(patient=patient, at=first.at).count() == 2
