"""Every write in discharge coordination. Each action checks who may do it and in what order,
runs in one transaction, records the event in the case's timeline and its audit event, and
re-derives the case's timestamps from the timeline."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.access import require_access
from core.audit import diff, record_write, snapshot
from core.errors import ActionError, NotPermitted
from core.models import Organisation, Unit
from core.text import bounded
from discharge import permissions
from discharge.invoicing import line_from, month_basis, summary_values
from discharge.models import (
    Agreement, AgreementCareTypeRule, AgreementDailyAmount, BasisMonth, CaseEvent, CaseParty, DischargeCase,
    InvoiceDispute, ReadReceipt, StoredBasis, StoredBasisLine,
)
from discharge.rules.liability import Month
from discharge.rules.timeline import Event, case_state

Kind = CaseEvent.Kind
Party = CaseParty.Role
DERIVED_FIELDS = [
    "admission_notice_sent_at", "ready_notice_sent_at", "care_contact_appointed_at", "planning_invitation_sent_at",
    "discharged_at", "closed_at", "status", "patient_objected",
]
# The derived fields the invoice basis reads (`discharge.invoicing.CASE_FIELDS`): when one changes,
# the stored basis of the case's months is computed again.
BASIS_FIELDS = ["admission_notice_sent_at", "ready_notice_sent_at", "care_contact_appointed_at", "discharged_at",
                "closed_at", "status", "patient_objected"]
CANCEL_REASONS = {
    "died": "Patienten har avlidit",
    "moved": "Flyttad till annat sjukhus",
    "declined": "Patienten avböjer insatser",
    "no_needs": "Behov av insatser finns inte längre",
    "other": "Annat",
}
NEEDS_FIELDS = {
    "housing": "Boende",
    "adl": "ADL (daglig livsföring)",
    "current_services": "Nuvarande insatser",
    "aids": "Hjälpmedel",
    "medication": "Läkemedelshantering",
    "cognition": "Kognition",
    "relatives": "Närstående",
}


def _party_role(actor, case):
    party = case.parties.filter(unit_id=actor.unit_id).first()
    if party is None:
        raise NotPermitted("Din enhet deltar inte i ärendet.")
    return party.role


def _require(actor, case, party_roles=None):
    if actor.unit_id is None:
        raise NotPermitted("Välj först vilken enhet du arbetar för.")
    role = _party_role(actor, case)
    if party_roles and role not in party_roles:
        labels = ", ".join(Party(r).label.lower() for r in party_roles)
        raise NotPermitted(f"Det här görs av {labels}.")
    if not permissions.may_work_on_cases(actor):
        raise NotPermitted("Din roll får inte göra det här.")
    return role


def _require_open(case):
    if case.status != DischargeCase.Status.OPEN:
        raise ActionError("Ärendet är avslutat.")


def _at(value, case, *, label):
    at = value or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        raise ActionError(f"{label} kan inte ligga i framtiden.", field="at")
    if at < case.admitted_at:
        raise ActionError(f"{label} kan inte ligga före inskrivningen.", field="at")
    return at


def _apply_timeline(case):
    events = [
        Event(id=e.id, kind=e.kind, occurred_at=e.occurred_at, data=e.data, corrects_id=e.corrects_id,
              unit_id=e.author_unit_id)
        for e in case.events.all()
    ]
    state = case_state(events)
    case.admission_notice_sent_at = state.admission_notice_at
    case.ready_notice_sent_at = state.ready_notice_at
    case.care_contact_appointed_at = state.care_contact_at
    case.planning_invitation_sent_at = state.planning_invitation_at
    case.discharged_at = state.discharged_at
    case.patient_objected = state.patient_objected
    if state.discharged_at:
        case.status, case.closed_at = DischargeCase.Status.DISCHARGED, state.discharged_at
    elif state.cancelled_at:
        case.status, case.closed_at = DischargeCase.Status.CANCELLED, state.cancelled_at
    else:
        case.status, case.closed_at = DischargeCase.Status.OPEN, None


def _record(actor, case, kind, *, at, data=None, corrects=None, reason=""):
    """Add an event, re-derive the case and audit both, in the caller's transaction."""
    before = snapshot(case, DERIVED_FIELDS)
    was_open, times_before = case.status == DischargeCase.Status.OPEN, _worklist_times(case)
    event = CaseEvent.objects.create(
        case=case, kind=kind, occurred_at=at, author=actor.user, author_unit=actor.unit,
        data=data or {}, corrects=corrects, reason=reason,
    )
    _apply_timeline(case)
    case.save(update_fields=DERIVED_FIELDS)
    if snapshot(case, BASIS_FIELDS) != {name: before[name] for name in BASIS_FIELDS}:
        _restore_basis_after_commit(case)
    is_open = case.status == DischargeCase.Status.OPEN
    if is_open != was_open or _worklist_times(case) != times_before:
        case.parties.update(case_open=is_open, **_worklist_times(case))
    case.parties.filter(unit_id=actor.unit_id).update(
        has_acted=True, **({"has_committed": True} if kind == Kind.COMMITMENT else {}))
    record_write(actor, f"discharge.{kind}", event, patient=case.patient,
                 changes={**diff(before, snapshot(case, DERIVED_FIELDS)), "event": [None, str(Kind(kind).label)]})
    return event


