"""The Swedish labels of the audit actions that discharge writes (see core.audit.register_action_labels)."""

from discharge.models import CaseEvent

# One per kind of event on the case: actions.record writes them as "discharge.<kind>".
EVENT_LABELS = {
    CaseEvent.Kind.ADMISSION_NOTICE: "Skickade inskrivningsmeddelande",
    CaseEvent.Kind.NEEDS_ASSESSMENT: "Uppdaterade kartläggningen inför utskrivning",
    CaseEvent.Kind.COMMITMENT: "Lämnade ställningstagande inför utskrivning",
    CaseEvent.Kind.CARE_CONTACT: "Utsåg fast vårdkontakt",
    CaseEvent.Kind.PLANNING_INVITATION: "Kallade till SIP eller planering",
    CaseEvent.Kind.READY_NOTICE: "Meddelade att patienten är utskrivningsklar",
    CaseEvent.Kind.READY_WITHDRAWN: "Återkallade utskrivningsklar",
    CaseEvent.Kind.DISCHARGE_NOTICE: "Skickade utskrivningsmeddelande",
    CaseEvent.Kind.CANCELLATION: "Avbröt utskrivningsärendet",
    CaseEvent.Kind.CONSENT: "Registrerade samtycke eller invändning",
    CaseEvent.Kind.DIALOG: "Skrev ett meddelande i utskrivningsärendet",
    CaseEvent.Kind.CORRECTION: "Rättade ett meddelande i utskrivningsärendet",
}

LABELS = {f"discharge.{kind}": label for kind, label in EVENT_LABELS.items()} | {
    "discharge.read": "Läste utskrivningsärendet",
    "discharge.invoice_list": "Såg patienten i fakturaunderlaget för betalningsansvar",
    "discharge.open_case": "Öppnade ett utskrivningsärende",
    "discharge.add_party": "Lade till en part i utskrivningsärendet",
    "discharge.read_receipt": "Kvitterade ett meddelande i utskrivningsärendet",
    "discharge.agreement.create": "Lade upp ett avtal om betalningsansvar",
    "discharge.agreement.update": "Ändrade ett avtal om betalningsansvar",
    "discharge.dispute.create": "Bestred en rad i fakturaunderlaget",
    "discharge.dispute.answer": "Besvarade en bestriden rad i fakturaunderlaget",
    "discharge.basis.store": "Räknade fram och sparade fakturaunderlaget för en månad",
    "discharge.basis.store_requested": "Begärde att fakturaunderlaget för en månad räknas fram och sparas",
}
