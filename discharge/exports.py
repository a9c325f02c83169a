"""The invoice basis as files: the CSVs in the formats of svu.md (the same writer as the
`liability` command) and a PDF with the same numbers as the page."""

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.writers import pdf_bytes, pdf_styles, table, text
from discharge.liability_files import cases_csv, summary_csv
from discharge.rules.liability import REASON_TEXTS

CARE_TYPE_LABELS = {"somatic": "Somatisk", "psychiatric": "Psykiatrisk"}
RULE_LABELS = {"individual": "Individ", "average": "Genomsnitt", "long_stay": "Långliggare"}


def basis_cases_csv(basis):
    return cases_csv(basis.result).encode("utf-8")


def basis_summary_csv(basis):
    return summary_csv(basis.result).encode("utf-8")


def kr(amount):
    return f"{amount:,}".replace(",", "\u00a0") + " kr"


def basis_pdf(basis, *, region):
    styles = pdf_styles()
    tiny = styles["BodyText"].clone("Tiny", fontSize=7, leading=8)
    month = basis.result.month
    agreement = basis.agreement.name if basis.agreement else basis.terms.name
    story = [
        text(f"Fakturaunderlag {month}: {basis.municipality.name} ({basis.municipality.code})", styles["Title"]),
        text(f"Fakturerande region: {region.name}. Avtal: {agreement}. "
             f"Utskrivet {timezone.localtime():%Y-%m-%d %H:%M}.", styles["Normal"]),
        Spacer(1, 4 * mm),
        table([["Vårdform", "Ärenden", "Uppfyller villkoren", "Medel vårddagar", "Betaldagar", "Belopp"]] + [
            [CARE_TYPE_LABELS[s.care_type], s.cases, s.eligible_cases,
             "" if s.mean_ready_days is None else f"{s.mean_ready_days:.2f}".replace(".", ","), s.liable_days,
             kr(s.amount_sek)] for s in basis.result.summaries], [35 * mm, 22 * mm, 32 * mm, 32 * mm, 25 * mm, 30 * mm],
            font_size=8),
        Spacer(1, 3 * mm),
        text(f"Fakturerat {kr(basis.invoiced_sek)}, bestritt {kr(basis.disputed_sek)}, "
             f"krediterat {kr(basis.credited_sek)}, att betala {kr(basis.final_sek)}.", styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    rows = [["Ärende", "Vårdform", "Dag 0", "Utskriven", "Vårddagar", "Villkor", "Regel", "Betaldagar", "Belopp",
             "Bestridan"]]
    for row in basis.result.cases:
        dispute = basis.disputes.get(row.case_id)
        rows.append([
            row.case_id[:8], CARE_TYPE_LABELS[row.care_type], row.day0 or "", row.discharge_day or "",
            "" if row.ready_days is None else row.ready_days,
            text("Uppfyllda" if row.eligible else REASON_TEXTS[row.reason], tiny),
            RULE_LABELS[row.rule], row.liable_days, kr(row.amount_sek),
            dispute.get_status_display() if dispute else "",
        ])
    story.append(table(rows, [20 * mm, 22 * mm, 22 * mm, 22 * mm, 18 * mm, 60 * mm, 22 * mm, 18 * mm, 24 * mm, 40 * mm],
                       font_size=8))
    return pdf_bytes(story, title="Fakturaunderlag", pagesize=landscape(A4), margin=12 * mm)
