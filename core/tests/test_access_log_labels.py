"""The access log extract (loggutdrag) speaks Swedish: every audit action the code writes has a
label, each line says on what grounds, and repeated reads of a day are one line with a count."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core import queries
from core.audit import labelled_actions
from core.tests.factories import make_actor, make_care_relation, make_resident
from discharge.models import CaseEvent

pytestmark = pytest.mark.django_db

ACTION_NAME = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')


def written_actions():
    """The action names in the code's calls that write the audit log."""
    names = set()
    for app in ("core", "discharge", "meetings"):
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if "record_write(" in line or "record_read" in line or "action=" in line:
                    names.update(ACTION_NAME.findall(line))
    names |= {f"discharge.{kind}" for kind in CaseEvent.Kind.values}  # discharge.actions._record
    names |= {"import.units", "import.staff"}  # core.imports: f"import.{kind}"
    names |= {f"{model}.{verb}" for model in ("organisation", "unit", "user", "membership")
              for verb in ("create", "update")}  # core.actions.save_admin_object
    return names


def test_every_audit_action_the_code_writes_has_a_swedish_label():
    names = written_actions()
    assert "patient.read" in names and "meetings.sip.read" in names  # the scan finds them
    assert sorted(names - labelled_actions()) == []


def test_the_residents_log_says_what_happened_on_what_grounds_and_folds_repeated_reads(client):
    resident = make_resident()
    nurse = make_actor()
    make_care_relation(nurse, resident.patient)
    for _ in range(3):
        queries.open_patient(nurse, resident.patient.pk, endpoint="core:patient_detail")
    client.force_login(resident)
    page = client.get(reverse("core:portal_access_log")).content.decode()
    assert "Öppnade patientuppgifterna" in page and "3 gånger" in page
    assert "Vårdrelation" in page
    assert "patient.read" not in page and "meetings." not in page and "discharge." not in page


def test_a_write_about_the_patient_records_the_relation_that_allowed_it():
    from core.actions import end_care_relation
    from core.models import AuditEvent

    resident = make_resident()
    nurse = make_actor(roles=("coordinator",))
    relation = make_care_relation(nurse, resident.patient)
    make_care_relation(nurse, resident.patient, reason="Listad")
    end_care_relation(nurse, relation)
    event = AuditEvent.objects.get(action="care_relation.end")
    assert (event.basis, event.reason) == ("relation", "Vårdrelation")
