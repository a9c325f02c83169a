"""The resident's own pages (Mina sidor)."""

from django.shortcuts import render

from core import queries
from core.views.audit import render_extract
from core.views.decorators import resident_required


@resident_required
def home(request):
    card = queries.patient_card(request.actor.user.patient, request.actor)
    return render(request, "core/portal_home.html", {"card": card})


@resident_required
def access_log(request):
    return render_extract(request, request.actor, request.actor.user.patient_id, endpoint="core:portal_access_log",
                          template="core/portal_access_log.html")
