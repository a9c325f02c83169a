"""The contact entry in a real browser: a resident sends a matter with a picture and a red flag (the
advice shows before sending); a nurse takes it, triages, chats (the message appears on the other
side without reloading) and books a visit; the resident sees the answer and the booking. Two nurses
clicking "Ta ärendet" at once: one gets it."""

import io
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from contact.models import Matter
from contact.tests.factories import make_entry
from core.actor import Actor
from core.tests.factories import make_staff, make_user
from meetings import actions as meetings_actions
from meetings.models import VisitKind
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg(tmp_path):
    path = tmp_path / "utslag.jpg"
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (190, 90, 90)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def open_slots(setup):
    kind = VisitKind.objects.create(region=setup["region"], key="lakarbesok", name="Läkarbesök", minutes=30)
    doctor = make_staff(user=make_user("doktorn", first_name="Omar", last_name="Berg"), unit=setup["centre"],
                        profession="lakare")
    day = timezone.localdate() + timedelta(days=2)
    meetings_actions.create_slots(setup["nurse"], staff=doctor.user, visit_kind=kind, day=day, start=time(9, 0),
                                  end=time(10, 0), minutes=30, forms=["physical", "video"])


def test_resident_and_nurse_from_matter_to_booking(page, browser, live_server, tmp_path):
    setup = make_entry()
    open_slots(setup)
    nurse = setup["nurse"].user
    nurse.first_name, nurse.last_name = "Klara", "Strand"
    nurse.save()

    # The resident writes a matter with a picture; the advice to call 112 shows before sending.
    log_in(page, setup["resident"].username)
    page.goto("/mina-sidor/kontakt/")
    page.get_by_test_id("new-matter").click()
    page.get_by_test_id("category-new_symptoms").click()
    page.get_by_label("Beskriv ditt ärende").fill("Utslag på armen och det trycker över bröstet")
    expect(page.get_by_test_id("red-flag-advice")).to_contain_text("Ring 112")  # live, while writing
    page.locator("input[name=q_chest][value=nej]").check()
    page.locator("input[name=q_fever][value=nej]").check()
    page.set_input_files("input[name=pictures]", str(jpeg(tmp_path)))
    page.get_by_test_id("continue").click()
    expect(page.get_by_role("heading", name="Kontrollera och skicka")).to_be_visible()
    expect(page.get_by_test_id("red-flag-advice")).to_contain_text("Bröstsmärta")
    assert Matter.objects.count() == 0  # nothing sent yet
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("status")).to_contain_text("Mottaget")
    matter = Matter.objects.get()
    assert matter.red_flags == ["chest_pain"] and matter.pictures.count() == 1

    # The nurse, in another browser context, takes and triages it.
    staff_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    staff = staff_context.new_page()
    staff.set_default_timeout(15000)
    log_in(staff, nurse.username)
    staff.goto("/kontakt/")
    expect(staff.get_by_test_id("queue")).to_contain_text("Bröstsmärta")
    staff.get_by_test_id("queue").get_by_role("link").first.click()
    staff.get_by_test_id("take").click()
    staff.get_by_label("Prioritet").select_option("same_day")
    staff.get_by_label("Vårdnivå").select_option("primary")
    staff.get_by_label("Motivering").fill("Utslag, bröstsmärta utesluten i samtal")
    staff.get_by_test_id("triage").click()

    # Chat: the nurse writes, and the resident's open page shows it without a reload.
    staff.locator("form.chat-form textarea").fill("Hur länge har du haft utslaget?")
    staff.get_by_test_id("send-chat").click()
    expect(page.get_by_test_id("chat")).to_contain_text("Hur länge har du haft utslaget?", timeout=8000)
    page.locator("form.chat-form textarea").fill("Sedan i fredags")
    page.get_by_test_id("send-message").click()
    expect(staff.get_by_test_id("chat")).to_contain_text("Sedan i fredags", timeout=8000)

    # The nurse answers and books a visit from the unit's free times.
    staff.get_by_label("Svar till personen").fill("Vi vill titta på utslaget. Du har fått en tid.")
    staff.get_by_test_id("answer").click()
    staff.get_by_test_id("book").first.click()
    expect(staff.get_by_test_id("matter-status")).to_have_text("Bokat")

    # The resident sees the answer and the booking.
    page.reload()
    expect(page.get_by_test_id("chat")).to_contain_text("Du har fått en tid")
    expect(page.get_by_test_id("booked-visit")).to_contain_text("Vårdcentralen Teleborg")
    page.get_by_role("link", name="Mina besök").first.click()
    expect(page.get_by_test_id("portal-visits")).to_contain_text("Läkarbesök")
    staff_context.close()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the in-memory SQLite test database refuses a second writer at once ('table is locked') "
                           "instead of waiting; contact/tests/test_concurrency.py covers the action")
def test_two_nurses_clicking_take_at_once_one_gets_it(page, browser, live_server):
    setup = make_entry()
    from contact import actions

    actions.file_matter(Actor.resident(setup["resident"]), setup["patient"], category="ongoing",
                        description="Ont i ryggen")
    matter = Matter.objects.get()
    other_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    other = other_context.new_page()
    log_in(page, setup["nurse"].user.username)
    log_in(other, setup["nurse2"].user.username)
    for p in (page, other):
        p.goto(f"/kontakt/arende/{matter.pk}/")
        expect(p.get_by_test_id("take")).to_be_visible()
    page.get_by_test_id("take").click(no_wait_after=True)
    other.get_by_test_id("take").click(no_wait_after=True)
    for p in (page, other):
        expect(p.locator(".messages")).to_be_visible()
    texts = sorted(p.locator(".messages").inner_text() for p in (page, other))
    assert "Du har tagit ärendet." in texts[0] or "Du har tagit ärendet." in texts[1]
    assert sum("har redan tagit ärendet" in t for t in texts) == 1
    matter.refresh_from_db()
    assert matter.taken_by in (setup["nurse"].user, setup["nurse2"].user)
    other_context.close()