def _worklist_times(case):
    """The case's times its party rows carry for the worklists (`CaseParty.WORKLIST_TIMES`)."""
    return {name: getattr(case, name) for name in CaseParty.WORKLIST_TIMES}


def _locked(case):
    # Serialise writes to one case: two nurses sending at once must not both pass the checks.
    return DischargeCase.objects.select_for_update().select_related("patient").get(pk=case.pk)


# --- Opening a case -------------------------------------------------------------------------

def open_case(actor, patient, *, municipality, admitted_at, care_type="somatic", primary_care=None,
              expected_discharge_on=None):
    """Open a discharge case for an inpatient episode at the acting ward.

    The parties are the ward, the patient's primary-care centre (when known) and the
    municipality's needs-assessment units; each gets access to the patient through the case.
    """
    if not permissions.is_ward(actor):
        raise NotPermitted("Utskrivningsärenden öppnas av en vårdavdelning.")
    if not permissions.may_work_on_cases(actor):
        raise NotPermitted("Din roll får inte öppna utskrivningsärenden.")
    # The case opens the patient to the other parties: only a ward that may open the patient does it.
    require_access(actor, patient, message="Avdelningen har ingen vårdrelation till patienten.")
    if municipality is None or municipality.kind != Organisation.Kind.MUNICIPALITY:
        raise ActionError("Välj patientens kommun.", field="municipality")
    if primary_care is not None and primary_care.kind != Unit.Kind.PRIMARY_CARE:
        raise ActionError("Välj en vårdcentral.", field="primary_care")
    if admitted_at > timezone.now() + timedelta(minutes=5):
        raise ActionError("Inskrivningstiden kan inte ligga i framtiden.", field="admitted_at")
    if expected_discharge_on and expected_discharge_on < timezone.localtime(admitted_at).date():
        raise ActionError("Preliminärt utskrivningsdatum kan inte ligga före inskrivningen.", field="expected_discharge_on")
    municipal_units = list(Unit.objects.filter(organisation=municipality, kind=Unit.Kind.NEEDS_ASSESSMENT, active=True))
    if not municipal_units:
        raise ActionError("Kommunen har ingen biståndshandläggning registrerad i Samverkan.", field="municipality")
    with transaction.atomic():
        if DischargeCase.objects.filter(patient=patient, ward=actor.unit, status=DischargeCase.Status.OPEN).exists():
            raise ActionError("Patienten har redan ett pågående utskrivningsärende på avdelningen.")
        case = DischargeCase.objects.create(
            patient=patient, ward=actor.unit, municipality=municipality, care_type=care_type,
            admitted_at=admitted_at, expected_discharge_on=expected_discharge_on, created_by=actor.user,
        )
        times = _worklist_times(case)
        parties = [CaseParty(case=case, unit=actor.unit, role=Party.WARD, **times)]
        if primary_care is not None:
            parties.append(CaseParty(case=case, unit=primary_care, role=Party.PRIMARY_CARE, **times))
        parties += [CaseParty(case=case, unit=unit, role=Party.MUNICIPALITY, **times) for unit in municipal_units]
        CaseParty.objects.bulk_create(parties)
        record_write(actor, "discharge.open_case", case, patient=patient, changes=diff({}, snapshot(
            case, ["ward", "municipality", "care_type", "admitted_at", "expected_discharge_on"])))
        _restore_basis_after_commit(case)
    return case


