"""The access log extract (loggutdrag) with hostile text from staff: an emergency access reason, a
display name, a unit's and an organisation's name, the patient's name. The PDF shows it as text
(never a link, never a server error) and the CSV never hands a spreadsheet a formula."""

import csv
import io

import pytest
from django.urls import reverse

from core.tests.factories import login, make_actor, make_region, make_resident, make_unit
from core.tests.hostile import FORMULAS, MARKUP, assert_no_formula, assert_safe_pdf, is_neutralised

pytestmark = pytest.mark.django_db


def hostile_extract(client, value, who):
    """A clinician whose name, unit and organisation are `value` opens the resident's record by
    emergency access with `value` as the reason; the resident (or a system admin) is logged in
    and gets the URL of the extract."""
    resident = make_resident()
    patient = resident.patient
    patient.first_name = value
    patient.save(update_fields=["first_name"])
    nurse = make_actor(unit=make_unit(make_region(code="13", name=value), name=value))
    nurse.user.first_name = value
    nurse.user.save(update_fields=["first_name"])
    login(client, nurse)
    response = client.post(reverse("core:patient_emergency", args=[patient.pk]),
                           {"reason": f"{value} – akut läge"}, follow=True)
    assert response.status_code == 200
    client.logout()
    if who == "resident":
        client.force_login(resident)
        return reverse("core:portal_access_log") + "?"
    login(client, make_actor(roles=["system_admin"]))
    return reverse("core:access_log_extract", args=[patient.pk]) + "?"


@pytest.mark.parametrize("who", ["resident", "admin"])
@pytest.mark.parametrize("value", MARKUP)
def test_the_extract_pdf_shows_markup_in_staff_text_literally_and_never_as_a_link(client, value, who):
    url = hostile_extract(client, value, who)
    assert_safe_pdf(client.get(url + "format=pdf"), value, f"{value} – akut läge")


@pytest.mark.parametrize("who", ["resident", "admin"])
@pytest.mark.parametrize("value", FORMULAS)
def test_the_extract_csv_hands_a_spreadsheet_no_formula_from_staff_text(client, value, who):
    url = hostile_extract(client, value, who)
    response = client.get(url + "format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tidpunkt"
    assert_no_formula(rows)
    emergency_reads = [row for row in rows[1:] if row[7].startswith("Nödåtkomst: ")]
    assert emergency_reads and all(is_neutralised(row[5], value) for row in emergency_reads)  # the unit
    # The reason follows the words "Nödåtkomst: ", so the cell cannot start a formula.
    reason = f"{value} – akut läge".strip()  # the action strips the reason
    assert all(row[7] == f"Nödåtkomst: {reason}" for row in emergency_reads)
