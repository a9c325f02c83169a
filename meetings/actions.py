"""Every write in the unit calendars: booking, rebooking, cancelling and registering the outcome of
a visit. Each action checks who may do it and what the calendar allows, runs in one transaction with
its audit event, and once the transaction has committed queues the task that mails the participants
(with iCalendar; meetings/tasks.py)."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Membership, Organisation
from meetings import fees, tasks
# The checks live in meetings.permissions; imported here too for callers of meetings.actions.may_*.
from meetings.permissions import (  # noqa: F401
    may_answer_invitation, may_answer_invitations, may_book_visits, may_manage_calendar, may_manage_fees,
)
from meetings.models import (
    Booking, ConferenceAttendance, ConferenceCase, ConferenceSeries, ConferenceSession, FeeSchedule, FeeScheduleRow,
    Prisbasbelopp, SipConsent, SipEffort, SipMeeting, SipParticipant, SipPlan, SipPlanVersion, Slot, UnitCalendar,
    VisitForm, VisitKind,
)
from meetings.video import provider

Status = Booking.Status
BOOKING_FIELDS = ["staff", "visit_kind", "form", "starts_at", "ends_at", "status", "note", "cancel_reason"]


def calendar_of(unit):
    """The unit's booking rules; the defaults (unsaved) when it has set none. Reading never writes."""
    return UnitCalendar.objects.filter(unit=unit).first() or UnitCalendar(unit=unit)


def _require_calendar_staff(actor):
    if actor.unit_id is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")
    if not may_book_visits(actor):
        raise NotPermitted("Din roll får inte boka besök.")


def _require_own_unit(actor, booking):
    _require_calendar_staff(actor)
    if booking.unit_id != actor.unit_id:
        raise NotPermitted("Besöket hör till en annan enhet.")


def region_of(unit):
    organisation = unit.organisation
    if organisation.kind == Organisation.Kind.REGION:
        return organisation
    return Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=organisation.county_code).first()