def _law_names(case, unit, role):
    """Whether the unit is one of the parties Lag (2017:612) names in its role: the case's
    inpatient care provider, a primary-care centre (the patient's), or the patient's municipality.
    The law, not the adding unit, makes them parties, so they need not accept (docs/decisions.md)."""
    if not unit.active:
        return False
    if role == Party.MUNICIPALITY:
        return unit.organisation_id == case.municipality_id
    if role == Party.PRIMARY_CARE:
        # The patient's centre: at least one in the county the patient lives in.
        return unit.kind == Unit.Kind.PRIMARY_CARE and unit.organisation.county_code == case.municipality.county_code
    return unit.kind in (Unit.Kind.WARD, Unit.Kind.PSYCHIATRY) and unit.organisation_id == case.ward.organisation_id


def add_party(actor, case, *, unit, role):
    """Bring another unit into the case (e.g. home nursing, a new primary-care centre): only a
    unit the law makes a party in that role."""
    _require(actor, case)
    if role not in Party.values:
        raise ActionError("Okänd part.", field="role")
    if not _law_names(case, unit, role):
        raise ActionError("Enheten kan inte vara part i den rollen. Parter i ett utskrivningsärende är slutenvården, "
                          "patientens vårdcentral och patientens kommun.", field="unit")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        party, created = CaseParty.objects.get_or_create(case=case, unit=unit,
                                                         defaults={"role": role, **_worklist_times(case)})
        if not created:
            raise ActionError("Enheten deltar redan i ärendet.", field="unit")
        record_write(actor, "discharge.add_party", party, patient=case.patient,
                     changes={"unit": [None, unit.pk], "role": [None, role]})
    return party


# --- The legal messages ------------------------------------------------------------------------

def send_admission_notice(actor, case, *, at=None, preliminary_discharge_on=None, known_needs=""):
    """Inskrivningsmeddelande: the ward tells primary care and the municipality, within 24 hours
    of admission, that a patient who may need their help has been admitted (Lag 2017:612 4 kap.)."""
    _require(actor, case, party_roles=[Party.WARD])
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if case.admission_notice_sent_at:
            raise ActionError("Inskrivningsmeddelandet är redan skickat. Skicka en rättelse om något blev fel.")
        at = _at(at, case, label="Inskrivningsmeddelandet")
        data = {"known_needs": bounded(known_needs, 2000, field="known_needs", label="Kända behov"),
                "preliminary_discharge_on": preliminary_discharge_on.isoformat() if preliminary_discharge_on else None}
        return _record(actor, case, Kind.ADMISSION_NOTICE, at=at, data=data)


def record_needs_assessment(actor, case, *, answers, at=None):
    """Kartläggning: the shared mapping of needs; updated as the stay goes on (latest counts)."""
    _require(actor, case)
    unknown = set(answers) - set(NEEDS_FIELDS)
    if unknown:
        raise ActionError(f"Okända fält i kartläggningen: {', '.join(sorted(unknown))}.")
    cleaned = {key: bounded(value, 2000, field=key, label="Svaret") for key, value in answers.items() if str(value).strip()}
    if not cleaned:
        raise ActionError("Fyll i minst en del av kartläggningen.")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        return _record(actor, case, Kind.NEEDS_ASSESSMENT, at=_at(at, case, label="Kartläggningen"), data=cleaned)


