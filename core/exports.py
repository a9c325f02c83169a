"""The access log extract (loggutdrag) as CSV and PDF. The same rows as on screen.

Exports never carry the name or address of a patient with protected identity.
"""

import csv
import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.models import AuditEvent

HEADER = ["Tidpunkt", "Typ", "Händelse", "Person", "Enhet", "Organisation", "Grund", "Skäl"]

ACTION_LABELS = {
    "patient.read": "Öppnade patientuppgifter",
    "patient.search": "Sökte fram patienten",
    "patient.register": "Registrerade patienten",
    "care_relation.create": "Registrerade vårdrelation",
    "care_relation.end": "Avslutade vårdrelation",
    "emergency_access.start": "Begärde nödåtkomst",
    "access_log.extract": "Tog ut loggutdrag",
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
    buffer = io.StringIO()
    # A BOM and semicolons: what Swedish Excel opens without asking.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(extract_rows(events))
    return buffer.getvalue().encode("utf-8")


def extract_pdf(events, *, card, date_from, date_to):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title="Loggutdrag", author="Samverkan")
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph("Loggutdrag – vem har tagit del av uppgifterna", styles["Title"]),
        Paragraph(f"Patient: {card.personal_number}" + ("" if card.identity_hidden else f", {card.name}"), styles["Normal"]),
        Paragraph(f"Period: {date_from:%Y-%m-%d} – {date_to:%Y-%m-%d}. Utskrivet {timezone.localtime():%Y-%m-%d %H:%M}.",
                  styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    rows = [[Paragraph(cell, small) for cell in row] for row in extract_rows(events)]
    if not rows:
        story.append(Paragraph("Inga åtkomster under perioden.", styles["Normal"]))
    else:
        table = Table([[Paragraph(f"<b>{h}</b>", small) for h in HEADER]] + rows, repeatRows=1,
                      colWidths=[24 * mm, 15 * mm, 28 * mm, 26 * mm, 28 * mm, 24 * mm, 18 * mm, 17 * mm])
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bcc8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
