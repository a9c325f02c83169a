"""A small contact entry: Region Kronoberg with an intake unit, a night team and a listed
resident's primary-care centre, each with a clinical nurse."""

from datetime import date, time

from contact.models import CategoryQuestion, ContactEntry, OpeningHours, SelfCareText
from core.models import Unit
from core.tests.factories import make_actor, make_region, make_resident, make_unit


def make_entry(*, centre_open=True):
    region = make_region(code="07", name="Region Kronoberg")
    intake = make_unit(region, name="Kontaktingången", kind=Unit.Kind.PRIMARY_CARE)
    night = make_unit(region, name="Nattens team", kind=Unit.Kind.PRIMARY_CARE)
    centre = make_unit(region, name="Vårdcentralen Teleborg", kind=Unit.Kind.PRIMARY_CARE)
    entry = ContactEntry.objects.create(region=region, intake_unit=intake, night_unit=night)
    for weekday in range(7):
        if centre_open:
            OpeningHours.objects.create(unit=centre, weekday=weekday, opens=time(0, 0), closes=time(23, 59, 59))
        OpeningHours.objects.create(unit=intake, weekday=weekday, opens=time(0, 0), closes=time(0, 0, 1))
    CategoryQuestion.objects.create(region=region, category="new_symptoms", key="chest",
                                    text="Har du ont i bröstet?", flag="chest_pain", order=1)
    CategoryQuestion.objects.create(region=region, category="new_symptoms", key="fever", text="Har du feber?", order=2)
    advice = SelfCareText.objects.create(region=region, title="Förkylning", body="Vila, drick mycket.")
    resident = make_resident()
    resident.email = "invanare@example.se"
    resident.save(update_fields=["email"])
    patient = resident.patient
    patient.listed_unit = centre
    patient.save(update_fields=["listed_unit"])
    return {
        "region": region, "entry": entry, "intake": intake, "night": night, "centre": centre, "advice": advice,
        "resident": resident, "patient": patient,
        "nurse": make_actor(unit=centre), "nurse2": make_actor(unit=centre),
        "night_nurse": make_actor(unit=night), "stranger": make_actor(unit=make_unit(region)),
    }


def child_birth(today):
    return date(today.year - 7, 3, 1)
