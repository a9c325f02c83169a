"""The access log extract (loggutdrag) speaks Swedish: every audit action the code writes has a
label, each line says on what grounds, and repeated reads of a day are one line with a count."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core import queries
from core.audit import labelled_actions
from core.tests.factories import make_actor, make_care_relation, make_resident
from discharge.models import CaseEvent

pytestmark = pytest.mark.django_db

AUDIT_CALLS = {"record_write": 1, "record_read": None, "record_reads": None, "save_admin_object": None}


def _constants(node):
    """The strings an expression can be: a constant, or either side of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    return set()


def written_actions():
    """The action names the code passes to the calls that write the audit log (read from its syntax
    tree, so a call over several lines counts too)."""
    names = set()
    for app in ("core", "discharge", "meetings", "fees"):
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in AUDIT_CALLS:
                    continue
                position = AUDIT_CALLS[name]
                if position is not None and len(node.args) > position:
                    names |= _constants(node.args[position])
                names |= {v for k in node.keywords if k.arg == "action" for v in _constants(k.value)}
    names |= {f"discharge.{kind}" for kind in CaseEvent.Kind.values}  # discharge.actions._record
    names |= {"import.units", "import.staff"}  # core.imports: f"import.{kind}"
    names |= {"patient.read"}  # core.audit.record_read's default
    names |= {f"{model}.{verb}" for model in ("organisation", "unit", "user", "membership")
              for verb in ("create", "update")}  # core.actions.save_admin_object
    return names


def test_every_audit_action_the_code_writes_has_a_swedish_label():
    names = written_actions()
    assert {"patient.search", "meetings.sip.read", "meetings.sip.decline", "login.eid"} <= names  # the scan finds them
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
