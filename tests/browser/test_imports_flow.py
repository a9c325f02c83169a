"""The import page in a real browser: a unit administrator previews a staff file, sees what would
change, and imports it (docs/imports.md)."""

import pytest
from playwright.sync_api import expect

from core.models import Membership, Unit, User
from core.tests.factories import make_region, make_staff, make_user
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = """person_hsa_id,first_name,last_name,email,unit_hsa_id,profession,roles
SE2321000032-p001,Anna,Svensson,anna.svensson@skane.se,SE2321000032-1101,sjukskoterska,"clinical, coordinator"
SE2321000032-p002,Bo,Ek,,SE2321000032-1101,lakare,clinical
"""


def test_a_unit_administrator_previews_a_staff_file_and_then_imports_it(page, tmp_path):
    ward = Unit.objects.create(organisation=make_region(), name="Avdelning 5", kind=Unit.Kind.WARD,
                               hsa_id="SE2321000032-1101")
    admin = make_user(username="enhetschef", home_unit=ward)
    make_staff(user=admin, unit=ward, roles=["unit_admin"])
    path = tmp_path / "personal.csv"
    path.write_text(STAFF, encoding="utf-8")

    log_in(page, "enhetschef")
    page.goto("/administration/")
    page.get_by_role("link", name="Importera").click()
    expect(page.get_by_test_id("import-units")).to_have_count(0)
    staff = page.get_by_test_id("import-staff")
    staff.get_by_label("CSV-fil (UTF-8)").set_input_files(str(path))
    staff.get_by_role("button", name="Förhandsgranska").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("Förhandsgranskning: personal.csv")
    expect(report).to_contain_text("Rader: 2 nya, 0 ändrade, 0 oförändrade.")
    expect(report).to_contain_text("Roller: Vård, Samordnare")
    assert not User.objects.filter(hsa_id__startswith="SE2321000032-p").exists()

    report.get_by_role("button", name="Genomför importen").click()
    expect(page.get_by_test_id("import-report")).to_contain_text("Importen är genomförd: personal.csv")
    anna = User.objects.get(hsa_id="SE2321000032-p001")
    assert anna.home_unit == ward and not anna.has_usable_password()
    assert Membership.objects.get(user=anna).roles == ["clinical", "coordinator"]
