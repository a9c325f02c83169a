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
