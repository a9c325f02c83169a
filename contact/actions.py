"""Every write in the contact entry. Each action checks who may do it, runs in one transaction,
adds an immutable event to the matter's timeline and its audit event, and queues the resident's
notification (ids only, no health information) in the same transaction."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from contact import permissions, tasks
from contact.models import (
    Category, CategoryQuestion, CareLevel, Channel, ContactEntry, IdempotencyRecord, Matter, MatterEvent, Message,
    NoticeSettings, OpeningHours, Picture, Priority, PriorityTarget, Representation,
)
from contact.rules import red_flags, routing
from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Organisation, Patient, Profession, Unit
from core.collation import swedish
from meetings import actions as meetings_actions

Kind = MatterEvent.Kind
Status = Matter.Status
STATE_FIELDS = ["unit", "profession", "taken_by", "status", "priority", "care_level", "due_at", "closing",
                "first_response_at", "booking"]
MAX_MESSAGE = 4000
# The audit action of each step (labels in contact/audit_labels.py).
AUDIT_ACTIONS = {
    Kind.FILED: "contact.file", Kind.TAKEN: "contact.take", Kind.RELEASED: "contact.release",
    Kind.TRANSFERRED: "contact.transfer", Kind.TRIAGED: "contact.triage", Kind.ANSWERED: "contact.answer",
    Kind.MESSAGE: "contact.message", Kind.VIDEO: "contact.video", Kind.BOOKED: "contact.book",
    Kind.CLOSED: "contact.close", Kind.BREACHED: "contact.breach", Kind.REMINDED: "contact.remind",
}


# --- Region settings, read for the rules ----------------------------------------------------------

def region_of(unit):
    return meetings_actions.region_of(unit)


def entry_for(region):
    entry = ContactEntry.objects.select_related("intake_unit", "night_unit").filter(region=region).first()
    if entry is None:
        raise ActionError("Regionen har ingen kontaktingång ännu.")
    return entry


def hours_of(unit_id):
    hours = {}
    for row in OpeningHours.objects.filter(unit_id=unit_id):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    return hours


def targets_of(region):
    return dict(PriorityTarget.objects.filter(region=region).values_list("priority", "minutes"))


def questions_for(region, category):
    return list(CategoryQuestion.objects.filter(region=region, category=category, active=True))


def _due(matter, targets):
    minutes = routing.target_minutes(targets, priority=matter.priority, flagged=bool(matter.red_flags))
    return matter.created_at + timedelta(minutes=minutes)


# --- Notifications and breach checks, queued in the action's transaction ---------------------------
# The task queue is a table in the same database (django-tasks-db), so the task row is written in the
# action's own transaction: it commits with the event or not at all. A process killed between the
# commit and an on_commit callback (the benchmark's kill -9) would otherwise leave a stored matter
# with no notice and no breach check. The worker cannot see the row before the commit.

def _notify(matter, kind):
    tasks.notify_resident.enqueue(str(matter.pk), kind)


def _schedule_breach_check(matter):
    tasks.check_breach.using(run_after=matter.due_at).enqueue(str(matter.pk))


# --- Recording --------------------------------------------------------------------------------------

def _record(actor, matter, kind, before, *, data=None, at=None, action=None):
    """Add an event to the matter's timeline and audit it, in the caller's transaction."""
    event = MatterEvent.objects.create(
        matter=matter, kind=kind, at=at or timezone.now(), author=actor.user if actor else None,
        author_unit=actor.unit if actor else None, data=data or {},
    )
    changes = diff(before, snapshot(matter, STATE_FIELDS))
    changes["event"] = [None, str(Kind(kind).label)]
    record_write(actor, action or AUDIT_ACTIONS[kind], matter, patient=matter.patient, changes=changes)
    return event


def _locked(matter):
    return Matter.objects.select_for_update().select_related("patient", "unit", "region").get(pk=matter.pk)


def _require_holder(actor, matter):
    if not permissions.may_handle(actor, matter):
        raise NotPermitted("Ärendet ligger hos en annan enhet.")
    if not matter.is_open:
        raise ActionError("Ärendet är avslutat.")
    if matter.taken_by_id != actor.user.pk:
        raise NotPermitted("Ta ärendet först: det hanteras av en person i taget.")


# --- Filing a matter --------------------------------------------------------------------------------

def _check_answers(region, category, answers):
    questions = {q.key: q for q in questions_for(region, category)}
    clean = {}
    for key, value in (answers or {}).items():
        if key not in questions:
            raise ActionError(f"Okänd fråga: {key}.", field="answers")
        value = str(value).strip()
        if questions[key].kind == CategoryQuestion.Kind.YES_NO and value not in ("ja", "nej", ""):
            raise ActionError(f"Svara ja eller nej på: {questions[key].text}", field="answers")
        if len(value) > 500:
            raise ActionError("Ett svar får vara högst 500 tecken.", field="answers")
        if value:
            clean[key] = value
    flags = {q.key: q.flag for q in questions.values() if q.flag}
    return clean, flags


def _permission_to_file(actor, patient, channel):
    """Who files: the resident for themselves or someone they may act for; staff for their own
    patient (a unit that may open them); a national front end's key of the intake unit."""
    if actor.is_resident:
        kind = permissions.representation_of(actor.user, patient)
        if kind is None:
            raise NotPermitted("Du kan inte skicka ärenden för den personen.")
        return kind
    if channel == Channel.API:
        if not permissions.may_file_for_residents(actor):
            raise NotPermitted("Nyckeln hör inte till en kontaktingång.")
        return ""
    if not permissions.may_work_queue(actor):
        raise NotPermitted("Din roll får inte starta kontaktärenden.")
    require_access(actor, patient)
    return ""


