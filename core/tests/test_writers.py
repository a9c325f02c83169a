"""core.writers: the one CSV writer and the one way to put text in a PDF, and that every export of
the project goes through them."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from core.tests.hostile import FORMULAS, LINK, UNCLOSED, pdf_text
from core.writers import csv_cell, csv_text, pdf_bytes, pdf_styles, table, text

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize("value", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-300, Decimal("-2.80"), 0, "-300", "-2.80", "+46", "Vårdcentralen Norr", "",
                                   "2026-10-01", "a=b", "1280"])
def test_numbers_and_harmless_text_are_written_as_they_are(value):
    assert csv_cell(value) == value


def test_none_is_an_empty_cell_and_other_values_are_their_text():
    assert csv_cell(None) == ""
    assert csv_cell(Path("=x")) == "'=x"


def test_the_csv_text_reads_back_with_neutralised_cells_and_numbers_intact():
    content = csv_text(["id", "amount"], [{"id": "=1+1", "amount": -300}, ["@SUM(A1)", Decimal("9300")]],
                       delimiter=";", bom=True)
    assert content.startswith("\ufeffid;amount\n")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["id", "amount"], ["'=1+1", "-300"], ["'@SUM(A1)", "9300"]]


def test_a_row_with_a_column_the_header_lacks_is_refused():
    with pytest.raises(ValueError):
        csv_text(["id"], [{"id": "A", "extra": "B"}])


def test_pdf_text_is_shown_as_written_never_as_markup():
    styles = pdf_styles()
    pdf = pdf_bytes([text(LINK, styles["Normal"]), table([[text("Rubrik", styles["SmallBold"])],
                                                          [text(UNCLOSED, styles["Small"])]], [80])], title="Test")
    assert pdf.startswith(b"%PDF") and b"/URI" not in pdf and b"/Annot" not in pdf
    shown = pdf_text(pdf)
    assert LINK in shown and UNCLOSED in shown and "Rubrik" in shown


# Writing a CSV or putting text in a reportlab paragraph anywhere else would bypass the escaping.
BYPASSES = re.compile(r"\bParagraph\b|\bXPreformatted\b|\bListFlowable\b|csv\.writer\b|\bDictWriter\b|\bcanvas\.Canvas\b")


def test_no_module_but_core_writers_writes_csv_or_builds_pdf_paragraphs():
    writers = ROOT / "core" / "writers.py"
    offenders = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or "tests" in parts or "migrations" in parts or path == writers:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if BYPASSES.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
