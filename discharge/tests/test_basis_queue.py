"""The recomputation of a stored basis is queued once per month while it waits: every action on a
case queues its months on commit, and a task not yet started reads the cases when it runs, so a
second task for the same months would only repeat its work (the demo's seed queued ~2 000)."""

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.tests.worker import run_queued_tasks
from discharge import actions
from discharge.rules.liability import Month
from discharge.tests.test_invoicing import OCTOBER, at, discharged_case, setup  # noqa: F401 (fixture)
from discharge.tests.test_stored_basis import assert_stored_is_fresh, change_agreement, ready_case

pytestmark = pytest.mark.django_db
THIS_MONTH = str(Month.of(timezone.localdate()))


def waiting():
    """The arguments of the restore tasks not yet started, oldest first."""
    return [task.args_kwargs["args"] for task in DBTaskResult.objects.filter(
        task_path="discharge.tasks.restore_basis", status=TaskResultStatus.READY).order_by("enqueued_at")]


def months_waiting():
    """(municipality id, month) of every month each waiting task recomputes, repeats included."""
    found = []
    for _region, municipality, first, last in waiting():
        month = Month.parse(first)
        while month <= Month.parse(last):
            found.append((municipality, str(month)))
            month = month.next()
    return sorted(found)


def months_since(first):
    """Each month from `first` to this one, as text."""
    found, month = [], Month.parse(first)
    while month <= Month.parse(THIS_MONTH):
        found.append(str(month))
        month = month.next()
    return found


@pytest.fixture
def stored(setup):  # noqa: F811
    actions.store_basis(None, setup["region"], OCTOBER)
    return setup


def test_many_changes_to_a_municipalitys_cases_queue_its_months_once(stored, django_capture_on_commit_callbacks):
    region, municipality, ward = stored["region"], stored["municipality"], stored["parties"]["ward"]
    with django_capture_on_commit_callbacks(execute=True):
        case = ready_case(stored["parties"])  # four actions
        actions.record_consent(ward, stored["longer"], objected=True, note="")
        actions.send_discharge_notice(ward, case, at=at("2026-10-29 10:00"))
    # The new case queued its months when it was opened (admitted 30 hours before), its admission
    # moved to October the months before those: each month from October to this one waits once.
    assert months_waiting() == [(municipality.pk, month) for month in months_since("2026-10")]
    assert len(waiting()) == 2

    run_queued_tasks()
    assert waiting() == []
    assert_stored_is_fresh(region)  # the one task saw every change


def test_a_change_after_the_task_has_started_queues_it_again(stored, django_capture_on_commit_callbacks):
    """A task that has started may have read the cases before the change."""
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_consent(stored["parties"]["ward"], stored["longer"], objected=True, note="")
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)  # the worker took it
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_consent(stored["parties"]["ward"], stored["short"], objected=True, note="")
    assert waiting() == [[stored["region"].pk, stored["municipality"].pk, "2026-10", THIS_MONTH]]


def test_only_the_months_no_waiting_task_covers_are_queued(stored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_consent(stored["parties"]["ward"], stored["longer"], objected=True, note="")
        # Admitted in August: August and September are not waiting yet, October onwards is.
        discharged_case(stored["parties"], admitted="2026-08-20 08:00", ready="2026-10-02 09:00",
                        discharged="2026-10-03 10:00")
    region, municipality = stored["region"].pk, stored["municipality"].pk
    assert waiting() == [[region, municipality, "2026-10", THIS_MONTH], [region, municipality, "2026-08", "2026-09"]]


def test_a_waiting_recomputation_of_the_whole_region_covers_every_case_change(stored, django_capture_on_commit_callbacks):
    change_agreement(stored, django_capture_on_commit_callbacks)
    assert waiting() == [[stored["region"].pk, None, None, None]]
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_consent(stored["parties"]["ward"], stored["longer"], objected=True, note="")
    assert waiting() == [[stored["region"].pk, None, None, None]]
    run_queued_tasks()
    assert_stored_is_fresh(stored["region"])
