import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError
from core.models import AuditEvent
from core.tests.factories import make_actor
from discharge import actions
from discharge.models import CaseEvent
from discharge.tests.factories import make_case

pytestmark = pytest.mark.django_db


def as_actor(client, actor):
    client.force_login(actor.user)
    return client


def test_every_party_finds_the_case_in_its_worklist_and_others_do_not(client):
    parties, case = make_case()
    as_actor(client, parties["needs"])
    page = client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()
    assert case.patient.formatted_personal_number in page
    client.logout()
    as_actor(client, make_actor())
    page = client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()
    assert case.patient.formatted_personal_number not in page
    assert "Inga ärenden i den här listan just nu." in page


def test_a_worklist_logs_the_patients_it_shows(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    client.get(reverse("discharge:worklists") + "?lista=all_open")
    assert AuditEvent.objects.filter(patient=case.patient, action="discharge.read", endpoint="discharge:worklists").exists()


def test_a_unit_outside_the_case_gets_404(client):
    _parties, case = make_case()
    as_actor(client, make_actor())
    assert client.get(reverse("discharge:case", args=[case.pk])).status_code == 404
    response = client.post(reverse("discharge:case_action", args=[case.pk, "dialog"]), {"text": "hej"})
    assert response.status_code == 404


def test_the_ward_sends_the_admission_notice_from_the_case_page(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    response = client.post(reverse("discharge:case_action", args=[case.pk, "admission_notice"]),
                           {"known_needs": "Hemtjänst"}, follow=True)
    body = response.content.decode()
    assert "Inskrivningsmeddelandet är skickat." in body
    assert CaseEvent.objects.filter(case=case, kind="admission_notice").count() == 1


def test_discharge_before_ready_is_refused_with_a_message_on_the_page(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    response = client.post(reverse("discharge:case_action", args=[case.pk, "discharge_notice"]), {})
    assert response.status_code == 400
    assert "inte anmäld utskrivningsklar" in response.content.decode()


def test_the_municipality_cannot_send_the_wards_messages(client):
    parties, case = make_case()
    as_actor(client, parties["needs"])
    response = client.post(reverse("discharge:case_action", args=[case.pk, "ready_notice"]), {"judged_by": "Dr X"})
    assert response.status_code == 400
    assert "slutenvård" in response.content.decode()
    assert not CaseEvent.objects.filter(case=case).exists()


def test_opening_the_case_receipts_nothing_and_the_button_receipts_the_messages_shown(client):
    parties, case = make_case()
    message = actions.post_message(parties["ward"], case, text="Behöver rullstol")
    as_actor(client, parties["needs"])
    url = reverse("discharge:case", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Behöver rullstol" in page and 'data-testid="mark-read"' in page and "1 nytt meddelande" in page
    assert not message.receipts.exists()  # no writes on GET
    assert not AuditEvent.objects.filter(action="discharge.read_receipt").exists()
    # A message that comes in after the page was drawn is not receipted with the ones it showed.
    later = actions.post_message(parties["ward"], case, text="Och en rollator")
    response = client.post(reverse("discharge:mark_read", args=[case.pk]), {"event": [message.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == url
    page = response.content.decode()
    assert "1 meddelande kvitterade som lästa." in page and "1 nytt meddelande" in page
    assert message.receipts.filter(unit=parties["needs"].unit, user=parties["needs"].user).exists()
    assert not later.receipts.exists()
    assert "Läst av: Biståndshandläggning Lund" in page
    assert AuditEvent.objects.filter(action="discharge.read_receipt", patient=case.patient).count() == 1


def test_a_unit_receipts_only_other_parties_messages_of_its_own_cases(client):
    parties, case = make_case()
    own = actions.post_message(parties["needs"], case, text="Vi kommer på mötet")
    _, other_case = make_case(parties)
    elsewhere = actions.post_message(parties["ward"], other_case, text="Annat ärende")
    as_actor(client, parties["needs"])
    client.post(reverse("discharge:mark_read", args=[case.pk]), {"event": [own.pk, elsewhere.pk, "x", "9" * 30]})
    assert not own.receipts.exists() and not elsewhere.receipts.exists()
    # Opened by GET (an address copied after the POST), the page it belongs to; nothing written.
    response = client.get(reverse("discharge:mark_read", args=[case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("discharge:case", args=[case.pk])
    # A unit outside the case gets 404.
    client.logout()
    as_actor(client, make_actor())
    assert client.post(reverse("discharge:mark_read", args=[case.pk]), {"event": [own.pk]}).status_code == 404


def test_the_start_page_shows_the_worklist_counters(client):
    parties, case = make_case(admitted_hours_ago=30)
    as_actor(client, parties["ward"])
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="discharge-counters"' in page and "Försenade steg" in page


def test_an_unknown_action_is_404(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    assert client.post(reverse("discharge:case_action", args=[case.pk, "hack"]), {}).status_code == 404


def test_a_planning_invitation_shows_its_meeting_in_swedish_words(client):
    from datetime import datetime

    from django.utils import timezone

    parties, case = make_case()
    actions.send_planning_invitation(parties["ward"], case, form="digital",
                                     meeting_at=timezone.make_aware(datetime(2030, 12, 4, 10, 0)))
    as_actor(client, parties["ward"])
    page = client.get(reverse("discharge:case", args=[case.pk])).content.decode()
    assert "Möte onsdag 4 december 2030 kl. 10:00 (digitalt)" in page


def test_opening_a_case_form_s_address_leads_to_the_case_page_not_a_bare_405(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    refused = client.post(reverse("discharge:case_action", args=[case.pk, "dialog"]), {"text": ""})
    assert refused.status_code == 400 and "Detta fält måste fyllas i." in refused.content.decode()
    for url in (reverse("discharge:case_action", args=[case.pk, "dialog"]), reverse("discharge:correct", args=[case.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("discharge:case", args=[case.pk])


def test_a_message_longer_than_its_limit_is_refused_with_the_limit_not_cut(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    page = client.get(reverse("discharge:case", args=[case.pk]) + "?atgard=dialog").content.decode()
    assert "Högst 4000 tecken." in page and 'maxlength="4000"' in page
    response = client.post(reverse("discharge:case_action", args=[case.pk, "dialog"]), {"text": "x" * 6000})
    assert response.status_code == 400 and "som mest 4000 tecken (den har 6000)" in response.content.decode()
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DIALOG).exists()
    with pytest.raises(ActionError, match="högst 2000 tecken"):
        actions.record_commitment(parties["needs"], case, provides=True, description="ord " * 1000)


def test_the_patient_page_links_the_open_case_and_opening_another_leads_to_it(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    page = client.get(reverse("core:patient_detail", args=[case.patient.pk])).content.decode()
    assert reverse("discharge:case", args=[case.pk]) in page and "Pågående utskrivningsärende" in page
    response = client.get(reverse("discharge:open_case", args=[case.patient.pk]))
    assert response.status_code == 302 and response.url == reverse("discharge:case", args=[case.pk])


def test_the_case_page_renders_only_the_form_asked_for_and_links_the_others(client):
    parties, case = make_case()
    as_actor(client, parties["ward"])
    url = reverse("discharge:case", args=[case.pk])
    page = client.get(url).content.decode()
    assert page.count("<form method=\"post\" action=\"/utskrivning/") == 0
    assert 'href="?atgard=admission_notice#action-admission_notice"' in page
    assert 'href="?atgard=dialog#action-dialog"' in page
    opened = client.get(url + "?atgard=dialog").content.decode()
    assert f'action="{reverse("discharge:case_action", args=[case.pk, "dialog"])}"' in opened
    assert 'name="text"' in opened and 'name="preliminary_discharge_on"' not in opened
    # An action the party does not have (or none at all) opens no form.
    as_actor(client, parties["needs"])
    other = client.get(url + "?atgard=admission_notice").content.decode()
    assert 'name="preliminary_discharge_on"' not in other and "?atgard=admission_notice" not in other


def test_the_worklist_reads_its_filter_choices_only_when_the_filter_panel_is_open(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parties, case = make_case()
    as_actor(client, parties["ward"])
    url = reverse("discharge:worklists") + "?lista=all_open"
    client.get(url)
    with CaptureQueriesContext(connection) as closed:
        page = client.get(url).content.decode()
    assert 'data-testid="worklist-filter-open"' in page and 'id="f-mun"' not in page
    with CaptureQueriesContext(connection) as opened:
        page = client.get(url + "&filtrera=1").content.decode()
    assert f'<option value="{case.municipality.pk}" >{case.municipality.name}</option>' in page
    def selects(captured):
        # On PostgreSQL the choices' DISTINCT runs under serial_planning: its SET LOCAL (and, in a
        # test's transaction, a savepoint) come with it.
        return [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]

    assert len(selects(opened)) == len(selects(closed)) + 3  # the choices: pairs, wards, municipalities
    filtered = client.get(url + f"&kommun={case.municipality.pk}").content.decode()
    assert 'id="f-mun"' in filtered and case.patient.formatted_personal_number in filtered


def test_the_worklist_counts_its_pages_from_the_list_count(client):
    parties, _case = make_case()
    for _ in range(50):
        make_case(parties)
    as_actor(client, parties["ward"])
    page = client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()
    assert "Sida 1 av 2 (51 ärenden)" in page
    second = client.get(reverse("discharge:worklists") + "?lista=all_open&sida=2").content.decode()
    assert second.count('data-label="Patient"') == 1


def test_the_worklist_shows_each_row_with_its_link_times_and_a_protected_name_masked(client):
    from core.models import Patient
    from core.queries import PROTECTED_NAME

    parties, case = make_case(admitted_hours_ago=30, care_type="psychiatric")
    _, hidden = make_case(parties, admitted_hours_ago=20)
    Patient.objects.filter(pk=hidden.patient_id).update(protected_identity=True, first_name="Hemlig", last_name="Person")
    as_actor(client, parties["ward"])
    page = client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()
    admitted = timezone.localtime(case.admitted_at).strftime("%Y-%m-%d %H:%M")
    assert f'<a href="{reverse("discharge:case", args=[case.pk])}">Greta Testsson</a>' in page
    assert f'data-label="Inskriven">{admitted}</td>' in page and "psykiatri" in page
    assert "Ej skickat" in page and "Hemlig" not in page and PROTECTED_NAME in page
    # In admission order, the oldest first: the order of the party rows' copy of the times.
    assert page.index(case.patient.formatted_personal_number) < page.index(hidden.patient.formatted_personal_number)
    # Staff with the role for protected identities see the name.
    allowed = make_actor(parties["ward"].unit, roles=("clinical", "protected_identity"))
    client.logout()
    as_actor(client, allowed)
    assert "Hemlig Person" in client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()


def test_the_worklist_logs_one_read_of_each_case_it_shows_with_its_patient(client):
    parties, case = make_case()
    _, other = make_case(parties)
    as_actor(client, parties["ward"])
    client.get(reverse("discharge:worklists") + "?lista=all_open")
    logged = AuditEvent.objects.filter(action="discharge.read", endpoint="discharge:worklists")
    assert sorted(logged.values_list("object_type", "object_id", "patient_id", "unit_id")) == sorted(
        ("discharge.dischargecase", str(c.pk), c.patient_id, parties["ward"].unit_id) for c in (case, other))


def test_every_action_of_the_case_page_has_its_title():
    from discharge.views import ACTION_TITLES, CASE_ACTIONS

    assert set(ACTION_TITLES) == set(CASE_ACTIONS)


def test_each_list_s_first_screen_shows_exactly_the_unit_s_open_cases_on_that_list():
    """The first screen of a list is read by one compiled statement (`queries._first_screen_read`):
    it must carry the list's condition with this request's moments, the unit and the open cases
    only, as the ORM's read of the list does."""
    from datetime import timedelta

    from discharge import queries

    parties, fresh = make_case(admitted_hours_ago=2)
    ward = parties["ward"]
    _, late = make_case(parties, admitted_hours_ago=30)  # no admission notice after 24 hours: overdue
    _, ready_today = make_case(parties, admitted_hours_ago=50)
    actions.send_admission_notice(ward, ready_today, at=timezone.now() - timedelta(hours=49))
    actions.send_ready_notice(ward, ready_today, judged_by="Dr Per Holm", at=timezone.now() - timedelta(minutes=5))
    _, long_stayer = make_case(parties, admitted_hours_ago=24 * 50)
    actions.send_admission_notice(ward, long_stayer, at=timezone.now() - timedelta(days=49))
    actions.send_ready_notice(ward, long_stayer, judged_by="Dr Per Holm", at=timezone.now() - timedelta(days=40))
    _, closed = make_case(parties, admitted_hours_ago=60)
    actions.send_admission_notice(ward, closed, at=timezone.now() - timedelta(hours=59))
    actions.send_ready_notice(ward, closed, judged_by="Dr Per Holm", at=timezone.now() - timedelta(hours=10))
    actions.send_discharge_notice(ward, closed, at=timezone.now() - timedelta(hours=1))
    other_parties, elsewhere = make_case(admitted_hours_ago=40)  # another ward's case: never on this ward's lists
    shown = {}
    for key in queries.WORKLIST_KEYS:
        _total, rows = queries.worklist_page(ward, key, filters={}, sort="admitted", page=1, endpoint="test")
        expected = list(queries.worklist_parties(ward, key).order_by("admitted_at", "case_id")
                        .values_list("case_id", flat=True))
        shown[key] = [row.pk for row in rows]
        assert shown[key] == expected, key
        assert elsewhere.pk not in shown[key] and closed.pk not in shown[key], key
    assert shown["all_open"] == [long_stayer.pk, ready_today.pk, late.pk, fresh.pk]
    assert shown["ready_today"] == [ready_today.pk]
    assert shown["long_stayers"] == [long_stayer.pk]
    assert late.pk in shown["overdue"] and fresh.pk not in shown["overdue"]
    assert queries.worklist_page(other_parties["ward"], "all_open", filters={}, sort="admitted", page=1,
                                 endpoint="test")[1][0].pk == elsewhere.pk


def test_the_worklist_writes_quotes_and_markup_in_names_as_django_does(client):
    """The rows are Jinja2's (core.rows); their bytes stay those of Django's escaping."""
    from core.models import Patient, Unit

    parties, case = make_case()
    Patient.objects.filter(pk=case.patient_id).update(first_name='Seán "Bob"', last_name="O'Brien & <Co>")
    Unit.objects.filter(pk=case.ward_id).update(name="Avdelning 'Norr'")
    as_actor(client, parties["ward"])
    page = client.get(reverse("discharge:worklists") + "?lista=all_open").content.decode()
    assert "Seán &quot;Bob&quot; O&#x27;Brien &amp; &lt;Co&gt;</a>" in page
    assert '<td data-label="Avdelning">Avdelning &#x27;Norr&#x27;</td>' in page