def check_flags(region, *, category, description, answers):
    """The red flags a draft raises (before anything is sent)."""
    clean, question_flags = _check_answers(region, category, answers)
    return red_flags.flags_for(description, clean, question_flags)


@transaction.atomic
def file_matter(actor, patient, *, category, description, answers=None, channel=Channel.WEB, picture_ids=(),
                to_fixed_contact=False, region=None, now=None, source=""):
    """Start a matter. The person may send even when it raises red flags: it then arrives flagged
    for immediate assessment, with the flags named. Routing: see contact/rules/routing.py."""
    now = now or timezone.now()
    on_behalf = _permission_to_file(actor, patient, channel)
    if category not in Category.values:
        raise ActionError("Välj vad ärendet gäller.", field="category")
    if region is None:
        home = actor.unit if actor.unit is not None else patient.listed_unit
        region = region_of(home) if home is not None else None
    if region is None:
        raise ActionError("Vi hittar ingen region för ärendet. Kontakta din vårdcentral.")
    entry = entry_for(region)
    description = (description or "").strip()
    if not description:
        raise ActionError("Beskriv ditt ärende.", field="description")
    if len(description) > entry.max_text:
        raise ActionError(f"Beskrivningen får vara högst {entry.max_text} tecken.", field="description")
    answers, question_flags = _check_answers(region, category, answers)
    flags = red_flags.flags_for(description, answers, question_flags)

    if channel == Channel.STAFF:
        unit_id, reason = actor.unit_id, "Startat av vården"
    else:
        listed = patient.listed_unit_id if patient.listed_unit and region_of(patient.listed_unit) == region else None
        chosen = routing.route(
            listed_unit_id=listed, listed_hours=hours_of(listed) if listed else {},
            intake_unit_id=entry.intake_unit_id, intake_hours=hours_of(entry.intake_unit_id),
            night_unit_id=entry.night_unit_id, local=timezone.localtime(now).replace(tzinfo=None))
        unit_id, reason = chosen.unit_id, chosen.reason
    fixed = bool(to_fixed_contact and patient.fixed_care_contact_id and unit_id == patient.listed_unit_id)
    matter = Matter(
        patient=patient, region=region, filed_by=actor.user, filed_by_unit=actor.unit, on_behalf=on_behalf,
        channel=channel, category=category, description=description, answers=answers, red_flags=flags,
        unit_id=unit_id, created_at=now, routed_to_fixed_contact=fixed,
    )
    matter.due_at = _due(matter, targets_of(region))
    matter.save()
    pictures = list(Picture.objects.select_for_update().filter(pk__in=list(picture_ids), uploaded_by=actor.user,
                                                                 matter__isnull=True))
    if len(pictures) > 5:
        raise ActionError("Högst fem bilder.", field="pictures")
    Picture.objects.filter(pk__in=[p.pk for p in pictures]).update(matter=matter)
    _record(actor, matter, Kind.FILED, {}, at=now, action="contact.file", data={
        "channel": channel, "flags": red_flags.labels(flags), "pictures": len(pictures), "on_behalf": on_behalf,
        **({"source": source} if source else {})})
    MatterEvent.objects.create(matter=matter, kind=Kind.ROUTED, at=now, data={
        "unit": Unit.objects.get(pk=unit_id).name, "reason": reason,
        **({"fixed_contact": True} if fixed else {})})
    _notify(matter, "received")
    _schedule_breach_check(matter)
    return matter


