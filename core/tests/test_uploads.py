"""core.uploads: content sniffing, limits, bombs, re-encoding, PDF structure."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.errors import ApplicationError
from core.uploads import ALL_KINDS, IMAGE_KINDS, inspect_upload, sanitise_upload
from recovery.tests.hostile import PDF_JS, hostile_files, small_jpeg

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 50_000_000, "min_side": 720}


def _photo_with_exif_and_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    gps = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


@pytest.mark.parametrize("hostile", hostile_files(), ids=lambda h: h.name)
def test_hostile_file_is_refused_with_a_clear_code(hostile):
    # given a hostile file sent with a harmless-looking name and declared type
    upload = SimpleUploadedFile(hostile.name, hostile.content, content_type=hostile.content_type)
    # when it is sanitised as an ID selfie
    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(upload, allowed=IMAGE_KINDS, **LIMITS)
    # then it is refused with the expected, stable code and a readable message
    assert caught.value.code == hostile.expected
    assert caught.value.status == 400
    assert len(caught.value.message) > 20


def test_corpus_has_at_least_twenty_distinct_hostile_files():
    files = hostile_files()
    assert len(files) >= 20
    assert len({f.content for f in files}) == len(files)


def test_exif_gps_and_comments_are_stripped_and_rotation_applied():
    # given a phone photo with make/model, GPS position, a comment and rotation
    data = _photo_with_exif_and_gps()
    assert b"PhoneModel" in data
    # when sanitised
    clean = sanitise_upload(data, allowed=IMAGE_KINDS, **LIMITS)
    # then no metadata survives and the pixels are upright
    assert clean.kind == "jpeg" and clean.content_type == "image/jpeg" and clean.extension == "jpg"
    assert b"PhoneModel" not in clean.content and b"secret comment" not in clean.content
    reopened = Image.open(io.BytesIO(clean.content))
    assert not reopened.getexif()
    assert "comment" not in reopened.info and "icc_profile" not in reopened.info
    assert (clean.width, clean.height) == (900, 1200) == reopened.size


def test_trailing_polyglot_payload_is_dropped_by_reencoding():
    # given a valid JPEG with an HTML payload appended (JPEG+HTML/ZIP polyglot); phones
    # append data after the image too (motion photos), so it is not refused but cleaned
    payload = b"<html><script>alert(1)</script></html>"
    clean = sanitise_upload(small_jpeg() + payload, allowed=IMAGE_KINDS, **LIMITS)
    assert payload not in clean.content
    assert clean.content.endswith(b"\xff\xd9")


@pytest.mark.parametrize("fmt,kind", [("PNG", "png"), ("WEBP", "webp"), ("JPEG", "jpeg")])
def test_each_image_type_is_recognised_by_content_not_name(fmt, kind):
    out = io.BytesIO()
    Image.new("RGBA" if fmt != "JPEG" else "RGB", (800, 760), (10, 20, 30)).save(out, format=fmt)
    upload = SimpleUploadedFile("photo.gif", out.getvalue(), content_type="text/plain")
    clean = sanitise_upload(upload, allowed=IMAGE_KINDS, **LIMITS)
    assert clean.kind == kind
    assert Image.open(io.BytesIO(clean.content)).format == fmt


def test_type_not_in_allowed_set_is_unsupported():
    out = io.BytesIO()
    Image.new("RGB", (800, 800)).save(out, format="PNG")
    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(out.getvalue(), allowed={"jpeg"}, **LIMITS)
    assert caught.value.code == "unsupported_type"
    assert "JPEG" in caught.value.message


def test_declared_size_over_limit_is_refused_without_reading():
    class Exploding(io.BytesIO):
        size = 100 * 1024 * 1024

        def read(self, *args, **kwargs):  # pragma: no cover - must not be called
            raise AssertionError("read a file that was declared too large")

    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(Exploding(), allowed=IMAGE_KINDS, **LIMITS)
    assert caught.value.code == "too_large"


def test_inspect_upload_checks_header_dimensions_without_decoding():
    info = inspect_upload(small_jpeg(1000, 800), allowed=IMAGE_KINDS, **LIMITS)
    assert (info.kind, info.width, info.height) == ("jpeg", 1000, 800)


def test_messages_are_translated_to_japanese():
    with translation.override("ja"), pytest.raises(ApplicationError) as caught:
        sanitise_upload(b"hello", allowed=IMAGE_KINDS, **LIMITS)
    assert caught.value.code == "not_an_image"
    assert "画像ではありません" in caught.value.message


# --------------------------------------------------------------------------- PDF


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_plain_pdf_is_accepted_and_rewritten_by_a_pdf_library():
    import pikepdf

    made = io.BytesIO()
    with pikepdf.new() as new:
        new.add_blank_page(page_size=(200, 200))
        new.save(made)
    data = made.getvalue()
    clean = sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    assert (clean.kind, clean.content_type, clean.extension) == ("pdf", "application/pdf", "pdf")
    assert clean.width is None
    assert clean.content != data  # a fresh file written by qpdf, with a proper cross-reference table
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        assert pdf.Root.Type == "/Catalog"


def _pdf_with_object_stream(action: bytes, *, filter_name: bytes, encode) -> bytes:
    """A PDF 1.5 whose /OpenAction dictionary (object 4) lives only inside an object stream
    (object 5) encoded with ``filter_name``; a cross-reference stream (object 6) indexes it."""
    inner = b"4 0 " + action
    objstm_data = encode(inner)
    parts: list[bytes] = [b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"]
    offsets: dict[int, int] = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = sum(len(p) for p in parts)
        parts.append(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(1, b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>")
    add(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
    add(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>")
    add(
        5,
        b"<</Type/ObjStm/N 1/First 4/Filter/"
        + filter_name
        + b"/Length %d>>stream\n" % len(objstm_data)
        + objstm_data
        + b"\nendstream",
    )
    xref_offset = sum(len(p) for p in parts)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]  # object 0: free
    for number in (1, 2, 3):
        rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x02" + (5).to_bytes(4, "big") + b"\x00\x00")  # object 4: in object stream 5, index 0
    rows.append(b"\x01" + offsets[5].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00")  # object 6 itself
    table = b"".join(rows)
    parts.append(
        b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    )
    return b"".join(parts)


def _ascii_hex(data: bytes) -> bytes:
    return data.hex().encode() + b">"


def _ascii_85(data: bytes) -> bytes:
    import base64

    return base64.a85encode(data) + b"~>"


@pytest.mark.parametrize(
    ("filter_name", "encode"),
    [(b"ASCIIHexDecode", _ascii_hex), (b"ASCII85Decode", _ascii_85)],
    ids=["asciihex", "ascii85"],
)
def test_javascript_open_action_hidden_in_an_ascii_filtered_object_stream_is_refused(filter_name, encode):
    import pikepdf

    data = _pdf_with_object_stream(b"<</S/JavaScript/JS(app.alert(1))>>", filter_name=filter_name, encode=encode)
    # (the file is a real PDF: a reader would run the script on open)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.Root.OpenAction.S == "/JavaScript"
    assert b"JavaScript" not in data  # nothing for a byte scanner to see

    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    assert caught.value.code == "unsafe_pdf"


@pytest.mark.parametrize(
    "action",
    [b"<</S/Launch/F(cmd.exe)>>", b"<</S/SubmitForm/F(https://evil.example/)>>", b"<</Type/Filespec/EF<<>>>>"],
    ids=["launch", "submit", "embedded"],
)
def test_other_active_content_in_an_encoded_object_stream_is_refused(action):
    data = _pdf_with_object_stream(action, filter_name=b"ASCIIHexDecode", encode=_ascii_hex)
    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    assert caught.value.code == "unsafe_pdf"


def test_a_harmless_open_action_is_removed_from_the_stored_copy():
    import pikepdf

    data = _pdf_with_object_stream(b"[3 0 R/Fit]", filter_name=b"ASCII85Decode", encode=_ascii_85)
    clean = sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        assert "/OpenAction" not in pdf.Root
        assert len(pdf.pages) == 1


@pytest.mark.parametrize(
    "data",
    [
        PDF_JS,
        _pdf(b"1 0 obj<</Type/Action/S/Launch/F(cmd.exe)>>endobj"),
        _pdf(b"1 0 obj<</Names<</EmbeddedFiles 2 0 R>>>>endobj"),
        _pdf(b"1 0 obj<</S/J#61vaScript/JS 2 0 R>>endobj"),  # name obfuscated with #xx
        _pdf(b"1 0 obj<</AA<</O 2 0 R>>>>endobj"),
        _pdf(b"1 0 obj<</Encrypt 2 0 R>>endobj"),
        # the JavaScript hidden inside a compressed object stream
        _pdf(
            b"1 0 obj<</Type/ObjStm/Filter/FlateDecode>>stream\n"
            + __import__("zlib").compress(b"<</S/JavaScript/JS(app.alert(1))>>")
            + b"\nendstream endobj"
        ),
        b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n",  # no %%EOF: truncated
        b"%PDF-x.y\n%%EOF",  # broken header
    ],
    ids=["js", "launch", "embedded", "hex-name", "additional-actions", "encrypted", "objstm", "truncated", "header"],
)
def test_active_or_broken_pdf_is_refused(data):
    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    assert caught.value.code == "unsafe_pdf"


def test_pdf_zip_bomb_is_refused():
    import zlib

    bomb = zlib.compress(b"\x00" * (80 * 1024 * 1024), 9)
    data = _pdf(b"1 0 obj<</Filter/FlateDecode>>stream\n" + bomb + b"\nendstream endobj")
    with pytest.raises(ApplicationError) as caught:
        sanitise_upload(data, allowed=ALL_KINDS, **LIMITS)
    assert caught.value.code == "unsafe_pdf"