def _check_time(unit, staff, patient, starts_at, ends_at, *, visit_kind, form, slot=None, booking=None):
    """What the calendar refuses: the past, a staff member outside the unit, a kind or form the
    slot does not offer, and overlaps for the staff member or the patient."""
    if starts_at < timezone.now():
        raise ActionError("Tiden har redan varit. Välj en tid framåt.", field="starts_at")
    if ends_at <= starts_at:
        raise ActionError("Besöket måste sluta efter att det börjat.", field="ends_at")
    if form not in VisitForm.values:
        raise ActionError("Välj fysiskt besök, telefon eller video.", field="form")
    if visit_kind.region_id != getattr(region_of(unit), "pk", None):
        raise ActionError("Besökstypen hör till en annan region.", field="visit_kind")
    if not Membership.objects.filter(user=staff, unit=unit, active=True).exists():
        raise ActionError("Personen arbetar inte på enheten.", field="staff")
    if slot is not None:
        if slot.unit_id != unit.pk or slot.staff_id != staff.pk:
            raise ActionError("Tiden hör till någon annan.", field="slot")
        if (starts_at, ends_at) != (slot.starts_at, slot.ends_at):
            raise ActionError("Besöket ska ha tidens början och slut.", field="slot")
        if slot.visit_kind_id != visit_kind.pk or not slot.offers(form):
            raise ActionError("Tiden är inte öppen för den besökstypen eller besöksformen.", field="slot")
        if slot.booked:
            raise ActionError("Tiden är redan bokad. Välj en annan.", field="slot")
    overlapping = Booking.objects.filter(status__in=Booking.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if booking is not None:
        overlapping = overlapping.exclude(pk=booking.pk)
    if overlapping.filter(staff=staff).exists():
        raise ActionError("Personen har redan ett besök den tiden.", field="starts_at")
    if overlapping.filter(patient=patient).exists():
        raise ActionError("Patienten har redan ett besök den tiden.", field="starts_at")


def _locked_slot(slot):
    return Slot.objects.select_for_update().get(pk=slot.pk) if slot is not None else None


def _take(slot, booked):
    if slot is not None:
        Slot.objects.filter(pk=slot.pk).update(booked=booked)


def _mail_after_commit(booking, kind):
    # A task mails the participants once the booking is committed (meetings/tasks.py); it gets the id only.
    transaction.on_commit(lambda: tasks.mail_visit.enqueue(str(booking.pk), kind))


@transaction.atomic
def book_visit(actor, patient, *, staff, visit_kind, form, starts_at, ends_at=None, slot=None, note="", notify=True):
    """Book a visit for the patient at the acting unit. A video visit gets its room here.
    `notify=False` is for demo data and imports, which must not mail anyone."""
    if visit_kind.is_sip:
        # A SIP meeting belongs to a plan (its minutes, the follow-up's counts): booked from the plan.
        raise ActionError("SIP-möten bokas från planen: SIP → planen → Boka SIP-möte.", field="visit_kind")
    return _book(actor, patient, staff=staff, visit_kind=visit_kind, form=form, starts_at=starts_at, ends_at=ends_at,
                 slot=slot, note=note, notify=notify)


def _book(actor, patient, *, staff, visit_kind, form, starts_at, ends_at=None, slot=None, note="", notify=True):
    _require_calendar_staff(actor)
    # A booking gives the unit a relation: only a unit that may already open the patient books.
    require_access(actor, patient)
    unit = actor.unit
    ends_at = ends_at or starts_at + timedelta(minutes=visit_kind.minutes)
    # Lock the staff member's row: two bookings of the same time must not both pass the checks.
    type(staff).objects.select_for_update().get(pk=staff.pk)
    slot = _locked_slot(slot)
    _check_time(unit, staff, patient, starts_at, ends_at, visit_kind=visit_kind, form=form, slot=slot)
    _take(slot, True)
    booking = Booking.objects.create(
        patient=patient, unit=unit, staff=staff, slot=slot, visit_kind=visit_kind, form=form, starts_at=starts_at,
        ends_at=ends_at, note=note.strip()[:500], created_by=actor.user,
        room=provider().new_room() if form == VisitForm.VIDEO else None,
    )
    record_write(actor, "meetings.book", booking, patient=patient, changes=diff({}, snapshot(booking, BOOKING_FIELDS)))
    if notify:
        _mail_after_commit(booking, "invitation")
    return booking


def _locked(booking):
    return Booking.objects.select_for_update().select_related("unit", "patient", "visit_kind").get(pk=booking.pk)


@transaction.atomic
def rebook(actor, booking, *, starts_at, ends_at=None, staff=None, slot=None, form=None):
    """Move an open booking to another time (or staff member, or form)."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Besöket är redan avslutat eller avbokat.")
    staff = staff or booking.staff
    form = form or booking.form
    ends_at = ends_at or starts_at + (booking.ends_at - booking.starts_at)
    type(staff).objects.select_for_update().get(pk=staff.pk)
    slot = _locked_slot(slot)
    _check_time(booking.unit, staff, booking.patient, starts_at, ends_at, visit_kind=booking.visit_kind, form=form,
                slot=slot, booking=booking)
    before = snapshot(booking, BOOKING_FIELDS)
    _take(booking.slot, False)
    _take(slot, True)
    booking.staff, booking.slot, booking.starts_at, booking.ends_at = staff, slot, starts_at, ends_at
    if form != booking.form:
        booking.form = form
        booking.room = provider().new_room() if form == VisitForm.VIDEO else None
    booking.sequence += 1
    booking.save()
    record_write(actor, "meetings.rebook", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)))
    _mail_after_commit(booking, "update")
    return booking


@transaction.atomic
def cancel(actor, booking, *, reason, by_patient, at=None):
    """Cancel an open booking. When the patient cancels later than the unit's limit before the
    visit, it is a late cancellation (which may carry a fee); the unit cancelling never is."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Besöket är redan avslutat eller avbokat.")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Ange varför besöket avbokas.", field="reason")
    at = at or timezone.now()
    limit = timedelta(hours=calendar_of(booking.unit).late_cancel_hours)
    late = by_patient and booking.starts_at - at < limit
    before = snapshot(booking, BOOKING_FIELDS)
    booking.status = Status.LATE_CANCEL if late else Status.CANCELLED
    booking.cancel_reason = reason[:300]
    _take(booking.slot, False)  # the time can be given to someone else
    booking.closed_at = at
    booking.sequence += 1
    booking.save()
    changes = diff(before, snapshot(booking, BOOKING_FIELDS)) | {"by_patient": [None, by_patient]}
    if late:
        charge = fees.charge_booking(booking, region_of(booking.unit))
        changes |= {"fee_sek": [None, charge.fee_sek], "fee_reason": [None, charge.reason]}
    record_write(actor, "meetings.cancel", booking, patient=booking.patient, changes=changes)
    _mail_after_commit(booking, "cancellation")
    return booking


