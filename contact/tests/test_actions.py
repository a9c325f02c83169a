"""The contact entry's actions: filing, routing, taking, triage, answering, chat, booking, closing."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contact import actions
from contact.models import Matter, MatterEvent, Message, Representation
from contact.tests.factories import make_entry
from core.access import access_basis
from core.actor import Actor
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent
from core.tests.factories import make_patient, make_resident
from core.tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db


def resident_actor(setup):
    return Actor.resident(setup["resident"])


def file(setup, text="Jag har feber och hosta sedan tre dagar", **kwargs):
    return actions.file_matter(resident_actor(setup), kwargs.pop("patient", setup["patient"]),
                               category=kwargs.pop("category", "new_symptoms"), description=text, **kwargs)


def test_a_listed_resident_s_matter_lands_in_the_centre_s_queue_while_it_is_open():
    setup = make_entry()
    matter = file(setup)
    assert matter.unit == setup["centre"]
    assert matter.status == "received" and matter.red_flags == []
    assert [e.kind for e in matter.events.all()] == ["filed", "routed"]
    assert access_basis(setup["nurse"], setup["patient"]).reason == "Kontaktärende"


def test_outside_the_centre_s_hours_the_night_team_gets_it():
    setup = make_entry(centre_open=False)
    assert file(setup).unit == setup["night"]


def test_a_red_flag_is_kept_on_the_matter_and_shortens_the_target():
    setup = make_entry()
    matter = file(setup, "Det trycker över bröstet sedan en timme")
    assert matter.red_flags == ["chest_pain"]
    assert matter.due_at - matter.created_at == timedelta(minutes=15)
    assert file(setup, "Hosta", answers={"chest": "ja"}).red_flags == ["chest_pain"]


def test_a_guardian_files_for_a_child_but_not_once_the_child_is_grown_and_an_expired_ombud_cannot():
    setup = make_entry()
    today = timezone.localdate()
    child = make_patient(birth=date(today.year - 7, 3, 1), first_name="Lilla")
    child.listed_unit = setup["centre"]
    child.save()
    grown = make_patient(birth=date(today.year - 19, 1, 1))
    principal = make_patient()
    for person, kind, until in ((child, "guardian", None), (grown, "guardian", None),
                                (principal, "ombud", today - timedelta(days=1))):
        Representation.objects.create(representative=setup["patient"], principal=person, kind=kind,
                                      valid_from=today - timedelta(days=400), valid_until=until,
                                      registered_by=setup["nurse"].user)
    matter = file(setup, patient=child)
    assert matter.patient == child and matter.on_behalf == "guardian"
    for person in (grown, principal, make_patient()):
        with pytest.raises(NotPermitted):
            file(setup, patient=person)


def test_exactly_one_of_two_nurses_takes_a_matter_and_the_other_is_told_who_has_it():
    setup = make_entry()
    matter = file(setup)
    setup["nurse"].user.first_name, setup["nurse"].user.last_name = "Anna", "Ek"
    setup["nurse"].user.save()
    actions.take(setup["nurse"], matter)
    with pytest.raises(ActionError, match="Anna Ek har redan tagit"):
        actions.take(setup["nurse2"], matter)
    matter.refresh_from_db()
    assert matter.taken_by == setup["nurse"].user and matter.status == "assessing"
    assert matter.events.filter(kind="taken").count() == 1


def test_only_the_holder_acts_and_a_release_puts_it_back_for_anyone():
    setup = make_entry()
    matter = actions.take(setup["nurse"], file(setup))
    with pytest.raises(NotPermitted):
        actions.answer(setup["nurse2"], matter, text="Hej")
    with pytest.raises(NotPermitted):
        actions.take(setup["night_nurse"], matter)
    actions.release(setup["nurse"], matter)
    assert actions.take(setup["nurse2"], matter).taken_by == setup["nurse2"].user


def test_a_transfer_needs_a_handover_note_and_moves_the_queue_and_the_relation():
    setup = make_entry()
    matter = actions.take(setup["nurse"], file(setup))
    with pytest.raises(ActionError, match="överlämning"):
        actions.transfer(setup["nurse"], matter, unit=setup["night"], note=" ")
    matter = actions.transfer(setup["nurse"], matter, unit=setup["night"], profession="lakare",
                              note="Behöver läkarbedömning i kväll")
    assert (matter.unit, matter.profession, matter.taken_by) == (setup["night"], "lakare", None)
    assert matter.events.get(kind="transferred").data["note"] == "Behöver läkarbedömning i kväll"
    assert access_basis(setup["night_nurse"], setup["patient"]) is not None


def test_triage_sets_priority_and_the_target_and_answer_notifies_without_health_information(
        django_capture_on_commit_callbacks):
    setup = make_entry()
    with django_capture_on_commit_callbacks(execute=True):
        matter = actions.take(setup["nurse"], file(setup, "Utslag på armen"))
    matter = actions.triage(setup["nurse"], matter, priority="three_days", care_level="primary", reason="Stabil")
    assert matter.due_at - matter.created_at == timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        actions.answer(setup["nurse"], matter, text="Smörj med mjukgörande kräm.")
    matter.refresh_from_db()
    assert matter.status == "answered" and matter.first_response_at is not None
    mail.outbox.clear()
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["invanare@example.se"], ["invanare@example.se"]]
    for message in mail.outbox:
        assert "Utslag" not in message.body and "kräm" not in message.body
        assert "Mina sidor" in message.body


def test_the_chat_goes_both_ways_and_a_closed_matter_takes_no_more_messages():
    setup = make_entry()
    matter = actions.take(setup["nurse"], file(setup))
    actions.send_message(setup["nurse"], matter, text="Hur hög är febern?")
    actions.send_message(resident_actor(setup), matter, text="38,5")
    assert list(Message.objects.filter(matter=matter).values_list("from_staff", "text")) == [
        (True, "Hur hög är febern?"), (False, "38,5")]
    actions.close(setup["nurse"], matter, closing="self_care", self_care_text=setup["advice"])
    matter.refresh_from_db()
    assert matter.status == "closed" and matter.closing == "self_care"
    assert matter.messages.last().text.startswith("Förkylning")
    with pytest.raises(ActionError, match="avslutat"):
        actions.send_message(resident_actor(setup), matter, text="Tack")
    other = make_resident()
    with pytest.raises(NotPermitted):
        actions.send_message(Actor.resident(other), matter, text="Hej")


def test_staff_start_a_matter_for_their_own_patient_only():
    setup = make_entry()
    file(setup)  # gives the centre a relation
    matter = actions.file_matter(setup["nurse"], setup["patient"], category="test_results",
                                 description="Provsvaren är klara", channel="staff")
    assert matter.unit == setup["centre"] and matter.channel == "staff"
    with pytest.raises(NotPermitted):
        actions.file_matter(setup["stranger"], setup["patient"], category="test_results", description="x",
                            channel="staff")


def test_an_unanswered_matter_past_its_target_is_marked_breached_once_by_the_task():
    setup = make_entry()
    matter = file(setup, "Det trycker över bröstet")
    Matter.objects.filter(pk=matter.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert actions.record_breach(matter.pk) is True
    assert actions.record_breach(matter.pk) is False
    assert MatterEvent.objects.filter(matter=matter, kind="breached").count() == 1
    answered = actions.take(setup["nurse"], file(setup))
    actions.answer(setup["nurse"], answered, text="Svar")
    Matter.objects.filter(pk=answered.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert actions.record_breach(answered.pk) is False


def test_every_step_is_audited_with_the_patient_and_timeline_events_cannot_change():
    setup = make_entry()
    matter = actions.take(setup["nurse"], file(setup))
    writes = AuditEvent.objects.filter(patient=setup["patient"], kind="write").values_list("action", flat=True)
    assert list(writes.order_by("pk")) == ["contact.file", "contact.take"]
    event = matter.events.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_breach_sweep_marks_every_overdue_unanswered_matter(django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    setup = make_entry()
    overdue = file(setup)
    fresh = file(setup)
    Matter.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    call_command("contact_breaches", stdout=io.StringIO())
    run_queued_tasks()
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.breached_at is not None and fresh.breached_at is None


def test_an_ombud_whose_power_has_ended_and_a_guardian_of_a_grown_child_no_longer_see_the_matters_they_filed():
    from contact import queries
    from django.http import Http404

    setup = make_entry()
    today = timezone.localdate()
    child = make_patient(birth=date(today.year - 18, today.month, today.day) + timedelta(days=3))
    principal = make_patient()
    for person, kind in ((child, "guardian"), (principal, "ombud")):
        person.listed_unit = setup["centre"]
        person.save()
        Representation.objects.create(representative=setup["patient"], principal=person, kind=kind,
                                      valid_from=today - timedelta(days=400), registered_by=setup["nurse"].user)
    resident = resident_actor(setup)
    for_child, for_principal = file(setup, patient=child), file(setup, patient=principal)
    own = file(setup)
    assert {m.pk for m in queries.own_matters(resident)} == {for_child.pk, for_principal.pk, own.pk}

    Representation.objects.filter(principal=principal).update(valid_until=today - timedelta(days=1))
    later = today + timedelta(days=3)  # the child turns 18
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert [m.pk for m in queries.own_matters(resident)] == [own.pk]
        for matter in (for_child, for_principal):
            with pytest.raises(Http404):
                queries.own_matter(resident, matter.pk, endpoint="contact:portal_matter")
            with pytest.raises(NotPermitted):
                actions.send_message(resident, matter, text="Hur går det?")


def test_staff_of_the_front_end_s_unit_do_not_read_what_its_key_filed_for_another_unit_nor_a_nurse_what_she_handed_over():
    from django.http import Http404

    from contact import queries
    from contact.models import Channel
    from core.tests.factories import make_actor

    setup = make_entry()
    front_end = make_actor(unit=setup["intake"])
    intake_nurse = make_actor(unit=setup["intake"])
    filed = actions.file_matter(front_end, setup["patient"], category="ongoing", description="Ont i ryggen",
                                channel=Channel.API)
    assert filed.unit == setup["centre"]
    assert queries.staff_matter(front_end, filed.pk, endpoint="api:contact.matter") == filed
    with pytest.raises(Http404):
        queries.staff_matter(intake_nurse, filed.pk, endpoint="contact:matter")

    started = actions.file_matter(setup["nurse"], setup["patient"], category="ongoing", description="Uppföljning",
                                  channel=Channel.STAFF)
    actions.transfer(setup["nurse"], started, unit=setup["night"], note="Nattens team tar det")
    assert queries.staff_matter(setup["night_nurse"], started.pk, endpoint="contact:matter") == started
    with pytest.raises(Http404):
        queries.staff_matter(setup["nurse2"], started.pk, endpoint="contact:matter")


def test_an_ombud_whose_power_has_ended_is_no_longer_told_when_something_happens_in_the_matter():
    from contact import notify

    setup = make_entry()
    today = timezone.localdate()
    principal = make_patient()
    principal.listed_unit = setup["centre"]
    principal.save()
    Representation.objects.create(representative=setup["patient"], principal=principal, kind="ombud",
                                  valid_from=today - timedelta(days=400), registered_by=setup["nurse"].user)
    matter = file(setup, patient=principal)
    assert notify.tell_resident(matter, "answered") == 1
    Representation.objects.filter(principal=principal).update(valid_until=today - timedelta(days=1))
    mail.outbox.clear()
    assert notify.tell_resident(matter, "answered") == 0
    assert mail.outbox == []


def test_a_new_matter_s_notice_and_breach_check_are_queued_in_its_own_transaction():
    """Written with the matter, not after its commit: a process killed between the two (the
    benchmark's kill -9) must not leave a stored matter without them; a rolled-back one queues nothing."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    setup = make_entry()
    queued = DBTaskResult.objects.filter(task_path__startswith="contact.tasks.")
    with pytest.raises(RuntimeError), transaction.atomic():
        file(setup)
        assert queued.count() == 2  # inside the transaction, before any commit
        raise RuntimeError("the request dies")
    assert queued.count() == 0 and not Matter.objects.exists()
    matter = file(setup)  # the test's transaction never commits: on_commit callbacks would not run
    assert sorted(queued.values_list("task_path", flat=True)) == ["contact.tasks.check_breach",
                                                                  "contact.tasks.notify_resident"]
    assert all(str(matter.pk) in str(args) for args in queued.values_list("args_kwargs", flat=True))
