from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ActionError, NotPermitted
from core.models import AuditEvent
from core.tests.worker import run_queued_tasks
from forums import actions
from forums.models import AgendaItem, Assignment, Attendance, Decision, ItemKind
from forums.tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.FORUM_FILES_ROOT = str(tmp_path / "forum-files")


def test_only_a_forum_secretary_creates_a_forum(world):
    with pytest.raises(NotPermitted):
        actions.create_forum(world.member, name="X", short_name="X", owner=world.region)


def test_a_member_who_is_not_chair_or_secretary_cannot_put_items_on_the_agenda(world):
    meeting = world.meeting()
    with pytest.raises(NotPermitted):
        actions.add_item(world.member, meeting, title="Något")
    assert actions.add_item(world.chair, meeting, title="Effekter").number == 1


def test_standing_items_open_every_new_meeting_until_removed(world):
    data = actions.add_standing_item(world.secretary, world.forum, title="Data analys")
    actions.add_standing_item(world.secretary, world.forum, title="Läkemedelsstrategi")
    first = world.meeting(days=7)
    assert [(i.number, i.title) for i in first.items.all()] == [(1, "Data analys"), (2, "Läkemedelsstrategi")]
    actions.remove_standing_item(world.secretary, data)
    second = world.meeting(days=37)
    assert [i.title for i in second.items.all()] == ["Läkemedelsstrategi"]
    assert [i.title for i in first.items.all()] == ["Data analys", "Läkemedelsstrategi"]


def test_decisions_are_numbered_per_forum_and_year(world):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Projektdirektiv", kind=ItemKind.DECISION)
    first = actions.record_decision(world.secretary, item, "Styrgrupp nära vård beslutar att fastställa direktivet.")
    second = actions.record_decision(world.secretary, item, "Styrgrupp nära vård beslutar att breddinföra 1177 direkt.")
    year = timezone.localtime(meeting.starts_at).year
    assert (first.label, second.label) == (f"§ 1/{year}", f"§ 2/{year}")
    other = actions.create_forum(world.secretary, name="Annat forum", short_name="AF", owner=world.region)
    actions.add_member(world.secretary, other, user=world.secretary.user, organisation=world.region, role="secretary")
    start = timezone.now() + timedelta(days=3)
    other_meeting = actions.schedule_meeting(world.secretary, other, starts_at=start, ends_at=start + timedelta(hours=1),
                                             place="Rum 1")
    other_item = actions.add_item(world.secretary, other_meeting, title="X")
    assert actions.record_decision(world.secretary, other_item, "AF beslutar.").label == f"§ 1/{year}"


def test_an_empty_decision_is_refused_with_a_message(world):
    item = actions.add_item(world.secretary, world.meeting(), title="X")
    with pytest.raises(ActionError, match="Skriv vad forumet beslutade"):
        actions.record_decision(world.secretary, item, "  ")


def test_an_assignment_names_a_person_or_an_organisation_not_both(world):
    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    with pytest.raises(ActionError):
        actions.add_assignment(world.secretary, item, what="Ta fram underlag", assignee_user=world.member.user,
                               assignee_organisation=world.region)
    assignment = actions.add_assignment(world.secretary, item, what="Ta fram underlag", assignee_user=world.member.user,
                                        due=date(2026, 12, 1))
    assert assignment.assignee == "Roger Nilsson"


def test_a_carried_item_lands_on_the_named_later_meeting_linked_both_ways(world):
    now, later = world.meeting(days=7), world.meeting(days=40)
    item = actions.add_item(world.secretary, now, title="Designstudio stöd och behandling", kind=ItemKind.DECISION)
    carried = actions.carry_item(world.secretary, item, later)
    assert carried.meeting == later and carried.carried_from == item
    assert AgendaItem.objects.get(pk=item.pk).carried_to == carried
    with pytest.raises(ActionError, match="senare möte"):
        actions.carry_item(world.secretary, carried, now)


