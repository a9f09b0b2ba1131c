"""Upload sanitising shared by every app that accepts files from customers.

Owner: recovery (ID selfies); also used by support (inquiry attachments).

Public API (stable; other apps code against exactly this)::

    from core.uploads import IMAGE_KINDS, SanitisedUpload, inspect_upload, sanitise_upload

    clean = sanitise_upload(
        request.FILES["image"],          # UploadedFile, any binary file object, or bytes
        allowed=IMAGE_KINDS,             # subset of {"jpeg", "png", "webp", "pdf"}
        max_bytes=10 * 1024 * 1024,
        max_pixels=40_000_000,
        min_side=0,                      # optional: smallest accepted width/height (too_small)
    )
    clean.content       # bytes to store: images fully decoded and re-encoded
                        # (EXIF/GPS/ICC/comments/trailing data gone, EXIF rotation applied);
                        # PDFs are parsed and written afresh by qpdf (pikepdf): active
                        # content refused whatever the stream filters, open/additional
                        # actions and forms removed
    clean.content_type  # "image/jpeg" | "image/png" | "image/webp" | "application/pdf"
    clean.extension     # "jpg" | "png" | "webp" | "pdf"  (use it; never the client's name)
    clean.kind          # "jpeg" | "png" | "webp" | "pdf"
    clean.width, clean.height   # int for images, None for PDFs
    clean.sha256        # hex digest of clean.content

Errors: ``core.errors.ApplicationError`` (status 400) with one of these stable codes and a
message in the active language (ja/en):

    empty_file        the file has no content
    too_large         more than max_bytes, or width*height above max_pixels
                      (checked from the header *before* any decoding: decompression bombs)
    too_small         width or height below min_side
    unsupported_type  a recognised type that is not allowed (GIF, SVG, HEIC, PDF where only
                      images are allowed, ZIP, HTML, executables, ...)
    not_an_image      content is not any known type while images were expected
    corrupt_file      the content claims a known type but cannot be fully decoded
                      (truncated, broken headers, garbage after a magic number)
    unsafe_pdf        PDF with JavaScript, launch/submit/import actions, embedded files,
                      XFA forms, encryption, or a broken structure (header/%%EOF)

``inspect_upload(file, *, allowed, max_bytes, max_pixels, min_side=0) -> InspectedUpload(data,
kind, width, height)`` runs every check short of decoding (same errors, no corrupt_file for
pixel data); use it for instant feedback only, never to store.

The client's file name and declared content type are never consulted: the type is
sniffed from the bytes. Nothing is written anywhere: the caller stores ``content`` only
after this function returned.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO, Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from core.errors import ApplicationError, CoreErrorCode

IMAGE_KINDS: frozenset[str] = frozenset({"jpeg", "png", "webp"})
ALL_KINDS: frozenset[str] = IMAGE_KINDS | {"pdf"}

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "pdf": "pdf"}
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}

# Hard ceiling independent of the caller's max_pixels: no single side beyond this.
MAX_SIDE = 20_000
# PDF: total bytes we are willing to inflate while scanning compressed streams.
PDF_MAX_INFLATED = 64 * 1024 * 1024

ERROR_CODES = (
    "empty_file",
    "too_large",
    "too_small",
    "unsupported_type",
    "not_an_image",
    "corrupt_file",
    "unsafe_pdf",
)


@dataclass(frozen=True, slots=True)
class SanitisedUpload:
    content: bytes
    content_type: str
    extension: str
    kind: str
    width: int | None
    height: int | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


# --------------------------------------------------------------------------- errors


def _error(code: CoreErrorCode, **params: Any) -> ApplicationError:
    messages = {
        "empty_file": _("The file is empty. Please choose the file again."),
        "too_large": _("The file is too large. The limit is %(limit)s."),
        "too_large_pixels": _(
            "The image has too many pixels (%(width)s × %(height)s). "
            "Please send a smaller photo (at most %(limit)s megapixels)."
        ),
        "too_small": _(
            "The image is too small (%(width)s × %(height)s). "
            "Please send a photo at least %(min_side)s pixels wide and high."
        ),
        "unsupported_type": _("This file type is not accepted. Accepted types: %(allowed)s."),
        "not_an_image": _("This file is not an image. Please send a photo in JPEG, PNG or WebP format."),
        "corrupt_file": _("The file is damaged or incomplete and cannot be opened. Please send it again."),
        "unsafe_pdf": _(
            "This PDF cannot be accepted because it contains active content "
            "(scripts, actions, attachments, forms or encryption) or is damaged. "
            "Please send a plain PDF or a screenshot instead."
        ),
    }
    key = str(code)
    if code == CoreErrorCode.TOO_LARGE and "width" in params:
        key = "too_large_pixels"
    message = messages[key] % params if params else messages[key]
    return ApplicationError(code, message, status=400)


def _human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} B"


def _allowed_label(allowed: Collection[str]) -> str:
    order = ["jpeg", "png", "webp", "pdf"]
    names = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "pdf": "PDF"}
    return ", ".join(names[k] for k in order if k in allowed)


# --------------------------------------------------------------------------- reading


def _read_limited(file: Any, max_bytes: int) -> bytes:
    """Read at most max_bytes + 1 bytes (so an oversize file is detected, never slurped)."""
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
        if len(data) > max_bytes:
            raise _error(CoreErrorCode.TOO_LARGE, limit=_human_bytes(max_bytes))
        return data
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _error(CoreErrorCode.TOO_LARGE, limit=_human_bytes(max_bytes))
    stream: IO[bytes] = file
    if hasattr(stream, "seek"):
        try:
            stream.seek(0)
        except (OSError, ValueError):
            pass
    data = stream.read(max_bytes + 1)
    if isinstance(data, str):  # pragma: no cover - text-mode file handed in by mistake
        raise _error(CoreErrorCode.CORRUPT_FILE)
    if len(data) > max_bytes:
        raise _error(CoreErrorCode.TOO_LARGE, limit=_human_bytes(max_bytes))
    return bytes(data)


# --------------------------------------------------------------------------- sniffing


def sniff_kind(head: bytes) -> str | None:
    """Return "jpeg" | "png" | "webp" | "pdf" from the magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"8BPS", "psd"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
)