def store_picture(actor, upload):
    """Keep a re-encoded picture for the matter the resident is writing (see contact.pictures)."""
    from contact.pictures import clean

    data, content_type, width, height = clean(upload)
    with transaction.atomic():
        return Picture.objects.create(uploaded_by=actor.user, content_type=content_type, data=data, width=width,
                                      height=height)


def _body_hash(body):
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_matter_once(actor, *, key, body, patient, **fields):
    """The API's filing with an Idempotency-Key: (matter, created). The same key with the same body
    gives the first matter again; with another body, ActionError 409. The unique constraint on
    (caller, key hash) makes two concurrent requests with one key meet in the database: the loser's
    insert fails, its whole transaction (matter included) rolls back, and it answers with the
    winner's matter."""
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    body_hash = _body_hash(body)
    caller = actor.membership

    def existing():
        record = IdempotencyRecord.objects.select_related("matter").filter(caller=caller, key_hash=key_hash).first()
        if record is None:
            return None
        if record.body_hash != body_hash:
            raise IdempotencyConflict()
        return record.matter

    found = existing()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            matter = file_matter(actor, patient, channel=Channel.API, **fields)
            IdempotencyRecord.objects.create(caller=caller, key_hash=key_hash, body_hash=body_hash, matter=matter)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
    return matter, True


class IdempotencyConflict(ActionError):
    def __init__(self):
        super().__init__("Idempotency-Key har redan använts med ett annat innehåll.", field="Idempotency-Key")


# --- Taking, releasing, transferring -----------------------------------------------------------------

def take(actor, matter):
    """Take a matter: one person at a time. The conditional UPDATE makes two nurses clicking at
    once meet in the database: exactly one row changes, the other gets told who has it."""
    if not permissions.may_handle(actor, matter):
        raise NotPermitted("Ärendet ligger hos en annan enhet.")
    with transaction.atomic():
        now = timezone.now()
        won = Matter.objects.filter(pk=matter.pk, unit_id=actor.unit_id, taken_by__isnull=True,
                                    status__in=Matter.OPEN).update(
            taken_by=actor.user, taken_at=now,
            status=Case(When(status=Status.RECEIVED, then=Value(Status.ASSESSING)), default="status"))
        matter = Matter.objects.select_related("patient", "taken_by").get(pk=matter.pk)
        if not won:
            if matter.taken_by_id == actor.user.pk:
                return matter
            if matter.taken_by_id:
                raise ActionError(f"{matter.taken_by.get_full_name() or matter.taken_by.username} har redan tagit ärendet.")
            raise ActionError("Ärendet kan inte tas just nu.")
        before = {"taken_by": None}
        _record(actor, matter, Kind.TAKEN, before, at=now)
    return matter


@transaction.atomic
def release(actor, matter, *, note=""):
    matter = _locked(matter)
    _require_holder(actor, matter)
    before = snapshot(matter, STATE_FIELDS)
    matter.taken_by, matter.taken_at = None, None
    matter.save(update_fields=["taken_by", "taken_at"])
    _record(actor, matter, Kind.RELEASED, before, data={"note": note.strip()[:500]} if note.strip() else {})
    return matter