def test_minutes_lock_when_every_approver_has_approved_with_their_own_login(world):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Effekter")
    actions.hold_meeting(world.secretary, meeting)
    actions.set_approvers(world.secretary, meeting, [world.chair.user, world.member.user])
    with pytest.raises(NotPermitted):
        actions.approve_minutes(world.secretary, meeting)  # not named: nobody approves for another
    assert not actions.approve_minutes(world.chair, meeting).locked
    actions.write_notes(world.secretary, item, "Fortfarande öppet mellan justeringarna.")
    assert actions.approve_minutes(world.member, meeting).locked


def test_locked_minutes_refuse_every_change_and_take_a_dated_addendum(world):
    meeting, later = world.meeting(), world.meeting(days=40)
    item = actions.add_item(world.secretary, meeting, title="Effekter")
    member = world.seats["member"]
    world.approved(meeting)
    attempts = [
        lambda: actions.write_notes(world.secretary, item, "Ändrat i efterhand"),
        lambda: actions.record_decision(world.secretary, item, "Beslutar i efterhand"),
        lambda: actions.add_assignment(world.secretary, item, what="Nytt", assignee_user=world.member.user),
        lambda: actions.set_attendance(world.secretary, meeting, member, Attendance.Status.ABSENT),
        lambda: actions.add_item(world.secretary, meeting, title="Ny punkt"),
        lambda: actions.carry_item(world.secretary, item, later),
        lambda: actions.remove_item(world.secretary, item),
    ]
    for attempt in attempts:
        with pytest.raises(ActionError, match="låst"):
            attempt()
    assert AgendaItem.objects.get(pk=item.pk).notes == ""
    assert not Decision.objects.exists()
    addendum = actions.add_addendum(world.secretary, meeting, "Rättelse: Jens Karlsson deltog 10.00–10.30.")
    assert addendum.written_at.date() == timezone.now().date()


def test_an_assignments_status_is_followed_up_after_the_lock(world):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Effekter")
    assignment = actions.add_assignment(world.secretary, item, what="Ta fram underlag", assignee_user=world.member.user)
    world.approved(meeting)
    actions.update_assignment_status(world.member, assignment, Assignment.Status.DONE)
    assert Assignment.objects.get(pk=assignment.pk).status == "done"
    with pytest.raises(NotPermitted):
        actions.update_assignment_status(world.outsider, assignment, Assignment.Status.OPEN)


def test_minutes_are_published_only_after_approval(world):
    meeting = world.meeting()
    with pytest.raises(ActionError, match="justerat"):
        actions.publish_minutes(world.secretary, meeting)
    world.approved(meeting)
    assert actions.publish_minutes(world.secretary, meeting).published_at is not None


def test_every_write_is_in_the_audit_log_with_a_label(world):
    from core.audit import labelled_actions

    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Effekter")
    actions.record_decision(world.secretary, item, "Beslut.")
    written = set(AuditEvent.objects.filter(action__startswith="forums.").values_list("action", flat=True))
    assert {"forums.forum.create", "forums.member.add", "forums.meeting.schedule", "forums.item.add",
            "forums.decision.record"} <= written
    assert written <= labelled_actions()


def test_an_attachment_is_checked_by_its_content_not_its_name(world):
    item = actions.add_item(world.secretary, world.meeting(), title="Effekter")
    fake = SimpleUploadedFile("bildspel.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(ActionError, match="inte en riktig PDF"):
        actions.add_attachment(world.secretary, item, fake)
    script = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ActionError, match="PDF, Word"):
        actions.add_attachment(world.secretary, item, script)
    real = SimpleUploadedFile("../../bildspel.pdf", b"%PDF-1.4\n%%EOF\n", content_type="text/html")
    attachment = actions.add_attachment(world.secretary, item, real)
    assert (attachment.name, attachment.content_type) == ("bildspel.pdf", "application/pdf")
    assert attachment.file.read() == b"%PDF-1.4\n%%EOF\n"


