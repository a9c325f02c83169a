"""Writes of the SIP, samordnad individuell plan (HSL 16 kap. 4 §, SoL 2 kap. 7 §): the plan, the
person's consent per organisation, participants and their answers, efforts, versions and meetings."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from meetings.permissions import may_answer_invitation
from meetings.queries import region_of, sip_content, taking_part
from meetings.models import SipConsent, SipEffort, SipMeeting, SipParticipant, SipPlan, SipPlanVersion, VisitKind
from meetings.actions.bookings import _book, _require_calendar_staff


SIP_FIELDS = ["person_goals", "overall_responsible", "follow_up_on", "status"]


def _require_sip_party(actor, plan):
    """Staff of a unit that takes part in the plan write to it."""
    _require_calendar_staff(actor)
    if not taking_part(plan).filter(unit_id=actor.unit_id).exists():
        raise NotPermitted("Din enhet deltar inte i planen.")
    if plan.status != SipPlan.Status.ACTIVE:
        raise ActionError("Planen är avslutad.")


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
