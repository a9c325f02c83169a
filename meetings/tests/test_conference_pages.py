"""The conference pages: a unit registers a case from the patient's page, the owner orders the
cases, records attendance and writes the recommendation, and the referring unit reads the answer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.factories import login, make_actor
from meetings.models import ConferenceCase, ConferenceSession
from meetings.tests.factories_conference import make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def mdk():
    return make_conference()


def test_register_answer_and_read_the_answer(client, mdk):
    login(client, mdk["referrer"])
    url = reverse("meetings:conference_register", args=[mdk["patient"].pk])
    assert url in client.get(reverse("core:patient_detail", args=[mdk["patient"].pk])).content.decode()
    bad = client.post(url, {"session": mdk["session"].pk, "question": "", "legal_basis": "consent"})
    assert bad.status_code == 400
    response = client.post(url, {"session": mdk["session"].pk, "question": "Operabel tumör?", "legal_basis": "consent",
                                 "image_links": "https://pacs.example.se/studie/123"})
    session_url = reverse("meetings:conference_session", kwargs={"session_id": mdk["session"].pk})
    assert response["Location"] == session_url
    page = client.get(session_url).content.decode()
    assert "Operabel tumör?" in page and 'href="https://pacs.example.se/studie/123"' in page
    assert client.post(session_url, {"action": "order"}).status_code == 403  # only the owner runs the session

    ConferenceSession.objects.filter(pk=mdk["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=20))
    case = ConferenceCase.objects.get()
    login(client, mdk["chair"])
    lead_page = client.get(session_url).content.decode()
    assert "Spara rekommendationen" in lead_page and "Anslut till konferensen" in lead_page
    client.post(session_url, {"action": "attendance", "present": [mdk["chair"].membership.pk]})
    missing = client.post(session_url, {"action": "recommendation", "case": case.pk, "recommendation": "",
                                        "informs_patient": ""})
    assert missing.status_code == 400 and "måste fyllas i" in missing.content.decode()
    client.post(session_url, {"action": "recommendation", "case": case.pk, "recommendation": "Lobektomi",
                              "informs_patient": "Remitterande läkare",
                              "inform_by": (timezone.localdate() + timedelta(days=7)).isoformat()})
    case.refresh_from_db()
    assert case.recommendation == "Lobektomi"

    login(client, mdk["referrer"])
    answer = client.get(session_url).content.decode()
    assert 'data-testid="conference-answer"' in answer and "Lobektomi" in answer and "Remitterande läkare" in answer


def test_a_unit_outside_the_conference_does_not_find_the_session(client, mdk):
    login(client, make_actor())
    assert client.get(reverse("meetings:conference_session",
                              kwargs={"session_id": mdk["session"].pk})).status_code == 404
    assert "Din enhet deltar inte i någon konferens" in client.get(reverse("meetings:conferences")).content.decode()


def test_bad_order_and_attendance_input_is_refused_with_a_message(client, mdk):
    from meetings import actions

    case = actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="?", legal_basis="consent")
    login(client, mdk["chair"])
    url = reverse("meetings:conference_session", kwargs={"session_id": mdk["session"].pk})
    bad_order = client.post(url, {"action": "order", f"pos-{case.pk}": "först"})
    assert bad_order.status_code == 400 and "heltal" in bad_order.content.decode()
    bad_attendance = client.post(url, {"action": "attendance", "present": ["x"]})
    assert bad_attendance.status_code == 400 and "närvarande" in bad_attendance.content.decode()
    assert not mdk["session"].attendance.exists()


def test_a_consultation_case_is_shown_without_identity_to_the_other_units(client, mdk):
    from meetings import actions

    actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="Strålning?",
                          legal_basis="consultation")
    url = reverse("meetings:conference_session", kwargs={"session_id": mdk["session"].pk})
    name = f"{mdk['patient'].first_name} {mdk['patient'].last_name}"
    login(client, mdk["chair"])
    page = client.get(url).content.decode()
    assert "Avidentifierat fall, född 1955" in page and "Strålning?" in page
    assert name not in page and mdk["patient"].personal_number[-4:] not in page
    login(client, mdk["referrer"])
    assert name in client.get(url).content.decode()


def test_conference_reads_are_logged_on_their_real_grounds(client, mdk):
    """The referring unit reads by its relation, another unit by the patient's consent to the
    conference; a de-identified consultation case is no read of the patient."""
    from core.models import AuditEvent
    from meetings import actions

    actions.register_case(mdk["referrer"], mdk["session"], mdk["patient"], question="Strålning?",
                          legal_basis="consultation")
    url = reverse("meetings:conference_session", kwargs={"session_id": mdk["session"].pk})
    reads = AuditEvent.objects.filter(action="meetings.conference.read", patient=mdk["patient"])
    login(client, mdk["chair"])
    client.get(url)
    assert not reads.exists()
    login(client, mdk["referrer"])
    client.get(url)
    assert list(reads.values_list("basis", flat=True)) == ["relation"]