def test_the_agenda_goes_to_current_members_with_the_meeting_as_icalendar(world, django_capture_on_commit_callbacks):
    meeting = world.meeting(video=True)
    actions.add_item(world.secretary, meeting, title="Effekter")
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_agenda(world.secretary, meeting)
    run_queued_tasks()
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == ["anna@example.se", "martin@example.se", "roger@example.se", "therese@example.se"]
    message = mail.outbox[0]
    assert "1. Effekter" in message.body
    name, ics, mimetype = message.attachments[0]
    assert name == "mote.ics" and "BEGIN:VEVENT" in ics and "Styrgrupp Nära vård" in ics
    assert meeting.video_room not in ics  # the room's own address is never mailed


def test_a_consultation_needs_a_deadline_and_collects_one_answer_per_organisation(world):
    meeting = world.meeting()
    with pytest.raises(ActionError, match="remissvaren"):
        actions.add_item(world.secretary, meeting, title="Remiss", kind=ItemKind.CONSULTATION)
    item = actions.add_item(world.secretary, meeting, title="Remiss: intensivvårdstransporter",
                            kind=ItemKind.CONSULTATION, answer_by=timezone.localdate() + timedelta(days=20))
    actions.answer_consultation(world.municipal, item, "Växjö kommun tillstyrker.")
    actions.answer_consultation(world.municipal, item, "Växjö kommun tillstyrker med ett medskick.")
    assert [(a.organisation.name, a.text) for a in item.answers.all()] == [
        ("Växjö kommun", "Växjö kommun tillstyrker med ett medskick.")]
    with pytest.raises(NotPermitted):
        actions.answer_consultation(world.outsider, item, "Svar")


def test_a_consultation_reminder_goes_to_organisations_that_have_not_answered(world):
    from forums import mail as forum_mail

    item = actions.add_item(world.secretary, world.meeting(), title="Remiss", kind=ItemKind.CONSULTATION,
                            answer_by=timezone.localdate() + timedelta(days=3))
    actions.answer_consultation(world.member, item, "Regionen tillstyrker.")
    assert forum_mail.remind_consultation(item.pk) == 1
    assert mail.outbox[-1].to == ["anna@example.se"] and "Remiss" in mail.outbox[-1].body


def test_a_nomination_is_recorded_with_its_numbered_decision(world):
    item = actions.add_item(world.secretary, world.meeting(), title="Nya ledamöter", kind=ItemKind.NOMINATION)
    nomination = actions.add_nomination(world.secretary, item, nominee="Henrik Smeds", body="NPO Öron- näsa och hals",
                                        decision_text="RSL beslutar utse Henrik Smeds.")
    assert nomination.decision.number == 1 and nomination.decision.text == "RSL beslutar utse Henrik Smeds."


def test_approvers_are_chosen_among_the_forums_members(world):
    meeting = world.meeting()
    with pytest.raises(ActionError, match="bland forumets ledamöter"):
        actions.set_approvers(world.secretary, meeting, [world.outsider.user])


def test_items_are_edited_and_moved_while_the_minutes_are_open(world):
    meeting = world.meeting()
    first = actions.add_item(world.secretary, meeting, title="Inledning")
    second = actions.add_item(world.secretary, meeting, title="Effekter")
    actions.update_item(world.secretary, second, title="Effekter av vårdvalet", kind=ItemKind.DISCUSSION,
                        presenter="Jens Karlsson")
    actions.move_item(world.secretary, second, -1)
    assert [(i.number, i.title, i.presenter) for i in meeting.items.all()] == [
        (1, "Effekter av vårdvalet", "Jens Karlsson"), (2, "Inledning", "")]
    world.approved(meeting)
    with pytest.raises(ActionError, match="låst"):
        actions.move_item(world.secretary, first, -1)
    with pytest.raises(ActionError, match="låst"):
        actions.update_item(world.secretary, first, title="Ändrad", kind=ItemKind.INFORMATION)


