"""The agenda and the minutes as PDF, through core/writers.py (every user text made inert there)."""

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.writers import bullets, pdf_bytes, pdf_styles, text
from forums.mail import location


def _heading(meeting, what, styles):
    start = timezone.localtime(meeting.starts_at)
    return [text(f"{what} – {meeting.forum.name}", styles["Title"]),
            text(f"{start:%Y-%m-%d}, kl. {start:%H.%M}–{timezone.localtime(meeting.ends_at):%H.%M}. "
                 f"Plats: {location(meeting)}", styles["Normal"]),
            Spacer(1, 4 * mm)]


def agenda_pdf(meeting):
    styles = pdf_styles()
    story = _heading(meeting, "Dagordning", styles)
    for item in meeting.items.all():
        story.append(text(f"{item.number}. {item.title}", styles["Heading3"]))
        details = [item.get_kind_display()]
        if item.presenter:
            details.append(f"Föredragande: {item.presenter}")
        if item.answer_by:
            details.append(f"Remissvar senast {item.answer_by:%Y-%m-%d}")
        if item.carried_from_id:
            details.append(f"Från mötet {timezone.localtime(item.carried_from.meeting.starts_at):%Y-%m-%d}")
        story.append(text(". ".join(details) + ".", styles["Small"]))
        if item.description:
            story.append(text(item.description, styles["BodyText"]))
        names = [a.name for a in item.attachments.all()]
        if names:
            story.append(text("Bilagor: " + ", ".join(names), styles["Small"]))
    return pdf_bytes(story, title=f"Dagordning {meeting}")


def minutes_pdf(meeting):
    styles = pdf_styles()
    story = _heading(meeting, "Protokoll", styles)
    attendance = list(meeting.attendance.select_related("member__user", "member__organisation"))
    for status, label in (("present", "Närvarande"), ("substitute", "Ersättare tjänstgör"), ("absent", "Frånvarande")):
        names = [f"{row.member.user.display_name()}, {row.member.get_role_display().lower()} ({row.member.organisation.name})"
                 + (f" – ersätts av {row.substitute_name}" if row.substitute_name else "")
                 for row in attendance if row.status == status]
        if names:
            story += [text(label, styles["SmallBold"]), bullets(names, styles["Small"])]
    for item in meeting.items.all():
        story.append(text(f"{item.number}. {item.title}", styles["Heading3"]))
        if item.presenter:
            story.append(text(f"Föredragande: {item.presenter}", styles["Small"]))
        if item.notes:
            story.append(text(item.notes, styles["BodyText"]))
        for decision in item.decisions.order_by("number"):
            story.append(text(f"Beslut {decision.label}: {decision.text}", styles["BodyText"]))
        for assignment in item.assignments.all():
            due = f", klart senast {assignment.due:%Y-%m-%d}" if assignment.due else ""
            story.append(text(f"Uppdrag till {assignment.assignee}: {assignment.what}{due}", styles["BodyText"]))
        for nomination in item.nominations.all():
            story.append(text(f"Nominering: {nomination.nominee} till {nomination.body}", styles["BodyText"]))
        carried = getattr(item, "carried_to", None)
        if carried is not None:
            story.append(text(f"Tas upp vid mötet {timezone.localtime(carried.meeting.starts_at):%Y-%m-%d}.",
                              styles["BodyText"]))
    if meeting.goal_snapshot:
        story.append(text("Måluppföljning vid mötet", styles["Heading3"]))
        story.append(bullets([f"{g['goal']}: {g['latest']} ({g['month']}), mål {g['target']}. {g['pace']}"
                              for g in meeting.goal_snapshot], styles["Small"]))
    approvers = list(meeting.approvers.select_related("user"))
    if approvers:
        story.append(Spacer(1, 4 * mm))
        story.append(text("Justerat: " + "; ".join(
            f"{a.user.display_name()} {timezone.localtime(a.approved_at):%Y-%m-%d}" if a.approved_at
            else f"{a.user.display_name()} (ej justerat)" for a in approvers), styles["Small"]))
    for addendum in meeting.addenda.all():
        story.append(text(f"Tillägg {timezone.localtime(addendum.written_at):%Y-%m-%d}: {addendum.text}",
                          styles["BodyText"]))
    return pdf_bytes(story, title=f"Protokoll {meeting}")
