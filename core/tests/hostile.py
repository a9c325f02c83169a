"""Hostile user text for the export tests, and what a safe PDF or CSV cell looks like.

No PDF text extractor is installed, so `pdf_text` reads reportlab's own output: its page streams
(ASCII85 + Flate) and the strings shown with `Tj`.
"""

import base64
import re
import zlib

# Reportlab's paragraph markup: a link annotation to a phishing site, and a tag that breaks the parser.
LINK = '<a href="https://evil.example">Klicka</a>'
UNCLOSED = "<b>unclosed"
MARKUP = [LINK, UNCLOSED, '<link href="https://evil.example">här</link>', "&nbsp;<br/>&bogus;"]

# What a spreadsheet runs as a formula (OWASP's list of leading characters).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def is_neutralised(cell, value):
    """The cell shows `value` as text: prefixed with a single quote, so no spreadsheet runs it."""
    return cell == "'" + value


def assert_no_formula(rows):
    """No cell of a CSV (rows of strings) starts like a formula."""
    cells = [cell for row in rows for cell in (row.values() if isinstance(row, dict) else row)]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]


def _streams(pdf):
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1).strip()
        yield zlib.decompress(base64.a85decode(data[:-2] if data.endswith(b"~>") else data))


_PDF_STRING = re.compile(rb"\(((?:[^\\)]|\\.)*)\)\s*Tj|(T\*|ET)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def _unescape(raw):
    def one(match):
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(code, code)
    return _ESCAPE.sub(one, raw).decode("cp1252")


def pdf_text(pdf):
    """The text a reportlab PDF shows, a line break where a line ends."""
    parts = []
    for stream in _streams(pdf):
        for match in _PDF_STRING.finditer(stream):
            parts.append(_unescape(match.group(1)) if match.group(1) is not None else "\n")
    return "".join(parts)


def assert_safe_pdf(response, *shown):
    """The PDF was made (no server error), has no link annotation, and shows each of `shown`
    literally (whitespace aside: a table cell may wrap it)."""
    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"/URI" not in pdf and b"/Annot" not in pdf
    text = "".join(pdf_text(pdf).split())
    for value in shown:
        assert "".join(value.split()) in text, value