@transaction.atomic
def register_outcome(actor, booking, *, outcome, form=None):
    """After the visit: attended or no-show, and the form it was in the end (a video visit held by
    phone when the video failed is a phone visit)."""
    _require_own_unit(actor, booking)
    booking = _locked(booking)
    if not booking.is_open:
        raise ActionError("Utfallet är redan registrerat eller besöket avbokat.")
    if outcome not in (Status.ATTENDED, Status.NO_SHOW):
        raise ActionError("Välj genomfört eller uteblev.", field="outcome")
    if timezone.now() < booking.starts_at:
        raise ActionError("Utfallet registreras när besöket har börjat.")
    if form is not None and form not in VisitForm.values:
        raise ActionError("Välj fysiskt besök, telefon eller video.", field="form")
    before = snapshot(booking, BOOKING_FIELDS)
    booking.status = outcome
    booking.form = form or booking.form
    booking.closed_at = timezone.now()
    booking.save()
    charge = fees.charge_booking(booking, region_of(booking.unit))
    record_write(actor, "meetings.outcome", booking, patient=booking.patient,
                 changes=diff(before, snapshot(booking, BOOKING_FIELDS)) | {"fee_sek": [None, charge.fee_sek],
                                                                            "fee_reason": [None, charge.reason]})
    return booking


@transaction.atomic
def create_slots(actor, *, staff, visit_kind, day, start, end, minutes, forms):
    """Open a staff member's bookable times on a day: back-to-back slots of `minutes` from `start`
    to `end` (local times), for one visit kind and the forms given. Refused when they would overlap
    the person's existing times."""
    _require_calendar_staff(actor)
    unit = actor.unit
    if not Membership.objects.filter(user=staff, unit=unit, active=True).exists():
        raise ActionError("Personen arbetar inte på enheten.", field="staff")
    if visit_kind.region_id != getattr(region_of(unit), "pk", None):
        raise ActionError("Besökstypen hör till en annan region.", field="visit_kind")
    if not forms or any(f not in VisitForm.values for f in forms):
        raise ActionError("Välj minst en besöksform.", field="forms")
    if not 5 <= minutes <= 240:
        raise ActionError("Längden ska vara mellan 5 och 240 minuter.", field="minutes")
    first = timezone.make_aware(datetime.combine(day, start))
    last = timezone.make_aware(datetime.combine(day, end))
    if last <= first:
        raise ActionError("Sluttiden ska vara efter starttiden.", field="end")
    if first < timezone.now():
        raise ActionError("Tiderna måste ligga framåt i tiden.", field="day")
    type(staff).objects.select_for_update().get(pk=staff.pk)
    if Slot.objects.filter(staff=staff, starts_at__lt=last, ends_at__gt=first).exists():
        raise ActionError("Personen har redan tider under den perioden.", field="start")
    step = timedelta(minutes=minutes)
    starts = []
    while first + step <= last:
        starts.append(first)
        first += step
    slots = Slot.objects.bulk_create([
        Slot(unit=unit, staff=staff, visit_kind=visit_kind, starts_at=at, ends_at=at + step, created_by=actor.user,
             **{form: form in forms for form in VisitForm.values})
        for at in starts])
    record_write(actor, "meetings.create_slots", unit, changes={
        "staff": [None, staff.pk], "visit_kind": [None, visit_kind.key], "day": [None, day.isoformat()],
        "slots": [None, len(slots)]})
    return slots


# --- SIP ---------------------------------------------------------------------------------------------

SIP_FIELDS = ["person_goals", "overall_responsible", "follow_up_on", "status"]


def _require_sip_party(actor, plan):
    """Staff of a unit that takes part in the plan write to it."""
    _require_calendar_staff(actor)
    if not taking_part(plan).filter(unit_id=actor.unit_id).exists():
        raise NotPermitted("Din enhet deltar inte i planen.")
    if plan.status != SipPlan.Status.ACTIVE:
        raise ActionError("Planen är avslutad.")


def taking_part(plan):
    """The plan's unit participants that take part: accepted, with the consent naming their organisation."""
    return SipParticipant.objects.units_taking_part().filter(plan=plan)


def _consent(actor, plan, organisation, note):
    """Record that the person consented to share the plan with the organisation (audited)."""
    try:
        with transaction.atomic():
            consent = SipConsent.objects.create(plan=plan, organisation=organisation, note=(note or "").strip()[:500],
                                                recorded_by=actor.user, recorded_by_unit=actor.unit)
    except IntegrityError:
        # Recorded a moment ago by someone else (two staff at once): the same fact, kept once.
        return SipConsent.objects.get(plan=plan, organisation=organisation)
    record_write(actor, "meetings.sip.consent", plan, patient=plan.patient, changes={
        "consent_organisation": [None, organisation.code], "note": [None, consent.note]})
    return consent


