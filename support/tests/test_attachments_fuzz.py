"""Hostile attachments are refused and nothing is stored (no inquiry, no message, no file)."""

import io
import random
import zlib
from pathlib import Path

import pytest
from PIL import Image

from core.errors import ApplicationError
from support import services
from support.models import Attachment, Inquiry, Message
from support.tests.factories import create_funds, png_bytes, upload

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "support"
    return list(root.glob("*")) if root.exists() else []


def _bomb_png() -> bytes:
    # a PNG header claiming 50000 x 50000 pixels (decompression bomb)
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    return out.getvalue()


HOSTILE = {
    "svg_script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "x.svg",
        "image/svg+xml",
    ),
    "html_as_png": (b"<!doctype html><script>alert(document.cookie)</script>", "x.png", "image/png"),
    "empty": (b"", "x.png", "image/png"),
    "truncated_png": (png_bytes()[:40], "x.png", "image/png"),
    "png_magic_garbage": (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50, "x.png", "image/png"),
    "jpeg_magic_garbage": (b"\xff\xd8\xff\xe0" + b"\x13" * 200, "x.jpg", "image/jpeg"),
    "gif": (_gif(), "x.gif", "image/gif"),
    "zip": (b"PK\x03\x04" + b"\x00" * 100, "x.pdf", "application/pdf"),
    "exe": (b"MZ\x90\x00" + b"\x00" * 100, "x.png", "image/png"),
    "pdf_js": (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF",
        "x.pdf",
        "application/pdf",
    ),
    "pdf_no_eof": (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n", "x.pdf", "application/pdf"),
    "bomb": (_bomb_png(), "x.png", "image/png"),
    "too_large": (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024 + 1), "x.png", "image/png"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_on_create_is_refused_and_nothing_stored(user_factory, settings, case):
    customer = user_factory()
    content, name, ctype = HOSTILE[case]
    with pytest.raises(ApplicationError) as exc:
        create_funds(customer, attachments=[upload(name, content, ctype)])
    assert exc.value.status == 400
    assert "attachments" in exc.value.fields
    assert Inquiry.objects.count() == 0 and Message.objects.count() == 0 and Attachment.objects.count() == 0
    assert _stored_files(settings) == []


@pytest.mark.parametrize("case", ["svg_script", "pdf_js", "html_as_png"])
def test_hostile_file_on_reply_is_refused(user_factory, settings, case):
    customer = user_factory()
    inquiry = create_funds(customer)
    content, name, ctype = HOSTILE[case]
    with pytest.raises(ApplicationError):
        services.inquiry_reply_customer(
            inquiry=inquiry, user=customer, body="追加の資料です。", attachments=[upload(name, content, ctype)]
        )
    assert Message.objects.filter(inquiry=inquiry).count() == 1
    assert Attachment.objects.count() == 0 and _stored_files(settings) == []


def test_one_bad_file_among_good_ones_refuses_all(user_factory, settings):
    customer = user_factory()
    files = [upload("ok.png", png_bytes()), upload("bad.svg", HOSTILE["svg_script"][0], "image/svg+xml")]
    with pytest.raises(ApplicationError):
        create_funds(customer, attachments=files)
    assert Attachment.objects.count() == 0 and _stored_files(settings) == []


def test_random_mutations_never_crash_and_never_store_unchecked_bytes(user_factory, settings):
    customer = user_factory()
    inquiry = create_funds(customer)
    rng = random.Random(20261121)  # deterministic fuzz
    seed = png_bytes((32, 32))
    for _ in range(60):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)
        try:
            services.inquiry_reply_customer(
                inquiry=inquiry, user=customer, body="fuzz test message", attachments=[upload("f.png", bytes(data))]
            )
        except ApplicationError as exc:
            assert exc.status in (400, 429)
    for att in Attachment.objects.all():
        stored = att.file.read()
        # whatever was accepted was decoded and re-encoded: a clean image
        Image.open(io.BytesIO(stored)).verify()
        assert att.content_type in ("image/png", "image/jpeg", "image/webp")