def test_a_reminder_for_a_deadline_that_moved_later_waits_for_the_new_date(world):
    from forums import mail as forum_mail

    item = actions.add_item(world.secretary, world.meeting(), title="Remiss", kind=ItemKind.CONSULTATION,
                            answer_by=timezone.localdate() + timedelta(days=5))
    actions.update_item(world.secretary, item, title="Remiss", kind=ItemKind.CONSULTATION,
                        answer_by=timezone.localdate() + timedelta(days=30))
    assert forum_mail.remind_consultation(item.pk) == 0


def test_a_picture_attachment_is_re_encoded_so_no_gps_position_or_camera_survives(world):
    import io

    from PIL import Image

    item = actions.add_item(world.secretary, world.meeting(), title="Bilder från studiebesöket")
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"
    exif[0x8825] = {1: "N", 2: (56.0, 52.0, 30.0), 3: "E", 4: (14.0, 48.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, format="JPEG", exif=exif.tobytes())
    assert b"Telef" in out.getvalue()
    attachment = actions.add_attachment(world.secretary, item, SimpleUploadedFile("foto.jpg", out.getvalue()))
    stored = attachment.file.read()
    assert b"Telef" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.format == "JPEG" and picture.size == (64, 48) and not picture.getexif()
    assert attachment.size == len(stored)
    broken = SimpleUploadedFile("trasig.png", b"\x89PNG\r\n\x1a\n" + b"inte en bild" * 10)
    with pytest.raises(ActionError, match="inte en riktig PNG"):
        actions.add_attachment(world.secretary, item, broken)


def test_locked_minutes_refuse_attachments_item_edits_moves_and_nominations_too(world):
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Effekter")
    actions.add_item(world.secretary, meeting, title="Övrigt")
    world.approved(meeting)  # `item` still carries the meeting as it was before the lock
    pdf = SimpleUploadedFile("efterhand.pdf", b"%PDF-1.4\n%%EOF\n")
    attempts = [
        lambda: actions.add_attachment(world.secretary, item, pdf),
        lambda: actions.update_item(world.secretary, item, title="Ändrad rubrik", kind=ItemKind.INFORMATION),
        lambda: actions.move_item(world.secretary, item, 1),
        lambda: actions.add_nomination(world.secretary, item, nominee="Anna Berg", body="Nationellt råd",
                                       decision_text="Beslutar att nominera Anna Berg."),
    ]
    for attempt in attempts:
        with pytest.raises(ActionError, match="låst"):
            attempt()
    item.refresh_from_db()
    assert (item.title, item.number, item.attachments.count(), item.nominations.count()) == ("Effekter", 1, 0, 0)


def test_a_meeting_series_keeps_the_local_time_across_summer_time_and_each_gets_the_standing_items(world):
    from datetime import datetime

    actions.add_standing_item(world.secretary, world.forum, title="Måluppföljning")
    start = timezone.make_aware(datetime(2027, 10, 14, 10, 0))  # summer time; winter time from 31 October
    meetings = actions.schedule_series(world.secretary, world.forum, starts_at=start, ends_at=start + timedelta(hours=2),
                                       place="Regionhuset", count=3, every_weeks=2)
    local = [timezone.localtime(m.starts_at) for m in meetings]
    assert [(t.date().isoformat(), t.hour) for t in local] == [("2027-10-14", 10), ("2027-10-28", 10), ("2027-11-11", 10)]
    assert [timezone.localtime(m.ends_at).hour for m in meetings] == [12, 12, 12]
    assert [[i.title for i in m.items.all()] for m in meetings] == [["Måluppföljning"]] * 3
    assert AuditEvent.objects.filter(action="forums.meeting.schedule").count() == 3
    with pytest.raises(ActionError, match="mellan 1 och 24"):
        actions.schedule_series(world.secretary, world.forum, starts_at=start, ends_at=start + timedelta(hours=1),
                                place="Regionhuset", count=25)
    with pytest.raises(NotPermitted):
        actions.schedule_series(world.member, world.forum, starts_at=start, ends_at=start + timedelta(hours=1),
                                place="Regionhuset", count=2)