@transaction.atomic
def create_sip(actor, patient, *, consent_given, consent_note="", consent_organisations=(), person_goals="",
               overall_responsible=None, follow_up_on):
    """Start a SIP for the person, who has consented; the acting unit is the first participant.
    The consent names the organisations the person shares the plan with: the acting unit's own,
    and the others given (more can be recorded later, each with the person's consent)."""
    _require_calendar_staff(actor)
    require_access(actor, patient, message="Din enhet har ingen vårdrelation till personen.")
    if not consent_given:
        raise ActionError("En SIP görs bara när personen samtycker. Bekräfta samtycket.", field="consent_given")
    if follow_up_on <= timezone.localdate():
        raise ActionError("Uppföljningen ska ligga framåt i tiden.", field="follow_up_on")
    if overall_responsible is not None and overall_responsible != actor.unit:
        raise ActionError("Huvudansvaret ligger hos en enhet som deltar i planen.", field="overall_responsible")
    now = timezone.now()
    plan = SipPlan.objects.create(
        patient=patient, consent_at=now, consent_note=consent_note.strip()[:500],
        person_goals=person_goals.strip(), overall_responsible=actor.unit, follow_up_on=follow_up_on,
        created_by=actor.user)
    SipParticipant.objects.create(plan=plan, unit=actor.unit, name=actor.user.display_name(),
                                  role=actor.membership.get_profession_display(), status=SipParticipant.Status.ACCEPTED,
                                  invited_by=actor.user, invited_by_unit=actor.unit, answered_by=actor.user,
                                  answered_at=now)
    organisations = {actor.unit.organisation_id: actor.unit.organisation}
    organisations.update((o.pk, o) for o in consent_organisations)
    SipConsent.objects.bulk_create([
        SipConsent(plan=plan, organisation=o, note=plan.consent_note, recorded_by=actor.user,
                   recorded_by_unit=actor.unit, recorded_at=now) for o in organisations.values()])
    record_write(actor, "meetings.sip.create", plan, patient=patient, changes=diff({}, snapshot(plan, SIP_FIELDS)) | {
        "consent_organisations": [None, sorted(o.code for o in organisations.values())]})
    return plan


@transaction.atomic
def update_sip(actor, plan, *, person_goals, overall_responsible, follow_up_on):
    _require_sip_party(actor, plan)
    if not taking_part(plan).filter(unit=overall_responsible).exists():
        raise ActionError("Huvudansvaret ligger hos en enhet som deltar i planen.", field="overall_responsible")
    before = snapshot(plan, SIP_FIELDS)
    plan.person_goals, plan.overall_responsible, plan.follow_up_on = person_goals.strip(), overall_responsible, follow_up_on
    plan.save()
    record_write(actor, "meetings.sip.update", plan, patient=plan.patient, changes=diff(before, snapshot(plan, SIP_FIELDS)))
    return plan


@transaction.atomic
def record_sip_consent(actor, plan, *, organisation, consent_given, note=""):
    """The person consents to share the plan with one more organisation (its units that have
    accepted their invitation then take part)."""
    _require_sip_party(actor, plan)
    if not consent_given:
        raise ActionError("Bekräfta att personen samtycker.", field="consent_given")
    if organisation is None:
        raise ActionError("Välj organisationen.", field="organisation")
    if plan.consents.filter(organisation=organisation).exists():
        raise ActionError("Samtycket omfattar redan organisationen.", field="organisation")
    return _consent(actor, plan, organisation, note)


@transaction.atomic
def add_sip_participant(actor, plan, *, name, role, unit=None, is_relative=False, consent_given=False,
                        consent_note=""):
    """Add a participant. A relative or other person named by the person takes part at once. A unit
    is invited: it takes part (and may open the person) once one of its members accepts, and only
    when the person's consent names its organisation, which is recorded here when it does not yet."""
    _require_sip_party(actor, plan)
    name, role = (name or "").strip(), (role or "").strip()
    if not name or not role:
        raise ActionError("Ange namn och roll.", field="name" if not name else "role")
    if unit is not None and is_relative:
        raise ActionError("En närstående hör inte till en enhet.", field="unit")
    status = SipParticipant.Status.ACCEPTED
    if unit is not None:
        if not unit.active:
            raise ActionError("Enheten är inte aktiv.", field="unit")
        if not plan.consents.filter(organisation_id=unit.organisation_id).exists():
            if not consent_given:
                raise ActionError(f"Personens samtycke omfattar inte {unit.organisation.name}. Fråga personen och "
                                  "bekräfta samtycket för att bjuda in enheten.", field="consent_given")
            _consent(actor, plan, unit.organisation, consent_note)
        # A unit that already took part answered for itself; otherwise it is asked.
        if not plan.participants.filter(unit=unit, status=SipParticipant.Status.ACCEPTED).exists():
            status = SipParticipant.Status.INVITED
    participant = SipParticipant.objects.create(plan=plan, unit=unit, name=name[:120], role=role[:120],
                                                is_relative=is_relative, status=status, invited_by=actor.user,
                                                invited_by_unit=actor.unit)
    record_write(actor, "meetings.sip.add_participant", plan, patient=plan.patient, changes={
        "participant": [None, f"{participant.name} ({participant.role})"], "unit": [None, unit.pk if unit else None],
        "status": [None, participant.status]})
    return participant


