"""The access log extract (loggutdrag) as CSV and PDF. The same rows as on screen.

Exports never carry the name or address of a patient with protected identity. Staff text (names,
emergency access reasons) is written through core.writers, which makes it inert.
"""

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.models import AuditEvent
from core.writers import csv_text, pdf_bytes, pdf_styles, table, text

HEADER = ["Tidpunkt", "Typ", "Händelse", "Person", "Enhet", "Organisation", "Grund", "Skäl"]

ACTION_LABELS = {
    "patient.read": "Öppnade patientuppgifter",
    "patient.search": "Sökte fram patienten",
    "patient.register": "Registrerade patienten",
    "care_relation.create": "Registrerade vårdrelation",
    "care_relation.end": "Avslutade vårdrelation",
    "emergency_access.start": "Begärde nödåtkomst",
    "access_log.extract": "Tog ut loggutdrag",
    "emergency_access.report": "Granskade nödåtkomster (administratör)",
}


def action_label(action):
    return ACTION_LABELS.get(action, action)


def extract_rows(events):
    for event in events:
        yield [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"),
            AuditEvent.Kind(event.kind).label,
            action_label(event.action),
            event.user_display or event.username,
            event.unit_name,
            event.organisation_name,
            AuditEvent.Basis(event.basis).label if event.basis else "",
            event.reason if event.basis == AuditEvent.Basis.EMERGENCY else "",
        ]


def extract_csv(events):
    # A BOM and semicolons: what Swedish Excel opens without asking.
    return csv_text(HEADER, extract_rows(events), delimiter=";", lineterminator="\r\n", bom=True).encode("utf-8")


def extract_pdf(events, *, card, date_from, date_to):
    styles = pdf_styles()
    story = [
        text("Loggutdrag – vem har tagit del av uppgifterna", styles["Title"]),
        text(f"Patient: {card.personal_number}" + ("" if card.identity_hidden else f", {card.name}"), styles["Normal"]),
        text(f"Period: {date_from:%Y-%m-%d} – {date_to:%Y-%m-%d}. Utskrivet {timezone.localtime():%Y-%m-%d %H:%M}.",
             styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    rows = [[text(cell, styles["Small"]) for cell in row] for row in extract_rows(events)]
    if not rows:
        story.append(text("Inga åtkomster under perioden.", styles["Normal"]))
    else:
        story.append(table([[text(h, styles["SmallBold"]) for h in HEADER]] + rows,
                           [24 * mm, 15 * mm, 28 * mm, 26 * mm, 28 * mm, 24 * mm, 18 * mm, 17 * mm]))
    return pdf_bytes(story, title="Loggutdrag")
