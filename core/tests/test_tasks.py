"""Background tasks: mail is queued in the database when the action commits, holds ids only, and the
real worker (`db_worker`) sends it; readiness judges the worker by how long tasks have waited."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import actions
from core.tests.factories import make_actor, make_patient, make_staff, make_user
from core.tests.worker import run_queued_tasks
from meetings import actions as meeting_actions
from meetings import tasks as meeting_tasks
from meetings.tests.factories import in_care, later, make_clinic


@pytest.mark.django_db(transaction=True)
def test_the_emergency_notice_is_queued_on_commit_with_the_id_only_and_the_worker_mails_it():
    # A real commit (no test transaction): the task row is written by the on_commit callback.
    actor = make_actor(roles=["clinical"])
    make_staff(user=make_user(email="chef@example.org"), unit=actor.unit, roles=["unit_admin"])
    patient = make_patient(first_name="Hemliga", last_name="Patienten")
    access = actions.start_emergency_access(actor, patient, reason="Medvetslös, behöver läkemedelslistan")

    (queued,) = DBTaskResult.objects.all()
    assert queued.status == TaskResultStatus.READY and mail.outbox == []
    assert queued.task_path == "core.tasks.notify_unit_admins_of_emergency_access"
    assert queued.args_kwargs == {"args": [str(access.pk)], "kwargs": {}}

    run_queued_tasks()
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL and queued.return_value == 1
    assert [m.to for m in mail.outbox] == [["chef@example.org"]]
    assert "Hemliga" not in mail.outbox[0].subject + mail.outbox[0].body


@pytest.mark.django_db
def test_a_visit_mail_task_holds_the_booking_id_and_kind_and_nothing_of_the_patient(django_capture_on_commit_callbacks):
    clinic = make_clinic()
    patient = make_patient(first_name="Greta", last_name="Testsson")
    with django_capture_on_commit_callbacks(execute=True):
        booking = meeting_actions.book_visit(clinic["nurse"], in_care(clinic, patient), staff=clinic["physician"].user,
                                             visit_kind=clinic["kind"], form="video", starts_at=later())
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "meetings.tasks.mail_visit"
    assert queued.args_kwargs == {"args": [str(booking.pk), "invitation"], "kwargs": {}}
    assert "Greta" not in str(queued.args_kwargs) and patient.personal_number not in str(queued.args_kwargs)


@pytest.mark.django_db
def test_readiness_is_ok_while_queued_tasks_are_recent_and_refuses_traffic_when_one_waits_too_long(client, settings):
    settings.TASK_MAX_WAIT_SECONDS = 300
    result = meeting_tasks.mail_visit.enqueue(str(uuid.uuid4()), "invitation")  # a booking that is gone: sends nothing
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["worker"] == "ok"

    waiting_since = timezone.now() - timedelta(seconds=301)
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=waiting_since)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["worker"] == f"tasks waiting since {waiting_since.isoformat()}"

    run_queued_tasks()  # the worker catches up: the old task has run, nothing waits
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_a_task_scheduled_for_later_does_not_count_as_waiting_before_its_time(client, settings):
    settings.TASK_MAX_WAIT_SECONDS = 300
    result = meeting_tasks.mail_visit.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        str(uuid.uuid4()), "reminder")
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(days=1))
    assert client.get("/readyz").status_code == 200