@transaction.atomic
def answer_sip_invitation(actor, participant, *, accept):
    """The invited unit accepts or declines taking part in a plan: only its own staff answer (the
    clinicians and coordinators who would take part, and the unit's administrator). Accepting
    answers every open invitation of the unit to the plan; declining leaves the plan without it."""
    if not may_answer_invitation(actor, participant):
        raise NotPermitted("Inbjudan besvaras av den inbjudna enheten.")
    plan = SipPlan.objects.select_for_update().get(pk=participant.plan_id)
    if plan.status != SipPlan.Status.ACTIVE:
        raise ActionError("Planen är avslutad.")
    invited = plan.participants.filter(unit_id=actor.unit_id, status=SipParticipant.Status.INVITED)
    if not invited.filter(pk=participant.pk).exists():
        raise ActionError("Inbjudan är redan besvarad.")
    status = SipParticipant.Status.ACCEPTED if accept else SipParticipant.Status.DECLINED
    answered = list(invited.values_list("pk", flat=True))
    invited.update(status=status, answered_by=actor.user, answered_at=timezone.now())
    record_write(actor, "meetings.sip.accept" if accept else "meetings.sip.decline", plan, patient=plan.patient,
                 changes={"unit": [None, actor.unit_id], "status": [SipParticipant.Status.INVITED, status],
                          "participants": [None, answered]})
    participant.refresh_from_db()
    return participant


@transaction.atomic
def add_sip_effort(actor, plan, *, unit, description, goal=""):
    _require_sip_party(actor, plan)
    description = (description or "").strip()
    if not description:
        raise ActionError("Beskriv insatsen.", field="description")
    if not taking_part(plan).filter(unit=unit).exists():
        raise ActionError("Insatsen utförs av en enhet som deltar i planen.", field="unit")
    effort = SipEffort.objects.create(plan=plan, unit=unit, description=description[:500], goal=(goal or "").strip()[:300])
    record_write(actor, "meetings.sip.add_effort", plan, patient=plan.patient,
                 changes={"effort": [None, effort.description], "unit": [None, unit.pk]})
    return effort


def sip_content(plan):
    """The plan as the person and the participants agreed it, for a version: the units that take
    part (not those still invited) and the relatives and others."""
    units = set(taking_part(plan).values_list("unit_id", flat=True))
    return {
        "person_goals": plan.person_goals,
        "overall_responsible": plan.overall_responsible.name,
        "follow_up_on": plan.follow_up_on.isoformat(),
        "participants": [{"name": p.name, "role": p.role, "unit": p.unit.name if p.unit else "",
                          "is_relative": p.is_relative} for p in plan.participants.select_related("unit")
                         if p.unit_id is None or p.unit_id in units],
        "efforts": [{"unit": e.unit.name, "description": e.description, "goal": e.goal}
                    for e in plan.efforts.select_related("unit")],
    }


@transaction.atomic
def publish_sip_version(actor, plan, *, reason):
    """Keep the plan as it stands now as a new version (the earlier ones stay readable)."""
    _require_sip_party(actor, plan)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Ange varför en ny version görs, t.ex. ”Uppföljning” eller ”Första planen”.", field="reason")
    plan = SipPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.efforts.exists():
        raise ActionError("Planen behöver minst en insats innan den fastställs.")
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = SipPlanVersion.objects.create(plan=plan, number=number, content=sip_content(plan), reason=reason[:300],
                                            published_by=actor.user)
    record_write(actor, "meetings.sip.publish", plan, patient=plan.patient,
                 changes={"version": [number - 1 or None, number], "reason": [None, version.reason]})
    return version


@transaction.atomic
def book_sip_meeting(actor, plan, *, staff, form, starts_at, notify=True):
    """A SIP meeting in the acting unit's calendar: a booking of the region's SIP visit kind, so
    it is free of charge, with the meeting kept on the plan."""
    _require_sip_party(actor, plan)
    kind = VisitKind.objects.filter(region=region_of(actor.unit), is_sip=True).first()
    if kind is None:
        raise ActionError("Regionen har ingen besökstyp för SIP-möten. Be en administratör lägga upp den.")
    booking = _book(actor, plan.patient, staff=staff, visit_kind=kind, form=form, starts_at=starts_at, notify=notify)
    meeting = SipMeeting.objects.create(plan=plan, booking=booking)
    record_write(actor, "meetings.sip.meeting", plan, patient=plan.patient, changes={"meeting": [None, str(booking.pk)]})
    return meeting


