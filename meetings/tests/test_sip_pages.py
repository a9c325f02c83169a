"""The SIP pages: started from the person's page, participants and efforts added, a version
fixed and read by the person in Mina sidor, as PDF too."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Unit
from core.tests.factories import (
    login, make_actor, make_care_relation, make_municipality, make_patient, make_resident, make_unit,
)
from core.tests.hostile import MARKUP, assert_safe_pdf
from meetings import actions
from meetings.models import SipParticipant, SipPlan
from meetings.tests.factories import make_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def sip():
    clinic = make_clinic()
    clinic["resident"] = make_resident(make_patient(birth=date(1948, 3, 2), first_name="Greta"))
    make_care_relation(clinic["nurse"], clinic["resident"].patient)
    clinic["home_care"] = make_unit(make_municipality(), name="Hemsjukvården Lund", kind=Unit.Kind.HOME_CARE)
    return clinic


def test_a_plan_from_start_to_the_persons_own_page(client, sip):
    patient = sip["resident"].patient
    login(client, sip["nurse"])
    new = reverse("meetings:sip_new", args=[patient.pk])
    assert new in client.get(reverse("core:patient_detail", args=[patient.pk])).content.decode()
    follow_up = (timezone.localdate() + timedelta(days=90)).isoformat()
    refused = client.post(new, {"person_goals": "Bo kvar hemma", "follow_up_on": follow_up})
    assert refused.status_code == 400 and "samtycker" in refused.content.decode()
    response = client.post(new, {"consent_given": "on", "person_goals": "Bo kvar hemma", "follow_up_on": follow_up})
    plan = SipPlan.objects.get()
    url = reverse("meetings:sip", kwargs={"plan_id": plan.pk})
    assert response["Location"] == url
    invite = {"action": "participant", "participant-name": "Lena Mårtensson", "participant-role": "Sjuksköterska",
              "participant-unit": sip["home_care"].pk}
    refused = client.post(url, invite)
    assert refused.status_code == 400 and "samtycke omfattar inte Lunds kommun" in refused.content.decode()
    client.post(url, invite | {"participant-consent_given": "on"})
    client.post(url, {"action": "participant", "participant-name": "Anna", "participant-role": "Dotter",
                      "participant-is_relative": "on"})
    page = client.get(url).content.decode()
    assert "inbjuden, väntar på svar" in page and "Lunds kommun –" in page
    # The municipal nurse accepts for her unit, and then finds the plan among her unit's.
    login(client, make_actor(unit=sip["home_care"]))
    invitation = SipParticipant.objects.get(unit=sip["home_care"])
    response = client.post(reverse("meetings:sip_invitation", args=[invitation.pk]), {"answer": "accept"})
    assert response["Location"] == url
    assert "Greta" in client.get(reverse("meetings:sip_list")).content.decode()
    client.post(url, {"action": "effort", "effort-unit": sip["home_care"].pk, "effort-description": "Hemsjukvård",
                      "effort-goal": "Sår läkt"})
    client.post(url, {"action": "publish", "publish-reason": "Första planen"})
    page = client.get(url).content.decode()
    assert "Hemsjukvården Lund" in page and "Anna, Dotter" in page and "Version 1: Första planen" in page
    pdf = client.get(reverse("meetings:sip_version_pdf", kwargs={"plan_id": plan.pk, "number": 1}))
    assert pdf.content.startswith(b"%PDF")
    # The person reads the fixed version.
    login(client, sip["resident"])
    mine = client.get(reverse("meetings:portal_sip")).content.decode()
    assert "Bo kvar hemma" in mine and "Hemsjukvård" in mine and "Hemsjukvården Lund" in mine
    assert client.get(reverse("meetings:portal_sip_pdf", kwargs={"plan_id": plan.pk, "number": 1})).status_code == 200


def test_a_form_error_is_shown_on_the_plan_page(client, sip):
    login(client, sip["nurse"])
    client.post(reverse("meetings:sip_new", args=[sip["resident"].patient.pk]), {
        "consent_given": "on", "follow_up_on": (timezone.localdate() + timedelta(days=30)).isoformat()})
    url = reverse("meetings:sip", kwargs={"plan_id": SipPlan.objects.get().pk})
    response = client.post(url, {"action": "publish", "publish-reason": "Första planen"})
    assert response.status_code == 400 and "minst en insats" in response.content.decode()


def test_others_do_not_find_the_plan(client, sip):
    login(client, sip["nurse"])
    client.post(reverse("meetings:sip_new", args=[sip["resident"].patient.pk]), {
        "consent_given": "on", "follow_up_on": (timezone.localdate() + timedelta(days=30)).isoformat()})
    plan = SipPlan.objects.get()
    login(client, make_actor())
    assert client.get(reverse("meetings:sip", kwargs={"plan_id": plan.pk})).status_code == 404
    login(client, make_resident())
    assert client.get(reverse("meetings:portal_sip_pdf", kwargs={"plan_id": plan.pk, "number": 1})).status_code == 404


@pytest.mark.parametrize("value", MARKUP)
def test_the_sip_pdf_shows_markup_in_the_plan_literally_and_never_as_a_link(client, sip, value):
    patient = sip["resident"].patient
    patient.first_name = value
    patient.save(update_fields=["first_name"])
    sip["home_care"].name = value
    sip["home_care"].save(update_fields=["name"])
    plan = actions.create_sip(sip["nurse"], patient, consent_given=True, person_goals=value,
                              follow_up_on=timezone.localdate() + timedelta(days=30))
    invitation = actions.add_sip_participant(sip["nurse"], plan, name=value, role=value, unit=sip["home_care"],
                                             consent_given=True)
    actions.answer_sip_invitation(make_actor(unit=sip["home_care"]), invitation, accept=True)
    actions.add_sip_effort(sip["nurse"], plan, unit=sip["home_care"], description=value, goal=value)
    actions.publish_sip_version(sip["nurse"], plan, reason=value)
    login(client, sip["nurse"])
    shown = [f"{value} Testsson", f"Version 1 ({value})", f"{value}: {value} (mål: {value})", f"{value}, {value}, {value}"]
    assert_safe_pdf(client.get(reverse("meetings:sip_version_pdf", kwargs={"plan_id": plan.pk, "number": 1})), *shown)
    login(client, sip["resident"])
    assert_safe_pdf(client.get(reverse("meetings:portal_sip_pdf", kwargs={"plan_id": plan.pk, "number": 1})), *shown)


def start_and_invite(client, sip):
    login(client, sip["nurse"])
    client.post(reverse("meetings:sip_new", args=[sip["resident"].patient.pk]), {
        "consent_given": "on", "follow_up_on": (timezone.localdate() + timedelta(days=30)).isoformat()})
    plan = SipPlan.objects.get()
    client.post(reverse("meetings:sip", kwargs={"plan_id": plan.pk}), {
        "action": "participant", "participant-name": "Lena Mårtensson", "participant-role": "Sjuksköterska",
        "participant-unit": sip["home_care"].pk, "participant-consent_given": "on"})
    return plan, SipParticipant.objects.get(unit=sip["home_care"])


def test_an_invited_unit_sees_its_invitation_but_not_the_person_until_it_accepts(client, sip):
    plan, invitation = start_and_invite(client, sip)
    patient = sip["resident"].patient
    login(client, make_actor(unit=sip["home_care"]))
    listing = client.get(reverse("meetings:sip_list")).content.decode()
    assert "Inbjudningar" in listing and invitation.reference in listing and "Vårdcentralen Norr" in listing
    assert "Greta" not in listing and patient.personal_number[-4:] not in listing
    plan_url = reverse("meetings:sip", kwargs={"plan_id": plan.pk})
    patient_url = reverse("core:patient_detail", args=[patient.pk])
    assert client.get(plan_url).status_code == 404 and client.get(patient_url).status_code == 404
    assert client.get(reverse("meetings:sip_version_pdf", kwargs={"plan_id": plan.pk, "number": 1})).status_code == 404
    client.post(reverse("meetings:sip_invitation", args=[invitation.pk]), {"answer": "accept"})
    assert client.get(plan_url).status_code == 200 and client.get(patient_url).status_code == 200
    assert "Inbjudningar" not in client.get(reverse("meetings:sip_list")).content.decode()


def test_another_unit_cannot_answer_an_invitation_and_a_declined_one_is_gone(client, sip):
    plan, invitation = start_and_invite(client, sip)
    answer = reverse("meetings:sip_invitation", args=[invitation.pk])
    client.post(answer, {"answer": "accept"})  # the inviting nurse, for the other unit
    login(client, make_actor())
    assert client.post(answer, {"answer": "accept"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == SipParticipant.Status.INVITED
    login(client, make_actor(unit=sip["home_care"], roles=("finance",)))
    listing = client.get(reverse("meetings:sip_list")).content.decode()
    assert invitation.reference in listing and "Tacka ja" not in listing
    assert client.post(answer, {"answer": "accept"}).status_code == 403
    login(client, make_actor(unit=sip["home_care"]))
    assert client.get(answer).url == reverse("meetings:sip_list")  # opened by address: back to the list
    client.post(answer, {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == SipParticipant.Status.DECLINED
    assert 'data-testid="sip-invitation"' not in client.get(reverse("meetings:sip_list")).content.decode()
    assert client.get(reverse("meetings:sip", kwargs={"plan_id": plan.pk})).status_code == 404
    assert client.post(answer, {"answer": "accept"}).status_code == 404
    login(client, sip["nurse"])
    assert "tackade nej" in client.get(reverse("meetings:sip", kwargs={"plan_id": plan.pk})).content.decode()


def test_a_consent_to_another_organisation_is_recorded_on_the_plan_page(client, sip):
    plan, invitation = start_and_invite(client, sip)
    plan.consents.exclude(organisation=sip["region"]).delete()  # as a plan from before invitations
    actions.answer_sip_invitation(make_actor(unit=sip["home_care"]), invitation, accept=True)
    url = reverse("meetings:sip", kwargs={"plan_id": plan.pk})
    page = client.get(url).content.decode()
    assert "samtycke saknas för Lunds kommun" in page
    refused = client.post(url, {"action": "consent", "consent-organisation": sip["home_care"].organisation.pk})
    assert refused.status_code == 400 and "Bekräfta att personen samtycker" in refused.content.decode()
    client.post(url, {"action": "consent", "consent-organisation": sip["home_care"].organisation.pk,
                      "consent-consent_given": "on", "consent-note": "Via god man"})
    assert "Lunds kommun – " in client.get(url).content.decode()
    login(client, make_actor(unit=sip["home_care"]))
    assert client.get(url).status_code == 200
