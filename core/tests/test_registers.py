"""The national registers and the bootstrap of a fresh install."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.actor import Actor
from core.models import AuditEvent, Membership, Organisation, User
from core.registers import DATA, load_registers, municipality_name, read_registers

pytestmark = pytest.mark.django_db

BOOTSTRAP = ["--organisation", "07", "--unit-name", "Regionkansliet", "--unit-hsa-id", "SE2321000065-0001",
             "--username", "driftadmin", "--email", "drift@region.example"]


def run(*args, **env):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("short", "full"), [
    ("Lund", "Lunds kommun"), ("Hörby", "Hörby kommun"), ("Höganäs", "Höganäs kommun"), ("Malmö", "Malmö kommun"),
    ("Upplands Väsby", "Upplands Väsby kommun"), ("Östra Göinge", "Östra Göinge kommun"), ("Bjuv", "Bjuvs kommun"),
])
def test_a_municipality_is_named_as_it_names_itself(short, full):
    assert municipality_name(short) == full


@pytest.mark.parametrize(("full", "town"), [
    ("Lunds kommun", "Lund"), ("Höganäs kommun", "Höganäs"), ("Hörby kommun", "Hörby"), ("Bjuvs kommun", "Bjuv"),
])
def test_the_town_of_a_municipality_is_its_name_without_the_genitive(full, town):
    from core.registers import town_name

    assert town_name(full) == town


def test_the_registers_hold_21_regions_and_290_municipalities_each_in_its_county():
    rows = read_registers()
    regions = [r for r in rows if r.kind == Organisation.Kind.REGION]
    municipalities = [r for r in rows if r.kind == Organisation.Kind.MUNICIPALITY]
    assert len(regions) == 21 and len(municipalities) == 290
    assert {r.code for r in municipalities if r.county_code == "12"} >= {"1280", "1281"}
    lund = next(r for r in municipalities if r.code == "1281")
    assert lund.name == "Lunds kommun" and lund.healthcare_region == "Södra"


def test_loading_twice_changes_nothing_the_second_time():
    assert "311 nya" in run("load_registers")
    events = AuditEvent.objects.count()
    assert "0 nya, 0 ändrade, 311 oförändrade" in run("load_registers")
    assert AuditEvent.objects.count() == events
    assert Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY).count() == 290


def test_a_rename_by_scb_updates_the_organisation_and_is_kept_in_the_audit_log(tmp_path):
    load_registers()
    shutil.copy(DATA / "regions.csv", tmp_path / "regions.csv")
    text = (DATA / "municipalities.csv").read_text(encoding="utf-8").replace("1281,Lund,12", "1281,Lund stad,12")
    (tmp_path / "municipalities.csv").write_text(text, encoding="utf-8")
    report = load_registers(read_registers(tmp_path))
    assert [code for code, _name, _changes in report.changed] == ["1281"]
    assert Organisation.objects.get(code="1281").name == "Lund stads kommun"
    event = AuditEvent.objects.get(action="organisation.register_update")
    assert event.changes == {"name": ["Lunds kommun", "Lund stads kommun"]}


def test_a_dry_run_writes_nothing():
    assert "Skulle ge: 311 nya" in run("load_registers", "--dry-run")
    assert not Organisation.objects.exists()


def test_a_bad_register_file_is_refused_whole_with_its_lines(tmp_path):
    shutil.copy(DATA / "regions.csv", tmp_path / "regions.csv")
    (tmp_path / "municipalities.csv").write_text(
        "municipality_code,municipality,county_code\n1281,Lund,12\n99,Ingenstans,12\n", encoding="utf-8")
    with pytest.raises(Exception) as error:
        read_registers(tmp_path)
    assert error.value.lines() == ["municipalities.csv:3: Kommunkoden ska vara fyra siffror som börjar med "
                                   "länskoden: '99'."]


def test_a_deactivated_municipality_stays_deactivated_when_the_registers_are_loaded_again():
    load_registers()
    Organisation.objects.filter(code="1281").update(active=False)
    load_registers()
    assert not Organisation.objects.get(code="1281").active


def test_bootstrap_gives_a_fresh_install_its_first_system_administrator(monkeypatch, client):
    monkeypatch.setenv("SAMVERKAN_BOOTSTRAP_PASSWORD", "Forsta-admin-losen-2026")
    run("load_registers")
    assert "driftadmin" in run("bootstrap", *BOOTSTRAP)
    membership = Membership.objects.get(user__username="driftadmin")
    assert membership.unit.organisation.code == "07" and membership.unit.kind == "administration"
    assert Actor.for_membership(membership).is_system_admin
    assert {"unit.bootstrap", "user.bootstrap", "membership.bootstrap"} <= set(
        AuditEvent.objects.values_list("action", flat=True))
    # The new administrator logs in and lands in the app, not on "no membership".
    response = client.post("/logga-in/", {"username": "driftadmin", "password": "Forsta-admin-losen-2026"})
    assert response.status_code == 302
    assert client.get("/administration/").status_code == 200


def test_bootstrap_refuses_when_a_system_administrator_exists_unless_told(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_BOOTSTRAP_PASSWORD", "Forsta-admin-losen-2026")
    run("load_registers")
    run("bootstrap", *BOOTSTRAP)
    second = [*BOOTSTRAP[:-4], "--username", "andra"]
    with pytest.raises(CommandError, match="redan en systemadministratör"):
        run("bootstrap", *second)
    assert not User.objects.filter(username="andra").exists()
    run("bootstrap", *second, "--another")
    assert Membership.objects.get(user__username="andra").unit.hsa_id == "SE2321000065-0001"


def test_bootstrap_needs_the_registers_and_a_strong_password(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_BOOTSTRAP_PASSWORD", "Forsta-admin-losen-2026")
    with pytest.raises(CommandError, match="load_registers"):
        run("bootstrap", *BOOTSTRAP)
    run("load_registers")
    monkeypatch.setenv("SAMVERKAN_BOOTSTRAP_PASSWORD", "123")
    with pytest.raises(CommandError):
        run("bootstrap", *BOOTSTRAP)
    assert not User.objects.exists()


def test_bootstrap_can_give_the_first_administrator_an_hsa_id_for_e_id_login(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_BOOTSTRAP_PASSWORD", "Forsta-admin-losen-2026")
    run("load_registers")
    run("bootstrap", *BOOTSTRAP, "--hsa-id", "SE2321000065-A001")
    assert User.objects.get(username="driftadmin").hsa_id == "SE2321000065-A001"
