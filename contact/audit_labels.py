"""The Swedish labels of the audit actions that the contact entry writes."""

LABELS = {
    "contact.read": "Läste ett kontaktärende",
    "contact.queue.read": "Såg ett kontaktärende i kön",
    "contact.file": "Skickade in ett kontaktärende",
    "contact.take": "Tog ett kontaktärende",
    "contact.release": "Släppte ett kontaktärende tillbaka till kön",
    "contact.transfer": "Flyttade ett kontaktärende",
    "contact.triage": "Bedömde ett kontaktärende",
    "contact.answer": "Besvarade ett kontaktärende",
    "contact.message": "Skrev i ett kontaktärendes chatt",
    "contact.video": "Startade ett videosamtal i ett kontaktärende",
    "contact.book": "Bokade ett besök från ett kontaktärende",
    "contact.close": "Avslutade ett kontaktärende",
    "contact.breach": "Svarstiden för ett kontaktärende överskreds",
    "contact.remind": "Påminde invånaren om ett obesvarat meddelande i ett kontaktärende",
    "contact.notices": "Ändrade sitt mobilnummer för aviseringar",
    "contact.representation": "Registrerade vårdnadshavare eller ombud",
    "contact.settings": "Ändrade kontaktingångens inställningar",
    "contact.listing": "Ändrade listning eller fast vårdkontakt",
}