def _recognise_other(head: bytes) -> str | None:
    """Known types we refuse, for a clearer 'unsupported_type' than 'not_an_image'."""
    for magic, name in _OTHER_SIGNATURES:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "isobmff"  # HEIC/HEIF/AVIF/MP4
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for marker in (b"<?xml", b"<svg", b"<!doctype", b"<html", b"<script"):
        if text.startswith(marker):
            return "markup"
    return None


# --------------------------------------------------------------------------- image headers


def _header_dimensions(kind: str, data: bytes) -> tuple[int, int]:
    """Parse width/height from the container header without decoding pixel data.

    Raises corrupt_file when the header cannot be found.
    """
    try:
        if kind == "png":
            if data[12:16] != b"IHDR":
                raise ValueError("no IHDR")
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if kind == "jpeg":
            return _jpeg_dimensions(data)
        if kind == "webp":
            return _webp_dimensions(data)
    except (ValueError, struct.error, IndexError):
        pass
    raise _error(CoreErrorCode.CORRUPT_FILE)


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise ValueError("bad marker")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            raise ValueError("bad segment length")
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        if marker == 0xDA:  # start of scan before any frame header
            raise ValueError("scan before frame")
        i += 2 + length
    raise ValueError("no frame header")


def _webp_dimensions(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            raise ValueError("bad VP8 start code")
        w, h = struct.unpack("<HH", data[26:30])
        return int(w & 0x3FFF), int(h & 0x3FFF)
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            raise ValueError("bad VP8L signature")
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise ValueError("unknown WebP chunk")


# --------------------------------------------------------------------------- images


def _sanitise_image(kind: str, data: bytes, *, max_pixels: int, min_side: int) -> SanitisedUpload:
    width, height = _header_dimensions(kind, data)
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as opened:
            # Pillow's own header parse must agree with ours (no second, larger frame).
            if opened.size != (width, height):
                _check_dimensions(*opened.size, max_pixels=max_pixels, min_side=min_side)
            opened.load()  # full decode: truncated/corrupt data fails here
            image = ImageOps.exif_transpose(opened) or opened
    except ApplicationError:
        raise
    except Image.DecompressionBombError as exc:
        raise _error(CoreErrorCode.TOO_LARGE, width=width, height=height, limit=_megapixels(max_pixels)) from exc
    except Exception as exc:
        raise _error(CoreErrorCode.CORRUPT_FILE) from exc
    image.info = {}  # drop EXIF/XMP/ICC/text chunks so no encoder can copy them over
    return _reencode(kind, image)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _check_dimensions(width: int, height: int, *, max_pixels: int, min_side: int) -> None:
    if width <= 0 or height <= 0:
        raise _error(CoreErrorCode.CORRUPT_FILE)
    if width > MAX_SIDE or height > MAX_SIDE or width * height > max_pixels:
        raise _error(CoreErrorCode.TOO_LARGE, width=width, height=height, limit=_megapixels(max_pixels))
    if min_side and (width < min_side or height < min_side):
        raise _error(CoreErrorCode.TOO_SMALL, width=width, height=height, min_side=min_side)


def _reencode(kind: str, image: Image.Image) -> SanitisedUpload:
    """Encode fresh pixels only: no EXIF, GPS, XMP, ICC, comments or trailing bytes survive."""
    out = io.BytesIO()
    if kind == "jpeg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90)
    elif kind == "png":
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, format="PNG", compress_level=6)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, format="WEBP", quality=90, method=4, exif=b"", xmp=b"", icc_profile=b"")
    width, height = image.size
    return SanitisedUpload(
        content=out.getvalue(),
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind],
        kind=kind,
        width=width,
        height=height,
    )


