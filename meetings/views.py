"""Pages of digital care meetings: the video join page for the booked staff member and for the
patient from Mina sidor, and the patient's upcoming visits."""

from django.shortcuts import render

from core.views.decorators import resident_required, staff_required
from meetings import queries


def _join_page(request, booking, *, display_name, moderator, back_url):
    state = queries.join_state(booking)
    url = queries.room_url(booking, display_name=display_name, moderator=moderator) if state.key == "open" else ""
    return render(request, "meetings/join.html", {
        "booking": booking, "state": state, "room_url": url, "back_url": back_url,
    }, status=410 if state.key == "closed" else 200)


@staff_required
def join(request, booking_id):
    booking = queries.staff_booking(request.actor, booking_id, endpoint="meetings:join", booked_staff_only=True)
    return _join_page(request, booking, display_name=request.actor.user.display_name(), moderator=True,
                      back_url="/")


@resident_required
def portal_join(request, booking_id):
    booking = queries.own_booking(request.actor, booking_id)
    # The patient's name stays out of the video service: it sees "Patient".
    return _join_page(request, booking, display_name="Patient", moderator=False, back_url="/mina-sidor/")


@resident_required
def portal_visits(request):
    bookings = list(queries.upcoming_for_patient(request.actor.user.patient_id))
    return render(request, "meetings/portal_visits.html", {
        "rows": [(b, queries.join_state(b)) for b in bookings],
    })
