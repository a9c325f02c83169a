import pytest
from django.core.management import CommandError, call_command

from core.models import Organisation
from core.tests.factories import make_region

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_brings_back_the_data(tmp_path):
    make_region(code="12", name="Region Skåne")
    target = tmp_path / "backup.db"
    call_command("backup", str(target))
    assert target.stat().st_size > 0
    Organisation.objects.filter(code="12").update(name="Ändrat namn")
    call_command("restore", str(target), "--yes")
    assert Organisation.objects.get(code="12").name == "Region Skåne"


def test_restore_needs_confirmation_and_an_existing_file(tmp_path):
    with pytest.raises(CommandError, match="finns inte"):
        call_command("restore", str(tmp_path / "missing"), "--yes")
    target = tmp_path / "backup.db"
    call_command("backup", str(target))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(target))


def test_backup_refuses_to_overwrite_a_file(tmp_path):
    existing = tmp_path / "old.db"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="finns redan"):
        call_command("backup", str(existing))
    assert existing.read_text() == "keep me"


def test_a_restore_that_fails_part_way_leaves_the_database_as_it_was(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's restore checks the file before it copies anything")
    make_region(code="12", name="Region Skåne")
    target = tmp_path / "backup.dump"
    call_command("backup", str(target))
    # Cut the dump short: pg_restore fails after the schema has been emptied in the transaction.
    broken = tmp_path / "broken.dump"
    broken.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    Organisation.objects.filter(code="12").update(name="Ändrat namn")
    with pytest.raises(CommandError, match="nothing restored"):
        call_command("restore", str(broken), "--yes")
    assert Organisation.objects.get(code="12").name == "Ändrat namn"