@transaction.atomic
def record_sip_minutes(actor, meeting, *, minutes, person_took_part):
    _require_sip_party(actor, meeting.plan)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ActionError("Skriv minnesanteckningarna.", field="minutes")
    if meeting.booking.starts_at > timezone.now():
        raise ActionError("Minnesanteckningar skrivs när mötet har börjat.")
    before = snapshot(meeting, ["minutes", "person_took_part"])
    meeting.minutes, meeting.person_took_part = minutes, person_took_part
    meeting.save()
    record_write(actor, "meetings.sip.minutes", meeting.plan, patient=meeting.plan.patient,
                 changes=diff(before, snapshot(meeting, ["minutes", "person_took_part"])))
    return meeting


# --- Clinical remote case conferences -------------------------------------------------------------

def _require_participating(actor, series):
    _require_calendar_staff(actor)
    if not series.participating_units.filter(pk=actor.unit_id).exists() and series.owner_unit_id != actor.unit_id:
        raise NotPermitted("Din enhet deltar inte i konferensen.")


def _require_conference_lead(actor, series):
    """The owner unit runs the sessions: the case order, attendance and recommendations."""
    _require_calendar_staff(actor)
    if series.owner_unit_id != actor.unit_id:
        raise NotPermitted("Det görs av konferensens ägande enhet.")


@transaction.atomic
def schedule_session(actor, series, *, starts_at, minutes=90):
    _require_conference_lead(actor, series)
    if starts_at < timezone.now():
        raise ActionError("Tiden har redan varit.", field="starts_at")
    session = ConferenceSession.objects.create(series=series, starts_at=starts_at,
                                               ends_at=starts_at + timedelta(minutes=minutes),
                                               room=provider().new_room())
    record_write(actor, "meetings.conference.session", session, changes={"starts_at": [None, str(starts_at)]})
    return session


@transaction.atomic
def register_case(actor, session, patient, *, question, legal_basis, history="", image_links="", pathology_links=""):
    """Register a patient case to a session before its deadline, from a participating unit that
    has a care relation to the patient."""
    _require_participating(actor, session.series)
    require_access(actor, patient)
    if timezone.now() > session.registration_closes_at:
        raise ActionError(f"Anmälan till det här tillfället stängde "
                          f"{timezone.localtime(session.registration_closes_at):%Y-%m-%d %H:%M}. Välj ett senare.",
                          field="session")
    question = (question or "").strip()
    if not question:
        raise ActionError("Skriv frågeställningen.", field="question")
    if legal_basis not in ConferenceCase.LegalBasis.values:
        raise ActionError("Ange den rättsliga grunden för att dela uppgifterna.", field="legal_basis")
    position = session.cases.count() + 1
    case = ConferenceCase.objects.create(
        session=session, patient=patient, referring_unit=actor.unit, registered_by=actor.user, question=question,
        history=(history or "").strip(), image_links=(image_links or "").strip(),
        pathology_links=(pathology_links or "").strip(), legal_basis=legal_basis, position=position)
    record_write(actor, "meetings.conference.register", case, patient=patient,
                 changes={"session": [None, session.pk], "legal_basis": [None, legal_basis]})
    return case


@transaction.atomic
def order_cases(actor, session, case_ids):
    _require_conference_lead(actor, session.series)
    cases = {str(c.pk): c for c in session.cases.all()}
    if sorted(case_ids) != sorted(cases):
        raise ActionError("Ordningen ska ta med varje anmält fall en gång.")
    for position, case_id in enumerate(case_ids, start=1):
        ConferenceCase.objects.filter(pk=case_id).update(position=position)
    record_write(actor, "meetings.conference.order", session, changes={"order": [None, case_ids]})


@transaction.atomic
def record_attendance(actor, session, memberships):
    """Who took part, with their unit and profession (the required professions are checked on the page)."""
    _require_conference_lead(actor, session.series)
    ConferenceAttendance.objects.filter(session=session).delete()
    ConferenceAttendance.objects.bulk_create([
        ConferenceAttendance(session=session, user=m.user, unit=m.unit, profession=m.profession) for m in memberships])
    session.held = True
    session.save(update_fields=["held"])
    record_write(actor, "meetings.conference.attendance", session,
                 changes={"attendance": [None, sorted(m.user.username for m in memberships)]})


@transaction.atomic
def record_recommendation(actor, case, *, recommendation, informs_patient, inform_by):
    _require_conference_lead(actor, case.session.series)
    recommendation, informs_patient = (recommendation or "").strip(), (informs_patient or "").strip()
    if not recommendation:
        raise ActionError("Skriv rekommendationen.", field="recommendation")
    if not informs_patient:
        raise ActionError("Ange vem som informerar patienten.", field="informs_patient")
    if case.session.starts_at > timezone.now():
        raise ActionError("Rekommendationen skrivs när konferensen har börjat.")
    before = snapshot(case, ["recommendation", "informs_patient", "inform_by"])
    case.recommendation, case.informs_patient, case.inform_by = recommendation, informs_patient, inform_by
    case.answered_at, case.answered_by = timezone.now(), actor.user
    case.save()
    record_write(actor, "meetings.conference.recommendation", case, patient=case.patient,
                 changes=diff(before, snapshot(case, ["recommendation", "informs_patient", "inform_by"])))
    return case


