"""Invitations, updates, cancellations and reminders as e-mail with an iCalendar (RFC 5545)
attachment, so the visit lands in the participant's own calendar and moves with it.

Mail leaves the system: it names the unit, the time and the form, never the patient or why they
come. The join link goes to Samverkan's join page, which checks who is joining; the video room's
own address is never mailed.
"""

from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from core.models import User
from meetings.models import Booking, VisitForm

REQUEST, CANCEL = "REQUEST", "CANCEL"
SUBJECTS = {
    "invitation": "Bokat besök {when}",
    "update": "Ändrad tid: besök {when}",
    "cancellation": "Avbokat besök {when}",
    "reminder": "Påminnelse: besök {when}",
}


def uid(booking):
    return f"{booking.pk}@samverkan"


def event_calendar(*, uid, sequence, starts_at, ends_at, summary, location, description, organizer_name, method,
                   prodid="-//Samverkan//Vårdmöten//SV"):
    """One event as a VCALENDAR: the same UID every time and SEQUENCE raised with every change, so
    calendar programs update or cancel the event they already have. Shared by visits and forum
    meetings (forums/mail.py)."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", datetime.now(dt_timezone.utc))
    event.add("dtstart", starts_at.astimezone(dt_timezone.utc))
    event.add("dtend", ends_at.astimezone(dt_timezone.utc))
    event.add("summary", summary)
    event.add("location", vText(location))
    event.add("description", description)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    organizer.params["cn"] = vText(organizer_name)
    event["organizer"] = organizer
    calendar.add_component(event)
    return calendar


def calendar_for(booking, method, *, join_url=""):
    """The booking as a VCALENDAR with one VEVENT."""
    description = [f"{booking.visit_kind.name} hos {booking.unit.name}."]
    if booking.form == VisitForm.VIDEO:
        description.append(f"Anslut via Samverkan: {join_url} (öppnar en stund före start).")
    if booking.note:
        description.append(booking.note)
    return event_calendar(
        uid=uid(booking), sequence=booking.sequence, starts_at=booking.starts_at, ends_at=booking.ends_at,
        summary=f"{VisitForm(booking.form).label}: {booking.unit.name}",
        location=join_url if booking.form == VisitForm.VIDEO else booking.unit.name,
        description="\n".join(description), organizer_name=booking.unit.name, method=method)


def recipients(booking):
    """The patient's own login (a resident account) and the staff member, where they have e-mail."""
    resident = User.objects.filter(patient_id=booking.patient_id, is_active=True).exclude(email="").first()
    people = [("patient", resident.email)] if resident else []
    if booking.staff.email:
        people.append(("staff", booking.staff.email))
    return people


def join_link(booking, who):
    path = reverse("meetings:join", kwargs={"booking_id": booking.pk})
    if who == "patient":
        path = reverse("meetings:portal_join", kwargs={"booking_id": booking.pk})
    return settings.SITE_URL.rstrip("/") + path


def send(booking, kind):
    """Mail the participants about the booking: kind is invitation, update, cancellation or reminder."""
    booking = Booking.objects.select_related("unit", "visit_kind", "staff").get(pk=booking.pk)
    when = f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M}"
    method = CANCEL if kind == "cancellation" else REQUEST
    sent = 0
    for who, address in recipients(booking):
        link = join_link(booking, who)
        lines = [f"{booking.visit_kind.name} hos {booking.unit.name}, {when} ({VisitForm(booking.form).label.lower()})."]
        if kind == "cancellation":
            lines.append("Besöket är avbokat.")
        elif booking.form == VisitForm.VIDEO:
            lines.append(f"Anslut här när det är dags: {link}")
        message = EmailMessage(subject=SUBJECTS[kind].format(when=when), body="\n\n".join(lines), to=[address])
        message.attach("besok.ics", calendar_for(booking, method, join_url=link).to_ical().decode(),
                       f"text/calendar; method={method}")
        message.send(fail_silently=True)
        sent += 1
    return sent