def record_commitment(actor, case, *, provides, description="", at=None):
    """Ställningstagande: what the acting party will provide after discharge, or that it provides nothing."""
    _require(actor, case)
    description = bounded(description, 2000, field="description", label="Beskrivningen")
    if provides and not description:
        raise ActionError("Beskriv vilka insatser ni kommer att ge.", field="description")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        return _record(actor, case, Kind.COMMITMENT, at=_at(at, case, label="Ställningstagandet"),
                       data={"provides": bool(provides), "description": description})


def appoint_care_contact(actor, case, *, name, phone="", at=None):
    """Fast vårdkontakt: primary care names the patient's care contact, who leads coordination
    after discharge. Payment liability requires it."""
    _require(actor, case, party_roles=[Party.PRIMARY_CARE])
    name = (name or "").strip()
    if not name:
        raise ActionError("Ange vem som är fast vårdkontakt.", field="name")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        return _record(actor, case, Kind.CARE_CONTACT, at=_at(at, case, label="Utseendet"),
                       data={"name": bounded(name, 200, field="name", label="Namnet"),
                             "phone": bounded(phone, 40, field="phone", label="Telefonnumret")})


def send_planning_invitation(actor, case, *, meeting_at, form, note="", at=None):
    """Kallelse till SIP/planering, from the care contact's side (primary care) or the ward."""
    _require(actor, case, party_roles=[Party.PRIMARY_CARE, Party.WARD])
    if form not in ("digital", "phone", "physical"):
        raise ActionError("Välj mötesform: digitalt, telefon eller fysiskt.", field="form")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        at = _at(at, case, label="Kallelsen")
        if meeting_at < at:
            raise ActionError("Mötet kan inte ligga före kallelsen.", field="meeting_at")
        return _record(actor, case, Kind.PLANNING_INVITATION, at=at,
                       data={"meeting_at": meeting_at.isoformat(), "form": form, "note": bounded(note, 2000, field="note", label="Meddelandet")})


def send_ready_notice(actor, case, *, judged_by, at=None):
    """Meddelande om utskrivningsklar: the physician has judged that no more inpatient care is
    needed; the ward's notice starts the payment-liability clock. Timestamped to the minute."""
    _require(actor, case, party_roles=[Party.WARD])
    judged_by = (judged_by or "").strip()
    if not judged_by:
        raise ActionError("Ange vilken läkare som bedömt patienten utskrivningsklar.", field="judged_by")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if case.ready_notice_sent_at:
            raise ActionError("Patienten är redan anmäld utskrivningsklar. Återkalla först om bedömningen ändrats.")
        at = _at(at, case, label="Meddelandet om utskrivningsklar").replace(second=0, microsecond=0)
        return _record(actor, case, Kind.READY_NOTICE, at=at, data={"judged_by": bounded(judged_by, 200, field="judged_by", label="Namnet")})


def withdraw_ready_notice(actor, case, *, reason, at=None):
    """The patient is no longer medically ready; the clock restarts on the next ready notice."""
    _require(actor, case, party_roles=[Party.WARD])
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Ange varför bedömningen återkallas.", field="reason")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if not case.ready_notice_sent_at:
            raise ActionError("Det finns inget meddelande om utskrivningsklar att återkalla.")
        at = _at(at, case, label="Återkallelsen")
        if at < case.ready_notice_sent_at:
            raise ActionError("Återkallelsen kan inte ligga före meddelandet om utskrivningsklar.", field="at")
        return _record(actor, case, Kind.READY_WITHDRAWN, at=at, data={}, reason=bounded(reason, 500, field="reason", label="Skälet"))