# --- Settings: booking rules, visit kinds, fee schedules, conference series ------------------------

CALENDAR_FIELDS = ["late_cancel_hours", "join_opens_minutes"]
VISIT_KIND_FIELDS = ["key", "name", "minutes", "is_sip", "suits_video"]
FEE_SCHEDULE_FIELDS = ["year", "child_free_until_age", "free_from_age", "no_show_fee_sek", "ceiling_share"]
SERIES_FIELDS = ["name", "specialty", "owner_unit", "chair", "schedule", "required_professions",
                 "registration_deadline_hours"]


@transaction.atomic
def save_booking_rules(actor, unit, *, late_cancel_hours, join_opens_minutes):
    """The unit's rule for a late cancellation (which costs the no-show fee) and when its video
    rooms open. Cancellations already registered keep what they were."""
    if not may_manage_calendar(actor, unit):
        raise NotPermitted("Bokningsreglerna ändras av enhetens administratör eller samordnare.")
    errors = {}
    if not 0 <= late_cancel_hours <= 168:
        errors["late_cancel_hours"] = ["Ange 0–168 timmar (högst en vecka)."]
    if not 0 <= join_opens_minutes <= 60:
        errors["join_opens_minutes"] = ["Ange 0–60 minuter."]
    if errors:
        raise ActionError.many(errors)
    calendar = UnitCalendar.objects.select_for_update().filter(unit=unit).first() or UnitCalendar(unit=unit)
    before = snapshot(calendar, CALENDAR_FIELDS) if calendar.pk else {}
    calendar.late_cancel_hours, calendar.join_opens_minutes = late_cancel_hours, join_opens_minutes
    calendar.save()
    record_write(actor, "meetings.booking_rules.update", calendar,
                 changes=diff(before, snapshot(calendar, CALENDAR_FIELDS)))
    return calendar


@transaction.atomic
def save_visit_kind(actor, region, kind=None, *, key, name, minutes, is_sip=False, suits_video=False):
    """Create or change one of the region's visit kinds. The key is what the fee schedules price
    by, so it is set once: a changed key would leave every schedule without the kind's fees."""
    if not may_manage_fees(actor, region):
        raise NotPermitted("Besökstyper ändras av regionens ekonomiansvariga.")
    creating = kind is None
    if creating:
        kind = VisitKind(region=region, key=key)
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key or ""):
            raise ActionError("Nyckeln skrivs med små bokstäver utan å, ä, ö, siffror och bindestreck.", field="key")
        if VisitKind.objects.filter(region=region, key=key).exists():
            raise ActionError("Regionen har redan en besökstyp med den nyckeln.", field="key")
    elif kind.region_id != region.pk:
        raise NotPermitted("Besökstypen hör till en annan region.")
    before = {} if creating else snapshot(kind, VISIT_KIND_FIELDS)
    kind.name, kind.minutes, kind.is_sip, kind.suits_video = name.strip(), minutes, is_sip, suits_video
    if not kind.name:
        raise ActionError("Ge besökstypen ett namn.", field="name")
    if not 5 <= minutes <= 480:
        raise ActionError("Ange en längd på 5–480 minuter.", field="minutes")
    kind.save()
    record_write(actor, "meetings.visit_kind.create" if creating else "meetings.visit_kind.update", kind,
                 changes=diff(before, snapshot(kind, VISIT_KIND_FIELDS)))
    return kind


def _fee_schedule_snapshot(schedule):
    values = snapshot(schedule, FEE_SCHEDULE_FIELDS)
    values["fees"] = {f"{row.visit_kind_key}/{row.form}": row.fee_sek
                      for row in schedule.rows.order_by("visit_kind_key", "form")}
    return values


def _check_fee_schedule(region, values, fees):
    errors = {}
    if not 2000 <= values["year"] <= 2100:
        errors["year"] = ["Ange ett år mellan 2000 och 2100."]
    if values["child_free_until_age"] > values["free_from_age"]:
        errors["free_from_age"] = ["Åldern för fria besök för äldre kan inte vara lägre än gränsen för barn och unga."]
    if not Decimal("0") < values["ceiling_share"] < Decimal("1"):
        errors["ceiling_share"] = ["Ange andelen som ett decimaltal, t.ex. 0,025 för 2,5 procent."]
    # Every visit kind must be priced in every form, or the engine refuses the visits of that kind.
    for kind in VisitKind.objects.filter(region=region, is_sip=False):
        for form in VisitForm.values:
            fee = fees.get(kind.key, {}).get(form)
            if fee is None or fee < 0:
                errors.setdefault(f"fee_{kind.key}_{form}", []).append("Ange en avgift i hela kronor (0 för avgiftsfritt).")
    if errors:
        raise ActionError.many(errors)


