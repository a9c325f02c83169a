"""Imports for day one (core.imports, docs/imports.md): care units from an HSA catalogue extract and
staff with their memberships, from CSV files; idempotent, with a dry run, all or nothing, and under
the same role-grant rules as the register pages (core.permissions)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.files import FileErrors
from core.imports import import_staff, import_units
from core.models import AuditEvent, Membership, Unit, User
from core.tests.factories import login, make_actor, make_municipality, make_region, make_staff, make_user

pytestmark = pytest.mark.django_db

UNITS = """hsa_id,name,organisation,parent_hsa_id,kind
SE2321000032-1000,Skånes universitetssjukhus,12,,hospital
SE2321000032-1101,"Avdelning 5, geriatrik",12,SE2321000032-1000,Vårdavdelning
SE2321000032-1102,Avdelning 6,12,SE2321000032-1000,ward
SE2321000032-2000,Hemsjukvården Lund,1281,,home_care
"""

STAFF = """person_hsa_id,first_name,last_name,email,unit_hsa_id,profession,roles
SE2321000032-p001,Anna,Svensson,anna.svensson@skane.se,SE2321000032-1101,sjukskoterska,clinical
SE2321000032-p001,Anna,Svensson,anna.svensson@skane.se,SE2321000032-1102,Sjuksköterska,"clinical, coordinator"
SE2321000032-p002,Bo,Ek,,SE2321000032-1101,lakare,clinical forum_secretary
"""

STAFF_HEADER = "person_hsa_id,first_name,last_name,email,unit_hsa_id,profession,roles\n"


@pytest.fixture
def world():
    make_region("12", "Region Skåne")
    make_municipality("1281", "Lunds kommun")
    admin_unit = Unit.objects.create(organisation=make_region(), name="Regionkansliet", kind=Unit.Kind.ADMINISTRATION,
                                     hsa_id="SE2321000032-0001")
    system_admin = make_actor(unit=admin_unit, roles=["system_admin"])
    User.objects.filter(pk=system_admin.user.pk).update(home_unit=admin_unit)
    return system_admin


@pytest.fixture
def with_units(world):
    import_units(world, UNITS, filename="enheter.csv")
    return world


def unit(hsa_id):
    return Unit.objects.get(hsa_id=hsa_id)


def unit_admin_of(hsa_id):
    actor = make_actor(unit=unit(hsa_id), roles=["unit_admin"])
    User.objects.filter(pk=actor.user.pk).update(home_unit=actor.unit)
    return actor


def counts():
    return (Unit.objects.count(), User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())


def problems(call):
    with pytest.raises(FileErrors) as caught:
        call()
    return caught.value.problems


# --- Units --------------------------------------------------------------------------------------

def test_a_units_file_creates_the_units_with_their_parents_kinds_and_organisations(world):
    report = import_units(world, UNITS, filename="enheter.csv")
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    ward = unit("SE2321000032-1101")
    assert ward.name == "Avdelning 5, geriatrik" and ward.kind == Unit.Kind.WARD
    assert ward.parent == unit("SE2321000032-1000") and ward.organisation.code == "12"
    assert unit("SE2321000032-2000").organisation.code == "1281"


def test_importing_the_same_units_file_again_changes_nothing(with_units):
    before = counts()
    report = import_units(with_units, UNITS, filename="enheter.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert counts()[:3] == before[:3]
    # Only the line saying who ran which file: no object was written.
    assert AuditEvent.objects.first().action == "import.units"
    assert AuditEvent.objects.count() == before[3] + 1


def test_a_renamed_unit_is_an_update_naming_the_changed_field_and_is_audited(with_units):
    text = UNITS.replace("Avdelning 6,", "Avdelning 6 (ortopedi),")
    report = import_units(with_units, text, filename="enheter.csv")
    (row,) = [r for r in report.rows if r.outcome == "update"]
    assert row.line == 4
    assert [(c.label, c.before, c.after) for c in row.changes] == [("Namn", "Avdelning 6", "Avdelning 6 (ortopedi)")]
    event = AuditEvent.objects.get(action="unit.import_update")
    assert event.changes["name"] == ["Avdelning 6", "Avdelning 6 (ortopedi)"]
    assert event.username == with_units.user.username


def test_a_units_dry_run_reports_what_would_change_and_writes_nothing(world):
    before = counts()
    report = import_units(world, UNITS, filename="enheter.csv", dry_run=True)
    assert report.dry_run and report.created == 4
    assert counts() == before


def test_bad_unit_rows_are_named_by_line_and_a_late_bad_row_keeps_the_good_ones_out(world):
    text = UNITS + ("SE2321000032-3000,Okänd org,99,,ward\n"
                    "SE2321000032-3001,Fel typ,12,,tandvård\n"
                    "SE2321000032-3002,Barn,12,SE2321000032-3003,ward\n"
                    "SE2321000032-3003,Förälder,12,,hospital\n"
                    "SE2321000032-1000,Dubblett,12,,hospital\n"
                    "SE23-1,Kort,12,,ward\n"
                    "SE2321000032-3004,Fel förälder,1281,SE2321000032-1000,ward\n")
    before = counts()
    found = problems(lambda: import_units(world, text, filename="enheter.csv"))
    assert [line for line, _ in found] == [6, 7, 8, 10, 11, 12]
    messages = dict(found)
    assert "koden '99'" in messages[6]
    assert "Okänd typ 'tandvård'" in messages[7]
    assert "står först på rad 9" in messages[8]
    assert "står redan på rad 2" in messages[10]
    assert "inget HSA-id" in messages[11]
    assert "samma organisation" in messages[12]
    assert counts() == before


def test_only_a_system_administrator_imports_units(with_units):
    before = counts()
    found = problems(lambda: import_units(unit_admin_of("SE2321000032-1101"), UNITS, filename="enheter.csv"))
    assert found == [(None, "Bara systemadministratörer importerar vårdenheter.")]
    assert counts()[0] == before[0]


def test_a_file_with_a_wrong_header_is_refused_on_line_one(world):
    found = problems(lambda: import_units(world, "hsa_id,name,org,kind\n", filename="enheter.csv"))
    assert found[0][0] == 1 and "parent_hsa_id" in found[0][1]


# --- Staff --------------------------------------------------------------------------------------

def test_a_staff_file_creates_accounts_for_e_id_login_and_their_memberships(with_units):
    report = import_staff(with_units, STAFF, filename="personal.csv")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    anna = User.objects.get(hsa_id="SE2321000032-p001")
    assert anna.username == "SE2321000032-p001" and (anna.first_name, anna.email) == ("Anna", "anna.svensson@skane.se")
    assert not anna.has_usable_password()
    assert anna.home_unit == unit("SE2321000032-1101")  # the unit of the person's first row
    roles = {m.unit.hsa_id: (m.profession, m.roles) for m in anna.memberships.all()}
    assert roles == {"SE2321000032-1101": ("sjukskoterska", ["clinical"]),
                     "SE2321000032-1102": ("sjukskoterska", ["clinical", "coordinator"])}
    bo = User.objects.get(hsa_id="SE2321000032-p002")
    assert bo.memberships.get().roles == ["clinical", "forum_secretary"] and bo.email == ""


def test_importing_the_same_staff_file_again_changes_nothing(with_units):
    import_staff(with_units, STAFF, filename="personal.csv")
    before = counts()
    report = import_staff(with_units, STAFF, filename="personal.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert counts()[:3] == before[:3] and AuditEvent.objects.count() == before[3] + 1


def test_changed_names_and_roles_update_and_the_files_roles_replace_the_memberships(with_units):
    import_staff(with_units, STAFF, filename="personal.csv")
    extra = make_staff(user=User.objects.get(hsa_id="SE2321000032-p002"), unit=unit("SE2321000032-2000"),
                       roles=["clinical"])
    text = (STAFF.replace("Anna,Svensson,anna.svensson@skane.se", "Anna,Svensson-Lind,anna.lind@skane.se")
            .replace("lakare,clinical forum_secretary", "lakare,coordinator"))
    report = import_staff(with_units, text, filename="personal.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    first = report.rows[0]
    assert [(c.label, c.before, c.after) for c in first.changes] == [
        ("Efternamn", "Svensson", "Svensson-Lind"), ("E-post", "anna.svensson@skane.se", "anna.lind@skane.se")]
    assert User.objects.get(hsa_id="SE2321000032-p001").last_name == "Svensson-Lind"
    bo = Membership.objects.get(user__hsa_id="SE2321000032-p002", unit__hsa_id="SE2321000032-1101")
    assert bo.roles == ["coordinator"]
    # A membership the file does not mention is left alone.
    assert Membership.objects.get(pk=extra.pk).roles == ["clinical"] and Membership.objects.get(pk=extra.pk).active
    updates = AuditEvent.objects.filter(action="membership.import_update")
    assert [e.changes["roles"] for e in updates] == [[["clinical", "forum_secretary"], ["coordinator"]]]


def test_an_inactive_membership_in_the_file_is_made_active_again(with_units):
    import_staff(with_units, STAFF, filename="personal.csv")
    Membership.objects.filter(user__hsa_id="SE2321000032-p002").update(active=False)
    report = import_staff(with_units, STAFF, filename="personal.csv")
    (row,) = [r for r in report.rows if r.outcome == "update"]
    assert [(c.label, c.before, c.after) for c in row.changes] == [("Aktiv", "nej", "ja")]
    assert Membership.objects.get(user__hsa_id="SE2321000032-p002").active


def test_an_existing_account_is_found_by_its_hsa_id_whatever_its_username(with_units):
    anna = make_user(username="anna.svensson", hsa_id="SE2321000032-p001", first_name="Anna", last_name="Svensson",
                     email="anna.svensson@skane.se")
    report = import_staff(with_units, STAFF, filename="personal.csv")
    assert User.objects.filter(hsa_id="SE2321000032-p001").get() == anna
    assert anna.memberships.count() == 2 and report.rows[0].changes[0].label == "Yrke"
    assert anna.has_usable_password()  # the import leaves a password set by an administrator alone


def test_a_staff_dry_run_reports_what_would_change_and_writes_nothing(with_units):
    before = counts()
    report = import_staff(with_units, STAFF, filename="personal.csv", dry_run=True)
    assert report.dry_run and report.created == 3
    assert [c.label for c in report.rows[0].changes] == [
        "Användarnamn", "HSA-id", "Förnamn", "Efternamn", "E-post", "Hemenhet", "Yrke", "Roller"]
    assert counts() == before


def test_bad_staff_rows_are_named_by_line_and_a_late_bad_row_keeps_the_good_ones_out(with_units):
    text = STAFF + (
        "SE2321000032-p003,Cecilia,,c@x.se,SE2321000032-1101,sjukskoterska,clinical\n"
        "SE2321000032-p004,Dan,Berg,dan@@x,SE2321000032-1101,tandläkare,clinical chef\n"
        "SE2321000032-p001,Anna,Annorlunda,anna.svensson@skane.se,SE2321000032-2000,sjukskoterska,clinical\n"
        "SE2321000032-p002,Bo,Ek,,SE2321000032-1101,lakare,clinical\n"
        "SE2321000032-p005,Eva,Holm,,SE2321000032-9999,lakare,clinical\n")
    before = counts()
    found = problems(lambda: import_staff(with_units, text, filename="personal.csv"))
    messages = dict(found)
    assert sorted(messages) == [5, 6, 7, 8, 9]
    assert "Förnamn och efternamn" in messages[5]
    assert all(part in messages[6] for part in ("Ogiltig e-postadress", "Okänt yrke 'tandläkare'", "Okänd roll: chef"))
    assert "skiljer sig från rad 2" in messages[7]
    assert "redan vid enheten SE2321000032-1101 på rad 4" in messages[8]
    assert "Ingen enhet har HSA-id SE2321000032-9999" in messages[9]
    assert counts() == before


def test_the_command_lists_every_bad_row_as_file_line_message_and_exits_non_zero(with_units, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_text(STAFF + "SE2321000032-p009,Ida,Ny,,SE2321000032-1101,lakare,boss\n"
                    "SE2321000032-p010,Jon,Ny,,SE2321000032-9999,lakare,clinical\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_staff", str(path), "--as", with_units.user.username)
    lines = str(caught.value).splitlines()
    assert lines[1].startswith(f"{path}:5: Okänd roll: boss") and lines[2].startswith(f"{path}:6: Ingen enhet")
    assert not User.objects.filter(hsa_id__startswith="SE2321000032-p0").exists()


def test_the_commands_import_and_dry_run_acting_as_an_administrator(world, tmp_path):
    (tmp_path / "enheter.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "personal.csv").write_text(STAFF, encoding="utf-8")
    out = io.StringIO()
    call_command("import_units", str(tmp_path / "enheter.csv"), "--as", world.user.username, "--dry-run", stdout=out)
    assert "Provkörning" in out.getvalue() and not Unit.objects.filter(hsa_id="SE2321000032-1000").exists()
    call_command("import_units", str(tmp_path / "enheter.csv"), "--as", world.user.username, stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_staff", str(tmp_path / "personal.csv"), "--as", world.user.username, stdout=out)
    assert "Rader: 3 nya, 0 ändrade, 0 oförändrade." in out.getvalue()
    event = AuditEvent.objects.get(action="import.staff")
    assert event.username == world.user.username and event.unit_name == "Regionkansliet"


def test_the_command_acts_only_as_an_administrator_and_asks_which_unit_when_there_are_several(with_units, tmp_path):
    (tmp_path / "personal.csv").write_text(STAFF, encoding="utf-8")
    nurse = make_actor(unit=unit("SE2321000032-1101"), roles=["clinical"])
    with pytest.raises(CommandError, match="inte systemadministratör eller enhetsadministratör"):
        call_command("import_staff", str(tmp_path / "personal.csv"), "--as", nurse.user.username)
    make_staff(user=with_units.user, unit=unit("SE2321000032-2000"), roles=["unit_admin"])
    with pytest.raises(CommandError, match="ange vilken med --unit"):
        call_command("import_staff", str(tmp_path / "personal.csv"), "--as", with_units.user.username)
    call_command("import_staff", str(tmp_path / "personal.csv"), "--as", with_units.user.username,
                 "--unit", "SE2321000032-0001", stdout=io.StringIO())
    assert User.objects.filter(hsa_id="SE2321000032-p001").exists()


# --- Role grants: the same rules as the register pages ----------------------------------------------

def test_a_unit_administrator_imports_everyday_staff_into_their_own_unit(with_units):
    admin = unit_admin_of("SE2321000032-1101")
    text = STAFF_HEADER + "SE2321000032-p001,Anna,Svensson,,SE2321000032-1101,sjukskoterska,clinical coordinator\n"
    import_staff(admin, text, filename="personal.csv")
    anna = User.objects.get(hsa_id="SE2321000032-p001")
    assert anna.home_unit == admin.unit and anna.memberships.get().roles == ["clinical", "coordinator"]
    assert AuditEvent.objects.get(action="user.import_create").username == admin.user.username


def test_a_unit_administrator_granting_admin_or_finance_roles_or_importing_elsewhere_is_refused_per_line(with_units):
    admin = unit_admin_of("SE2321000032-1101")
    text = STAFF_HEADER + (
        "SE2321000032-p001,Anna,Svensson,,SE2321000032-1101,sjukskoterska,clinical\n"
        "SE2321000032-p002,Bo,Ek,,SE2321000032-1101,lakare,clinical system_admin\n"
        "SE2321000032-p003,Cia,Ek,,SE2321000032-1101,analytiker,finance\n"
        "SE2321000032-p004,Dan,Ek,,SE2321000032-1101,koordinator,unit_admin\n"
        "SE2321000032-p005,Eva,Ek,,SE2321000032-1102,sjukskoterska,clinical\n")
    before = counts()
    found = dict(problems(lambda: import_staff(admin, text, filename="personal.csv")))
    assert sorted(found) == [3, 4, 5, 6]
    assert found[3] == "Du får inte ge rollen: Systemadministratör."
    assert found[4] == "Du får inte ge rollen: Ekonomi."
    assert found[5] == "Du får inte ge rollen: Enhetsadministratör."
    assert "kan inte importera personal till Avdelning 6" in found[6]
    assert counts() == before


def test_a_unit_administrator_adds_a_colleague_from_elsewhere_but_does_not_change_their_account(with_units):
    import_staff(with_units, STAFF, filename="personal.csv")  # Bo's account is homed at Avdelning 5
    admin = unit_admin_of("SE2321000032-1102")
    same = STAFF_HEADER + "SE2321000032-p002,Bo,Ek,,SE2321000032-1102,lakare,clinical\n"
    import_staff(admin, same, filename="personal.csv")
    assert Membership.objects.filter(user__hsa_id="SE2321000032-p002", unit=admin.unit).exists()
    renamed = STAFF_HEADER + "SE2321000032-p002,Bo,Ekström,,SE2321000032-1102,lakare,clinical\n"
    found = problems(lambda: import_staff(admin, renamed, filename="personal.csv"))
    assert found[0][0] == 2 and "konton som din enhet sköter" in found[0][1]
    assert User.objects.get(hsa_id="SE2321000032-p002").last_name == "Ek"


def test_an_administrators_own_unchanged_row_passes_but_a_change_to_their_own_roles_is_refused(with_units):
    admin = unit_admin_of("SE2321000032-1101")
    User.objects.filter(pk=admin.user.pk).update(hsa_id="SE2321000032-a001", first_name="Ada", last_name="Admin")
    Membership.objects.filter(pk=admin.membership.pk).update(profession="sjukskoterska", roles=["unit_admin"])
    own = STAFF_HEADER + "SE2321000032-a001,Ada,Admin,,SE2321000032-1101,sjukskoterska,unit_admin\n"
    assert import_staff(admin, own, filename="personal.csv").unchanged == 1
    found = problems(lambda: import_staff(admin, own.replace(",unit_admin", ",unit_admin clinical"),
                                          filename="personal.csv"))
    assert found == [(2, "Du kan inte ändra dina egna medlemskap eller roller. Be en annan administratör.")]


def test_a_coordinator_imports_nothing(with_units):
    coordinator = make_actor(unit=unit("SE2321000032-1101"), roles=["coordinator"])
    found = problems(lambda: import_staff(coordinator, STAFF, filename="personal.csv"))
    assert found == [(None, "Bara administratörer importerar personal.")]


# --- The upload page ------------------------------------------------------------------------------

def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_upload_page_previews_writes_nothing_and_then_imports_the_previewed_file(client, with_units):
    login(client, with_units)
    url = reverse("core:imports")
    assert reverse("core:imports") in client.get(reverse("core:admin_home")).content.decode()
    before = counts()
    page = client.post(url, {"kind": "staff", "step": "preview", "staff-file": upload("personal.csv", STAFF)})
    html = page.content.decode()
    assert page.status_code == 200 and "Förhandsgranskning: personal.csv" in html
    assert "Rader: 3 nya, 0 ändrade, 0 oförändrade." in html and 'value="apply"' in html
    assert counts() == before
    token = page.context["token"]
    page = client.post(url, {"kind": "staff", "step": "apply", "token": token})
    assert "Importen är genomförd" in page.content.decode()
    assert Membership.objects.filter(user__hsa_id="SE2321000032-p001").count() == 2
    # The preview is used once: posting it again imports nothing more and says so.
    page = client.post(url, {"kind": "staff", "step": "apply", "token": token}, follow=True)
    assert "Förhandsgranskningen finns inte längre" in page.content.decode()
    assert AuditEvent.objects.filter(action="import.staff").count() == 1


def test_the_upload_page_lists_every_bad_row_with_its_line_and_offers_no_import(client, with_units):
    login(client, with_units)
    text = STAFF + "SE2321000032-p009,Ida,Ny,,SE2321000032-1101,lakare,boss\n"
    page = client.post(reverse("core:imports"), {"kind": "staff", "step": "preview",
                                                 "staff-file": upload("personal.csv", text)})
    html = page.content.decode()
    assert "Filen personal.csv läses inte in" in html and "Rad 5: Okänd roll: boss" in html
    assert 'value="apply"' not in html and not client.session.get("import_preview")


def test_the_upload_page_refuses_a_file_that_is_not_utf8_csv(client, with_units):
    login(client, with_units)
    page = client.post(reverse("core:imports"), {
        "kind": "units", "step": "preview", "units-file": SimpleUploadedFile("enheter.csv", "Å".encode("latin-1"))})
    assert "Filen är inte UTF-8." in page.content.decode()
    page = client.post(reverse("core:imports"), {
        "kind": "units", "step": "preview", "units-file": upload("enheter.xlsx", UNITS)})
    assert "Filen ska ha ändelsen .csv" in page.content.decode()


def test_a_unit_administrator_sees_only_the_staff_import_and_cannot_post_units(client, with_units):
    admin = unit_admin_of("SE2321000032-1101")
    login(client, admin)
    html = client.get(reverse("core:imports")).content.decode()
    assert 'data-testid="import-staff"' in html and 'data-testid="import-units"' not in html
    page = client.post(reverse("core:imports"), {"kind": "units", "step": "preview",
                                                 "units-file": upload("enheter.csv", UNITS)})
    assert page.status_code == 403


def test_a_preview_is_applied_only_by_the_membership_that_made_it(client, with_units):
    login(client, with_units)
    url = reverse("core:imports")
    page = client.post(url, {"kind": "staff", "step": "preview", "staff-file": upload("personal.csv", STAFF)})
    other = make_staff(user=with_units.user, unit=unit("SE2321000032-2000"), roles=["system_admin"])
    session = client.session
    session["acting_membership_id"] = other.pk
    session.save()
    client.post(url, {"kind": "staff", "step": "apply", "token": page.context["token"]})
    assert not User.objects.filter(hsa_id="SE2321000032-p001").exists()


def test_cancelling_a_preview_forgets_the_file(client, with_units):
    login(client, with_units)
    url = reverse("core:imports")
    page = client.post(url, {"kind": "staff", "step": "preview", "staff-file": upload("personal.csv", STAFF)})
    client.post(url, {"kind": "staff", "step": "cancel", "token": page.context["token"]})
    assert "import_preview" not in client.session
    client.post(url, {"kind": "staff", "step": "apply", "token": page.context["token"]})
    assert not User.objects.filter(hsa_id="SE2321000032-p001").exists()

