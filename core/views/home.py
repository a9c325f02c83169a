from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from core.access import visible_patients
from core.forms import PatientSearchForm
from core.home_panels import home_panels
from core.models import Patient
from core.views.decorators import admin_required, staff_required


def home(request):
    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.actor.is_resident:
        return redirect("core:portal")
    return staff_home(request)


@staff_required
def staff_home(request):
    # A count, not a list: names on the start page would be reads of patient data nobody asked for.
    patients_in_care = visible_patients(request.actor, Patient.objects.all()).count()
    return render(request, "core/home.html", {
        "form": PatientSearchForm(), "patients_in_care": patients_in_care, "panels": home_panels(request.actor)})


def healthz(request):
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "time": timezone.now().isoformat()})


@admin_required
def admin_home(request):
    return render(request, "core/admin_home.html")