@transaction.atomic
def transfer(actor, matter, *, unit, profession="", note):
    """Move the matter to another unit's queue, or to another profession, with a handover note."""
    matter = _locked(matter)
    if not permissions.may_handle(actor, matter) or not matter.is_open:
        raise NotPermitted("Ärendet ligger hos en annan enhet.")
    if matter.taken_by_id not in (None, actor.user.pk):
        raise NotPermitted("Någon annan har tagit ärendet.")
    note = (note or "").strip()
    if not note:
        raise ActionError("Skriv en överlämning: vad har gjorts och vad behövs?", field="note")
    if profession and profession not in Profession.values:
        raise ActionError("Okänt yrke.", field="profession")
    if region_of(unit) != matter.region or not unit.active:
        raise ActionError("Välj en enhet i regionen.", field="unit")
    if unit.pk == matter.unit_id and profession == matter.profession:
        raise ActionError("Ärendet ligger redan där.", field="unit")
    before = snapshot(matter, STATE_FIELDS)
    matter.unit, matter.profession, matter.taken_by, matter.taken_at = unit, profession, None, None
    matter.save(update_fields=["unit", "profession", "taken_by", "taken_at"])
    _record(actor, matter, Kind.TRANSFERRED, before, data={
        "to": unit.name, "profession": str(Profession(profession).label) if profession else "", "note": note[:1000]})
    return matter


# --- Triage, answering, chat ------------------------------------------------------------------------

@transaction.atomic
def triage(actor, matter, *, priority, care_level, reason):
    matter = _locked(matter)
    _require_holder(actor, matter)
    if priority not in Priority.values:
        raise ActionError("Välj prioritet.", field="priority")
    if care_level not in CareLevel.values:
        raise ActionError("Välj vårdnivå.", field="care_level")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Skriv en kort motivering.", field="reason")
    before = snapshot(matter, STATE_FIELDS)
    matter.priority, matter.care_level, matter.triage_reason = priority, care_level, reason[:500]
    if matter.first_response_at is None:
        matter.due_at = _due(matter, targets_of(matter.region))
    matter.save(update_fields=["priority", "care_level", "triage_reason", "due_at"])
    _record(actor, matter, Kind.TRIAGED, before, data={
        "priority": str(Priority(priority).label), "care_level": str(CareLevel(care_level).label), "reason": reason[:500]})
    if matter.first_response_at is None and matter.due_at > timezone.now():
        _schedule_breach_check(matter)
    return matter


def _message(actor, matter, text, *, from_staff, is_answer=False):
    text = (text or "").strip()
    if not text:
        raise ActionError("Skriv ett meddelande.", field="text")
    if len(text) > MAX_MESSAGE:
        raise ActionError(f"Meddelandet får vara högst {MAX_MESSAGE} tecken.", field="text")
    return Message.objects.create(matter=matter, author=actor.user, from_staff=from_staff, is_answer=is_answer,
                                  text=text)


@transaction.atomic
def answer(actor, matter, *, text):
    """The staff's answer to the matter: the resident is told (no content in the notification)."""
    matter = _locked(matter)
    _require_holder(actor, matter)
    before = snapshot(matter, STATE_FIELDS)
    message = _message(actor, matter, text, from_staff=True, is_answer=True)
    matter.status = Status.ANSWERED if matter.status != Status.BOOKED else matter.status
    matter.first_response_at = matter.first_response_at or message.at
    matter.save(update_fields=["status", "first_response_at"])
    _record(actor, matter, Kind.ANSWERED, before, data={"message": message.pk})
    _notify(matter, "answered")
    return message


@transaction.atomic
def send_message(actor, matter, *, text):
    """A chat line from the resident (their own matter, while open) or from the staff who took it."""
    matter = _locked(matter)
    if actor.is_resident:
        if not Matter.objects.visible_to(actor).filter(pk=matter.pk).exists():
            raise NotPermitted("Ärendet hittades inte.")
        if not matter.is_open:
            raise ActionError("Ärendet är avslutat. Starta ett nytt ärende om du behöver mer hjälp.")
        before = snapshot(matter, STATE_FIELDS)
        message = _message(actor, matter, text, from_staff=False)
    else:
        _require_holder(actor, matter)
        before = snapshot(matter, STATE_FIELDS)
        message = _message(actor, matter, text, from_staff=True)
        if matter.first_response_at is None:
            matter.first_response_at = message.at
            matter.save(update_fields=["first_response_at"])
        _notify(matter, "message")
    _record(actor, matter, Kind.MESSAGE, before, data={"message": message.pk, "from_staff": message.from_staff})
    return message


