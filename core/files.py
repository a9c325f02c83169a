"""Reading the CSV and TOML files that the batch commands, the API and the pages exchange.

A bad file is refused whole: `read_table` collects every problem with its line number, and the
caller adds its own per-row problems before raising `FileErrors`.
"""

import csv
import io
import tomllib
from decimal import Decimal
from pathlib import Path

from core.errors import ActionError


class FileErrors(Exception):
    """Problems in an input file: a list of (line number or None, message)."""

    def __init__(self, filename, problems):
        self.filename = filename
        self.problems = problems
        super().__init__(f"{filename}: {len(problems)} fel")

    def lines(self):
        return [f"{self.filename}:{line}: {message}" if line else f"{self.filename}: {message}"
                for line, message in self.problems]


def header_problems(header, columns):
    problems = []
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        problems.append((1, f"Kolumn finns flera gånger: {', '.join(duplicates)}."))
    missing = [c for c in columns if c not in header]
    if missing:
        problems.append((1, f"Kolumn saknas: {', '.join(missing)}."))
    unknown = [c for c in header if c not in columns]
    if unknown:
        problems.append((1, f"Okänd kolumn: {', '.join(unknown)}."))
    return problems


def _table_rows(text, columns, filename, problems):
    """(line number, {column: stripped text}) of each row, one at a time (a region's file has millions:
    neither the CSV rows nor the dicts are all held at once); bad rows go to `problems`. A missing or
    bad header raises FileErrors at once."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    first = next(reader, None)
    if not first or not any(cell.strip() for cell in first):
        raise FileErrors(filename, [(1, "Filen saknar rubrikrad.")])
    header = [cell.strip() for cell in first]
    problems.extend(header_problems(header, columns))
    if problems:
        raise FileErrors(filename, problems)
    width = len(header)
    for line, row in enumerate(reader, start=2):
        if len(row) != width:
            if any(cell.strip() for cell in row):
                problems.append((line, f"{len(row)} fält, rubrikraden har {width}."))
            continue
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        yield line, dict(zip(header, cells, strict=True))


def read_table(text, columns, filename):
    """The rows of a CSV with exactly `columns` in any order, as (line number, {column: stripped
    text}), and the problems found so far. A missing or bad header raises FileErrors at once."""
    problems = []
    return list(_table_rows(text, columns, filename, problems)), problems


def read_records(text, columns, filename, parse_row, key):
    """Every row of a CSV parsed by `parse_row(values) -> (record, problems)`, with `key` unique,
    or FileErrors listing every bad row (a file is taken whole or not at all)."""
    problems = []
    records, seen = [], {}
    for line, values in _table_rows(text, columns, filename, problems):
        record, row_problems = parse_row(values)
        if values[key] in seen:
            row_problems.append(f"{key} {values[key]!r} finns redan på rad {seen[values[key]]}")
        else:
            seen[values[key]] = line
        if row_problems:
            problems.append((line, "; ".join(row_problems)))
        else:
            records.append(record)
    if problems:
        raise FileErrors(filename, problems)
    return records


def load_toml(text, filename, known_keys):
    """A TOML input file's table (decimals as Decimal) and the problems found so far (unknown
    top-level keys, so a misspelt key is not silently a default). Bad TOML raises FileErrors."""
    try:
        data = tomllib.loads(text.lstrip("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise FileErrors(filename, [(None, f"Ogiltig TOML: {error}")]) from None
    return data, [(None, f"Okänd nyckel {key!r}.") for key in sorted(set(data) - known_keys)]


def is_count(value):
    """A whole number, 0 or more (TOML booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_input(path):
    """A UTF-8 input file's text; FileErrors when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileErrors(str(path), [(None, "filen finns inte.")]) from None
    except UnicodeDecodeError:
        raise FileErrors(str(path), [(None, "filen är inte UTF-8.")]) from None
    except OSError as error:
        raise FileErrors(str(path), [(None, f"kan inte läsas ({error.strerror}).")]) from None


MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def upload_text(upload, field, extensions):
    """An uploaded input file's text, checked for size, name and encoding (ActionError otherwise)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ActionError(f"Filen är större än {MAX_UPLOAD_BYTES // 1024 // 1024} MB.", field=field)
    if not (upload.name or "").lower().endswith(extensions):
        raise ActionError(f"Filen ska ha ändelsen {' eller '.join(extensions)}.", field=field)
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise ActionError("Filen är inte UTF-8.", field=field) from None


def as_action_error(error, field):
    """FileErrors as the API's field errors, one message per bad row."""
    return ActionError.many({field: [f"rad {line}: {message}" if line else message
                                     for line, message in error.problems]})


# --- Attachments (bilagor): documents and pictures people upload to share -------------------------

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# What a file must begin with to be what its name says. The content decides, not the name or the
# browser's Content-Type: a script renamed to .pdf is refused.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Word and Excel formats
_ZIP = b"PK\x03\x04"
ATTACHMENT_KINDS = {
    ".pdf": ("application/pdf", (b"%PDF-",), None),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",), None),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".doc": ("application/msword", (_OLE,), None),
    ".xls": ("application/vnd.ms-excel", (_OLE,), None),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,), "word/"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,), "xl/"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (_ZIP,), "ppt/"),
}