def send_discharge_notice(actor, case, *, at=None, medication_list="", summary="", transport=""):
    """Utskrivningsmeddelande with information at discharge. Ends the case."""
    _require(actor, case, party_roles=[Party.WARD])
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if not case.ready_notice_sent_at:
            raise ActionError("Patienten är inte anmäld utskrivningsklar. Skicka meddelande om utskrivningsklar först.")
        at = _at(at, case, label="Utskrivningen")
        if at < case.ready_notice_sent_at:
            raise ActionError("Utskrivningen kan inte ligga före meddelandet om utskrivningsklar.", field="at")
        return _record(actor, case, Kind.DISCHARGE_NOTICE, at=at, data={
            "medication_list": bounded(medication_list, 5000, field="medication_list", label="Läkemedelslistan"),
            "summary": bounded(summary, 5000, field="summary", label="Sammanfattningen"),
            "transport": bounded(transport, 500, field="transport", label="Transporten")})


def cancel_case(actor, case, *, reason, note="", at=None):
    """Avbrott: the process stops (died, moved, declined help, no longer needs). Ends the case."""
    _require(actor, case)
    if reason not in CANCEL_REASONS:
        raise ActionError("Välj en orsak till avbrottet.", field="reason")
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        return _record(actor, case, Kind.CANCELLATION, at=_at(at, case, label="Avbrottet"),
                       data={"reason": reason, "note": bounded(note, 2000, field="note", label="Kommentaren")})


def record_consent(actor, case, *, objected, note="", at=None):
    """The patient's consent to the exchange, or objection (then no payment liability)."""
    _require(actor, case, party_roles=[Party.WARD])
    with transaction.atomic():
        case = _locked(case)
        return _record(actor, case, Kind.CONSENT, at=_at(at, case, label="Samtycket"),
                       data={"objected": bool(objected), "note": bounded(note, 2000, field="note", label="Kommentaren")})


def post_message(actor, case, *, text):
    """Dialog: a free-text message inside the case; every other party sees it with read receipts."""
    _require(actor, case)
    text = (text or "").strip()
    if not text:
        raise ActionError("Skriv ett meddelande.", field="text")
    text = bounded(text, 4000, field="text", label="Meddelandet")
    with transaction.atomic():
        case = _locked(case)
        return _record(actor, case, Kind.DIALOG, at=timezone.now(), data={"text": text})


def correct_event(actor, event, *, reason, at=None, data=None, void=False):
    """A sent message is never edited: the correction is a new event that points at the one it
    corrects, with a reason. The case's timestamps follow the corrected timeline."""
    case = event.case
    _require(actor, case)
    if event.author_unit_id != actor.unit_id:
        raise NotPermitted("Bara den enhet som skickade meddelandet kan rätta det.")
    if event.kind in (Kind.CORRECTION, Kind.DIALOG):
        raise ActionError("Det här meddelandet kan inte rättas.")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Ange varför meddelandet rättas.", field="reason")
    with transaction.atomic():
        case = _locked(case)
        at = _at(at or event.occurred_at, case, label="Den rättade tiden")
        payload = {"void": True} if void else dict(data or {})
        return _record(actor, case, Kind.CORRECTION, at=at, data=payload, corrects=event, reason=bounded(reason, 500, field="reason", label="Skälet"))


def mark_read(actor, event):
    """A read receipt for the acting unit (once per unit)."""
    _require(actor, event.case)
    if event.author_unit_id == actor.unit_id:
        return None
    with transaction.atomic():
        receipt, created = ReadReceipt.objects.get_or_create(event=event, unit=actor.unit, defaults={"user": actor.user})
        if created:
            record_write(actor, "discharge.read_receipt", receipt, patient=event.case.patient,
                         changes={"event": [None, event.pk]})
    return receipt


