"""The forums demo `make run` loads: the seeds' forums with published minutes, a meeting ahead with a
carried and a standing item, a consultation with a deadline and three goals with values; it loads
twice without change, and `print_demo_logins` names a forum secretary and a chair."""

import io

import pytest
from django.core.management import call_command

from forums.models import AgendaItem, Forum, Goal, Meeting

pytestmark = pytest.mark.django_db


def test_the_forums_demo_loads_twice_with_minutes_goals_and_logins():
    for _ in range(2):
        for command in ("seed_demo", "seed_discharge_demo", "seed_meetings_demo", "seed_forums_demo"):
            call_command(command, stdout=io.StringIO(), **({"patients": 120} if command == "seed_demo" else {}))
    assert sorted(Forum.objects.values_list("name", flat=True)) == [
        "Central tjänstemannaberedning, Vårdsamverkan Skåne", "Nätverk för samverkan vid utskrivning i Sydväst",
        "RSL Sydöstra sjukvårdsregionen", "Styrgrupp Nära vård"]
    rsl = Forum.objects.get(short_name="RSL")
    held = rsl.meetings.get(published_at__isnull=False)
    assert held.locked and held.items.filter(decisions__isnull=False).exists()
    ahead = Meeting.objects.get(forum=rsl, held=False)
    titles = list(ahead.items.values_list("title", flat=True))
    assert titles[:2] == ["Data analys", "Läkemedelsstrategi"]  # standing items first
    assert AgendaItem.objects.filter(meeting=ahead, carried_from__meeting=held).exists()
    assert ahead.items.filter(kind="consultation", answer_by__isnull=False).exists()
    assert {g.name: g.values.filter(area="").exists() for g in Goal.objects.all()} == {
        "Andel diktat med taligenkänning": True, "Andel besök via video": True, "Medel utskrivningsklara dagar": True}
    out = io.StringIO()
    call_command("print_demo_logins", stdout=out)
    assert "sekreterare" in out.getvalue() and "Forumsekreterare" in out.getvalue()
    assert "ordforande" in out.getvalue() and "Ordförande" in out.getvalue()
