"""At phone width (390 px): the resident reaches the video room from the visits list, and the ward
nurse sees the first patients of the worklist on the first screen, the menu folded away."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.tests.factories import make_actor, make_patient, make_unit, make_user
from discharge.tests.factories import make_case
from meetings import actions
from meetings.models import Booking
from meetings.tests.factories import in_care, later, make_clinic
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_the_resident_sees_the_join_button_of_a_video_visit_without_scrolling_sideways(page):
    clinic = make_clinic()
    patient = make_patient(first_name="Greta", last_name="Testsson")
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, patient), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=later(48), notify=False)
    soon = timezone.now() + timedelta(minutes=5)
    Booking.objects.filter(pk=booking.pk).update(starts_at=soon, ends_at=soon + timedelta(minutes=30))
    make_user("greta", patient=patient, first_name="Greta", last_name="Testsson")

    page.set_viewport_size(PHONE)
    log_in(page, "greta")
    page.goto("/mina-sidor/besok/")
    join = page.get_by_test_id("portal-visits").get_by_role("link", name="Anslut")
    expect(join).to_be_in_viewport()
    assert fits_the_screen(page)
    # The menu is folded behind one button, and opens on a tap.
    expect(page.get_by_role("link", name="Mina avgifter")).to_be_hidden()
    page.get_by_test_id("menu-button").click()
    expect(page.get_by_role("link", name="Mina avgifter")).to_be_visible()
    join.click()
    expect(page.get_by_test_id("join-button")).to_be_visible()


def test_on_a_phone_the_ward_worklist_shows_a_patient_on_the_first_screen(page):
    parties, case = make_case()
    nurse = parties["ward"].user
    nurse.username, nurse.first_name = "avdelningen", "Sara"
    nurse.save()
    case.patient.first_name, case.patient.last_name = "Ingrid", "Holm"
    case.patient.save()

    page.set_viewport_size(PHONE)
    log_in(page, "avdelningen")
    page.goto("/utskrivning/")
    patient_link = page.get_by_test_id("worklist").get_by_role("link", name="Ingrid Holm")
    expect(patient_link).to_be_in_viewport()
    assert fits_the_screen(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_message_of_one_endless_word_wraps_inside_the_timeline(page, width):
    from discharge import actions as discharge_actions

    parties, case = make_case()
    nurse = parties["ward"].user
    nurse.username = "avdelningen"
    nurse.save()
    discharge_actions.post_message(parties["ward"], case, text="x" * 4000)  # the longest a message may be

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "avdelningen")
    page.goto(f"/utskrivning/{case.pk}/")
    expect(page.get_by_text("x" * 100)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_administration_registers_carry_the_app_s_header_and_a_way_back(page):
    from core.tests.factories import make_actor

    admin = make_actor(roles=("system_admin",)).user
    admin.username = "registeradmin"
    admin.save()
    log_in(page, "registeradmin")
    page.goto("/administration/register/core/unit/")
    header = page.locator("header.topbar")
    expect(header.get_by_role("link", name="Samverkan")).to_be_visible()
    header.get_by_role("link", name="Administration").click()
    expect(page).to_have_url("/administration/")


def _menu_state(page):
    """The phone menu's button as a screen reader meets it: its role and whether it is expanded."""
    session = page.context.new_cdp_session(page)
    for node in session.send("Accessibility.getFullAXTree")["nodes"]:
        if node.get("name", {}).get("value", "").startswith("Meny"):
            expanded = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}.get("expanded")
            return node["role"]["value"], expanded
    return None


def test_the_phone_menu_says_whether_it_is_open_and_opens_without_javascript(browser, live_server):
    nurse = make_actor(unit=make_unit(), roles=("clinical",))
    nurse.user.username = "menyn"
    nurse.user.save()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, "menyn")
    start = page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Patienter")
    expect(start).to_be_hidden()
    assert _menu_state(page) == ("DisclosureTriangle", False)  # a button, "collapsed"
    page.get_by_test_id("menu-button").click()
    expect(start).to_be_visible()
    assert _menu_state(page) == ("DisclosureTriangle", True)  # "expanded"
    assert fits_the_screen(page)
    context.close()
