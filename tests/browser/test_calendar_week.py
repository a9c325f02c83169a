"""The calendar's week in a real browser: a column per staff member, the day's row leading to the
day, and on a phone each day a card without sideways scrolling."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.tests.factories import make_patient
from meetings import actions
from meetings.tests.factories import in_care, later, make_clinic
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_week_shows_each_staff_member_s_visits_in_their_column(page, width):
    clinic = make_clinic()
    nurse = clinic["nurse"].user
    nurse.username = "vcsyster"
    nurse.save()
    physician = clinic["physician"].user
    physician.first_name, physician.last_name = "Ali", "Hassan"
    physician.save()
    patient = in_care(clinic, make_patient(first_name="Greta", last_name="Testsson"))
    starts = later(24 * 2)
    actions.book_visit(clinic["nurse"], patient, staff=physician, visit_kind=clinic["kind"], form="physical",
                       starts_at=starts, notify=False)

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "vcsyster")
    page.goto(f"/kalender/?vy=vecka&dag={timezone.localtime(starts):%Y-%m-%d}")
    week = page.get_by_test_id("calendar-week")
    cell = week.locator('td[data-label="Ali Hassan"]').filter(has_text="Greta Testsson")
    expect(cell).to_be_visible()
    expect(cell).to_contain_text(f"{timezone.localtime(starts):%H:%M}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    week.get_by_role("link", name="Greta Testsson").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Läkarbesök")
    expect(page.locator("#main")).to_contain_text("Greta Testsson")
