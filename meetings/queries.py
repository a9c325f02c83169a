"""Every read of the care meetings that needs access rules or is shared with the actions: bookings
(who may see one, when its video room is open, a patient's upcoming visits), a unit's calendar and
region, SIP plans and conferences. What the actor may not see answers 404; reads of patient data
are logged here."""

import functools
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from core.audit import record_read, record_reads
from core.db import CompiledRead, columns_of, objects_from_row
from core.models import AuditEvent, Organisation, Unit, User
from core.queries import PROTECTED_NAME, identity_hidden, patient_card
from core.rules.identity import format_personal_number
from core.collation import sort_key, swedish
from meetings.models import (
    Booking, ConferenceCase, ConferenceSeries, ConferenceSession, SipParticipant, SipPlan, SipPlanVersion, Slot,
    VISIT_FORMS, UnitCalendar, VisitForm, VisitKind,
)
from meetings.video import provider

# A visit nobody closed (no outcome registered) stops admitting people this long after its end.
JOIN_GRACE = timedelta(hours=2)


# --- Settings and plans, read by the actions too -------------------------------------------------

def calendar_of(unit):
    """The unit's booking rules; the defaults (unsaved) when it has set none. Reading never writes."""
    return UnitCalendar.objects.filter(unit=unit).first() or UnitCalendar(unit=unit)


def region_of(unit):
    organisation = unit.organisation
    if organisation.kind == Organisation.Kind.REGION:
        return organisation
    return Organisation.objects.filter(kind=Organisation.Kind.REGION, county_code=organisation.county_code).first()


def taking_part(plan):
    """The plan's unit participants that take part: accepted, with the consent naming their organisation."""
    return SipParticipant.objects.units_taking_part().filter(plan=plan)


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


@dataclass(frozen=True)
class JoinState:
    key: str  # not_video, too_early, open, closed
    opens_at: object = None
    message: str = ""


def join_state(booking, now=None, *, calendar=None):
    """`calendar`: the unit's rules when the caller has them already (a day's list)."""
    now = now or timezone.now()
    if booking.form != VisitForm.VIDEO or booking.room is None:
        return JoinState("not_video", message="Besöket är inte ett videobesök.")
    if not booking.is_open or now > booking.ends_at + JOIN_GRACE:
        return JoinState("closed", message="Besöket är avslutat. Länken går inte längre att använda.")
    opens_at = booking.starts_at - timedelta(minutes=(calendar or calendar_of(booking.unit)).join_opens_minutes)
    if now < opens_at:
        return JoinState("too_early", opens_at=opens_at,
                         message=f"Videorummet öppnar {timezone.localtime(opens_at):%Y-%m-%d %H:%M}.")
    return JoinState("open", opens_at=opens_at)


def _booking(actor, pk, **where):
    try:
        return (Booking.objects.visible_to(actor).select_related("unit", "visit_kind", "staff", "patient")
                .get(pk=pk, **where))
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_booking(actor, booking_id, *, endpoint, booked_staff_only=False):
    """A booking of the acting unit (404 otherwise); with `booked_staff_only`, only the staff member
    it is booked with. The read of the patient is logged."""
    if actor.unit_id is None:
        raise Http404
    where = {"staff": actor.user} if booked_staff_only else {}
    booking = _booking(actor, booking_id, **where)
    record_read(actor, booking.patient, endpoint=endpoint, basis="relation", reason="Bokat besök")
    return booking


def own_booking(actor, booking_id, *, endpoint):
    """The resident's own booking (404 otherwise); the read is logged (basis: own)."""
    if not actor.is_resident:
        raise Http404
    booking = _booking(actor, booking_id)
    record_read(actor, booking.patient, endpoint=endpoint, basis="own", reason="Eget besök")
    return booking


def room_url(booking, *, display_name, moderator):
    return provider().join_url(booking.room, display_name=display_name, moderator=moderator,
                               valid_until=booking.ends_at + JOIN_GRACE)


