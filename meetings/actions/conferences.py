"""Writes of the clinical remote case conferences: sessions, registered cases, attendance and
recommendations, and the conference series themselves."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Membership
from meetings.models import ConferenceAttendance, ConferenceCase, ConferenceSeries, ConferenceSession
from meetings.video import provider
from meetings.actions.bookings import _require_calendar_staff


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


SERIES_FIELDS = ["name", "specialty", "owner_unit", "chair", "schedule", "required_professions",
                 "registration_deadline_hours"]


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