def mark_case_read(actor, case, *, event_ids):
    """The acting unit receipts the other parties' messages it has read in the case (the case page's
    button; never on opening the page, docs/decisions.md "Read receipts"): a receipt on each of
    `event_ids` (the unread events the page showed, so not one that came in after it was drawn) that
    is the case's, was not written by the unit and is not receipted yet, in ONE insert, with one
    audit row for them, in one transaction. Returns the events receipted now."""
    _require(actor, case)
    events = list(case.events.filter(pk__in=list(event_ids)).prefetch_related("receipts"))
    unread = [e for e in events if e.author_unit_id != actor.unit_id
              and all(r.unit_id != actor.unit_id for r in e.receipts.all())]
    if not unread:
        return []
    with transaction.atomic():
        # Another request of the same unit may have receipted some of them meanwhile: those stay.
        ReadReceipt.objects.bulk_create([ReadReceipt(event=e, unit_id=actor.unit_id, user=actor.user) for e in unread],
                                        ignore_conflicts=True)
        record_write(actor, "discharge.read_receipt", case, patient=case.patient,
                     changes={"events": [None, [e.pk for e in unread]]})
    return unread


# --- Agreements ------------------------------------------------------------------------------

AGREEMENT_FIELDS = ["name", "is_example", "model", "day_break", "count_discharge_day", "admission_notice_max_hours",
                    "planning_invitation_days", "valid_from", "valid_until"]


def _require_region_finance(actor, region):
    if not permissions.may_edit_agreements(actor, region):
        raise NotPermitted("Avtal ändras av regionens ekonomiansvariga.")


def _agreement_snapshot(agreement):
    values = snapshot(agreement, AGREEMENT_FIELDS)
    values["municipalities"] = sorted(m.code for m in agreement.municipalities.all())
    for rule in agreement.care_type_rules.all():
        values[f"{rule.care_type}"] = {"free_days": rule.free_days, "long_stay_days": rule.long_stay_days,
                                       "average_limit_days": str(rule.average_limit_days)
                                       if rule.average_limit_days is not None else None}
    values["daily_amount_sek"] = {str(a.year): a.amount_sek for a in agreement.daily_amounts.all()}
    return values


def _check_agreement(values, care_types, amounts):
    errors = {}
    if values.get("valid_until") and values["valid_until"] < values["valid_from"]:
        errors["valid_until"] = ["Slutdatum kan inte ligga före startdatum."]
    if values["model"] == Agreement.Model.AVERAGE:
        for care_type, rule in care_types.items():
            if rule.get("average_limit_days") is None:
                errors[f"{care_type}_average_limit_days"] = ["Genomsnittsmodellen behöver en gräns i dagar."]
    if not amounts:
        errors["daily_amounts"] = ["Ange belopp per dygn för minst ett år."]
    if errors:
        raise ActionError.many(errors)


@transaction.atomic
def save_agreement(actor, agreement, *, region, values, municipalities, care_types, amounts):
    """Create (agreement=None) or change an agreement. The audit log keeps every version's values,
    which is the agreement's history; invoices already calculated are recalculated from it."""
    _require_region_finance(actor, region)
    _check_agreement(values, care_types, amounts)
    creating = agreement is None
    if creating:
        agreement = Agreement(region=region)
        before = {}
    else:
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk, region=region)
        before = _agreement_snapshot(agreement)
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.save()
    agreement.municipalities.set(municipalities)
    agreement.care_type_rules.all().delete()
    for care_type, rule in care_types.items():
        AgreementCareTypeRule.objects.create(agreement=agreement, care_type=care_type, **rule)
    agreement.daily_amounts.all().delete()
    for year, amount in sorted(amounts.items()):
        AgreementDailyAmount.objects.create(agreement=agreement, year=year, amount_sek=amount)
    agreement = Agreement.objects.prefetch_related("municipalities", "care_type_rules", "daily_amounts").get(
        pk=agreement.pk)
    changes = diff(before, _agreement_snapshot(agreement))
    record_write(actor, "discharge.agreement.create" if creating else "discharge.agreement.update", agreement,
                 changes=changes)
    # Every stored month of the region may be priced by this agreement (or was by its old terms).
    region_id = region.pk
    transaction.on_commit(lambda: _enqueue_restore(region_id, None, None, None))
    return agreement


# --- Disputes --------------------------------------------------------------------------------

def _require_finance_of(actor, organisation, message):
    if not permissions.is_finance_of(actor, organisation):
        raise NotPermitted(message)


