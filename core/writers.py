"""The one place where the project writes CSV and PDF files. User text (names, reasons, ids from
an input file) reaches a file only through these functions, which make it inert:

- CSV: a text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a
  tab or a carriage return) gets a leading single quote, as OWASP recommends: the spreadsheet shows
  the text instead of running it. Numbers the program writes (int, Decimal) are left as they are,
  and so is text that is only a number (`-300`, `2.80`): a plain number runs nothing, and a
  program-made amount must stay a number in the file.
- PDF: reportlab's Paragraph reads its text as markup (`<a href>` makes a link, an unclosed tag
  makes the build fail), so `text()` escapes every string it is given. Bold headings are a style
  (`pdf_styles()["SmallBold"]`), not markup. Table cells given as plain strings are drawn as they
  are, never parsed.

See docs/decisions.md ("Exports").
"""

import csv
import io
import re
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Table, TableStyle

# --- CSV -------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


_FORMULA_CHARS = frozenset(FORMULA_START)


def csv_cell(value):
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value.__class__ is str:  # the common case first: a batch writes millions of cells
        if not value or value[0] not in _FORMULA_CHARS or PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header, rows, *, delimiter=",", lineterminator="\n", bom=False):
    """A CSV file's text: the header, then the rows (lists in header order, or dicts by column
    name), every cell through `csv_cell`. `bom` starts the text with a byte order mark."""
    return "".join(csv_pieces(header, rows, delimiter=delimiter, lineterminator=lineterminator, bom=bom,
                              rows_per_piece=None))


def csv_pieces(header, rows, *, delimiter=",", lineterminator="\n", bom=False, rows_per_piece=2000):
    """The same CSV text as `csv_text`, in pieces of `rows_per_piece` rows (None: one piece), for a
    streamed answer that never holds the whole file."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([csv_cell(name) for name in header])
    cell = csv_cell
    for index, row in enumerate(rows, 1):
        writer.writerow([cell(value) for value in (row if row.__class__ is list else _in_header_order(header, row))])
        if rows_per_piece and index % rows_per_piece == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _in_header_order(header, row):
    if not isinstance(row, dict):
        return row
    unknown = set(row) - set(header)
    if unknown:
        raise ValueError(f"Columns not in the header: {sorted(unknown)}")
    return [row.get(name) for name in header]


# --- PDF -------------------------------------------------------------------------------------------

def pdf_styles():
    """Reportlab's sample styles, plus Small and SmallBold (8 pt) for table cells."""
    styles = getSampleStyleSheet()
    styles.add(styles["BodyText"].clone("Small", fontSize=8, leading=10))
    styles.add(styles["Small"].clone("SmallBold", fontName="Helvetica-Bold"))
    return styles


def text(value, style):
    """A paragraph that shows `value` (any text, also user text) exactly as it is: escaped, so
    nothing in it is read as markup."""
    return Paragraph(escape(str(value)), style)


def bullets(values, style):
    """A bulleted list of texts, each shown as it is."""
    return ListFlowable([text(value, style) for value in values], bulletType="bullet")


def table(rows, widths, *, font_size=None):
    """A table with a header row repeated on each page, in the exports' look. Cells are plain
    values (drawn as they are) or flowables from `text()`."""
    result = Table(rows, repeatRows=1, colWidths=widths)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bcc8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if font_size:
        style.append(("FONTSIZE", (0, 0), (-1, -1), font_size))
    result.setStyle(TableStyle(style))
    return result


def pdf_bytes(story, *, title, pagesize=A4, margin=15 * mm):
    """The story built as a PDF document."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=title, author="Samverkan")
    doc.build(story)
    return buffer.getvalue()