def upcoming_for_patient(patient_id, now=None):
    now = now or timezone.now()
    return (Booking.objects.filter(patient_id=patient_id, status=Booking.Status.BOOKED, ends_at__gt=now - JOIN_GRACE)
            .select_related("unit", "visit_kind").order_by("starts_at"))


@dataclass(frozen=True, slots=True)
class CalendarStaff:
    """The staff member a booking is with, as the calendar shows them (a column of the week)."""

    pk: int
    first_name: str
    last_name: str
    display_name: str


@dataclass(slots=True)
class CalendarBooking:
    """A booking as the calendar shows it: the columns read, with the patient's name and number as
    the actor may see them. No model objects: a booking, patient, municipality, staff member and visit
    kind built per row were a fifth of the page's CPU (issue 14, fifth round). It stands for its
    booking in the read log (`record_reads` takes `_meta`, `pk` and `patient_id`) and in `join_state`
    (`form`, `room`, `is_open`, `starts_at`, `ends_at`). Not frozen, as `CalendarEntry`."""

    _meta = Booking._meta
    pk: object
    patient_id: object
    staff_id: int
    form: str
    status: str
    room: str | None
    starts_at: datetime
    ends_at: datetime
    name: str  # the patient's, or PROTECTED_NAME
    personal_number: str
    staff: CalendarStaff
    visit_kind: str  # its name

    @property
    def is_open(self):
        return self.status == Booking.Status.BOOKED


_CALENDAR_COLUMNS = ("id", "patient_id", "staff_id", "form", "status", "room", "starts_at", "ends_at",
                     "patient__first_name", "patient__last_name", "patient__personal_number",
                     "patient__protected_identity", "staff__first_name", "staff__last_name", "staff__username",
                     "visit_kind__name")
_STARTS_AT = Booking._meta.get_field("starts_at")
# Compiled once per process: building the read through the ORM (four related models) and its
# select_related objects cost a third of the calendar page's CPU (bench/README.md, "The fourth round").
# In binary: 80 times a week loaded from text were a regular expression each.
_calendar_read = CompiledRead(
    lambda unit_id, start, end: (
        Booking.objects.filter(unit_id=unit_id, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "staff__last_name").values_list(*_CALENDAR_COLUMNS)),
    (Booking._meta.get_field("unit"), 977_777_777_301),
    (_STARTS_AT, datetime(1981, 1, 2, 3, 4, 5, tzinfo=UTC)), (_STARTS_AT, datetime(1982, 1, 2, 3, 4, 5, tzinfo=UTC)),
    binary=True,
)


def _calendar_bookings(actor, start, end):
    """The acting unit's bookings starting in [start, end) (`Booking.visible_to` for staff: the
    acting unit's), with the patients shown logged as reads."""
    bookings, staff = [], {}
    for (pk, patient_id, staff_id, form, status, room, starts_at, ends_at, first_name, last_name, personal_number,
         protected, staff_first, staff_last, staff_username, kind) in _calendar_read.rows(actor.unit_id, start, end):
        bookings.append(CalendarBooking(
            pk=pk, patient_id=patient_id, staff_id=staff_id, form=form, status=status, room=room,
            starts_at=starts_at, ends_at=ends_at,
            name=PROTECTED_NAME if identity_hidden(actor, patient_id, protected) else f"{first_name} {last_name}",
            personal_number=format_personal_number(personal_number), visit_kind=kind,
            staff=staff.get(staff_id) or staff.setdefault(staff_id, CalendarStaff(
                staff_id, staff_first, staff_last, User.name_from(staff_first, staff_last, staff_username)))))
    record_reads(actor, bookings, action="meetings.read", reason="Bokat besök", endpoint="meetings:calendar")
    return bookings


def _join_states(actor, bookings):
    """Each booking's join state; the unit's rules are read only when a video visit needs them."""
    needs_rules = any(b.form == VisitForm.VIDEO and b.room is not None and b.is_open for b in bookings)
    calendar = calendar_of(actor.unit) if needs_rules else None
    return [join_state(b, calendar=calendar) for b in bookings]


