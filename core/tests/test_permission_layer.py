"""One layer for refusals: an action's NotPermitted is a 403 page wherever a view lets it pass, and
pages ask the apps' permissions modules (`actor|may:"app.check"`) rather than spelling out roles."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.urls import reverse

from core.tests.factories import login, make_actor, make_care_relation, make_municipality, make_patient, make_unit
from discharge.models import DischargeCase

pytestmark = pytest.mark.django_db


def test_a_refused_action_answers_403_with_the_error_page():
    # A needs assessor in a municipality may not open discharge cases: the action says NotPermitted.
    actor = make_actor(unit=make_unit(organisation=make_municipality(), kind="needs_assessment"), roles=("clinical",))
    client = Client()
    login(client, actor)
    patient = make_patient()
    make_care_relation(actor, patient)
    response = client.post(reverse("discharge:open_case", args=[patient.pk]), {
        "admitted_at": "2026-11-30T08:00", "municipality": actor.unit.organisation_id, "care_type": "somatic"})
    assert response.status_code == 403
    assert DischargeCase.objects.count() == 0


def test_a_page_sees_the_same_answer_as_the_permissions_module():
    finance = make_actor(roles=("finance",))
    nurse = make_actor(roles=("clinical",))
    page = Template('{% load may %}{% if actor|may:"discharge.read_basis" %}underlag{% else %}inget{% endif %}')
    assert page.render(Context({"actor": finance})) == "underlag"
    assert page.render(Context({"actor": nurse})) == "inget"
    assert page.render(Context({"actor": None})) == "inget"


def test_a_page_cannot_ask_an_app_that_is_not_installed():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load may %}{{ actor|may:"nosuchapp.read" }}').render(Context({"actor": make_actor()}))


def test_no_view_or_template_decides_by_role_names():
    # Role checks live in each app's permissions.py (pages ask them with actor|may:"app.check"), so
    # that a page offers exactly what the action accepts. Role *labels* for display are fine.
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    offenders = []
    for path in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        if "actor.roles" in text or "has_role" in text:
            offenders.append(str(path.relative_to(root)))
    views = [*root.glob("*/views.py"), *root.glob("*/*_views.py"), *root.glob("*/views/*.py")]
    assert views
    for path in views:
        text = path.read_text(encoding="utf-8")
        if "has_role(" in text or '"finance"' in text or '"clinical"' in text or '"coordinator"' in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
