"""Synthetic ID-selfie photos for tests and benchmarks (no real ID documents exist here).

A "photo" is composed from: a textured room background, one real face (the public-domain
NASA portrait in tests/data/astronaut.jpg, the only face we have), an ID card with printed
text and a note with the request written on it. Knobs add the faults the pre-check looks
for: blur, glare (a clipped specular highlight over the card), mirroring, no face.

What is honest about these images: faces are detected on the real portrait only; mirrored
text is detected on rendered text (Pillow's bundled font), which is easier than a real
card photographed at an angle; blur and glare are simulated with Gaussian blur and a
clipped white highlight.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DATA = Path(__file__).parent / "data"

CARD_LINES = (
    "DRIVER LICENSE  JAPAN",
    "NAME  YAMADA HANAKO",
    "BORN  1990 APRIL 01",
    "ADDRESS  1-2-3 CHIYODA TOKYO",
    "NUMBER  123456789012",
    "VALID UNTIL  2031 MAY 01",
)
NOTE_LINES = ("2FA reset", "Hanako Yamada", "2026-11-21")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _background(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    base = 120 + 60 * y + 20 * x  # a wall lit from above
    noise = rng.normal(0, 2, (height, width)).astype(np.float32)
    rgb = np.stack([base * 0.95 + noise, base * 0.9 + noise, base * 0.8 + noise], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _card(width: int, height: int) -> Image.Image:
    card = Image.new("RGB", (width, height), (226, 232, 222))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(60, 90, 60), width=max(2, width // 150))
    photo_w = width // 4
    draw.rectangle(
        (width - photo_w - width // 20, height // 5, width - width // 20, height * 4 // 5),
        fill=(170, 160, 150),
    )
    font = _font(max(10, height // 11))
    line_h = height // len(CARD_LINES)
    for i, line in enumerate(CARD_LINES):
        draw.text((width // 25, i * line_h + line_h // 6), line, fill=(20, 20, 20), font=font)
    return card


def _note(width: int, height: int) -> Image.Image:
    note = Image.new("RGB", (width, height), (236, 236, 228))
    draw = ImageDraw.Draw(note)
    font = _font(max(10, height // 5))
    line_h = height // len(NOTE_LINES)
    for i, line in enumerate(NOTE_LINES):
        draw.text((width // 15, i * line_h + line_h // 8), line, fill=(25, 35, 110), font=font)
    return note.rotate(4, expand=False, fillcolor=(236, 236, 228))


def compose(
    width: int = 1600,
    height: int = 1200,
    *,
    face: bool = True,
    blur: float = 0.0,
    glare: bool = False,
    mirrored: bool = False,
    seed: int = 1,
) -> Image.Image:
    """Return an RGB PIL image of a synthetic ID selfie with the requested faults."""
    image = _background(width, height, seed)
    short = min(width, height)
    if face:
        portrait = Image.open(DATA / "astronaut.jpg").convert("RGB")
        size = int(short * 0.62)
        image.paste(portrait.resize((size, size), Image.Resampling.LANCZOS), (width // 20, height // 12))
    card_w = int(width * 0.42)
    card_h = int(card_w * 0.63)
    card_xy = (width - card_w - width // 25, height - card_h - height // 12)
    image.paste(_card(card_w, card_h), card_xy)
    note_w, note_h = int(width * 0.30), int(height * 0.22)
    image.paste(_note(note_w, note_h), (width - note_w - width // 20, height // 14))
    if glare:
        image = _add_glare(image, card_xy, (card_w, card_h))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur * short / 1200))
    if mirrored:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


def _add_glare(image: Image.Image, card_xy: tuple[int, int], card_wh: tuple[int, int]) -> Image.Image:
    arr = np.asarray(image).astype(np.float32)
    h, w = arr.shape[:2]
    cx = card_xy[0] + card_wh[0] * 0.45
    cy = card_xy[1] + card_wh[1] * 0.45
    ry, rx = card_wh[1] * 0.22, card_wh[0] * 0.2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    # A clipped core (d < 1) with a soft falloff around it, like light on a laminated card.
    strength = np.clip(1.6 - 0.6 * d, 0, 1)[..., None]
    arr = arr * (1 - strength) + 255 * strength
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        params.setdefault("quality", 90)
    image.save(out, format=fmt, **params)  # type: ignore[arg-type]
    return out.getvalue()


def id_selfie_bytes(width: int = 1600, height: int = 1200, fmt: str = "JPEG", **faults: object) -> bytes:
    return encode(compose(width, height, **faults), fmt)  # type: ignore[arg-type]