@transaction.atomic
def save_fee_schedule(actor, region, schedule=None, *, values, fees):
    """Create or change the region's fee schedule for one year: the age limits, the no-show fee, the
    ceiling's share of the prisbasbelopp, and a fee per visit kind and form. Charges already
    registered keep the fee they were given; the audit log keeps each version of the schedule."""
    if not may_manage_fees(actor, region):
        raise NotPermitted("Avgiftstabellen ändras av regionens ekonomiansvariga.")
    _check_fee_schedule(region, values, fees)
    creating = schedule is None
    if creating:
        if FeeSchedule.objects.filter(region=region, year=values["year"]).exists():
            raise ActionError(f"Regionen har redan en avgiftstabell för {values['year']}.", field="year")
        schedule, before = FeeSchedule(region=region), {}
    else:
        schedule = FeeSchedule.objects.select_for_update().get(pk=schedule.pk, region=region)
        before = _fee_schedule_snapshot(schedule)
        values = {**values, "year": schedule.year}  # the year is what the schedule is; it does not move
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.save()
    schedule.rows.all().delete()
    FeeScheduleRow.objects.bulk_create([
        FeeScheduleRow(schedule=schedule, visit_kind_key=key, form=form, fee_sek=fee)
        for key, by_form in sorted(fees.items()) for form, fee in sorted(by_form.items()) if fee is not None])
    record_write(actor, "meetings.fee_schedule.create" if creating else "meetings.fee_schedule.update", schedule,
                 changes=diff(before, _fee_schedule_snapshot(schedule)))
    return schedule


@transaction.atomic
def save_prisbasbelopp(actor, *, year, amount_sek, source=""):
    """The national prisbasbelopp for a year, set by the government each autumn: one figure for
    every region, so only a system administrator enters it."""
    if not actor.is_system_admin:
        raise NotPermitted("Prisbasbeloppet läggs in av en systemadministratör.")
    if not 2000 <= year <= 2100:
        raise ActionError("Ange ett år mellan 2000 och 2100.", field="year")
    if not 10_000 <= amount_sek <= 500_000:
        raise ActionError("Ange beloppet i hela kronor, t.ex. 59200.", field="amount_sek")
    amount = Prisbasbelopp.objects.select_for_update().filter(year=year).first() or Prisbasbelopp(year=year)
    before = snapshot(amount, ["amount_sek", "source"]) if amount.amount_sek else {}
    amount.amount_sek, amount.source = amount_sek, source.strip()
    amount.save()
    record_write(actor, "meetings.prisbasbelopp.save", amount, changes=diff(before, snapshot(amount, ["amount_sek", "source"])))
    return amount


def _series_snapshot(series):
    values = snapshot(series, SERIES_FIELDS)
    values["participating_units"] = sorted(u.hsa_id for u in series.participating_units.all())
    return values


@transaction.atomic
def save_conference_series(actor, series=None, *, name, specialty, chair, schedule, required_professions,
                           participating_units, registration_deadline_hours):
    """Create a conference series owned by the actor's unit, or change one the unit owns. The chair
    works at the owning unit; the participating units may come from any region."""
    _require_calendar_staff(actor)
    creating = series is None
    if creating:
        series, before = ConferenceSeries(owner_unit=actor.unit), {}
    else:
        _require_conference_lead(actor, series)
        before = _series_snapshot(series)
    errors = {}
    if not Membership.objects.filter(user=chair, unit_id=series.owner_unit_id, active=True).exists():
        errors["chair"] = ["Ordföranden ska arbeta på den ägande enheten."]
    if not participating_units:
        errors["participating_units"] = ["Välj minst en deltagande enhet."]
    if not required_professions:
        errors["required_professions"] = ["Välj de yrken som ska delta."]
    if not 1 <= registration_deadline_hours <= 336:
        errors["registration_deadline_hours"] = ["Ange 1–336 timmar (högst två veckor)."]
    if errors:
        raise ActionError.many(errors)
    series.name, series.specialty, series.schedule = name.strip(), specialty.strip(), schedule.strip()
    series.chair, series.required_professions = chair, sorted(required_professions)
    series.registration_deadline_hours = registration_deadline_hours
    series.save()
    series.participating_units.set(participating_units)
    record_write(actor, "meetings.conference.series.create" if creating else "meetings.conference.series.update",
                 series, changes=diff(before, _series_snapshot(series)))
    return series