@transaction.atomic
def dispute_line(actor, case, *, month, reason, line_amount=None):
    """A municipality disputes what one case adds to a month's invoice: the amount the basis shows
    for the case now (`invoicing.MunicipalityBasis.line_amount`), computed here from the database.
    `line_amount` from the caller is not used (it was once passed in; no caller decides the sum)."""
    _require_finance_of(actor, case.municipality, "Bara kommunens ekonomiansvariga kan bestrida en rad.")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Skriv varför raden bestrids.", field="reason")
    bases = month_basis(case.ward.organisation, month, municipality=case.municipality)
    line_amount = bases[0].line_amount(str(case.pk)) if bases else 0
    if line_amount <= 0:
        raise ActionError("Raden ger inget belopp att bestrida.")
    if InvoiceDispute.objects.filter(case=case, month=month.first_day).exists():
        raise ActionError("Raden är redan bestriden för den här månaden.")
    dispute = InvoiceDispute.objects.create(case=case, month=month.first_day, municipality=case.municipality,
                                            disputed_sek=line_amount, reason=reason, raised_by=actor.user)
    record_write(actor, "discharge.dispute.create", dispute, patient=case.patient,
                 changes={"month": [None, str(month)], "disputed_sek": [None, line_amount], "reason": [None, reason]})
    return dispute


@transaction.atomic
def answer_dispute(actor, dispute, *, accept, answer):
    """The region answers: accepting credits the disputed amount; rejecting needs a reason."""
    dispute = InvoiceDispute.objects.select_for_update().select_related("case__ward__organisation", "case__patient").get(
        pk=dispute.pk)
    _require_finance_of(actor, dispute.case.ward.organisation, "Bara regionens ekonomiansvariga kan besvara en bestridan.")
    if dispute.status != InvoiceDispute.Status.OPEN:
        raise ActionError("Bestridan är redan besvarad.")
    answer = (answer or "").strip()
    if not accept and not answer:
        raise ActionError("Skriv varför bestridan avslås.", field="answer")
    before = snapshot(dispute, ["status", "answer", "credited_sek"])
    dispute.status = InvoiceDispute.Status.ACCEPTED if accept else InvoiceDispute.Status.REJECTED
    dispute.credited_sek = dispute.disputed_sek if accept else 0
    dispute.answer, dispute.answered_by, dispute.answered_at = answer, actor.user, timezone.now()
    dispute.save()
    record_write(actor, "discharge.dispute.answer", dispute, patient=dispute.case.patient,
                 changes=diff(before, snapshot(dispute, ["status", "answer", "credited_sek"])))
    return dispute


# --- The stored invoice basis ------------------------------------------------------------------

@transaction.atomic
@transaction.atomic
def request_basis_store(actor, region, month):
    """Region finance asks for the month's basis to be computed and stored (a region's month takes
    seconds, so a task does it; the basis page itself never stores). The request is audited as the
    person's, since the task that stores runs as the system."""
    if not permissions.may_store_basis(actor, region):
        raise NotPermitted("Fakturaunderlaget räknas om av regionens ekonomiansvariga.")
    record_write(actor, "discharge.basis.store_requested", region, changes={"month": [None, str(month)]})
    from discharge import tasks

    # Queued in this transaction (the task table is in this database): the request and its task
    # are kept or lost together.
    tasks.store_basis_month.enqueue(region.pk, str(month))