def unit_day(actor, day):
    """The acting unit's bookings on a day as (CalendarBooking, join state), with the patients shown
    logged as reads."""
    start = timezone.make_aware(datetime.combine(day, time(0, 0)))
    bookings = _calendar_bookings(actor, start, start + timedelta(days=1))
    return list(zip(bookings, _join_states(actor, bookings), strict=True))


def unit_week(actor, monday):
    """The acting unit's bookings in the week from `monday`, as a grid of days by staff member:
    (days, staff, rows) where rows is [(day, [(staff member, cell)])] and each cell a list of
    (CalendarBooking, join state). Every patient shown is logged as a read, in one insert."""
    start = timezone.make_aware(datetime.combine(monday, time(0, 0)))
    bookings = _calendar_bookings(actor, start, start + timedelta(days=7))
    states = _join_states(actor, bookings)
    staff = sorted({b.staff for b in bookings}, key=lambda u: (sort_key(u.first_name), sort_key(u.last_name), u.pk))
    days = [monday + timedelta(days=n) for n in range(7)]
    cells = {(day, user.pk): [] for day in days for user in staff}
    zone = timezone.get_current_timezone()
    for booking, state in zip(bookings, states, strict=True):
        cells[(booking.starts_at.astimezone(zone).date(), booking.staff_id)].append((booking, state))
    # Weekend days only when something is booked on them.
    shown = [day for day in days if day.weekday() < 5 or any(cells[(day, u.pk)] for u in staff)]
    return shown, staff, [(day, [(user, cells[(day, user.pk)]) for user in staff]) for day in shown]


def visit_kind_by_key(region, key):
    """The region's visit kind with this key (the fee schedule's), or None."""
    if region is None:
        return None
    row = _visit_kind_read.first(region.pk, key)
    return objects_from_row(row, [VisitKind])[0] if row is not None else None


_visit_kind_read = CompiledRead(
    lambda region_id, key: VisitKind.objects.filter(region_id=region_id, key=key).values_list(*columns_of(VisitKind)),
    (VisitKind._meta.get_field("region"), 977_777_777_103), (VisitKind._meta.get_field("key"), "marker-visit-kind"),
)


def free_slots(visit_kind, *, form=None, unit_id=None, since=None, until=None, limit=20):
    """The first free times for a visit kind (and so in its region), in time order; narrowed to a
    form and a unit when given, each with its unit and staff member loaded. Reads the partial index
    of free times per visit kind, or per unit and visit kind."""
    slots = []
    for row in _search(visit_kind, form, unit_id, since, until, limit, _SLOT_OBJECTS):
        slot, unit, staff = objects_from_row(row, (Slot, Unit, User))
        Slot.unit.field.set_cached_value(slot, unit)
        Slot.staff.field.set_cached_value(slot, staff)
        slots.append(slot)
    return slots


def free_slot_listing(visit_kind, *, form=None, unit_id=None, since=None, limit=20):
    """The same search as `free_slots`, as the API lists it: per time a dict of its id, unit, unit's
    name, staff member's name, start, end and the forms it offers. Builds no slot, unit or user
    objects for it (issue 14: they were a third of the API call's CPU)."""
    listing = []
    for pk, unit_id_, unit_name, first_name, last_name, username, starts_at, ends_at, *offered in _search(
            visit_kind, form, unit_id, since, None, limit, _SLOT_LISTING):
        listing.append({"id": pk, "unit_id": unit_id_, "unit_name": unit_name,
                        "staff_name": User.name_from(first_name, last_name, username),
                        "starts_at": starts_at, "ends_at": ends_at,
                        "forms": [name for name, offers in zip(VISIT_FORMS, offered, strict=True) if offers]})
    return listing


_SLOT_OBJECTS = (*columns_of(Slot), *columns_of(Unit, "unit__"), *columns_of(User, "staff__"))
_STAFF_NAME = ("first_name", "last_name", "username")  # what User.name_from reads
_SLOT_LISTING = ("pk", "unit_id", "unit__name", *(f"staff__{name}" for name in _STAFF_NAME), "starts_at", "ends_at",
                 *VISIT_FORMS)