# --------------------------------------------------------------------------- PDF

# Names that make a PDF active. Matched on whole names after #xx escapes are decoded.
_PDF_FORBIDDEN_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToR",
        b"GoToE",
        b"Sound",
        b"Movie",
        b"Encrypt",
    }
)
_PDF_NAME_RE = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM_RE = re.compile(rb"(?<!end)stream\r?\n")  # not the "endstream" of the previous one


def _pdf_names(chunk: bytes) -> set[bytes]:
    names = set()
    for raw in _PDF_NAME_RE.findall(chunk):
        names.add(_PDF_HEX_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw))
    return names


def _inflate_streams(data: bytes) -> list[bytes]:
    """Inflate every zlib-compressed stream (object streams may hide the names above)."""
    inflated: list[bytes] = []
    budget = PDF_MAX_INFLATED
    for match in _PDF_STREAM_RE.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end == -1:
            raise _error(CoreErrorCode.UNSAFE_PDF)
        body = data[start:end]
        if not body[:1] or body[0] & 0x0F != 8:  # not a zlib header (CM=8); scanned raw already
            continue
        decompressor = zlib.decompressobj()
        try:
            out = decompressor.decompress(body, budget + 1)
        except zlib.error:
            continue  # not Flate (e.g. DCT image data that happens to look like zlib)
        if len(out) > budget or decompressor.unconsumed_tail:
            raise _error(CoreErrorCode.UNSAFE_PDF)  # a zip bomb inside a PDF
        budget -= len(out)
        inflated.append(out)
    return inflated


# Action types (/S) and annotation subtypes that make a PDF do something by itself.
_PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/Sound",
        "/Movie",
        "/Rendition",
        "/RichMediaExecute",
        "/Hide",
        "/SetOCGState",
        "/Trans",
        "/GoTo3DView",
    }
)
_PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia", "/EF"})
_PDF_ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Sound", "/Movie", "/Screen", "/3D"})
PDF_MAX_OBJECTS = 200_000


def _pdf_refuse_active(pdf: Any) -> None:
    """Refuse on any active object, wherever it sits: qpdf has already decoded object streams
    and cross-reference streams, whatever their filters (Flate, ASCIIHex, ASCII85, LZW, ...)."""
    import pikepdf

    count = 0
    for obj in pdf.objects:
        count += 1
        if count > PDF_MAX_OBJECTS:
            raise _error(CoreErrorCode.UNSAFE_PDF)
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        keys = set(obj.keys())
        if keys & _PDF_ACTIVE_KEYS:
            raise _error(CoreErrorCode.UNSAFE_PDF)
        for key, forbidden in (("/S", _PDF_ACTIVE_ACTIONS), ("/Subtype", _PDF_ACTIVE_SUBTYPES)):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in forbidden:
                raise _error(CoreErrorCode.UNSAFE_PDF)
        if str(obj.get("/Type", "")) in {"/EmbeddedFile", "/Filespec"}:
            raise _error(CoreErrorCode.UNSAFE_PDF)


def _pdf_strip_triggers(pdf: Any) -> None:
    """Remove what runs on its own (open action, additional actions) even when it is harmless."""
    for holder in [pdf.Root, *(page.obj for page in pdf.pages)]:
        for key in ("/OpenAction", "/AA"):
            if key in holder:
                del holder[key]
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []) or []:
            try:
                if "/AA" in annot:
                    del annot["/AA"]
            except (TypeError, ValueError):  # pragma: no cover - a malformed annotation entry
                raise _error(CoreErrorCode.UNSAFE_PDF) from None
    if "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]  # interactive forms: a screenshot of one is what support needs