@transaction.atomic
def start_video(actor, matter):
    """Start a video call in the matter (the meetings module's video rooms): the resident is told
    to open the matter, where the join page and its camera/microphone check wait."""
    from meetings.video import provider

    matter = _locked(matter)
    _require_holder(actor, matter)
    before = snapshot(matter, STATE_FIELDS)
    matter.video_room = provider().new_room()
    matter.video_started_at = timezone.now()
    matter.first_response_at = matter.first_response_at or matter.video_started_at
    matter.save(update_fields=["video_room", "video_started_at", "first_response_at"])
    _record(actor, matter, Kind.VIDEO, before)
    _notify(matter, "video")
    return matter


@transaction.atomic
def book(actor, matter, *, slot, form):
    """Book a visit from the unit's free times (meetings). The matter is the unit's care relation,
    so the booking's access check passes for the unit that holds it."""
    matter = _locked(matter)
    _require_holder(actor, matter)
    booking = meetings_actions.book_visit(
        actor, matter.patient, staff=slot.staff, visit_kind=slot.visit_kind, form=form, starts_at=slot.starts_at,
        ends_at=slot.ends_at, slot=slot, note="Bokat från kontaktärende")
    before = snapshot(matter, STATE_FIELDS)
    matter.booking, matter.status = booking, Status.BOOKED
    matter.first_response_at = matter.first_response_at or timezone.now()
    matter.save(update_fields=["booking", "status", "first_response_at"])
    _record(actor, matter, Kind.BOOKED, before, data={
        "booking": str(booking.pk), "when": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
        "unit": booking.unit.name})
    _notify(matter, "booked")
    return booking


@transaction.atomic
def close(actor, matter, *, closing, self_care_text=None, note=""):
    """Close with self-care advice (the region's text, sent to the resident), with a referral to
    emergency care, or as answered / booked."""
    matter = _locked(matter)
    _require_holder(actor, matter)
    if closing not in Matter.Closing.values:
        raise ActionError("Välj hur ärendet avslutas.", field="closing")
    if closing == Matter.Closing.SELF_CARE:
        if self_care_text is None or self_care_text.region_id != matter.region_id:
            raise ActionError("Välj ett egenvårdsråd.", field="self_care_text")
        _message(actor, matter, f"{self_care_text.title}\n\n{self_care_text.body}", from_staff=True, is_answer=True)
    if closing == Matter.Closing.EMERGENCY:
        _message(actor, matter, "Du behöver bedömas på en akutmottagning. Åk dit nu, eller ring 112 om det "
                                "är bråttom." + (f"\n\n{note.strip()}" if note.strip() else ""),
                 from_staff=True, is_answer=True)
    if closing == Matter.Closing.RESOLVED and not matter.messages.filter(from_staff=True).exists():
        raise ActionError("Svara personen innan ärendet avslutas.", field="closing")
    before = snapshot(matter, STATE_FIELDS)
    now = timezone.now()
    matter.status, matter.closing, matter.closed_at = Status.CLOSED, closing, now
    matter.first_response_at = matter.first_response_at or now
    matter.taken_by = None
    matter.save(update_fields=["status", "closing", "closed_at", "first_response_at", "taken_by"])
    _record(actor, matter, Kind.CLOSED, before, data={
        "closing": str(Matter.Closing(closing).label), "note": note.strip()[:500],
        **({"advice": self_care_text.title} if self_care_text else {})})
    _notify(matter, "closed")
    return matter


# --- Background: breaches ---------------------------------------------------------------------------

def record_breach(matter_id, *, now=None):
    """Mark a matter whose first response is overdue (once). Returns True when it was marked."""
    now = now or timezone.now()
    with transaction.atomic():
        matter = Matter.objects.select_for_update().select_related("patient").filter(pk=matter_id).first()
        if (matter is None or not matter.is_open or matter.first_response_at is not None
                or matter.breached_at is not None or matter.due_at > now):
            return False
        before = snapshot(matter, STATE_FIELDS)
        matter.breached_at = now
        matter.save(update_fields=["breached_at"])
        _record(None, matter, Kind.BREACHED, before, at=now, data={
            "due": timezone.localtime(matter.due_at).strftime("%Y-%m-%d %H:%M")})
    return True


