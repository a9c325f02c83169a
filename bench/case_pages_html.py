"""The case page's HTML as every party's users see it, for byte-for-byte comparisons of two checkouts
(issue 14, fifth round: a change to how the page is built must not change a byte of it).

    DATABASE_URL=<url> .venv/bin/python bench/case_pages_html.py enrich            (demo data only)
    DATABASE_URL=<url> .venv/bin/python <checkout>/bench/case_pages_html.py OUTDIR [CASES]
    diff -r OUTDIR_BEFORE OUTDIR_AFTER

Run from the checkout to measure (another commit: `git archive <commit> | tar -x -C <dir>`), each
against the same database. CASES [60] cases: a third open ones, a third with the most kinds of
events, the rest by id; each opened by up to two active members of each of its parties, plain and with
the dialog and cancellation forms open. The CSRF tokens are blanked (a new mask on every page).

`enrich` adds what the demo seeds lack and the page shows: read receipts, corrections, a withdrawn
ready notice, cancellations, planning invitations, and text that needs escaping (quotes, apostrophes,
ampersands, tags, new lines), among it a user's name. It writes through the actions, as users would;
run it once on a copy of the demo database before both checkouts read it.
"""

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path.cwd()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.actor import Actor  # noqa: E402
from core.errors import ActionError  # noqa: E402
from core.middleware import ACTING_MEMBERSHIP_KEY  # noqa: E402
from core.models import Membership, Unit  # noqa: E402
from discharge import actions  # noqa: E402
from discharge.models import CaseEvent, CaseParty, DischargeCase  # noqa: E402

TOKENS = [(re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="X"'),
          (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "X"')]
TRICKY = "Hon sa \"kom hem\" & det är <b>bra</b>\nRad två\r\nRad tre – O'Neil"


def snapshot(out, limit):
    out.mkdir(parents=True, exist_ok=True)
    ids = list(DischargeCase.objects.order_by("id").values_list("id", flat=True))
    kinds = {}
    for case_id, kind in CaseEvent.objects.filter(case_id__in=ids[:5000]).values_list("case_id", "kind"):
        kinds.setdefault(case_id, set()).add(kind)
    chosen = list(DischargeCase.objects.filter(status="open").order_by("id").values_list("id", flat=True)[:limit // 3])
    chosen += sorted((c for c in kinds if c not in chosen), key=lambda c: (-len(kinds[c]), str(c)))[:limit // 3]
    chosen += [c for c in ids if c not in chosen][:limit - len(chosen)]
    clients, pages = {}, 0
    for case_id in chosen:
        for unit_id in CaseParty.objects.filter(case_id=case_id).values_list("unit_id", flat=True).order_by("unit_id"):
            for member in Membership.objects.filter(unit_id=unit_id, active=True).select_related("user").order_by("id")[:2]:
                client = clients.get(member.pk)
                if client is None:
                    client = clients[member.pk] = Client()
                    client.force_login(member.user)
                    session = client.session
                    session[ACTING_MEMBERSHIP_KEY] = member.pk
                    session.save()
                for action in ("", "dialog", "cancellation"):
                    response = client.get(f"/utskrivning/{case_id}/" + (f"?atgard={action}" if action else ""))
                    body = response.content.decode()
                    for pattern, blank in TOKENS:
                        body = pattern.sub(blank, body)
                    (out / f"{case_id}-{member.pk}{'-' + action if action else ''}.html").write_text(
                        f"{response.status_code}\n{body}")
                    pages += 1
    print(f"{pages} pages of {len(chosen)} cases in {out}")


def actor_of(unit_id):
    member = Membership.objects.filter(unit_id=unit_id, active=True).select_related("user", "unit").order_by("id").first()
    if member is None:
        from core.tests.factories import make_staff

        member = make_staff(unit=Unit.objects.get(pk=unit_id), roles=["clinical", "coordinator"])
    return Actor.for_membership(member)


def enrich():
    for n, case in enumerate(DischargeCase.objects.filter(status="open").order_by("id")[:40]):
        parties = {p.role: actor_of(p.unit_id) for p in CaseParty.objects.filter(case=case)}
        ward, other = parties["ward"], parties.get("municipality") or parties.get("primary_care")
        if n == 0:
            user = ward.membership.user
            user.last_name = "O'Brien & <Co>"
            user.save()
        actions.post_message(other, case, text=TRICKY)
        actions.post_message(ward, case, text=f'Svar {n}: "ok"')
        if n % 2 == 0:
            theirs = CaseEvent.objects.filter(case=case).exclude(author_unit_id=ward.unit_id)
            actions.mark_case_read(ward, case, event_ids=set(theirs.values_list("id", flat=True)))
            ours = CaseEvent.objects.filter(case=case, author_unit_id=ward.unit_id)
            actions.mark_case_read(other, case, event_ids=set(ours.values_list("id", flat=True)))
        notice = CaseEvent.objects.filter(case=case, kind="admission_notice").first()
        if notice and n % 3 == 0:
            actions.correct_event(ward, notice, reason='Fel tid "igen" & <nu>', at=notice.occurred_at + timedelta(minutes=7))
        steps = [(n % 5 == 1, actions.appoint_care_contact, parties.get("primary_care") or other,
                  {"name": "Anna <A> O'Hara", "phone": "010 & 1"}),
                 (True, actions.send_planning_invitation, ward,
                  {"meeting_at": timezone.now() + timedelta(days=2, hours=n), "form": ["digital", "phone", "physical"][n % 3],
                   "note": 'Rum "4" & <b>' if n % 2 else ""}),
                 (n % 4 == 1, actions.send_ready_notice, ward, {"judged_by": 'Dr "Who"'}),
                 (n % 4 == 1, actions.withdraw_ready_notice, ward, {"reason": "Feber & <tecken>"}),
                 (n % 6 == 2, actions.record_consent, ward, {"objected": True, "note": 'Vill "inte" <x>'}),
                 (n % 7 == 3, actions.cancel_case, ward, {"reason": "other", "note": "Flyttar 'hem' & <snart>"}),
                 (n % 7 == 5, actions.cancel_case, ward, {"reason": "died"})]
        for wanted, action, actor, arguments in steps:
            if wanted:
                try:
                    action(actor, case, **arguments)
                except ActionError:  # not on offer in this case's state (already appointed, already ready)
                    pass
    print("enriched", n + 1, "open cases")


if __name__ == "__main__":
    if sys.argv[1] == "enrich":
        enrich()
    else:
        snapshot(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 60)
