"""The access log extract (loggutdrag) as CSV and PDF. The same rows as on screen.

Exports never carry the name or address of a patient with protected identity. Staff text (names,
emergency access reasons) is written through core.writers, which makes it inert.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.audit import action_label
from core.models import AuditEvent
from core.writers import csv_text, pdf_bytes, pdf_styles, table, text

HEADER = ["Tidpunkt", "Antal", "Typ", "Händelse", "Person", "Enhet", "Organisation", "Grund"]

GROUNDS = {
    AuditEvent.Basis.OWN: "Egen inloggning",
    AuditEvent.Basis.SEARCH: "Sökning på personnummer",
    AuditEvent.Basis.ADMIN: "Granskning av administratör",
    AuditEvent.Basis.INVOICE: "Underlag för betalningsansvar",
    AuditEvent.Basis.CONSENT: "Ditt samtycke till en klinisk konferens",
}


def grounds(event):
    """Why the person could do it, in words a resident understands."""
    return grounds_of(event.basis, event.reason)


def grounds_of(basis, reason):
    if basis == AuditEvent.Basis.EMERGENCY:
        return f"Nödåtkomst: {reason}"
    if basis == AuditEvent.Basis.RELATION:
        kind = reason if reason and reason != "Vårdrelation" else ""
        return f"Vårdrelation: {kind[0].lower() + kind[1:]}" if kind else "Vårdrelation"
    return GROUNDS.get(basis, "Enhetens arbete med patienten")


@dataclass
class ExtractLine:
    """One line of the extract: an event, or the same kind of read by the same person at the same
    unit on one day, counted (the log itself keeps every row)."""

    at: datetime
    first_at: datetime
    count: int
    kind: str
    label: str
    who: str
    unit: str
    organisation: str
    grounds: str
    emergency_reason: str  # set for an emergency access
    day_text: str = ""  # the resident's page (group_lines): "30 november 2026"
    time_text: str = ""  # and "kl. 08:12–14:03"


def extract_lines(events):
    """The events (newest first) as extract lines, repeated reads of a day folded into one."""
    lines, reads = [], {}
    for event in events:
        line = ExtractLine(
            at=event.at, first_at=event.at, count=1, kind=AuditEvent.Kind(event.kind).label,
            label=action_label(event.action, event.kind), who=event.user_display or event.username,
            unit=event.unit_name, organisation=event.organisation_name, grounds=grounds(event),
            emergency_reason=event.reason if event.basis == AuditEvent.Basis.EMERGENCY else "")
        if event.kind == AuditEvent.Kind.READ:
            key = (timezone.localdate(event.at), event.action, event.username, event.unit_name, line.grounds)
            if key in reads:
                reads[key].count += 1
                reads[key].first_at = event.at
                continue
            reads[key] = line
        lines.append(line)
    return lines


def group_lines(groups):
    """The resident's grouped log (core.queries.own_access_log_page) as lines: labels in plain
    Swedish, no action names; the day and times as text (each day formatted once)."""
    days = {}
    lines = []
    for group in groups:
        if group["day"] not in days:
            days[group["day"]] = date_format(group["day"], "j F Y")
        first, last = (timezone.localtime(group[key]).strftime("%H:%M") for key in ("first_at", "last_at"))
        lines.append(ExtractLine(
            at=group["last_at"], first_at=group["first_at"], count=group["count"],
            kind=AuditEvent.Kind(group["kind"]).label, label=action_label(group["action"], group["kind"]),
            who=group["user_display"] or group["username"], unit=group["unit_name"],
            organisation=group["organisation_name"], grounds=grounds_of(group["basis"], group["ground"]),
            emergency_reason=group["ground"] if group["basis"] == AuditEvent.Basis.EMERGENCY else "",
            day_text=days[group["day"]], time_text=f"kl. {first}–{last}" if first != last else f"kl. {last}",
        ))
    return lines


def extract_rows(lines):
    for line in lines:
        yield [
            timezone.localtime(line.at).strftime("%Y-%m-%d %H:%M"), line.count, line.kind, line.label, line.who,
            line.unit, line.organisation, line.grounds,
        ]


def extract_csv(lines):
    # A BOM and semicolons: what Swedish Excel opens without asking.
    return csv_text(HEADER, extract_rows(lines), delimiter=";", lineterminator="\r\n", bom=True).encode("utf-8")


def extract_pdf(lines, *, card, date_from, date_to):
    styles = pdf_styles()
    story = [
        text("Loggutdrag – vem har tagit del av uppgifterna", styles["Title"]),
        text(f"Patient: {card.personal_number}" + ("" if card.identity_hidden else f", {card.name}"), styles["Normal"]),
        text(f"Period: {date_from:%Y-%m-%d} – {date_to:%Y-%m-%d}. Utskrivet {timezone.localtime():%Y-%m-%d %H:%M}.",
             styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    rows = [[text(cell, styles["Small"]) for cell in row] for row in extract_rows(lines)]
    if not rows:
        story.append(text("Inga åtkomster under perioden.", styles["Normal"]))
    else:
        story.append(table([[text(h, styles["SmallBold"]) for h in HEADER]] + rows,
                           [22 * mm, 11 * mm, 14 * mm, 32 * mm, 26 * mm, 26 * mm, 22 * mm, 27 * mm]))
    return pdf_bytes(story, title="Loggutdrag")
