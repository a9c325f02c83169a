"""Pictures from residents' phones: JPEG, PNG or HEIC, recognised by content (not by name), at most
MAX_BYTES, and re-encoded with Pillow so that no metadata survives (EXIF with GPS position,
camera, time; XMP; ICC comments). The orientation in EXIF is applied first, so the picture still
stands the right way up once the EXIF is gone."""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ActionError

try:  # HEIC (iPhone) through pillow-heif; without it HEIC is refused like any unknown format.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

MAX_BYTES = 10 * 1024 * 1024
MAX_PICTURES = 5
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/jpeg"}
# Decompression bombs: a small file that unpacks to a huge image.
MAX_PIXELS = 40_000_000


def clean(upload):
    """(bytes, content type, width, height) of the re-encoded picture, or ActionError in Swedish."""
    name = upload.name or "bilden"
    if upload.size > MAX_BYTES:
        raise ActionError(f"{name} är större än 10 MB. Välj en mindre bild – inget annat du skrivit försvinner.",
                          field="pictures")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in ACCEPTED:
                raise UnidentifiedImageError
            if probe.width * probe.height > MAX_PIXELS:
                raise ActionError(f"{name} har för många bildpunkter.", field="pictures")
            image = ImageOps.exif_transpose(probe)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ActionError(f"{name} är ingen bild i formatet JPEG, PNG eller HEIC.", field="pictures") from None
    out = io.BytesIO()
    # A new image with nothing of the old file's info: EXIF, XMP, text chunks all stay behind.
    image = image.convert("RGBA" if kind == "PNG" and ("A" in image.getbands() or image.mode == "P") else "RGB")
    image.info = {}
    if kind == "PNG":
        image.save(out, format="PNG")
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=88)
        content_type = "image/jpeg"
    return out.getvalue(), content_type, image.width, image.height
