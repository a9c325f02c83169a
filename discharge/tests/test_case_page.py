"""The case page's timeline and parties, read by statements compiled once per process and rendered by
Jinja2 (discharge/jinja2/discharge/case_events.html): only the case's own rows, and text escaped as
Django's templates escape it."""

from datetime import date, timedelta

import pytest
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core.models import Unit
from core.tests.factories import make_actor, make_unit
from discharge import actions, queries
from discharge.models import CaseEvent, ReadReceipt
from discharge.tests.factories import make_case, make_parties

pytestmark = pytest.mark.django_db


def page_of(client, actor, case):
    client.force_login(actor.user)
    response = client.get(reverse("discharge:case", args=[case.pk]))
    return response.status_code, response.content.decode()


def test_the_page_shows_its_own_case_s_parties_events_and_receipts_and_nothing_of_another_case(client):
    parties, case = make_case()
    shown = actions.post_message(parties["needs"], case, text="Här")
    actions.mark_case_read(parties["ward"], case, event_ids={shown.pk})
    # Another case of the same ward, with other parties, messages and receipts.
    others = make_parties()
    for role, name in (("primary", "Vårdcentralen Norr"), ("needs", "Biståndshandläggning Malmö")):
        Unit.objects.filter(pk=others[role].unit_id).update(name=name)
    others["ward"] = parties["ward"]
    _, elsewhere = make_case(others)
    hidden = actions.post_message(others["needs"], elsewhere, text="Där borta")
    actions.mark_case_read(parties["ward"], elsewhere, event_ids={hidden.pk})
    actions.post_message(others["primary"], elsewhere, text="Också där")
    status, page = page_of(client, parties["ward"], case)
    assert status == 200
    assert "Här" in page and "Där borta" not in page and "Också där" not in page
    assert f'id="event-{shown.pk}"' in page and f'id="event-{hidden.pk}"' not in page
    assert page.count("Läst av: ") == 1 and "Läst av: Avdelning 2 Ortopedi</div>" in page
    assert "Vårdcentralen Norr" not in page and "Biståndshandläggning Malmö" not in page
    assert page.count("Vårdcentralen Centrum (primärvård)") == 1
    assert "nytt meddelande" not in page  # the other case's unread message is not counted here
    # A unit outside the case still gets 404, and the case's other parties see it.
    assert page_of(client, make_actor(), case)[0] == 404
    assert page_of(client, others["needs"], case)[0] == 404
    assert "Här" in page_of(client, parties["needs"], case)[1]


def test_the_compiled_timeline_answers_as_the_orm_does():
    parties, case = make_case()
    notice = actions.send_admission_notice(parties["ward"], case, known_needs="Rollator")
    actions.correct_event(parties["ward"], notice, reason="Fel tid", at=notice.occurred_at + timedelta(minutes=5))
    message = actions.post_message(parties["needs"], case, text="Hej")
    for actor in (parties["ward"], parties["primary"]):
        actions.mark_case_read(actor, case, event_ids={message.pk})
    orm = list(case.events.select_related("author", "author_unit", "corrects")
               .annotate(is_corrected=Exists(CaseEvent.objects.filter(corrects=OuterRef("pk")))))
    compiled = queries.timeline(case)
    assert [e.pk for e in compiled] == [e.pk for e in orm] and len(orm) == 3
    for shown, event in zip(compiled, orm, strict=True):
        assert (shown.kind, shown.occurred_at, shown.recorded_at, shown.data, shown.reason, shown.is_corrected) == (
            event.kind, event.occurred_at, event.recorded_at, event.data, event.reason, event.is_corrected)
        assert (shown.author, shown.author_unit) == (event.author.display_name(), event.author_unit.name)
        assert shown.corrects_id == event.corrects_id
        assert shown.corrects_kind == (event.corrects.kind if event.corrects else None)
        receipts = ReadReceipt.objects.filter(event=event).order_by("id")
        assert shown.receipts == [(r.unit_id, r.unit.name) for r in receipts]
    assert [e.is_corrected for e in compiled] == [True, False, False]
    assert {p.unit_id for p in queries.case_parties(case)} == {a.unit_id for a in
                                                                (parties["ward"], parties["primary"], parties["needs"])}


def test_text_of_events_is_escaped_as_django_escapes_it_with_its_dates_in_swedish(client):
    parties, case = make_case()
    parties["needs"].user.last_name = "O'Brien <&>"
    parties["needs"].user.save()
    actions.send_admission_notice(parties["ward"], case, preliminary_discharge_on=date(2030, 12, 4),
                                  known_needs='Hemtjänst "morgon" & <kväll>\nRollator')
    actions.post_message(parties["needs"], case, text="Vi kommer 'i tid'")
    actions.cancel_case(parties["ward"], case, reason="other", note="Flyttar <hem>")
    page = page_of(client, parties["ward"], case)[1]
    assert "<p>Preliminärt utskrivningsdatum: 4 december 2030</p>" in page
    assert "<p>Kända behov: Hemtjänst &quot;morgon&quot; &amp; &lt;kväll&gt;<br>Rollator</p>" in page
    assert "<p>Vi kommer &#x27;i tid&#x27;</p>" in page  # Django's escape, not markupsafe's &#39;
    assert "O&#x27;Brien &lt;&amp;&gt;, Biståndshandläggning Lund" in page
    assert "<p>Orsak: Annat – Flyttar &lt;hem&gt;</p>" in page


def test_the_ward_s_own_events_of_an_open_case_carry_a_correction_form_with_the_page_s_token(client):
    parties, case = make_case()
    notice = actions.send_admission_notice(parties["ward"], case, at=timezone.now())
    actions.post_message(parties["ward"], case, text="Ett eget meddelande")  # a message is never corrected
    page = page_of(client, parties["ward"], case)[1]
    assert page.count('name="reason"') == 1 and f'id="reason-{notice.pk}"' in page
    assert f'action="{reverse("discharge:correct", args=[case.pk])}"' in page
    tokens = set(page.split('name="csrfmiddlewaretoken" value="')[1:])
    assert len({token.split('"')[0] for token in tokens}) == 1  # one token for every form of the page
    assert 'name="reason"' not in page_of(client, parties["needs"], case)[1]  # not another unit's event


def test_the_parties_are_listed_by_role_the_ward_first_then_by_name_in_swedish_order():
    parties, case = make_case()
    municipality = parties["municipality"]
    for name in ("Äldreomsorg Lund", "Hemsjukvård Lund"):  # added in an order that is not the list's
        unit = make_unit(municipality, name=name, kind=Unit.Kind.HOME_CARE)
        actions.add_party(parties["ward"], case, unit=unit, role="municipality")
    shown = [(p.role, p.name) for p in queries.case_parties(case)]
    assert shown == [("ward", "Avdelning 2 Ortopedi"), ("primary_care", "Vårdcentralen Centrum"),
                     ("municipality", "Biståndshandläggning Lund"), ("municipality", "Hemsjukvård Lund"),
                     ("municipality", "Äldreomsorg Lund")]
