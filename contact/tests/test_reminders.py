"""Reminders to residents who have not replied, and SMS notices to a resident's mobile number: queued
by `manage.py contact_reminders` and run by the real worker (`db_worker --batch`)."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from contact import actions
from contact.models import Matter, MatterEvent, Message, NoticeSettings
from contact.tests.factories import make_entry
from core.actor import Actor
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent
from core.tests.factories import login
from core.tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

SENT_SMS = []


def record_sms(number, text):
    """The SMS sender the tests configure (settings.CONTACT_SMS_SENDER)."""
    SENT_SMS.append((number, text))


def asked(setup, text="Har du feber också?", hours_ago=25):
    """A matter in which the nurse asked the resident something `hours_ago` hours ago."""
    matter = actions.take(setup["nurse"], actions.file_matter(
        Actor.resident(setup["resident"]), setup["patient"], category="new_symptoms",
        description="Hosta sedan en vecka"))
    message = actions.send_message(setup["nurse"], matter, text=text)
    Message.objects.filter(pk=message.pk).update(at=timezone.now() - timedelta(hours=hours_ago))
    return matter, message


def sweep(django_capture_on_commit_callbacks):
    """Queue the sweep as cron would, let the worker run it, then let it send what it queued."""
    call_command("contact_reminders", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        run_queued_tasks()
    run_queued_tasks()


def test_a_resident_who_left_a_nurse_s_question_unanswered_for_a_day_is_reminded_once_without_health_information(
        django_capture_on_commit_callbacks, settings, client):
    settings.CONTACT_SMS_SENDER = "contact.tests.test_reminders.record_sms"
    setup = make_entry()
    actions.save_notice_settings(Actor.resident(setup["resident"]), mobile_number="070-123 45 67")
    matter, message = asked(setup)
    waiting, _fresh = asked(setup, hours_ago=2)  # asked two hours ago: not yet
    replied, _ = asked(setup)
    actions.send_message(Actor.resident(setup["resident"]), replied, text="Nej")
    run_queued_tasks()  # the filing and chat notices, out of the way
    mail.outbox.clear()
    SENT_SMS.clear()

    sweep(django_capture_on_commit_callbacks)
    reminded = MatterEvent.objects.filter(kind="reminded")
    assert [(e.matter_id, e.data) for e in reminded] == [(matter.pk, {"message": message.pk})]
    assert [m.to for m in mail.outbox] == [["invanare@example.se"]]
    body = mail.outbox[0].body
    assert "Vården väntar på ditt svar" in body and "feber" not in body and "Hosta" not in body
    assert SENT_SMS == [("+46701234567", "Vården väntar på ditt svar i ditt ärende. Logga in på Mina sidor i Samverkan.")]
    login(client, setup["resident"])
    page = client.get(f"/mina-sidor/kontakt/{matter.pk}/").content.decode()
    assert "Vården väntar på ditt svar" in page
    assert "Vården väntar på ditt svar" not in client.get(f"/mina-sidor/kontakt/{replied.pk}/").content.decode()
    audit = AuditEvent.objects.get(action="contact.remind")
    assert audit.patient_id == setup["patient"].pk and audit.user_id is None

    # Once per message: the next sweep sends nothing; a new question a day later is reminded again.
    mail.outbox.clear()
    sweep(django_capture_on_commit_callbacks)
    assert reminded.count() == 1 and mail.outbox == []
    later = actions.send_message(setup["nurse"], matter, text="Och hur mår du nu?")
    Message.objects.filter(pk=later.pk).update(at=timezone.now() - timedelta(hours=30))
    sweep(django_capture_on_commit_callbacks)
    assert reminded.filter(matter=matter).count() == 2
    assert not reminded.filter(matter__in=[waiting, replied]).exists()


def test_no_reminder_for_a_closed_matter_or_a_formal_answer(django_capture_on_commit_callbacks):
    setup = make_entry()
    closed, _ = asked(setup)
    actions.close(setup["nurse"], closed, closing="resolved")
    answered = actions.take(setup["nurse"], actions.file_matter(
        Actor.resident(setup["resident"]), setup["patient"], category="prescription", description="Recept"))
    actions.answer(setup["nurse"], answered, text="Receptet är förnyat.")
    Message.objects.filter(matter=answered).update(at=timezone.now() - timedelta(hours=30))
    sweep(django_capture_on_commit_callbacks)
    assert not MatterEvent.objects.filter(kind="reminded").exists()
    assert Matter.objects.get(pk=closed.pk).status == "closed"


def test_a_resident_gives_a_swedish_mobile_number_on_mina_sidor_and_a_landline_is_refused(client):
    setup = make_entry()
    login(client, setup["resident"])
    page = client.get("/mina-sidor/kontakt/aviseringar/")
    assert page.status_code == 200 and "invanare@example.se" in page.content.decode()
    landline = client.post("/mina-sidor/kontakt/aviseringar/", {"mobile_number": "08-123 456 78"})
    assert landline.status_code == 400 and "svenskt mobilnummer" in landline.content.decode()
    saved = client.post("/mina-sidor/kontakt/aviseringar/", {"mobile_number": "+46 70 123 45 67"})
    assert saved.status_code == 302
    assert NoticeSettings.objects.get(user=setup["resident"]).mobile_number == "+46701234567"
    event = AuditEvent.objects.get(action="contact.notices")
    assert event.patient_id == setup["patient"].pk and event.changes["mobile_number"] == ["", "+46701234567"]
    assert "070-123 45 67" in client.get("/mina-sidor/kontakt/aviseringar/").content.decode()
    # Emptied: no SMS any more.
    client.post("/mina-sidor/kontakt/aviseringar/", {"mobile_number": ""})
    assert NoticeSettings.objects.get(user=setup["resident"]).mobile_number == ""


@pytest.mark.parametrize("text", ["0701234", "+4570123456", "abc", "08-123 456 78"])
def test_what_is_not_a_swedish_mobile_number_is_refused(text):
    with pytest.raises(ActionError):
        actions.swedish_mobile_number(text)


def test_staff_may_not_set_a_resident_s_mobile_number():
    setup = make_entry()
    with pytest.raises(NotPermitted):
        actions.save_notice_settings(setup["nurse"], mobile_number="0701234567")
