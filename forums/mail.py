"""The agenda mailed to a forum's members with the meeting as an iCalendar event (the same helper
as visits use, meetings/invitations.py), and reminders of consultations due. Mail names the forum,
the time, the place and the agenda's headings; minutes hold no patient data, and neither does mail."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from forums.models import ANSWERING_ROLES, ForumMember, Meeting
from meetings.invitations import REQUEST, event_calendar


def meeting_url(meeting):
    return settings.SITE_URL.rstrip("/") + reverse("forums:meeting", kwargs={"meeting_id": meeting.pk})


def location(meeting):
    if meeting.video_room:
        return f"Videorum i Samverkan: {meeting_url(meeting)}"
    return meeting.digital_link or meeting.place


def member_addresses(forum):
    return sorted({m.user.email for m in ForumMember.objects.current().filter(forum=forum, user__is_active=True)
                   .exclude(user__email="").select_related("user")})


def send_agenda(meeting_id):
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    when = f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"
    lines = [f"Kallelse till {meeting.forum.name} {when}.", f"Plats: {location(meeting)}", "", "Dagordning:"]
    lines += [f"{item.number}. {item.title} ({item.get_kind_display().lower()})" for item in meeting.items.all()]
    lines += ["", f"Underlag och bilagor: {meeting_url(meeting)}"]
    calendar = event_calendar(
        uid=f"forum-meeting-{meeting.pk}@samverkan", sequence=meeting.sequence, starts_at=meeting.starts_at,
        ends_at=meeting.ends_at, summary=meeting.forum.name, location=location(meeting),
        description="\n".join(lines), organizer_name=meeting.forum.name, method=REQUEST,
        prodid="-//Samverkan//Samverkansforum//SV")
    sent = 0
    for address in member_addresses(meeting.forum):
        message = EmailMessage(subject=f"Kallelse: {meeting.forum.name} {when}", body="\n".join(lines), to=[address])
        message.attach("mote.ics", calendar.to_ical().decode(), f"text/calendar; method={REQUEST}")
        message.send(fail_silently=True)
        sent += 1
    return sent


def remind_consultation(item_id):
    """Mail the members of organisations that have not answered the consultation yet."""
    from forums.models import AgendaItem

    item = AgendaItem.objects.select_related("meeting__forum").filter(pk=item_id, kind="consultation").first()
    from forums.actions import REMINDER_DAYS

    today = timezone.localdate()
    # A reminder queued for an earlier deadline, since moved later, waits for the new one's.
    if item is None or item.answer_by is None or not today <= item.answer_by <= today + timedelta(days=REMINDER_DAYS):
        return 0
    answered = set(item.answers.values_list("organisation_id", flat=True))
    seats = (ForumMember.objects.current().filter(forum=item.meeting.forum, user__is_active=True,
                                                  role__in=ANSWERING_ROLES)
             .exclude(organisation_id__in=answered).exclude(user__email="").select_related("user"))
    addresses = sorted({seat.user.email for seat in seats})
    for address in addresses:
        EmailMessage(subject=f"Påminnelse: remissvar senast {item.answer_by:%Y-%m-%d}",
                     body=(f"{item.meeting.forum.name} väntar på er organisations svar på remissen "
                           f"\"{item.title}\" senast {item.answer_by:%Y-%m-%d}.\n\nSvara här: {meeting_url(item.meeting)}"),
                     to=[address]).send(fail_silently=True)
    return len(addresses)
