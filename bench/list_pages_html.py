"""The worklist's and the invoice basis's HTML as their users see them, for byte-for-byte comparisons
of two checkouts (issue 14, fifth round: a change to how the pages are built must not change a byte).

    DATABASE_URL=<url> .venv/bin/python <checkout>/bench/list_pages_html.py OUTDIR [bench|demo]
    diff -r OUTDIR_BEFORE OUTDIR_AFTER

Run from the checkout to measure (another commit: `git archive <commit> | tar -x -C <dir>`), each
against the same database. `bench` (a cluster kept by the HTTP benchmark): the ward's worklist (every
list, each sort, filters, pages 2-3, an unknown list, a page past the end, the filter panel) and both
finance users' bases (their own and the other municipality, pages 1, 2 and last, past the last, two
lines' pages). `demo`: the worklists of every active user and the bases of the region's and the
municipality's finance staff and a nurse, for every municipality with cases, September-November (run it
once before and once after `manage.py invoice_basis --month ...` to compare both the computed and the
stored basis). The CSRF tokens are blanked (a new mask on every page). The pages log their reads.
"""

import os
import re
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path.cwd()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
django.setup()

from django.test import Client  # noqa: E402

from core.models import Membership, User  # noqa: E402
from discharge.models import BasisMonth, CaseParty, DischargeCase, StoredBasis, StoredBasisLine  # noqa: E402

WORKLIST_QUERIES = [
    "", "?lista=act_on", "?lista=commitment_missing", "?lista=ready_today", "?lista=overdue", "?lista=long_stayers",
    "?lista=all_open", "?lista=all_open&sida=2", "?lista=all_open&sida=3", "?filtrera=1", "?lista=all_open&filtrera=1",
    "?lista=all_open&sort=ward", "?lista=all_open&sort=-admitted", "?lista=all_open&sort=municipality&sida=2",
    "?lista=all_open&sort=ready", "?lista=all_open&vardform=psychiatric", "?lista=all_open&vardform=somatic&sida=2",
    "?lista=bogus", "?sida=999", "?lista=overdue&sort=-admitted&filtrera=1",
]


def blank(html):
    html = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1X", html)
    html = re.sub(r'(csrf[-_]token" content=")[^"]*', r"\1X", html)
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]*', r"\1X", html)


class Snapshot:
    def __init__(self, out, mode):
        self.out, self.mode = out, mode

    def get(self, client, name, path):
        response = client.get(path, secure=True, HTTP_ACCEPT="text/html")
        body = blank(response.content.decode()) if response.status_code == 200 else ""
        (self.out / name).write_text(f"{response.status_code} {path}\n{body}")

    def worklists(self, client, tag, unit_id):
        extra = []
        pairs = (CaseParty.objects.filter(unit_id=unit_id, case_open=True)
                 .values_list("case__ward_id", "case__municipality_id").distinct()[:3])
        for ward, municipality in pairs:
            extra += [f"?lista=all_open&avdelning={ward}", f"?lista=all_open&kommun={municipality}",
                      f"?lista=all_open&avdelning={ward}&kommun={municipality}&sort=ward"]
        for n, query in enumerate(WORKLIST_QUERIES + extra):
            self.get(client, f"{tag}-worklist-{n:02d}.html", "/utskrivning/" + query)

    def bases(self, client, tag, codes):
        months = [str(m)[:7] for m in BasisMonth.objects.order_by("-month").values_list("month", flat=True)[:2]]
        if self.mode == "demo":
            months = ["2026-09", "2026-10", "2026-11"]
            codes = [*DischargeCase.objects.values_list("municipality__code", flat=True).distinct(), "0114"]
        for month in months:
            for code in sorted(set(codes))[:40]:
                base = f"/utskrivning/fakturaunderlag/{month}/{code}/"
                self.get(client, f"{tag}-basis-{month}-{code}.html", base)
                stored = StoredBasis.objects.filter(basis_month__month=month + "-01", municipality__code=code).first()
                if stored and stored.cases > 50:
                    self.get(client, f"{tag}-basis-{month}-{code}-p2.html", base + "?sida=2")
                    self.get(client, f"{tag}-basis-{month}-{code}-plast.html", base + f"?sida={-(-stored.cases // 50)}")
                self.get(client, f"{tag}-basis-{month}-{code}-past.html", base + "?sida=9999")
                for line in StoredBasisLine.objects.filter(basis=stored).order_by("position")[:2] if stored else []:
                    self.get(client, f"{tag}-basiscase-{month}-{code}-{line.case_id}.html", base + f"{line.case_id}/")
        self.get(client, f"{tag}-basis-bad-month.html", "/utskrivning/fakturaunderlag/2026-13/0113/")


def client_for(username):
    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    return client, Membership.objects.filter(user=user, active=True).first().unit_id


def main():
    out, mode = Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "bench"
    out.mkdir(parents=True, exist_ok=True)
    snapshot = Snapshot(out, mode)
    if mode == "bench":
        ward, unit_id = client_for("bench-ward")
        snapshot.worklists(ward, "ward", unit_id)
        finance = ["bench-finance-median", "bench-finance"]
        codes = [Membership.objects.get(user__username=name).unit.organisation.code for name in finance]
        for name in finance:
            snapshot.bases(client_for(name)[0], name, codes)
        snapshot.get(ward, "ward-basis-refused.html", f"/utskrivning/fakturaunderlag/2026-10/{codes[0]}/")
    else:
        for user in User.objects.filter(is_active=True, memberships__active=True).distinct().order_by("username"):
            client, unit_id = client_for(user.username)
            snapshot.worklists(client, user.username, unit_id)
            if user.username in ("kommunekonom", "analytiker", "sjukskoterska"):
                snapshot.bases(client, user.username, [])
    files = sorted(out.iterdir())
    print(len(files), "pages;", sum(1 for f in files if f.read_text().startswith("200 ")), "with 200")


if __name__ == "__main__":
    main()
