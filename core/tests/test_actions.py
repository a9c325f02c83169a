from datetime import date

import pytest

from core import actions
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent, CareRelation, EmergencyAccess, Patient
from core.tests.factories import make_actor, make_municipality, make_patient

pytestmark = pytest.mark.django_db


def register(actor, number="19400517-1234", **extra):
    from core.rules.identity import make_personal_number

    if number == "19400517-1234":
        number = make_personal_number(date(1940, 5, 17), 234)
    return actions.register_patient(actor, personal_number=number, first_name="Greta", last_name="Garbo", **extra)


def test_registering_a_patient_writes_patient_relation_and_audit_events_together():
    actor = make_actor(roles=["clinical"])
    patient = register(actor, home_municipality=make_municipality())
    events = AuditEvent.objects.filter(patient=patient, kind="write").order_by("id")
    assert [e.action for e in events] == ["patient.register", "care_relation.create"]
    first = events[0]
    assert first.user == actor.user and first.unit == actor.unit
    assert first.unit_name == actor.unit.name
    assert first.changes["first_name"] == [None, "Greta"]
    assert CareRelation.objects.filter(patient=patient, unit=actor.unit).exists()


def test_registration_stores_the_twelve_digit_form():
    patient = register(make_actor(), number="121212+1212")
    assert patient.personal_number == "191212121212"


def test_a_refused_registration_leaves_no_patient_and_no_audit_row():
    actor = make_actor()
    register(actor)
    before = (Patient.objects.count(), AuditEvent.objects.count(), CareRelation.objects.count())
    with pytest.raises(ActionError) as error:
        register(actor)
    assert "finns redan" in error.value.errors["personal_number"][0]
    assert (Patient.objects.count(), AuditEvent.objects.count(), CareRelation.objects.count()) == before


def test_a_failure_after_the_audit_row_rolls_both_back(monkeypatch):
    actor = make_actor()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_create_care_relation", broken)
    with pytest.raises(RuntimeError):
        register(actor)
    assert Patient.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("number", "message"),
    [("19121212-1213", "Kontrollsiffran"), ("hej", "ÅÅÅÅMMDD"), ("19121332-1212", "datum")],
)
def test_bad_numbers_are_refused_on_the_number_field(number, message):
    with pytest.raises(ActionError) as error:
        register(make_actor(), number=number)
    assert message in error.value.errors["personal_number"][0]


def test_oversized_name_is_refused_with_a_field_error():
    from core.rules.identity import make_personal_number

    with pytest.raises(ActionError) as error:
        actions.register_patient(make_actor(), personal_number=make_personal_number(date(1950, 1, 1), 1),
                                 first_name="A" * 101, last_name="B")
    assert "first_name" in error.value.errors
    assert Patient.objects.count() == 0


def test_a_finance_officer_may_not_register_patients():
    with pytest.raises(NotPermitted):
        register(make_actor(roles=["finance"]))


def test_emergency_access_needs_a_real_reason_and_a_clinical_role():
    patient = make_patient()
    with pytest.raises(ActionError) as error:
        actions.start_emergency_access(make_actor(roles=["clinical"]), patient, reason="akut")
    assert "reason" in error.value.errors
    with pytest.raises(NotPermitted):
        actions.start_emergency_access(make_actor(roles=["finance"]), patient, reason="Behöver se läkemedelslistan")
    assert EmergencyAccess.objects.count() == 0


def test_emergency_access_is_recorded_with_its_reason():
    actor = make_actor(roles=["clinical"])
    patient = make_patient()
    access = actions.start_emergency_access(actor, patient, reason="Medvetslös, behöver läkemedelslistan")
    event = AuditEvent.objects.get(action="emergency_access.start")
    assert event.patient == patient and event.object_id == str(access.pk)
    assert event.changes["reason"][1].startswith("Medvetslös")


def test_care_relations_by_hand_are_for_coordinators_only():
    patient = make_patient()
    with pytest.raises(NotPermitted):
        actions.add_care_relation(make_actor(roles=["clinical"]), patient, reason="Inskriven")
    relation = actions.add_care_relation(make_actor(roles=["coordinator"]), patient, reason="Inskriven")
    assert AuditEvent.objects.filter(action="care_relation.create", object_id=str(relation.pk)).exists()


def test_audit_rows_cannot_be_changed_or_deleted_by_the_application():
    actor = make_actor()
    register(actor)
    event = AuditEvent.objects.first()
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_record_write_outside_a_transaction_is_a_programming_error():
    from core.audit import record_write

    with pytest.raises(RuntimeError):
        record_write(make_actor(), "x", None)


def test_unit_admins_get_a_mail_without_patient_data_about_an_emergency_access(django_capture_on_commit_callbacks, mailoutbox):
    from core.tests.factories import make_staff, make_user
    from core.tests.worker import run_queued_tasks

    actor = make_actor(roles=["clinical"])
    make_staff(user=make_user(email="chef@example.org"), unit=actor.unit, roles=["unit_admin"])
    make_staff(user=make_user(email="kollega@example.org"), unit=actor.unit, roles=["clinical"])
    patient = make_patient(first_name="Hemliga", last_name="Patienten")
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_emergency_access(actor, patient, reason="Medvetslös, behöver läkemedelslistan")
    run_queued_tasks()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["chef@example.org"]
    assert actor.unit.name in mail.subject
    assert "Hemliga" not in mail.body and patient.personal_number[2:8] not in mail.body