@transaction.atomic
def store_basis(actor, region, month, *, municipality=None, create=True):
    """Compute the region's month (one municipality's part when given) from the cases and store it
    in place of what was stored (`discharge.invoicing.stored_month_basis` reads it). actor None is
    the system: the nightly command and the task queued when a case changes. With create=False a
    month that has never been stored stays so (a changed case does not start a month). Returns the
    BasisMonth, or None."""
    if actor is not None and not permissions.may_store_basis(actor, region):
        raise NotPermitted("Fakturaunderlaget räknas om av regionens ekonomiansvariga.")
    now = timezone.now()
    months = BasisMonth.objects.select_for_update()  # one computation of a month at a time
    if create:  # get_or_create: the nightly command and a finance officer's button may meet
        basis_month, created = months.get_or_create(region=region, month=month.first_day, defaults={"computed_at": now})
    else:
        basis_month, created = months.filter(region=region, month=month.first_day).first(), False
        if basis_month is None:
            return None
    if municipality is None and not created:
        basis_month.computed_at = now
        basis_month.save(update_fields=["computed_at"])
    # One statement per table whatever the number of lines (lines go with their basis: CASCADE).
    old = StoredBasis.objects.filter(basis_month=basis_month)
    if municipality is not None:
        old = old.filter(municipality=municipality)
    StoredBasisLine.objects.filter(basis__in=old).delete()
    old.delete()
    bases = month_basis(region, month, municipality=municipality)
    stored = StoredBasis.objects.bulk_create([StoredBasis(
        basis_month=basis_month, municipality=b.municipality, agreement=b.agreement, computed_at=now,
        error=b.error, cases=len(b.result.cases) if b.result else 0,
        summaries=[summary_values(s) for s in b.result.summaries] if b.result else []) for b in bases])
    lines = []
    for item, basis in zip(stored, bases, strict=True):
        for position, result in enumerate(basis.result.cases if basis.result else []):
            line = line_from(result, position)
            line.basis = item
            lines.append(line)
    StoredBasisLine.objects.bulk_create(lines, batch_size=2000)
    record_write(actor, "discharge.basis.store", basis_month, changes={
        "month": [None, str(month)], "municipality": [None, municipality.code if municipality else "alla"],
        "cases": [None, len(lines)]})
    return basis_month


def _case_months(case):
    """The months whose basis may hold the case: from its admission to now (or its closing, if
    later: a correction may move it), so the months before and after a change are both covered."""
    first = Month.of(timezone.localtime(case.admitted_at).date())
    last = Month.of(timezone.localdate())
    if case.closed_at is not None:
        last = max(last, Month.of(timezone.localtime(case.closed_at).date()))
    return first, last


def _restore_basis_after_commit(case):
    """Queue the recomputation of the case's municipality in the stored months it may touch,
    once the action has committed (ids only, as every task)."""
    first, last = _case_months(case)
    region_id, municipality_id = case.ward.organisation_id, case.municipality_id
    transaction.on_commit(lambda: _enqueue_restore(region_id, municipality_id, str(first), str(last)))


def _enqueue_restore(region_id, municipality_id, first, last):
    """Queue the recomputation of the months no queued task covers yet. Runs on commit: a task not
    yet started reads the cases when it runs, after this change, so a second task for the same
    months would only do the same work again (the demo's seed queued ~2 000 of them)."""
    from discharge.tasks import restore_basis

    for first_, last_ in _months_not_pending(restore_basis, region_id, municipality_id, first, last):
        restore_basis.enqueue(region_id, municipality_id, first_, last_)


def _months_not_pending(task, region_id, municipality_id, first, last):
    """[(first, last)]: the runs of months in first..last (None: every stored month) of the
    municipality (None: all) that no `task` waiting to start already recomputes."""
    pending = [args for args in DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY, args_kwargs__args__0=region_id,
    ).values_list("args_kwargs__args", flat=True) if args[1] in (None, municipality_id)]

    def covered(month):
        return any((p_first is None or p_first <= month) and (p_last is None or month <= p_last)
                   for _region, _municipality, p_first, p_last in pending)

    if first is None or last is None:  # every month: covered only by a task for every month
        return [] if any(p_first is None and p_last is None for *_, p_first, p_last in pending) else [(first, last)]
    runs, month, end = [], Month.parse(first), Month.parse(last)
    while month <= end:
        if not covered(str(month)):
            if runs and runs[-1][1] == str(month.previous()):
                runs[-1][1] = str(month)
            else:
                runs.append([str(month), str(month)])
        month = month.next()
    return [tuple(run) for run in runs]