_KIND_MARK, _UNIT_MARK = 977_777_777_101, 977_777_777_102
_SINCE_MARK, _UNTIL_MARK = datetime(1977, 7, 7, 7, 7, 7, tzinfo=UTC), datetime(1978, 8, 8, 8, 8, 8, tzinfo=UTC)


def _search(visit_kind, form, unit_id, since, until, limit, columns):
    form = form if form in VISIT_FORMS else None
    read = _free_slot_read(form, unit_id is not None, until is not None, limit, columns)
    return read.rows(visit_kind.pk, since or timezone.now(), *(v for v in (unit_id, until) if v is not None))


@functools.cache
def _free_slot_read(form, by_unit, bounded, limit, columns):
    """The search of one shape (form, unit or not, end or not, how many, which columns), compiled once
    per process: the search is an API call systems make often (issue 14: building the query through
    the ORM cost more CPU than PostgreSQL's answer)."""
    def build(kind_id, since, *rest):
        slots = Slot.objects.filter(visit_kind_id=kind_id, booked=False, starts_at__gte=since)
        rest = list(rest)
        if by_unit:
            slots = slots.filter(unit_id=rest.pop(0))
        if bounded:
            slots = slots.filter(starts_at__lt=rest.pop(0))
        if form is not None:
            slots = slots.filter(**{form: True})
        return slots.order_by("starts_at", "pk").values_list(*columns)[:limit]

    starts_at = Slot._meta.get_field("starts_at")
    arguments = [(Slot._meta.get_field("visit_kind"), _KIND_MARK), (starts_at, _SINCE_MARK)]
    arguments += [(Slot._meta.get_field("unit"), _UNIT_MARK)] if by_unit else []
    arguments += [(starts_at, _UNTIL_MARK)] if bounded else []
    return CompiledRead(build, *arguments, binary=True)


def slot_days(unit_id, days=14):
    """The unit's times over the coming days: per day and staff member, how many and how many free."""
    start = timezone.now()
    return list(Slot.objects.filter(unit_id=unit_id, starts_at__gte=start, starts_at__lt=start + timedelta(days=days))
                .annotate(day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()))
                .values("day", "staff__first_name", "staff__last_name", "visit_kind__name")
                .annotate(total=Count("pk"), free=Count("pk", filter=Q(booked=False)))
                .order_by("day", "staff__last_name"))


# --- SIP ---------------------------------------------------------------------------------------------

def unit_sip_plans(actor):
    """The active plans the acting unit takes part in, with the people shown logged as reads."""
    plans = list(SipPlan.objects.visible_to(actor).filter(status=SipPlan.Status.ACTIVE)
                 .select_related("patient", "overall_responsible").order_by("follow_up_on"))
    record_reads(actor, plans, action="meetings.sip.read", reason="Samordnad individuell plan (SIP)",
                 endpoint="meetings:sip_list")
    return [(plan, patient_card(plan.patient, actor)) for plan in plans]


def unit_sip_invitations(actor):
    """The acting unit's open invitations to active plans: who invited it, when, as whom, and
    whether the person's consent names its organisation yet. Nothing about the person: the unit
    has no relation until it accepts, so no read is logged."""
    if actor.unit_id is None:
        return []
    rows = list(SipParticipant.objects.filter(unit_id=actor.unit_id, status=SipParticipant.Status.INVITED,
                                              plan__status=SipPlan.Status.ACTIVE)
                .select_related("invited_by", "invited_by_unit__organisation").order_by("added_at", "pk"))
    consented = set(SipParticipant.objects.filter(pk__in=[r.pk for r in rows],
                                                  plan__consents__organisation_id=actor.unit.organisation_id)
                    .values_list("pk", flat=True))
    return [(row, row.pk in consented) for row in rows]


