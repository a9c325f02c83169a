"""The main menu (`{% mainnav %}`, core/templatetags/menu.py) is rendered once per process for each
combination of what decides it and then kept: a kept menu must be the one a fresh render gives, for
whoever asks next, and nothing of a person may be in it."""

import re

import pytest
from django.urls import reverse

from core.templatetags import menu
from core.tests.factories import login, make_actor, make_municipality, make_region, make_resident, make_unit
from core.models import Organisation, Unit

pytestmark = pytest.mark.django_db


def nav(client, path):
    page = client.get(path).content.decode()
    return re.search(r'<nav class="mainnav".*?</nav>', page, re.DOTALL).group(0)


def entries(html):
    """(label, current) of each link of the menu."""
    return [(label, "aria-current" in attrs) for attrs, label in re.findall(r"<a ([^>]*)>([^<]+)</a>", html)]


@pytest.fixture
def people():
    region = make_region()
    ward = make_unit(region, name="Avdelning 7 Kirurgi", kind=Unit.Kind.WARD)
    finance = make_unit(region, name="Regionkansliet Ekonomi", kind=Unit.Kind.ADMINISTRATION)
    private = make_unit(Organisation.objects.create(kind=Organisation.Kind.PRIVATE, name="Privata Vården AB"),
                        name="Privata Vårdcentralen", kind=Unit.Kind.PRIMARY_CARE)
    make_municipality()
    return {
        "nurse": make_actor(unit=ward),
        "finance": make_actor(unit=finance, roles=("finance",)),
        "coordinator": make_actor(unit=ward, roles=("clinical", "coordinator")),
        "private_coordinator": make_actor(unit=private, roles=("clinical", "coordinator")),
        "admin": make_actor(unit=ward, roles=("clinical", "unit_admin")),
        "resident": make_resident(),
    }


def test_each_person_gets_their_own_menu_whoever_asked_first(client, people):
    pages = [reverse("core:home"), reverse("discharge:worklists"), reverse("meetings:calendar"),
             reverse("discharge:followup"), reverse("meetings:followup"), reverse("core:portal")]
    seen = {}
    for order in (list(people), list(reversed(people))):
        menu._kept.clear()  # the second pass asks in the other order: the kept menus come from others
        for who in order:
            login(client, people[who])
            for path in pages:
                response = client.get(path)
                if response.status_code != 200:
                    continue
                html = re.search(r'<nav class="mainnav".*?</nav>', response.content.decode(), re.DOTALL).group(0)
                assert seen.setdefault((who, path), html) == html, (who, path)
    labels = {who: [label for label, _ in entries(seen[(who, reverse("core:portal" if who == "resident" else "core:home"))])]
              for who in people}
    assert "Fakturaunderlag" in labels["finance"] and "Fakturaunderlag" not in labels["nurse"]
    assert "Utskrivning i siffror" in labels["coordinator"] and "Utskrivning i siffror" not in labels["nurse"]
    assert "Vårdmöten i siffror" in labels["private_coordinator"]  # discharge figures are not for private care
    assert "Administration" in labels["admin"] and "Administration" not in labels["nurse"]
    assert labels["resident"][0] == "Mina sidor" and "Start" not in labels["resident"]


def test_the_open_page_is_marked_in_the_menu(client, people):
    login(client, people["coordinator"])
    assert [label for label, current in entries(nav(client, reverse("discharge:worklists"))) if current] == ["Utskrivning"]
    assert [label for label, current in entries(nav(client, reverse("meetings:calendar"))) if current] == ["Kalender"]
    assert [label for label, current in entries(nav(client, reverse("core:home"))) if current] == ["Start"]
    login(client, people["admin"])
    assert [label for label, current in entries(nav(client, reverse("core:admin_home"))) if current] == ["Administration"]


def test_no_name_unit_or_page_address_is_kept(client, people):
    menu._kept.clear()
    for who in people:
        login(client, people[who])
        client.get(reverse("core:home"))
    kept = " ".join(str(part) for key in menu._kept for part in key) + " ".join(menu._kept.values())
    for actor in (people["nurse"], people["finance"], people["private_coordinator"]):
        assert actor.user.username not in kept and actor.unit.name not in kept
    assert people["resident"].username not in kept
