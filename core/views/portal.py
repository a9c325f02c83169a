"""The resident's own pages (Mina sidor)."""

from datetime import UTC, datetime, timedelta

from django.http import Http404
from django.shortcuts import render

from core import params, queries
from core.exports import group_lines
from core.rows import rows_html
from core.views.audit import period_from, render_extract
from core.views.decorators import resident_required

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The page cursor: microseconds since 1970 (the upper bound of a page of the log), up to year ~5100.
MAX_CURSOR = 10**17


@resident_required
def home(request):
    # The resident's own patient with their home municipality: one compiled read (issue 14: the two
    # ORM reads through `user.patient` were a third of this page's CPU).
    patient = queries.patient_by_id(request.actor.user.patient_id)
    if patient is None:
        raise Http404
    card = queries.patient_card(patient, request.actor)
    return render(request, "core/portal_home.html", {"card": card})


@resident_required
def access_log(request):
    """The resident's log grouped per day, person and event, 50 lines a page (?fore= pages back);
    ?format=csv|pdf downloads the whole extract (loggutdrag), every row."""
    if request.GET.get("format") in ("csv", "pdf"):
        return render_extract(request, request.actor, request.actor.user.patient_id,
                              endpoint="core:portal_access_log", template="core/portal_access_log.html")
    form, date_from, date_to = period_from(request)
    cursor = params.integer(request, "fore", minimum=0, maximum=MAX_CURSOR)
    before = EPOCH + timedelta(microseconds=cursor) if cursor is not None else None
    page = queries.own_access_log_page(request.actor, date_from, date_to, before=before,
                                       endpoint="core:portal_access_log")
    query = f"date_from={date_from:%Y-%m-%d}&date_to={date_to:%Y-%m-%d}"
    older = None
    if page.older is not None:
        older = f"{query}&fore={(page.older - EPOCH) // timedelta(microseconds=1)}"
    lines = group_lines(page.groups)
    return render(request, "core/portal_access_log.html", {
        "form": form, "lines": lines, "rows_html": rows_html("core/portal_access_log_rows.html", lines), "date_from": date_from, "date_to": date_to,
        "query": query, "older": older, "first_page": cursor is None,
    })
