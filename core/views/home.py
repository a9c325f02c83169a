from django.shortcuts import redirect, render

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


@admin_required
def admin_home(request):
    return render(request, "core/admin_home.html")