def check_attachment(upload, field="file"):
    """(safe file name, content type) of an uploaded document or picture whose content is what its
    name says (PDF, Word, Excel, PowerPoint, PNG, JPEG) and which is at most 20 MB; ActionError otherwise."""
    import zipfile
    from pathlib import PurePath

    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ActionError(f"Filen är större än {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.", field=field)
    if upload.size == 0:
        raise ActionError("Filen är tom.", field=field)
    name = PurePath((upload.name or "").replace("\\", "/")).name.strip()
    suffix = PurePath(name).suffix.lower()
    if suffix not in ATTACHMENT_KINDS:
        raise ActionError("Bilagor kan vara PDF, Word, Excel, PowerPoint, PNG eller JPEG.", field=field)
    content_type, starts, member_prefix = ATTACHMENT_KINDS[suffix]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(starts):
        raise ActionError(f"Filen är inte en riktig {suffix[1:].upper()}-fil.", field=field)
    if member_prefix:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            raise ActionError(f"Filen är inte en riktig {suffix[1:].upper()}-fil.", field=field) from None
        finally:
            upload.seek(0)
        if not any(n.startswith(member_prefix) for n in names) or any(n.lower().endswith(".bin") and "vbaproject" in n.lower() for n in names):
            raise ActionError(f"Filen är inte en riktig {suffix[1:].upper()}-fil (eller innehåller makron).", field=field)
    safe = "".join(c if c.isalnum() or c in " ._-()åäöÅÄÖ" else "_" for c in name)[:150] or f"bilaga{suffix}"
    return safe, content_type


# A picture this many pixels or more is refused (a small file that unpacks to a huge image).
MAX_ATTACHMENT_PIXELS = 40_000_000


def reencoded_picture(upload, content_type, field="file"):
    """The bytes of a PNG or JPEG attachment drawn again with Pillow, so that nothing of the file's
    metadata (EXIF with GPS position, camera and time; XMP; text chunks) is kept. The orientation in
    EXIF is applied first. ActionError when the file is not a picture after all."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    kind = {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(upload.read())) as probe:
            if probe.format != kind or probe.width * probe.height > MAX_ATTACHMENT_PIXELS:
                raise UnidentifiedImageError
            image = ImageOps.exif_transpose(probe)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ActionError(f"Filen är inte en riktig {'JPEG' if kind == 'JPEG' else kind}-fil.", field=field) from None
    finally:
        upload.seek(0)
    keep_alpha = kind == "PNG" and ("A" in image.getbands() or image.mode == "P")
    image = image.convert("RGBA" if keep_alpha else "RGB")
    image.info = {}
    out = io.BytesIO()
    image.save(out, format=kind, **({"quality": 90} if kind == "JPEG" else {}))
    return out.getvalue()