def _rewrite_pdf(data: bytes) -> bytes:
    """Parse with qpdf (pikepdf), refuse active content, drop triggers, write a fresh file."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data), suppress_warnings=True) as pdf:
            if pdf.is_encrypted:
                raise _error(CoreErrorCode.UNSAFE_PDF)
            _pdf_refuse_active(pdf)
            _pdf_strip_triggers(pdf)
            out = io.BytesIO()
            pdf.remove_unreferenced_resources()
            pdf.save(
                out,
                compress_streams=True,
                object_stream_mode=pikepdf.ObjectStreamMode.disable,
                deterministic_id=True,
                fix_metadata_version=False,
            )
    except ApplicationError:
        raise
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, RuntimeError, RecursionError) as exc:
        raise _error(CoreErrorCode.UNSAFE_PDF) from exc
    return out.getvalue()


def _sanitise_pdf(data: bytes) -> SanitisedUpload:
    if not re.match(rb"%PDF-[12]\.\d", data[:8]):
        raise _error(CoreErrorCode.UNSAFE_PDF)
    if b"%%EOF" not in data[-1024:]:
        raise _error(CoreErrorCode.UNSAFE_PDF)
    # First layer: names in the raw bytes and in Flate streams (cheap, refuses zip bombs).
    names = _pdf_names(data)
    for inflated in _inflate_streams(data):
        names |= _pdf_names(inflated)
    if names & _PDF_FORBIDDEN_NAMES:
        raise _error(CoreErrorCode.UNSAFE_PDF)
    # /AA = additional actions (on open/close/page view).
    if b"AA" in names:
        raise _error(CoreErrorCode.UNSAFE_PDF)
    # Second layer: a real PDF parser, whatever the filters; the stored file is its output.
    content = _rewrite_pdf(data)
    return SanitisedUpload(
        content=content,
        content_type=CONTENT_TYPES["pdf"],
        extension=EXTENSIONS["pdf"],
        kind="pdf",
        width=None,
        height=None,
    )


# --------------------------------------------------------------------------- entry point


@dataclass(frozen=True, slots=True)
class InspectedUpload:
    """An upload that passed every check that needs no decoding (see inspect_upload)."""

    data: bytes
    kind: str
    width: int | None
    height: int | None


def inspect_upload(
    file: Any,
    *,
    allowed: Collection[str],
    max_bytes: int,
    max_pixels: int,
    min_side: int = 0,
) -> InspectedUpload:
    """Size, content sniffing and header dimensions: every check short of decoding.

    Cheap enough for instant feedback (the ID-selfie pre-check decodes a reduced copy
    itself). It does NOT make the bytes safe to store: use sanitise_upload for that.
    """
    unknown = set(allowed) - ALL_KINDS
    if unknown or not allowed:
        raise ValueError(f"unknown upload kinds: {sorted(unknown)}")
    data = _read_limited(file, max_bytes)
    if not data:
        raise _error(CoreErrorCode.EMPTY_FILE)
    kind = sniff_kind(data[:16])
    images_only = set(allowed) <= IMAGE_KINDS
    if kind is None:
        if _recognise_other(data) is None and images_only:
            raise _error(CoreErrorCode.NOT_AN_IMAGE)
        raise _error(CoreErrorCode.UNSUPPORTED_TYPE, allowed=_allowed_label(allowed))
    if kind not in allowed:
        raise _error(CoreErrorCode.UNSUPPORTED_TYPE, allowed=_allowed_label(allowed))
    if kind == "pdf":
        return InspectedUpload(data=data, kind=kind, width=None, height=None)
    width, height = _header_dimensions(kind, data)
    _check_dimensions(width, height, max_pixels=max_pixels, min_side=min_side)
    return InspectedUpload(data=data, kind=kind, width=width, height=height)


def sanitise_upload(
    file: Any,
    *,
    allowed: Collection[str],
    max_bytes: int,
    max_pixels: int,
    min_side: int = 0,
) -> SanitisedUpload:
    """Validate an upload by content and return a clean copy that is safe to store.

    See the module docstring for the contract and error codes.
    """
    inspected = inspect_upload(file, allowed=allowed, max_bytes=max_bytes, max_pixels=max_pixels, min_side=min_side)
    if inspected.kind == "pdf":
        return _sanitise_pdf(inspected.data)
    return _sanitise_image(inspected.kind, inspected.data, max_pixels=max_pixels, min_side=min_side)


def private_file_response(file: Any, *, content_type: str, filename: str) -> FileResponse:
    """A stored upload handed back to someone allowed to see it: always a download, never
    sniffed, rendered or cached, and inert if opened (``sandbox``). Attachments of inquiries
    and chats and the ID selfies all leave through here."""
    response = FileResponse(file.open("rb"), content_type=content_type, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