def unit_sip_invitation(actor, participant_id):
    """One open invitation of the acting unit (404 otherwise: another unit's is not shown)."""
    try:
        return SipParticipant.objects.get(pk=participant_id, unit_id=actor.unit_id,
                                          status=SipParticipant.Status.INVITED)
    except (SipParticipant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_sip(actor, plan_id, *, endpoint):
    """A plan the acting unit takes part in (404 otherwise, also while it is only invited); the
    read is logged."""
    if actor.unit_id is None:
        raise Http404
    try:
        plan = SipPlan.objects.visible_to(actor).select_related("patient", "overall_responsible").get(pk=plan_id)
    except (SipPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record_read(actor, plan.patient, endpoint=endpoint, basis="relation", reason="Samordnad individuell plan (SIP)")
    return plan


def own_sip_version(actor, plan_id, number, *, endpoint):
    """A fixed version of the resident's own plan (404 otherwise); the read is logged (basis: own)."""
    try:
        version = SipPlanVersion.objects.select_related("plan__patient").get(
            plan_id=plan_id, number=number, plan__patient_id=actor.user.patient_id)
    except (SipPlanVersion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record_read(actor, version.plan.patient, endpoint=endpoint, basis="own", reason="Egen plan (SIP)")
    return version


def own_sip_plans(actor):
    if not actor.is_resident:
        return []
    return list(SipPlan.objects.visible_to(actor).prefetch_related("versions")
                .order_by("-created_at"))


# --- Conferences -------------------------------------------------------------------------------------

def unit_conferences(actor):
    return list(ConferenceSeries.objects.filter(Q(participating_units=actor.unit_id) | Q(owner_unit=actor.unit_id))
                .distinct().select_related("owner_unit", "chair").order_by(swedish("name")))


def open_sessions(actor, now=None):
    """Sessions of the unit's conferences still open for registration, as a queryset (for a choice
    field). Each series has its own deadline, compared here rather than in SQL, where multiplying
    hours into an interval is not portable to SQLite."""
    now = now or timezone.now()
    upcoming = (ConferenceSession.objects.filter(series__in=unit_conferences(actor), starts_at__gt=now)
                .select_related("series"))
    return (ConferenceSession.objects.filter(pk__in=[s.pk for s in upcoming if s.registration_closes_at > now])
            .select_related("series").order_by("starts_at"))


def conference_session(actor, session_id):
    """A session of a conference the acting unit takes part in (404 otherwise); the cases shown are
    logged as reads."""
    try:
        session = (ConferenceSession.objects.filter(
            Q(series__participating_units=actor.unit_id) | Q(series__owner_unit=actor.unit_id), pk=session_id)
            .distinct().select_related("series", "series__owner_unit", "series__chair").get())
    except (ConferenceSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    cases = list(session.cases.select_related("patient", "referring_unit", "registered_by", "answered_by"))
    _log_conference_reads(actor, session, cases)
    return session, [(case, conference_card(case, actor)) for case in cases]


def _log_conference_reads(actor, session, cases):
    """A read for each case shown with the patient's identity, on its real grounds: the referring
    unit's and the owner unit's relation, or for the other units the patient's consent. A case shown
    de-identified reveals nobody and is not logged as a read of the patient."""
    by_relation, by_consent = [], []
    for case in cases:
        if case.referring_unit_id == actor.unit_id or (
                session.series.owner_unit_id == actor.unit_id and case.legal_basis == ConferenceCase.LegalBasis.CONSENT):
            by_relation.append(case)
        elif case.legal_basis == ConferenceCase.LegalBasis.CONSENT:
            by_consent.append(case)
    record_reads(actor, by_relation, action="meetings.conference.read", reason="Klinisk distanskonferens",
                 endpoint="meetings:conference_session")
    record_reads(actor, by_consent, action="meetings.conference.read", reason="Klinisk distanskonferens",
                 endpoint="meetings:conference_session", basis=AuditEvent.Basis.CONSENT)


def conference_card(case, actor):
    """The patient as the conference sees the case. A case shared as a consultation (without the
    patient's consent) shows its identity only to the referring unit: the others see the birth year."""
    card = patient_card(case.patient, actor)
    if case.legal_basis == ConferenceCase.LegalBasis.CONSENT or case.referring_unit_id == actor.unit_id:
        return card
    return replace(card, name=f"Avidentifierat fall, född {card.birth_date.year}", personal_number="", first_name="",
                   last_name="", address="", home_municipality="", identity_hidden=True)