# --- Reminders to residents -------------------------------------------------------------------------

# A staff member wrote in the chat (a question, most often: "Har du feber?") and the resident has not
# written since: after this many hours the resident is reminded, once per message. Messages older
# than REMINDER_WINDOW_DAYS are left alone (a reminder a week late helps no one).
REMINDER_HOURS = 24
REMINDER_WINDOW_DAYS = 7


def waiting_for_resident(now):
    """Ids of the staff chat lines that are the last word in an open matter and have waited
    REMINDER_HOURS for the resident (a formal answer is not a question, so it is not counted)."""
    cutoff = now - timedelta(hours=REMINDER_HOURS)
    later = Message.objects.filter(matter_id=OuterRef("matter_id"), pk__gt=OuterRef("pk"))
    return list(Message.objects.filter(from_staff=True, is_answer=False, at__lte=cutoff,
                                       at__gt=cutoff - timedelta(days=REMINDER_WINDOW_DAYS),
                                       matter__status__in=Matter.OPEN)
                .filter(~Exists(later)).values_list("pk", flat=True))


def remind_resident(message_id, *, now=None):
    """Remind the resident that the staff wait for their reply (the system's own step: on the
    matter's timeline and in the audit log, no actor). Once per message, only while it is still the
    last word of an open matter. The notice says only that a reply is awaited. True when sent."""
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.filter(pk=message_id, from_staff=True).first()
        if message is None:
            return False
        matter = Matter.objects.select_for_update().select_related("patient").filter(pk=message.matter_id).first()
        if (matter is None or not matter.is_open or message.at > now - timedelta(hours=REMINDER_HOURS)
                or Message.objects.filter(matter=matter, pk__gt=message.pk).exists()
                or matter.events.filter(kind=Kind.REMINDED, data__message=message.pk).exists()):
            return False
        _record(None, matter, Kind.REMINDED, snapshot(matter, STATE_FIELDS), at=now, action="contact.remind",
                data={"message": message.pk})
        _notify(matter, "reminder")
    return True


# --- The resident's notice settings ------------------------------------------------------------------

def swedish_mobile_number(text):
    """The number as E.164 (+46701234567) if it is a Swedish mobile number, else ActionError. Written
    as people write it: 070-123 45 67, +46 70 123 45 67, 0046701234567."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "SE")
    except phonenumbers.NumberParseException:
        number = None
    if (number is None or number.country_code != 46 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE):
        raise ActionError("Skriv ett svenskt mobilnummer, till exempel 070-123 45 67.", field="mobile_number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def save_notice_settings(actor, *, mobile_number):
    """The resident's own mobile number for SMS notices (blank: none). Only a resident, for their
    own account; audited with their patient."""
    if not actor.is_resident:
        raise NotPermitted("Bara invånaren själv anger sitt mobilnummer.")
    text = (mobile_number or "").strip()
    number = swedish_mobile_number(text) if text else ""
    settings_row, _created = NoticeSettings.objects.select_for_update().get_or_create(user=actor.user)
    before = settings_row.mobile_number
    settings_row.mobile_number = number
    settings_row.save(update_fields=["mobile_number", "updated_at"])
    record_write(actor, "contact.notices", settings_row, patient=actor.user.patient,
                 changes=diff({"mobile_number": before}, {"mobile_number": number}))
    return settings_row


# --- Registers: listing and representation ------------------------------------------------------------

@transaction.atomic
def set_listing(actor, patient, *, unit, fixed_care_contact=None):
    """Record where the resident is listed (listning) and their fixed care contact, by staff of a
    unit that may open the patient."""
    require_access(actor, patient)
    if unit is not None and unit.kind != Unit.Kind.PRIMARY_CARE:
        raise ActionError("Listning sker vid en vårdcentral.", field="unit")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    before = snapshot(patient, ["listed_unit", "fixed_care_contact"])
    patient.listed_unit, patient.fixed_care_contact = unit, fixed_care_contact
    patient.save(update_fields=["listed_unit", "fixed_care_contact"])
    record_write(actor, "contact.listing", patient, patient=patient,
                 changes=diff(before, snapshot(patient, ["listed_unit", "fixed_care_contact"])))
    return patient


@transaction.atomic
def register_representation(actor, representative, principal, *, kind, valid_from, valid_until=None):
    """Staff register a guardian or an ombud's power of attorney with its period (for a guardian,
    until the child turns 18 at the latest: `permissions.representation_of` checks the age)."""
    if not permissions.may_work_queue(actor):
        raise NotPermitted("Din roll får inte registrera ombud.")
    require_access(actor, principal)
    if kind not in Representation.Kind.values:
        raise ActionError("Välj vårdnadshavare eller ombud.", field="kind")
    if valid_until is not None and valid_until < valid_from:
        raise ActionError("Fullmakten måste sluta efter att den börjat.", field="valid_until")
    if representative.pk == principal.pk:
        raise ActionError("En person kan inte vara sitt eget ombud.", field="representative")
    representation = Representation.objects.create(
        representative=representative, principal=principal, kind=kind, valid_from=valid_from,
        valid_until=valid_until, registered_by=actor.user)
    record_write(actor, "contact.representation", representation, patient=principal, changes={
        "kind": [None, kind], "valid_from": [None, str(valid_from)],
        "valid_until": [None, str(valid_until) if valid_until else None]})
    return representation




# --- The region's settings ------------------------------------------------------------------------

def _require_configure(actor, region):
    if not permissions.may_configure(actor, region):
        raise NotPermitted("Bara regionens administratörer för kontaktingången ändrar inställningarna.")


@transaction.atomic
def save_targets(actor, region, minutes):
    """The region's response-time targets, minutes per priority key (routing.DEFAULT_TARGET_MINUTES keys)."""
    _require_configure(actor, region)
    before = targets_of(region)
    for key, value in minutes.items():
        if key not in routing.DEFAULT_TARGET_MINUTES:
            raise ActionError("Okänd prioritet.", field=key)
        if not isinstance(value, int) or not 1 <= value <= 60 * 24 * 60:
            raise ActionError("Ange minuter, från 1 till 60 dygn.", field=key)
        PriorityTarget.objects.update_or_create(region=region, priority=key, defaults={"minutes": value})
    record_write(actor, "contact.settings", region, changes=diff(before, targets_of(region)))
    return targets_of(region)


WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


def hours_text(hours):
    """A unit's week as text for the audit log and the settings page: 'måndag 08:00–17:00; …'."""
    if not hours:
        return "dygnet runt"
    return "; ".join(f"{WEEKDAYS[day]} " + ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in spans)
                     for day, spans in sorted(hours.items()))


def entry_units(region):
    """The units the region may choose as its intake or night team: active units of the region's
    own organisation or of private providers in its county (not the municipalities')."""
    return (Unit.objects.filter(active=True, organisation__county_code=region.county_code)
            .exclude(organisation__kind=Organisation.Kind.MUNICIPALITY).select_related("organisation").order_by(swedish("name")))


@transaction.atomic
def choose_entry_units(actor, region, *, intake_unit, night_unit):
    """Which unit is the region's contact entry (kontaktingång: unlisted residents' matters while it
    is open) and which is the night team (everything that arrives when the others are closed).

    The rule: both are units of the region; the intake has opening hours (a unit with none would
    never be open by the routing rule, and every unlisted resident's matter would go to the night
    team); the night team has none, since it takes matters around the clock, public holidays
    included (a unit with hours would leave hours when no one takes a matter); they are two units.
    Matters already in a queue stay where they are (staff hand them over)."""
    _require_configure(actor, region)
    entry = ContactEntry.objects.select_for_update().select_related("intake_unit", "night_unit").filter(
        region=region).first()
    if entry is None:
        raise ActionError("Regionen har ingen kontaktingång ännu.")
    allowed = entry_units(region)
    if intake_unit is None or not allowed.filter(pk=intake_unit.pk).exists():
        raise ActionError("Välj en av regionens enheter som kontaktingång.", field="intake_unit")
    if night_unit is None or not allowed.filter(pk=night_unit.pk).exists():
        raise ActionError("Välj en av regionens enheter som nattens team.", field="night_unit")
    if intake_unit.pk == night_unit.pk:
        raise ActionError("Kontaktingången och nattens team är två olika enheter.", field="night_unit")
    if not hours_of(intake_unit.pk):
        raise ActionError(f"{intake_unit.name} har inga öppettider. Ange dem under Öppettider först: "
                          "kontaktingången tar ärenden när den har öppet.", field="intake_unit")
    night_hours = hours_of(night_unit.pk)
    if night_hours:
        raise ActionError(f"Nattens team tar emot ärenden dygnet runt, men {night_unit.name} har öppettider "
                          f"({hours_text(night_hours)}). Välj en enhet utan öppettider.", field="night_unit")
    def names(intake, night):
        return {"intake_unit": f"{intake.name} ({intake.hsa_id})", "night_unit": f"{night.name} ({night.hsa_id})"}

    before = names(entry.intake_unit, entry.night_unit)
    entry.intake_unit, entry.night_unit = intake_unit, night_unit
    entry.save(update_fields=["intake_unit", "night_unit"])
    record_write(actor, "contact.settings", entry, changes=diff(before, names(intake_unit, night_unit)))
    return entry


