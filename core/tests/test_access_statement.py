"""The access check as a statement compiled once (core.access._basis_statement) answers as the
ORM-built query does, for every kind of relation, at moments either side of each time limit."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import access, queries
from core.models import AuditEvent, EmergencyAccess
from core.tests.factories import make_actor, make_care_relation, make_municipality, make_patient
from discharge import actions
from discharge.tests.factories import make_case

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "birth_date", "last_name")


def by_orm(actor, patient, now, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(access, "_basis_statement", lambda *columns: None)
        return access.access_basis(actor, patient, now=now)


def test_the_compiled_check_is_used_and_answers_as_the_orm_does(monkeypatch):
    assert access._basis_statement() is not None  # the fast path is taken on this database
    now = timezone.now()
    nurse, stranger = make_actor(), make_actor()
    related, emergency, unrelated = make_patient(), make_patient(), make_patient()
    make_care_relation(nurse, related)
    EmergencyAccess.objects.create(patient=emergency, user=nurse.user, unit=nurse.unit, reason="Akut: medvetslös",
                                   expires_at=now + timedelta(hours=1))
    parties, case = make_case()
    actions.cancel_case(parties["ward"], case, reason="moved")
    closed = timezone.now()
    moments = [now, now + timedelta(hours=2), closed + timedelta(days=29), closed + timedelta(days=31)]
    answers = set()
    for actor in (nurse, stranger, parties["needs"], parties["primary"]):
        for patient in (related, emergency, unrelated, case.patient):
            for moment in moments:
                fast = access.access_basis(actor, patient, now=moment)
                assert fast == by_orm(actor, patient, moment, monkeypatch), (actor, patient, moment)
                answers.add(fast)
                # The patient's row read with the check: only when the check lets the actor in.
                found = access.staff_patient_and_basis(actor, patient.pk, COLUMNS, now=moment)
                with monkeypatch.context() as patched:
                    patched.setattr(access, "_basis_statement", lambda *columns: None)
                    assert found == access.staff_patient_and_basis(actor, patient.pk, COLUMNS, now=moment)
                assert found == (None if fast is None else ([patient.pk, patient.birth_date, patient.last_name], fast))
    # Every kind of answer was met: a relation, a discharge case, an emergency access, none.
    assert {a.basis if a else None for a in answers} == {"relation", "emergency", None}
    assert {a.reason for a in answers if a} >= {"Vårdrelation", "Utskrivningsärende", "Akut: medvetslös"}


def test_the_check_is_one_statement_with_the_patient_and_unit_as_parameters():
    nurse, patient = make_actor(), make_patient()
    make_care_relation(nurse, patient)
    with CaptureQueriesContext(connection) as captured:
        assert access.access_basis(nurse, patient).basis == "relation"
    assert len(captured.captured_queries) == 1
    assert "977777777001" not in captured.captured_queries[0]["sql"]  # no marker left in what ran


def test_staff_opening_a_patient_read_the_patient_with_the_check_in_one_statement():
    nurse, patient, other = make_actor(), make_patient(home_municipality=make_municipality()), make_patient()
    make_care_relation(nurse, patient)
    with CaptureQueriesContext(connection) as captured:
        opened, basis = queries.open_patient(nurse, patient.pk, endpoint="test")
    assert (opened.pk, opened.first_name, opened.birth_date, basis.basis) == (
        patient.pk, patient.first_name, patient.birth_date, "relation")
    assert opened.home_municipality == patient.home_municipality
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1  # the patient and the check; then the read's audit row
    assert AuditEvent.objects.filter(patient=patient, action="patient.read").count() == 1
    for unseen in (other.pk, uuid.uuid4(), "not-an-id"):
        with pytest.raises(Http404):
            queries.open_patient(nurse, unseen, endpoint="test")
    assert not AuditEvent.objects.filter(patient=other).exists()


def test_a_source_that_derives_a_date_from_now_is_not_cached(monkeypatch):
    from core.models import CareRelation

    def by_day(unit_id, now):
        return CareRelation.objects.filter(unit_id=unit_id, valid_from__date__lte=now.date())

    monkeypatch.setattr(access, "_relation_sources", dict(access._relation_sources) | {
        "by_day": ("Dag", by_day)})
    assert access._basis_statement() is None


def test_a_source_that_derives_a_time_of_day_from_now_answers_as_the_orm_does(monkeypatch):
    # "Since the start of today" is a time derived from now, but not by a fixed offset: a statement
    # compiled at the marker's moment would carry the marker's offset to midnight to every check.
    from core.models import CareRelation

    def since_midnight(unit_id, now):
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return CareRelation.objects.filter(unit_id=unit_id, valid_from__gte=midnight)

    monkeypatch.setattr(access, "_relation_sources", {"since_midnight": ("I dag", since_midnight)})
    monkeypatch.setattr(access, "_statements", {})
    nurse, patient = make_actor(), make_patient()
    now = timezone.localtime(timezone.now()).replace(hour=12, minute=0)
    relation = make_care_relation(nurse, patient)
    relation.valid_from = now.replace(hour=0, minute=30)
    relation.save(update_fields=["valid_from"])
    for moment in (now, now.replace(hour=20), now + timedelta(days=1)):
        assert access.access_basis(nurse, patient, now=moment) == by_orm(nurse, patient, moment, monkeypatch), moment
