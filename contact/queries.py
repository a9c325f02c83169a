"""Reads of contact matters with their access rules. Staff see the matters their unit holds (and a
national front end's key those it filed); a resident sees their own and those they filed for someone
they may still act for today. Every read of a matter is logged, with its basis."""

import uuid
from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from contact.models import Category, Channel, Matter, Message, Picture, Priority
from contact.rules.red_flags import labels
from core.audit import record_read, record_reads
from core.queries import PROTECTED_NAME
from core.rules.identity import format_personal_number

CATEGORY_LABELS = dict(Category.choices)
PRIORITY_LABELS = dict(Priority.choices)
STATUS_LABELS = dict(Matter.Status.choices)


def visible_matters(actor, queryset):
    if actor.is_resident:
        # Matters they filed for someone else only while they may still act for that person: an
        # ombud's power of attorney ends with its period, a guardianship when the child turns 18.
        from contact.permissions import persons_for

        acting_for = [person.pk for person, kind in persons_for(actor.user) if kind]
        return queryset.filter(Q(patient_id=actor.user.patient_id)
                               | Q(filed_by=actor.user, patient_id__in=acting_for))
    if actor.unit_id is None:
        return queryset.none()
    # A national front end reads back what its own key filed through the API; not every member of
    # its unit, and not a unit that filed a matter and then handed it over (no care relation left).
    return queryset.filter(Q(unit_id=actor.unit_id)
                           | Q(channel=Channel.API, filed_by=actor.user, filed_by_unit_id=actor.unit_id))


def _get(queryset, matter_id):
    try:
        return queryset.select_related("patient", "unit", "taken_by", "region", "booking").get(pk=matter_id)
    except (Matter.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_matter(actor, matter_id, *, endpoint, log=True):
    """A matter the acting unit holds or filed (404 otherwise); the read is logged."""
    matter = _get(Matter.objects.visible_to(actor), matter_id)
    if log:
        record_read(actor, matter.patient, endpoint=endpoint, basis="relation", reason="Kontaktärende",
                    action="contact.read")
    return matter


def own_matter(actor, matter_id, *, endpoint, log=True):
    """The resident's matter, for themselves or someone they filed for (404 otherwise); logged."""
    matter = _get(Matter.objects.visible_to(actor), matter_id)
    if log:
        reason = "Eget ärende" if matter.patient_id == actor.user.patient_id else "Ärende som ombud/vårdnadshavare"
        record_read(actor, matter.patient, endpoint=endpoint, basis="own", reason=reason, action="contact.read")
    return matter


def own_matters(actor, *, endpoint="contact:portal_list"):
    """The resident's list; each matter about someone else (a child, a principal) is logged as a read."""
    matters = list(Matter.objects.visible_to(actor).select_related("patient", "unit").order_by("-created_at")[:50])
    record_reads(actor, [m for m in matters if m.patient_id != actor.user.patient_id], action="contact.read",
                 reason="Ärende som ombud/vårdnadshavare", endpoint=endpoint, basis="own")
    return matters


def queue(actor, *, profession=None, mine=False, page=1, now=None):
    """A page of the acting unit's open matters in the order a nurse works them: waiting for a first
    response before those already answered, flagged first among them, then by how soon they are due
    (Matter.queue_rank, due_at: one index scan that stops after the page). Each shown patient is
    logged as a read; the total is a count, no patient data."""
    now = now or timezone.now()
    found = Matter.objects.filter(unit_id=actor.unit_id, status__in=Matter.OPEN)
    if profession:
        found = found.filter(profession__in=[profession, ""])
    if mine:
        found = found.filter(taken_by=actor.user)
    total = found.count()
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * QUEUE_PAGE_SIZE
    matters = list(found.select_related("patient", "taken_by").only(*QUEUE_COLUMNS)
                   .order_by("queue_rank", "due_at")[start:start + QUEUE_PAGE_SIZE])
    record_reads(actor, matters, action="contact.queue.read", reason="Kontaktärende i kön", endpoint="contact:queue")
    # The matter page's address with a placeholder, filled per row: reverse() 50 times is the
    # largest part of building the rows.
    link = reverse("contact:matter", kwargs={"matter_id": uuid.UUID(int=0)}).replace(str(uuid.UUID(int=0)), "{}")
    hide = not actor.sees_protected_identity
    return QueuePage([QueueRow(m, now, link, hide_protected=hide) for m in matters], total=total, page=page,
                     pages=pages)


QUEUE_PAGE_SIZE = 50
# What a queue row shows, and no more (the description and answers stay in the database).
QUEUE_COLUMNS = ("id", "patient_id", "unit_id", "status", "profession", "red_flags", "category", "priority",
                 "created_at", "due_at", "first_response_at", "taken_by_id", "queue_rank",
                 "patient__first_name", "patient__last_name", "patient__personal_number", "patient__protected_identity",
                 "taken_by__first_name", "taken_by__last_name", "taken_by__username")


class QueuePage:
    def __init__(self, rows, *, total, page, pages):
        self.rows, self.total, self.page, self.pages = rows, total, page, pages
        self.first = (page - 1) * QUEUE_PAGE_SIZE + 1 if rows else 0
        self.last = self.first + len(rows) - 1 if rows else 0


class QueueRow:
    """A matter as the queue shows it, every text computed once here so that the template only
    prints (the page renders 50 of these on every load)."""

    def __init__(self, matter, now, link, *, hide_protected=True):
        self.matter = matter
        self.url = link.format(matter.pk)
        patient = matter.patient
        # Skyddad identitet: the name only for a role that needs it, as on the matter page (patient_card).
        self.name = (PROTECTED_NAME if patient.protected_identity and hide_protected
                     else f"{patient.first_name} {patient.last_name}")
        self.personal_number = format_personal_number(patient.personal_number)
        self.flags = labels(matter.red_flags) if matter.red_flags else []
        self.category = CATEGORY_LABELS.get(matter.category, matter.category)
        self.priority = PRIORITY_LABELS.get(matter.priority, "")
        self.status = STATUS_LABELS.get(matter.status, matter.status)
        taken_by = matter.taken_by
        self.taken_by = (taken_by.get_full_name() or taken_by.username) if taken_by else ""
        self.answered = matter.first_response_at is not None
        self.waited_minutes = int((now - matter.created_at).total_seconds() // 60)
        self.target_minutes = int((matter.due_at - matter.created_at).total_seconds() // 60)
        self.left_minutes = int((matter.due_at - now).total_seconds() // 60)
        self.breached = matter.first_response_at is None and now > matter.due_at
        self.waited_text = minutes_text(self.waited_minutes)
        self.target_text = minutes_text(self.target_minutes)
        self.left_text = minutes_text(self.left_minutes)


def minutes_text(minutes):
    minutes = abs(int(minutes))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} dygn"


def messages_after(matter, after=None):
    found = Message.objects.filter(matter=matter).select_related("author")
    if after:
        found = found.filter(pk__gt=after)
    return list(found.order_by("pk")[:200])


def picture_of(matter, picture_id):
    picture = Picture.objects.filter(matter=matter, pk=picture_id).first()
    if picture is None:
        raise Http404
    return picture


def draft_pictures(actor, ids):
    return list(Picture.objects.filter(uploaded_by=actor.user, matter__isnull=True, pk__in=list(ids)).order_by("pk"))


VIDEO_OPEN_HOURS = 2


def video_open(matter, now=None):
    now = now or timezone.now()
    return bool(matter.video_room and matter.is_open and matter.video_started_at
                and now < matter.video_started_at + timedelta(hours=VIDEO_OPEN_HOURS))