@transaction.atomic
def save_opening_hours(actor, unit, week):
    """A care centre's opening hours: `week` maps weekday (0 = Monday) to (opens, closes) or None for
    closed. Matters from residents listed there reach its queue while it is open and the region's
    night team otherwise (contact/rules/routing.py); public holidays are closed whatever is set here.
    A unit with no hours at all takes matters around the clock, so a week closed every day is refused."""
    region = region_of(unit)
    _require_configure(actor, region)
    if unit.kind != Unit.Kind.PRIMARY_CARE:
        raise ActionError("Öppettider anges för vårdcentraler.", field="unit")
    for day, span in week.items():
        if day not in range(7):
            raise ActionError("Okänd veckodag.")
        if span is not None and span[0] >= span[1]:
            raise ActionError(f"På {WEEKDAYS[day]} måste mottagningen stänga efter att den öppnar.",
                              field=f"day{day}_closes")
    if not any(span for span in week.values()):
        raise ActionError("Ange minst en dag då vårdcentralen har öppet.")
    before = hours_text(hours_of(unit.pk))
    OpeningHours.objects.select_for_update().filter(unit=unit).delete()
    OpeningHours.objects.bulk_create([OpeningHours(unit=unit, weekday=day, opens=span[0], closes=span[1])
                                      for day, span in sorted(week.items()) if span is not None])
    after = hours_text(hours_of(unit.pk))
    record_write(actor, "contact.settings", unit, changes={"opening_hours": [before, after]})
    return after


@transaction.atomic
def add_question(actor, region, *, category, text, kind, flag=""):
    _require_configure(actor, region)
    text = (text or "").strip()
    if category not in Category.values:
        raise ActionError("Välj kategori.", field="category")
    if not text or len(text) > 200:
        raise ActionError("Skriv frågan, högst 200 tecken.", field="text")
    if kind not in CategoryQuestion.Kind.values:
        raise ActionError("Välj typ av svar.", field="kind")
    if flag and (flag not in red_flags.BY_KEY or kind != CategoryQuestion.Kind.YES_NO):
        raise ActionError("En flagga hör till en ja/nej-fråga.", field="flag")
    taken = set(CategoryQuestion.objects.filter(region=region, category=category).values_list("key", flat=True))
    key = next(f"q{n}" for n in range(1, 1000) if f"q{n}" not in taken)
    order = len(taken) + 1
    question = CategoryQuestion.objects.create(region=region, category=category, key=key, text=text, kind=kind,
                                               flag=flag, order=order)
    record_write(actor, "contact.settings", question, changes={"question": [None, text], "flag": [None, flag]})
    return question


@transaction.atomic
def retire_question(actor, question):
    _require_configure(actor, question.region)
    question.active = False
    question.save(update_fields=["active"])
    record_write(actor, "contact.settings", question, changes={"active": [True, False]})
    return question


@transaction.atomic
def add_self_care_text(actor, region, *, title, body):
    from contact.models import SelfCareText

    _require_configure(actor, region)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise ActionError("Ge rådet en rubrik, högst 120 tecken.", field="title")
    if not body:
        raise ActionError("Skriv rådet.", field="body")
    advice = SelfCareText.objects.create(region=region, title=title, body=body[:4000])
    record_write(actor, "contact.settings", advice, changes={"title": [None, title]})
    return advice
